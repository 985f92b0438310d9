"""Organisation pages through the test client: registering, verification, joining, inviting,
what bad input gets back, and who may open which page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from brokerage.organisations import services as organisations_services
from brokerage.organisations.models import (
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationAction,
    OrganisationEvent,
    OrganisationKind,
    OrganisationStatus,
    OrganisationType,
    RegistrationScheme,
)
from tests import helpers
from tests.helpers import (
    csrf_token,
    emails_to,
    field_errors,
    link_in,
    page_text,
    submit,
    table_rows,
    texts,
)


def error_summary(response) -> list[str]:
    return [helpers.error_summary(response)]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def the_only(model):
    return db.session.scalars(select(model)).one()


def community_form(make, **overrides) -> dict:
    data = {
        "org_type": "registered_charity",
        "name": "Armley Digital Drop-in",
        "registration_scheme": "charity_ew",
        "registration_number": "1 234 567",
        "address_line_1": "1 Town Street",
        "address_line_2": "",
        "town": "Leeds",
        "postcode": "ls12 3ab",
        "wards": [make.ward("armley").id, make.ward("bramley-and-stanningley").id],
        "beneficiary_groups": [make.group("older-people").id, make.group("carers").id],
        "description": "Tuesday drop-ins where volunteers help people use their phones.",
        "website": "https://armley.example.org",
    }
    data.update(overrides)
    return data


def company_form(make, **overrides) -> dict:
    data = {
        "org_type": "private_limited",
        "name": "Aire Valley Software Ltd",
        "registration_scheme": "companies_house",
        "registration_number": "sc123456",
        "address_line_1": "4 Wellington Place",
        "address_line_2": "",
        "town": "Leeds",
        "postcode": "LS1 4AP",
        "wards": [make.ward("leeds-wide").id],
        "beneficiary_groups": [make.group("young-people").id],
        "description": "A software consultancy whose people volunteer two days a year.",
        "website": "",
    }
    data.update(overrides)
    return data


# --- Registering and verification --------------------------------------------------------------


def test_a_community_organisation_is_registered_questioned_resubmitted_and_verified(
    client, login, make
):
    owner = make.user(name="Dawn Okafor", email="dawn@example.org")
    team = make.team_member(name="Priya Shah")

    login(owner)
    choose = client.get("/organisations/new")
    assert 'href="/organisations/new/community"' in choose.get_data(as_text=True)
    response = submit(client, "/organisations/new/community", community_form(make))
    assert response.status_code == 302
    org = the_only(Organisation)
    assert response.headers["Location"] == f"/organisations/{org.id}"
    assert org.kind is OrganisationKind.COMMUNITY
    assert org.org_type is OrganisationType.REGISTERED_CHARITY
    assert org.registration_number == "1234567"
    assert org.postcode == "LS12 3AB"
    assert [w.slug for w in org.wards] == ["armley", "bramley-and-stanningley"]
    assert {g.slug for g in org.beneficiary_groups} == {"older-people", "carers"}
    assert org.website == "https://armley.example.org"
    assert org.owners == [owner]

    page = client.get(f"/organisations/{org.id}")
    assert "Armley Digital Drop-in is registered" in page_text(page)
    assert texts(page, "govuk-tag") == ["Waiting for verification"]
    assert "LS12 3AB" in page_text(page)
    assert [e.template for e in emails_to("dawn@example.org")] == ["organisation_received"]

    # The team sees it waiting, and asks a question.
    login(team)
    queue = client.get("/team/organisations")
    [row] = table_rows(queue)
    assert row[0] == "Armley Digital Drop-in"
    assert row[2] == "1234567"
    assert row[3].startswith("under an hour")
    response = submit(
        client,
        f"/team/organisations/{org.id}",
        {"decision": "request_info", "reason": "Which church hall do the drop-ins use?"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/organisations"
    assert "No organisations are waiting" in page_text(client.get("/team/organisations"))

    # The owner is emailed the question and sees it on the organisation's page.
    email = [e for e in emails_to("dawn@example.org") if e.template != "organisation_received"]
    assert [e.template for e in email] == ["organisation_info_requested"]
    assert "Which church hall do the drop-ins use?" in email[0].body_text
    login(owner)
    page = client.get(link_in(email[0]))
    assert texts(page, "govuk-tag") == ["More information needed"]
    assert "Which church hall do the drop-ins use?" in texts(page, "govuk-inset-text")[0]
    assert f'action="/organisations/{org.id}/resubmit"' in page.get_data(as_text=True)

    # The owner answers by editing the details, then sends it back.
    response = submit(
        client,
        f"/organisations/{org.id}/edit",
        community_form(
            make, address_line_1="St Bartholomew's Church Hall", name="Armley Digital Help"
        ),
    )
    assert response.status_code == 302
    response = submit(client, f"/organisations/{org.id}/resubmit", page=f"/organisations/{org.id}")
    assert response.status_code == 302
    page = client.get(f"/organisations/{org.id}")
    assert texts(page, "govuk-tag") == ["Waiting for verification"]
    assert "St Bartholomew's Church Hall" in page_text(page)

    # Back in the queue, the team approves.
    login(team)
    [row] = table_rows(client.get("/team/organisations"))
    assert row[0] == "Armley Digital Help"
    response = submit(
        client, f"/team/organisations/{org.id}", {"decision": "approve", "reason": ""}
    )
    assert response.status_code == 302
    assert [e.template for e in emails_to("dawn@example.org")][-1] == "organisation_approved"

    login(owner)
    page = client.get(f"/organisations/{org.id}")
    assert texts(page, "govuk-tag") == ["Verified"]
    assert all(" at " in row[0] for row in table_rows(page))  # e.g. "3 May 2026 at 2:15pm"
    history = [row[1:] for row in table_rows(page)]
    assert history == [
        ["Registered", "Dawn Okafor", ""],
        ["Asked for more information", "Priya Shah (programme team)",
         "Which church hall do the drop-ins use?"],
        ["Sent back for verification", "Dawn Okafor", ""],
        ["Approved", "Priya Shah (programme team)", ""],
    ]  # fmt: skip


def test_a_rejection_is_shown_to_the_owner_with_its_reason(client, login, make):
    owner = make.user(name="Dawn Okafor")
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    login(make.team_member(name="Priya Shah"))

    response = submit(
        client,
        f"/team/organisations/{org.id}",
        {"decision": "reject", "reason": "We could not find this charity on the register."},
    )
    assert response.status_code == 302

    login(owner)
    page = client.get(f"/organisations/{org.id}")
    assert texts(page, "govuk-tag") == ["Not approved"]
    assert "We could not find this charity on the register." in page_text(page)
    assert table_rows(page)[-1][1:] == [
        "Rejected",
        "Priya Shah (programme team)",
        "We could not find this charity on the register.",
    ]
    [email] = [e for e in emails_to(owner.email) if e.template == "organisation_rejected"]
    assert "We could not find this charity on the register." in email.body_text
    assert client.get(f"/organisations/{org.id}/edit").status_code == 404


def test_a_company_is_registered_through_the_company_form(client, login, make):
    owner = make.user(name="Tom Whitaker")
    login(owner)

    form = client.get("/organisations/new/company")
    assert "Company name" in page_text(form)
    assert "Registered charity" not in page_text(form)
    response = submit(client, "/organisations/new/company", company_form(make))

    assert response.status_code == 302
    org = the_only(Organisation)
    assert org.kind is OrganisationKind.COMPANY
    assert org.org_type is OrganisationType.PRIVATE_LIMITED
    assert org.registration_scheme is RegistrationScheme.COMPANIES_HOUSE
    assert org.registration_number == "SC123456"
    assert [w.slug for w in org.wards] == ["leeds-wide"]
    assert org.website is None
    page = client.get(f"/organisations/{org.id}")
    assert "Company" in texts(page, "govuk-caption-l")
    assert texts(page, "govuk-tag") == ["Waiting for verification"]

    login(make.team_member())
    [row] = table_rows(client.get("/team/organisations"))
    assert row[:3] == ["Aire Valley Software Ltd", "Company: Private limited company", "SC123456"]


def test_the_queue_shows_the_longest_waiting_first_and_for_how_long(client, login, make):
    now = utcnow()
    for name, waited in [
        ("Hours Group", timedelta(hours=5, minutes=10)),
        ("Three Days Group", timedelta(days=3, hours=2)),
        ("One Day Group", timedelta(days=1, hours=1)),
    ]:
        org = make.organisation(status=OrganisationStatus.PENDING, name=name)
        org.submitted_at = now - waited
    make.organisation(status=OrganisationStatus.APPROVED, name="Already Verified")
    make.organisation(status=OrganisationStatus.INFO_REQUESTED, name="Asked A Question")
    db.session.commit()
    login(make.team_member())

    rows = table_rows(client.get("/team/organisations"))

    assert [(row[0], row[3].split(" (since")[0]) for row in rows] == [
        ("Three Days Group", "3 days"),
        ("One Day Group", "1 day"),
        ("Hours Group", "5 hours"),
    ]


def test_once_verified_the_owner_cannot_change_the_checked_details(client, login, make):
    owner = make.user()
    org = make.organisation(
        owner,
        name="Harehills Tech Hub",
        org_type=OrganisationType.CIO,
        registration_number="1190421",
    )
    login(owner)

    form = client.get(f"/organisations/{org.id}/edit")
    assert "is verified, so its name, type and registration number" in page_text(form)
    assert 'name="name"' not in form.get_data(as_text=True)
    response = submit(
        client,
        f"/organisations/{org.id}/edit",
        community_form(
            make,
            name="A Different Name",
            org_type="school",
            registration_scheme="charity_sc",
            registration_number="SC012345",
            address_line_1="20 Roundhay Road",
            postcode="ls8 5ab",
            wards=[make.ward("gipton-and-harehills").id],
            description="We moved down the road.",
        ),
    )

    assert response.status_code == 302
    db.session.refresh(org)
    assert org.name == "Harehills Tech Hub"
    assert org.org_type is OrganisationType.CIO
    assert org.registration_scheme is RegistrationScheme.CHARITY_EW
    assert org.registration_number == "1190421"
    assert org.address_line_1 == "20 Roundhay Road"
    assert org.postcode == "LS8 5AB"
    assert [w.slug for w in org.wards] == ["gipton-and-harehills"]
    assert org.description == "We moved down the road."
    assert org.status is OrganisationStatus.APPROVED


def test_the_edit_form_shows_the_current_details(client, login, make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING, name="Seacroft Surfers")
    login(owner)
    html = client.get(f"/organisations/{org.id}/edit").get_data(as_text=True)
    assert 'value="Seacroft Surfers"' in html
    armley = make.ward("armley").id
    assert re.search(rf'<input[^>]*name="wards"[^>]*value="{armley}" checked', html)
    assert re.search(r'<input[^>]*name="org_type"[^>]*value="registered_charity" checked', html)
    assert len(re.findall(r'name="wards"[^>]* checked', html)) == 1


# --- Joining -----------------------------------------------------------------------------------


def test_someone_finds_an_organisation_asks_to_join_and_the_owner_accepts(client, login, make):
    owner = make.user(name="Dawn Okafor", email="dawn@example.org")
    org = make.organisation(owner, name="Harehills Community Tech Hub")
    make.organisation(name="Aire Valley Software Ltd", kind=OrganisationKind.COMPANY)
    make.organisation(name="Harehills Pending Group", status=OrganisationStatus.PENDING)
    asker = make.user(name="Sam Lee", email="sam@example.org")

    login(asker)
    found = client.get("/organisations/find?q=HAREHILLS")
    assert texts(found, "govuk-list--spaced")[0].startswith("Harehills Community Tech Hub")
    assert "Aire Valley" not in page_text(found)
    assert "Pending Group" not in page_text(found)
    assert f'href="/organisations/{org.id}"' in found.get_data(as_text=True)
    page = client.get(f"/organisations/{org.id}")
    assert f'href="/organisations/{org.id}/join"' in page.get_data(as_text=True)
    assert client.get(f"/organisations/{org.id}/members").status_code == 403

    response = submit(
        client, f"/organisations/{org.id}/join", {"message": "I run the Tuesday sessions."}
    )
    assert response.status_code == 302
    assert "Waiting for the owner" in page_text(client.get("/organisations"))
    assert client.get(f"/organisations/{org.id}/members").status_code == 403

    [email] = [e for e in emails_to("dawn@example.org") if e.template == "join_requested"]
    login(owner)
    members = client.get(link_in(email))
    assert "Asking to join" in page_text(members)
    assert "Sam Lee" in page_text(members)
    assert "I run the Tuesday sessions." in page_text(members)
    [answer_url] = re.findall(
        r'action="(/organisations/\d+/members/\d+)"', members.get_data(as_text=True)
    )
    response = submit(client, answer_url, {"decision": "accept"}, page=link_in(email))
    assert response.status_code == 302

    membership = db.session.scalars(select(Membership).where(Membership.user_id == asker.id)).one()
    assert membership.status is MembershipStatus.ACTIVE
    assert membership.role is MembershipRole.MEMBER
    assert [e.template for e in emails_to("sam@example.org")] == ["join_accepted"]

    login(asker)
    members = client.get(f"/organisations/{org.id}/members")
    assert members.status_code == 200
    assert ["Sam Lee", "sam@example.org", "Member"] in table_rows(members)
    assert "Asking to join" not in page_text(members)
    assert texts(client.get(f"/organisations/{org.id}"), "govuk-tag") == ["Verified"]


def test_the_owner_declines_a_request_and_the_asker_stays_outside(client, login, make):
    owner = make.user()
    org = make.organisation(owner, name="Harehills Community Tech Hub")
    asker = make.user()
    login(asker)
    submit(client, f"/organisations/{org.id}/join", {"message": ""})
    membership = db.session.scalars(select(Membership).where(Membership.user_id == asker.id)).one()

    login(owner)
    members_url = f"/organisations/{org.id}/members"
    response = submit(
        client, f"{members_url}/{membership.id}", {"decision": "decline"}, page=members_url
    )

    assert response.status_code == 302
    db.session.refresh(membership)
    assert membership.status is MembershipStatus.DECLINED
    assert [e.template for e in emails_to(asker.email)] == ["join_declined"]
    login(asker)
    assert client.get(members_url).status_code == 403


def test_a_junk_answer_to_a_join_request_changes_nothing(client, login, make):
    owner = make.user()
    org = make.organisation(owner)
    asker = make.user()
    login(asker)
    submit(client, f"/organisations/{org.id}/join", {"message": ""})
    membership = db.session.scalars(select(Membership).where(Membership.user_id == asker.id)).one()

    login(owner)
    members_url = f"/organisations/{org.id}/members"
    for decision in ["maybe", ""]:
        response = submit(
            client, f"{members_url}/{membership.id}", {"decision": decision}, page=members_url
        )
        assert response.status_code == 302
    response = submit(client, f"{members_url}/999999", {"decision": "accept"}, page=members_url)
    assert response.status_code == 404

    db.session.refresh(membership)
    assert membership.status is MembershipStatus.REQUESTED
    assert emails_to(asker.email) == []


# --- Invitations -------------------------------------------------------------------------------


def test_an_invited_colleague_joins_through_the_emailed_link(client, login, make):
    owner = make.user(name="Dawn Okafor")
    org = make.organisation(owner, name="Harehills Community Tech Hub")
    members_url = f"/organisations/{org.id}/members"

    login(owner)
    response = submit(
        client, f"{members_url}/invite", {"email": " Colleague@Example.org "}, page=members_url
    )
    assert response.status_code == 302
    assert "colleague@example.org, sent" in page_text(client.get(members_url))
    [email] = emails_to("colleague@example.org")
    link = link_in(email)

    # Someone signed in with another address is told whose invitation it is.
    stranger = make.user(email="stranger@example.org")
    login(stranger)
    page = client.get(link)
    assert (
        "You are signed in as stranger@example.org. Sign out and sign in as "
        "colleague@example.org to accept." in page_text(page)
    )
    assert "Accept and join" not in page_text(page)
    response = submit(client, link, page="/organisations")
    assert response.status_code == 403
    assert "This invitation was sent to colleague@example.org" in page_text(response)
    assert client.get(members_url).status_code == 403

    # Signed out, the page says to sign in with the invited address.
    with client.session_transaction() as session:
        session.clear()
    assert "create an account with colleague@example.org" in page_text(client.get(link))

    colleague = make.user(name="Chris Colleague", email="colleague@example.org")
    login(colleague)
    page = client.get(link)
    assert "Dawn Okafor has invited colleague@example.org" in page_text(page)
    response = submit(client, link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organisations/{org.id}"
    assert "You are now a member of Harehills Community Tech Hub" in page_text(
        client.get(f"/organisations/{org.id}")
    )
    assert ["Chris Colleague", "colleague@example.org", "Member"] in table_rows(
        client.get(members_url)
    )

    # The link works once.
    assert "already been accepted" in page_text(client.get(link))
    response = submit(client, link, page="/organisations")
    assert response.status_code == 409
    assert "already been used" in page_text(response)
    assert count(Membership) == 2


def test_an_expired_invitation_link_says_so_and_cannot_be_used(client, login, make):
    owner = make.user(name="Dawn Okafor")
    org = make.organisation(owner)
    login(owner)
    members_url = f"/organisations/{org.id}/members"
    submit(client, f"{members_url}/invite", {"email": "colleague@example.org"}, page=members_url)
    invitation = the_only(Invitation)
    invitation.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    link = link_in(emails_to("colleague@example.org")[0])

    login(make.user(email="colleague@example.org"))
    assert "This invitation has expired. Ask Dawn Okafor to send a new one." in page_text(
        client.get(link)
    )
    response = submit(client, link, page="/organisations")
    assert response.status_code == 409
    assert count(Membership) == 1


def test_an_invitation_link_with_a_wrong_token_is_not_found(client, login, make):
    login(make.user())
    assert client.get("/invitations/not-a-real-token").status_code == 404


# --- Bad input on every form ---------------------------------------------------------------------

REGISTRATION_ERRORS = [
    ({"name": ""}, "name", "Enter the organisation's name"),
    ({"name": "   "}, "name", "Enter the organisation's name"),
    ({"name": "x" * 161}, "name", "Name must be 160 characters or fewer"),
    ({"org_type": None}, "org_type", "Choose the type of organisation"),
    ({"org_type": "nonsense"}, "org_type", "Choose the type of organisation from the list"),
    ({"org_type": "private_limited"}, "org_type", "Choose the type of organisation from the list"),
    ({"registration_scheme": None}, "registration_scheme", "Choose who it is registered with"),
    (
        {"registration_scheme": "nonsense"},
        "registration_scheme",
        "Choose who it is registered with from the list",
    ),
    ({"registration_number": "12345"}, "registration_number", "6 or 7 digits, like 1234567"),
    ({"registration_number": ""}, "registration_number", "Enter the registration number"),
    (
        {"registration_scheme": "charity_sc", "registration_number": "SC1234567"},
        "registration_number",
        "SC followed by 6 digits",
    ),
    (
        {"registration_scheme": "none", "registration_number": "1234567"},
        "registration_number",
        "Remove the registration number",
    ),
    (
        {"registration_number": "1" * 17},
        "registration_number",
        "Registration number must be 16 characters or fewer",
    ),
    ({"address_line_1": " "}, "address_line_1", "Enter the first line of the address"),
    ({"town": ""}, "town", "Enter the town or city"),
    ({"town": "  "}, "town", "Enter the town or city"),
    ({"postcode": ""}, "postcode", "Enter the postcode"),
    ({"postcode": "LS1"}, "postcode", "Enter a real postcode, like LS1 1UR"),
    ({"wards": None}, "wards", "Choose Leeds-wide or the wards you serve"),
    ({"wards": ["99999"]}, "wards", "Choose Leeds-wide or the wards you serve from the list"),
    ({"wards": ["abc"]}, "wards", "Choose Leeds-wide or the wards you serve from the list"),
    ({"beneficiary_groups": None}, "beneficiary_groups", "Choose who your work helps"),
    (
        {"beneficiary_groups": ["99999"]},
        "beneficiary_groups",
        "Choose who your work helps from the list",
    ),
    (
        {"beneficiary_groups": ["abc"]},
        "beneficiary_groups",
        "Choose who your work helps from the list",
    ),
    ({"description": ""}, "description", "Describe what the organisation does"),
    ({"description": " \r\n "}, "description", "Describe what the organisation does"),
    (
        {"description": "x" * 2001},
        "description",
        "Description must be 2,000 characters or fewer",
    ),
    ({"website": "not a website"}, "website", "Enter a website address in the correct format"),
    (
        {"website": "javascript:alert(document.cookie)"},
        "website",
        "Enter a website address starting with https://",
    ),
    (
        {"website": "data:text/html,<script>alert(1)</script>"},
        "website",
        "Enter a website address starting with https://",
    ),
    ({"website": "ftp://files.example.org"}, "website", "starting with https://"),
    ({"website": "example.org/" + "x" * 300}, "website", "300 characters or fewer"),
]


def _without_nones(data: dict) -> dict:
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    REGISTRATION_ERRORS,
    ids=[f"{field}-{i}" for i, (_, field, _) in enumerate(REGISTRATION_ERRORS)],
)
def test_bad_registration_details_are_shown_beside_the_field_and_nothing_is_saved(
    client, login, make, overrides, field, message
):
    person = make.user()
    login(person)

    response = submit(
        client, "/organisations/new/community", _without_nones(community_form(make, **overrides))
    )

    assert response.status_code == 200
    assert message in field_errors(response)[field]
    assert message in error_summary(response)[0]
    assert "<title>Error:" in response.get_data(as_text=True)
    assert count(Organisation) == 0
    assert count(Membership) == 0
    assert count(OrganisationEvent) == 0
    assert emails_to(person.email) == []


def test_leeds_wide_and_particular_wards_together_are_refused(client, login, make):
    login(make.user())
    both = [make.ward("leeds-wide").id, make.ward("armley").id]

    response = submit(client, "/organisations/new/community", community_form(make, wards=both))

    assert response.status_code == 200
    assert field_errors(response)["wards"] == "Choose Leeds-wide or particular wards, not both"
    assert count(Organisation) == 0


def test_a_community_type_is_refused_on_the_company_form(client, login, make):
    login(make.user())
    response = submit(
        client, "/organisations/new/company", company_form(make, org_type="registered_charity")
    )
    assert response.status_code == 200
    assert "Choose the type of organisation from the list" in field_errors(response)["org_type"]
    assert count(Organisation) == 0


def test_junk_in_the_search_is_ignored(client, login, make):
    make.organisation(name="Harehills Tech Hub")
    login(make.user())
    response = client.get("/organisations/find?kind=nonsense&q=%25")
    assert response.status_code == 200
    assert "0 organisations" in page_text(response)
    response = client.get("/organisations/find?kind=company&q=harehills")
    assert "0 organisations" in page_text(response)


def test_an_unknown_kind_of_organisation_is_not_found(client, login, make):
    login(make.user())
    assert client.get("/organisations/new/charity").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"postcode": "not a postcode"}, "postcode", "Enter a real postcode"),
        ({"wards": ["abc"]}, "wards", "Choose Leeds-wide or the wards you serve from the list"),
        ({"wards": ["99999"]}, "wards", "Choose Leeds-wide or the wards you serve from the list"),
        ({"org_type": "nonsense"}, "org_type", "Choose the type of organisation from the list"),
        ({"name": ""}, "name", "Enter the organisation's name"),
        ({"description": ""}, "description", "Describe what the organisation does"),
    ],
)
def test_bad_changes_are_shown_beside_the_field_and_nothing_is_saved(
    client, login, make, overrides, field, message
):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING, name="Before Name")
    login(owner)
    changed = community_form(
        make, **{"name": "After Name", "address_line_1": "2 New Street", **overrides}
    )

    response = submit(client, f"/organisations/{org.id}/edit", changed)

    assert response.status_code == 200
    assert message in field_errors(response)[field]
    assert message in error_summary(response)[0]
    db.session.refresh(org)
    assert org.name == "Before Name"
    assert org.address_line_1 == "1 Park Row"
    assert [w.slug for w in org.wards] == ["armley"]


def test_bad_changes_to_a_verified_organisation_are_refused_too(client, login, make):
    owner = make.user()
    org = make.organisation(owner)
    login(owner)
    response = submit(
        client,
        f"/organisations/{org.id}/edit",
        community_form(make, postcode="LS1", wards=["abc"], org_type="nonsense"),
    )
    assert response.status_code == 200
    errors = field_errors(response)
    assert errors["postcode"] == "Enter a real postcode, like LS1 1UR"
    assert "Choose Leeds-wide or the wards you serve from the list" in errors["wards"]
    assert "org_type" not in errors  # locked: what was posted is ignored
    db.session.refresh(org)
    assert org.postcode == "LS1 5AB"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "A reason"}, "Choose approve, ask for more information, or reject"),
        (
            {"decision": "nonsense", "reason": "A reason"},
            "Choose approve, ask for more information, or reject",
        ),
        (
            {"decision": "resubmit", "reason": "A reason"},
            "Choose approve, ask for more information, or reject",
        ),
        (
            {"decision": "create", "reason": "A reason"},
            "Choose approve, ask for more information, or reject",
        ),
    ],
)
def test_a_decision_that_is_not_one_of_the_choices_is_refused(client, login, make, data, message):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    login(make.team_member())

    response = submit(client, f"/team/organisations/{org.id}", data)

    assert response.status_code == 200
    assert message in field_errors(response)["decision"]
    assert message in error_summary(response)[0]
    db.session.refresh(org)
    assert org.status is OrganisationStatus.PENDING
    assert count(OrganisationEvent) == 1
    assert [e.template for e in emails_to(owner.email)] == ["organisation_received"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "reject", "reason": "  "}, "Enter the reason for rejecting"),
        ({"decision": "request_info", "reason": ""}, "Enter what you need to know"),
        ({"decision": "reject", "reason": "x" * 2001}, "Reason must be 2,000 characters or fewer"),
    ],
)
def test_a_decision_without_its_reason_is_refused(client, login, make, data, message):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    login(make.team_member())

    response = submit(client, f"/team/organisations/{org.id}", data)

    assert response.status_code == 200
    assert field_errors(response)["reason"] == message
    assert message in error_summary(response)[0]
    db.session.refresh(org)
    assert org.status is OrganisationStatus.PENDING
    assert count(OrganisationEvent) == 1
    assert count(OutboxEmail) == 1


def test_deciding_again_on_a_verified_organisation_is_refused(client, login, make):
    owner = make.user()
    org = make.organisation(owner)
    login(make.team_member())
    events_before = count(OrganisationEvent)
    emails_before = count(OutboxEmail)

    response = submit(client, f"/team/organisations/{org.id}", {"decision": "approve"})

    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "cannot be approved" in page
    db.session.refresh(org)
    assert org.status is OrganisationStatus.APPROVED
    assert count(OrganisationEvent) == events_before
    assert count(OutboxEmail) == emails_before


def test_sending_back_an_organisation_that_was_not_asked_anything_is_refused(client, login, make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    login(owner)
    response = submit(client, f"/organisations/{org.id}/resubmit", page=f"/organisations/{org.id}")
    assert response.status_code == 409
    assert count(OrganisationEvent) == 1


def test_a_join_message_that_is_too_long_is_refused(client, login, make):
    owner = make.user()
    org = make.organisation(owner)
    login(make.user())

    response = submit(client, f"/organisations/{org.id}/join", {"message": "x" * 1001})

    assert response.status_code == 200
    assert field_errors(response)["message"] == "Message must be 1,000 characters or fewer"
    assert "Message must be 1,000 characters or fewer" in error_summary(response)[0]
    assert count(Membership) == 1
    assert [e.template for e in emails_to(owner.email)] == [
        "organisation_received",
        "organisation_approved",
    ]


def test_asking_to_join_twice_is_refused_beside_the_message(client, login, make):
    owner = make.user()
    org = make.organisation(owner, name="Harehills Tech Hub")
    login(make.user())
    submit(client, f"/organisations/{org.id}/join", {"message": "First"})

    response = submit(client, f"/organisations/{org.id}/join", {"message": "Second"})

    assert response.status_code == 200
    assert field_errors(response)["message"] == "You have already asked to join Harehills Tech Hub"
    assert count(Membership) == 2
    assert len([e for e in emails_to(owner.email) if e.template == "join_requested"]) == 1


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("", "Enter your colleague's email address"),
        ("not-an-email", "Enter an email address in the correct format, like name@example.com"),
        ("a@" + "b" * 250 + ".org", "Email address must be 254 characters or fewer"),
        ("member@example.org", "member@example.org is already a member"),
    ],
)
def test_a_bad_invitation_address_is_refused_beside_the_field(client, login, make, email, message):
    owner = make.user()
    org = make.organisation(owner)
    make.member(org, make.user(email="member@example.org"))
    login(owner)
    members_url = f"/organisations/{org.id}/members"

    response = submit(client, f"{members_url}/invite", {"email": email}, page=members_url)

    assert response.status_code == 400
    assert message in field_errors(response)["email"]
    assert message in error_summary(response)[0]
    assert count(Invitation) == 0
    assert count(OutboxEmail) == 2  # the registration's two, nothing more


# --- Who may open which page -------------------------------------------------------------------


def test_an_owner_cannot_manage_another_organisation(client, login, make):
    owner_a = make.user()
    make.organisation(owner_a, name="Organisation A")
    other = make.organisation(name="Organisation B")
    login(owner_a)

    assert client.get(f"/organisations/{other.id}/edit").status_code == 403
    assert client.get(f"/organisations/{other.id}/members").status_code == 403
    response = submit(
        client,
        f"/organisations/{other.id}/edit",
        community_form(make, name="Taken Over"),
        page="/organisations",
    )
    assert response.status_code == 403
    response = submit(
        client,
        f"/organisations/{other.id}/members/invite",
        {"email": "friend@example.org"},
        page="/organisations",
    )
    assert response.status_code == 403
    db.session.refresh(other)
    assert other.name == "Organisation B"
    assert count(Invitation) == 0


def test_a_member_who_is_not_the_owner_cannot_edit_or_invite(client, login, make):
    org = make.organisation(name="Organisation A")
    member = make.member(org)
    login(member)

    assert client.get(f"/organisations/{org.id}").status_code == 200
    assert client.get(f"/organisations/{org.id}/members").status_code == 200
    assert client.get(f"/organisations/{org.id}/edit").status_code == 403
    response = submit(
        client,
        f"/organisations/{org.id}/edit",
        community_form(make, name="Renamed"),
        page=f"/organisations/{org.id}",
    )
    assert response.status_code == 403
    response = submit(
        client,
        f"/organisations/{org.id}/members/invite",
        {"email": "friend@example.org"},
        page=f"/organisations/{org.id}",
    )
    assert response.status_code == 403
    db.session.refresh(org)
    assert org.name == "Organisation A"
    assert count(Invitation) == 0


def test_an_organisation_waiting_for_verification_is_hidden_from_outsiders(client, login, make):
    org = make.organisation(status=OrganisationStatus.PENDING)
    login(make.user())
    assert client.get(f"/organisations/{org.id}").status_code == 403
    assert client.get(f"/organisations/{org.id}/join").status_code == 403


def test_only_the_team_sees_the_queue_and_decides(client, login, make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    login(owner)

    assert client.get("/team/organisations").status_code == 403
    assert client.get(f"/team/organisations/{org.id}").status_code == 403
    response = submit(
        client,
        f"/team/organisations/{org.id}",
        {"decision": "approve"},
        page=f"/organisations/{org.id}",
    )
    assert response.status_code == 403
    db.session.refresh(org)
    assert org.status is OrganisationStatus.PENDING


def test_signed_out_visitors_are_sent_to_sign_in(client, make):
    org = make.organisation()
    for url in ["/organisations/new", f"/organisations/{org.id}", "/team/organisations"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/sign-in?next=")


def test_someone_who_has_not_confirmed_their_email_cannot_register(client, login, make):
    login(make.user(verified=False))
    assert client.get("/organisations/new/community").status_code == 403
    assert count(Organisation) == 0


def test_a_second_team_member_deciding_late_is_told_what_happened(client, login, make):
    org = make.organisation(status=OrganisationStatus.PENDING)
    first, second = make.team_member(name="Ann First"), make.team_member(name="Bob Second")
    url = f"/team/organisations/{org.id}"
    login(second)
    token = csrf_token(client, url)  # Bob opens the review page ...
    organisations_services.decide_organisation(org, first, OrganisationAction.APPROVE, None)
    db.session.commit()  # ... while Ann approves it
    response = client.post(
        url, data={"csrf_token": token, "decision": "reject", "reason": "Not a charity"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "It is now &#39;verified&#39;" in page or "It is now 'verified'" in page
    db.session.refresh(org)
    assert org.status is OrganisationStatus.APPROVED
    assert [e.action for e in org.events][-1] is OrganisationAction.APPROVE


def test_the_approval_email_carries_the_team_note(make):
    owner = make.user(email="owner-note@example.org")
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    team = make.team_member()
    organisations_services.decide_organisation(
        org, team, OrganisationAction.APPROVE, "Welcome aboard: ring us about the ball."
    )
    approved = [e for e in emails_to("owner-note@example.org") if "verified" in e.subject]
    assert approved and "Welcome aboard: ring us about the ball." in approved[-1].body_text


# --- What a person sees ------------------------------------------------------------------------


def test_every_role_sees_the_website_as_a_link_not_as_html_source(client, login, make):
    owner = make.user()
    org = make.organisation(
        owner, name="Beeston & Holbeck <Tech> Club", website="https://b.example.org/?a=1&b=2"
    )
    for person in (owner, make.team_member(), make.user()):
        login(person)
        page = client.get(f"/organisations/{org.id}")
        text = page_text(page)
        assert "Website https://b.example.org/?a=1&b=2" in text
        assert "<a" not in text and "govuk-link" not in text
        assert "Beeston & Holbeck <Tech> Club" in text
        [link] = helpers.elements(
            helpers.main_html(page),
            lambda tag, a: tag == "a" and a.get("href") == "https://b.example.org/?a=1&b=2",
        )
        assert link[1] == "https://b.example.org/?a=1&b=2"


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("example.org", "https://example.org"),
        (" www.armley.example.org/about ", "https://www.armley.example.org/about"),
        ("example.org:8080/drop-in", "https://example.org:8080/drop-in"),
        ("http://armley.example.org", "http://armley.example.org"),
        ("HTTPS://Armley.example.org", "HTTPS://Armley.example.org"),
    ],
)
def test_a_website_typed_without_https_is_kept_with_it(client, login, make, typed, kept):
    login(make.user())
    response = submit(client, "/organisations/new/community", community_form(make, website=typed))
    assert response.status_code == 302
    org = the_only(Organisation)
    assert org.website == kept
    page = client.get(f"/organisations/{org.id}")
    assert f"Website {kept}" in page_text(page)


def test_only_outsiders_are_offered_ask_to_join(client, login, make):
    owner = make.user()
    org = make.organisation(owner, name="Seacroft Digital")
    member = make.member(org)
    outsider = make.user()
    team = make.team_member()
    for person, offered in ((outsider, True), (team, False), (owner, False), (member, False)):
        login(person)
        text = page_text(client.get(f"/organisations/{org.id}"))
        assert ("Ask to join Seacroft Digital" in text) is offered, person.name
    login(team)
    assert client.get(f"/organisations/{org.id}/join").status_code == 403


@pytest.mark.parametrize(
    ("kind", "scheme", "number", "href"),
    [
        (
            OrganisationKind.COMMUNITY,
            RegistrationScheme.CHARITY_EW,
            "1234567",
            "https://register-of-charities.charitycommission.gov.uk"
            "/charity-search/-/charity-details/1234567",
        ),
        (
            OrganisationKind.COMMUNITY,
            RegistrationScheme.CHARITY_SC,
            "SC012345",
            "https://www.oscr.org.uk/about-charities/search-the-register/charity-details"
            "?number=SC012345",
        ),
        (
            OrganisationKind.COMMUNITY,
            RegistrationScheme.CHARITY_NI,
            "NIC101234",
            "https://www.charitycommissionni.org.uk/charity-details/?regId=101234&subId=0",
        ),
        (
            OrganisationKind.COMPANY,
            RegistrationScheme.COMPANIES_HOUSE,
            "SC123456",
            "https://find-and-update.company-information.service.gov.uk/company/SC123456",
        ),
    ],
)
def test_the_verification_page_links_the_public_register_entry(
    client, login, make, kind, scheme, number, href
):
    org = make.organisation(
        kind=kind,
        status=OrganisationStatus.PENDING,
        registration_scheme=scheme,
        registration_number=number,
    )
    login(make.team_member())
    page = client.get(f"/team/organisations/{org.id}")
    [(_, text)] = helpers.elements(
        helpers.main_html(page), lambda tag, a: tag == "a" and a.get("href") == href
    )
    assert text == f"{number} on the {scheme.label} register"


def test_an_unregistered_group_is_checked_by_hand(client, login, make):
    org = make.organisation(
        status=OrganisationStatus.PENDING,
        org_type=OrganisationType.COMMUNITY_GROUP,
        registration_scheme=RegistrationScheme.NONE,
        registration_number=None,
    )
    login(make.team_member())
    text = page_text(client.get(f"/team/organisations/{org.id}"))
    assert "This group is not registered: check it by hand" in text
