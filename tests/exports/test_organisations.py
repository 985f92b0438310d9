"""The team's organisations as CSV: every one, or those of the status the list shows."""

from __future__ import annotations

from brokerage.organisations.models import (
    MembershipRole,
    OrganisationKind,
    OrganisationStatus,
)
from tests import factories
from tests.exports.reading import (
    body,
    column,
    filename,
    read_csv,
    refused,
    statements_for,
)

URL = "/team/organisations/all.csv"


def test_only_the_team_downloads_organisations(client, login, make):
    refused(client, login, make, URL)
    login(make.team_member())
    assert client.get(URL).status_code == 200


def test_every_organisation_with_what_the_team_needs_to_know(client, login, make):
    owner = make.user(name="Olive Owner", email="olive@example.org")
    org = make.organisation(
        owner,
        name="Armley Digital",
        ward_ids=[factories.ward("kirkstall").id, factories.ward("armley").id],
        beneficiary_group_ids=[
            factories.group("young-people").id,
            factories.group("older-people").id,
        ],
        website="https://armley.example.org",
    )
    make.member(org, make.user(name="Mo Member"))
    make.member(org, make.user(name="Ola Other", email="ola@example.org"), MembershipRole.OWNER)
    make.organisation(
        name="Bytes Ltd", kind=OrganisationKind.COMPANY, status=OrganisationStatus.PENDING
    )
    login(make.team_member())

    response = client.get(URL)
    assert filename(response).startswith("organisations-")
    rows = read_csv(response)
    assert rows[0] == [
        "Organisation ID",
        "Name",
        "Kind",
        "Type",
        "Status",
        "Registered with",
        "Registration number",
        "Address line 1",
        "Address line 2",
        "Town",
        "Postcode",
        "Wards",
        "Helps",
        "Website",
        "Owners",
        "Owners' emails",
        "Members",
        "Registered (UK time)",
        "Sent for verification (UK time)",
        "Decided (UK time)",
    ]
    # In the list's order (by name); wards and groups in their lists' order.
    armley = rows[1]
    assert column(rows, "Name") == ["Armley Digital", "Bytes Ltd"]
    assert armley[:5] == [
        str(org.id),
        "Armley Digital",
        "Community organisation",
        "Registered charity",
        "Verified",
    ]
    assert armley[11:17] == [
        "Armley, Kirkstall",
        "Older people, Young people",
        "https://armley.example.org",
        "Olive Owner; Ola Other",
        "olive@example.org; ola@example.org",
        "3",
    ]
    assert column(rows, "Status") == ["Verified", "Waiting for verification"]
    assert column(rows, "Decided (UK time)")[1] == ""
    # A time in Leeds, to the minute.
    assert len(armley[17]) == len("2026-11-21 15:52") and armley[17][4] == "-"


def test_the_status_of_the_list_is_kept_and_formulas_are_neutralised(client, login, make):
    make.organisation(name='=HYPERLINK("http://evil.example","Verify")')
    make.organisation(name="@Pending Place", status=OrganisationStatus.PENDING)
    make.organisation(name="-Minus Ltd", status=OrganisationStatus.PENDING)
    login(make.team_member())

    pending = client.get(URL, query_string={"status": "pending"})
    assert filename(pending).startswith("organisations-pending-")
    assert column(read_csv(pending), "Name") == ["'-Minus Ltd", "'@Pending Place"]
    everyone = read_csv(client.get(URL, query_string={"status": "nonsense"}))
    assert column(everyone, "Name") == [
        "'-Minus Ltd",
        '\'=HYPERLINK("http://evil.example","Verify")',
        "'@Pending Place",
    ]
    # Numbers are bare numbers: the id, the count of members.
    raw = body(client.get(URL)).splitlines()[1].split(",")
    assert raw[:2] == [everyone[1][0], "'-Minus Ltd"]
    assert raw[0].isdigit() and raw[16] == "1"


def test_the_pages_link_to_their_csv(client, login, make):
    login(make.team_member())
    html = client.get("/team/organisations/all", query_string={"status": "approved"})
    assert 'href="/team/organisations/all.csv?status=approved"' in html.get_data(as_text=True)
    assert 'href="/team/organisations/all.csv"' in client.get("/team/organisations/all").get_data(
        as_text=True
    )
    queue = client.get("/team/organisations").get_data(as_text=True)
    assert 'href="/team/organisations/all.csv?status=pending"' in queue


def test_the_download_costs_the_same_queries_for_2_or_20_organisations(client, login, make):
    login(make.team_member())
    for _ in range(2):
        make.organisation()
    with_2 = statements_for(client, URL)
    for _ in range(18):
        make.organisation()
    assert len(read_csv(client.get(URL))) == 21
    assert statements_for(client, URL) == with_2
