"""Needs and offers as CSV for the team: every one in any status (or one status, or
just what the list shows), with the list's filters, in the list's order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from brokerage.clock import today_in_leeds
from brokerage.listings.models import ListingKind, ListingStatus, Need, Offer
from brokerage.listings.search import Filters, open_listings
from brokerage.organisations.models import OrganisationKind
from tests import factories
from tests.exports.reading import (
    body,
    column,
    filename,
    read_csv,
    refused,
    statements_for,
)
from tests.helpers import main_html
from tests.listings import factories as listings_make

SIDES = [
    pytest.param("need", id="needs"),
    pytest.param("offer", id="offers"),
]


def post(
    side: str,
    org=None,
    kind: ListingKind = ListingKind.VOLUNTEERING,
    status: ListingStatus = ListingStatus.PUBLISHED,
    **overrides,
):
    make = listings_make.need if side == "need" else listings_make.offer
    return make(org, kind, status, **overrides)


def organisation(side: str, **kwargs):
    kind = OrganisationKind.COMMUNITY if side == "need" else OrganisationKind.COMPANY
    return factories.organisation(kind=kind, **kwargs)


@pytest.mark.parametrize("side", SIDES)
def test_only_the_team_downloads_every_listing(client, login, make, side):
    url = f"/team/{side}s.csv"
    refused(client, login, make, url)
    login(make.team_member())
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("side", SIDES)
def test_every_status_with_what_the_team_needs_to_know(client, login, make, side):
    org = organisation(side, name="Armley Digital")
    volunteering = post(
        side,
        org,
        title="IT help",
        ward_ids=[factories.ward("kirkstall").id, factories.ward("armley").id],
    )
    sponsorship = post(side, org, ListingKind.SPONSORSHIP, ListingStatus.DRAFT, title="Money")
    equipment = post(side, org, ListingKind.EQUIPMENT, ListingStatus.REJECTED, title="Laptops")
    login(make.team_member())

    response = client.get(f"/team/{side}s.csv")
    assert filename(response).startswith(f"{side}s-")
    rows = read_csv(response)
    closes = "Needed by" if side == "need" else "Available until"
    assert rows[0] == [
        "ID",
        "Title",
        "Kind",
        "Status",
        "Organisation ID",
        "Organisation",
        "Wards",
        "Helps",
        "Skills",
        "Volunteers",
        "Hours each",
        "Total hours",
        "Where",
        "Device",
        "Quantity",
        "Condition",
        "Amount (£)",
        closes,
        "Created (UK time)",
        "Sent for review (UK time)",
        "Published (UK time)",
    ]
    # Published first (newest first), then the rest newest first.
    assert column(rows, "ID") == [str(volunteering.id), str(equipment.id), str(sponsorship.id)]
    it_help, laptops, money = rows[1:]
    assert it_help[1:18] == [
        "IT help",
        "Skilled volunteering",
        "Published",
        str(org.id),
        "Armley Digital",
        "Armley, Kirkstall",
        "Older people",
        "IT support",
        "2",
        "6",
        "12",
        "On site",
        "",
        "",
        "",
        "",
        volunteering.closes_on.isoformat(),
    ]
    assert it_help[20] != "" and money[19:] == ["", ""]
    assert laptops[2:4] == ["Equipment", "Not accepted"]
    assert laptops[13:17] == ["Laptop", "10", "Refurbished", ""]
    assert money[3] == "Draft" and money[16] == "2500.00"
    # Numbers are written bare (an amount is not text): no quotes, no apostrophe.
    (line,) = [line for line in body(response).splitlines() if line.startswith(money[0])]
    assert line.startswith(f"{money[0]},Money,Sponsorship or funding,Draft,{org.id},")
    assert ",2500.00," in line


@pytest.mark.parametrize("side", SIDES)
def test_the_filters_the_list_has_and_a_status(client, login, make, side):
    org = organisation(side)
    post(side, org, ListingKind.EQUIPMENT, title="Armley laptops")
    post(
        side,
        org,
        ListingKind.EQUIPMENT,
        ListingStatus.SUBMITTED,
        title="Leeds-wide laptops",
        ward_ids=[factories.ward("leeds-wide").id],
    )
    post(
        side,
        org,
        ListingKind.EQUIPMENT,
        title="Beeston laptops",
        ward_ids=[factories.ward("beeston-and-holbeck").id],
    )
    post(side, org, title="Armley volunteers")
    login(make.team_member())
    url = f"/team/{side}s.csv"

    def titles(**args) -> list[str]:
        return column(read_csv(client.get(url, query_string=args)), "Title")

    # Leeds-wide serves every ward, as on the list.
    assert titles(kind="equipment", ward="armley") == ["Armley laptops", "Leeds-wide laptops"]
    assert titles(kind="equipment", ward="armley", status="submitted") == ["Leeds-wide laptops"]
    assert titles(kind="equipment", ward="armley", status="open") == ["Armley laptops"]
    assert titles(q="beeston laptops") == ["Beeston laptops"]
    assert titles(status="withdrawn") == []
    # Nonsense is ignored, as on the list.
    assert len(titles(status="nonsense", kind="nope", page="²")) == 4
    assert filename(client.get(url, query_string={"status": "partly_met"})).startswith(
        f"{side}s-partly-met-"
    )


@pytest.mark.parametrize("side", SIDES)
def test_open_is_exactly_what_the_list_shows_without_pages(client, login, make, side):
    org = organisation(side)
    today = today_in_leeds()
    for days in (40, 3, 20, 3, 70):
        closes = {"deadline" if side == "need" else "available_until": today + timedelta(days)}
        post(side, org, title=f"Closes in {days} days", **closes)
    post(side, org, status=ListingStatus.MET, title="Met")
    post(side, org, status=ListingStatus.WITHDRAWN, title="Withdrawn")
    model = Need if side == "need" else Offer
    login(make.team_member())

    for args in ({}, {"sort": "closing"}, {"closing": "31", "sort": "closing"}):
        filters = Filters.from_args(args)
        listed = [item.id for item in open_listings(model, filters, today).items]
        rows = read_csv(client.get(f"/team/{side}s.csv", query_string={**args, "status": "open"}))
        assert [int(i) for i in column(rows, "ID")] == listed, args
    # Every status, closing within a month: from today, whatever the status.
    rows = read_csv(client.get(f"/team/{side}s.csv", query_string={"closing": "31"}))
    assert "Closes in 40 days" not in column(rows, "Title")


def test_a_title_that_is_a_formula_is_neutralised(client, login, make):
    post("need", title='=HYPERLINK("http://evil.example","Apply")')
    post("offer", title="+Free laptops")
    login(make.team_member())
    assert column(read_csv(client.get("/team/needs.csv")), "Title") == [
        '\'=HYPERLINK("http://evil.example","Apply")'
    ]
    assert column(read_csv(client.get("/team/offers.csv")), "Title") == ["'+Free laptops"]


@pytest.mark.parametrize("side", SIDES)
def test_the_list_links_the_team_to_its_csv_with_its_filters(client, login, make, side):
    post(side)
    owner = make.user()
    make.organisation(owner, kind=OrganisationKind.COMPANY)
    login(owner)  # offers are for verified organisations: the list, but no CSV
    url = f"/{side}s?kind=equipment&ward=armley&sort=closing&page=2"
    assert ".csv" not in main_html(client.get(url))
    login(make.team_member())
    html = main_html(client.get(url))
    assert (
        f'href="/team/{side}s.csv?status=open&amp;kind=equipment&amp;ward=armley&amp;sort=closing"'
        in html
    )
    assert f'href="/team/{side}s.csv?kind=equipment&amp;ward=armley&amp;sort=closing"' in html


def test_the_review_queue_links_to_the_csvs(client, login, make):
    login(make.team_member())
    html = main_html(client.get("/team/reviews"))
    for link in (
        "/team/needs.csv?status=submitted",
        "/team/offers.csv?status=submitted",
        "/team/needs.csv",
        "/team/offers.csv",
    ):
        assert f'href="{link}"' in html


@pytest.mark.parametrize("side", SIDES)
def test_the_download_costs_the_same_queries_for_3_or_30_listings(client, login, make, side):
    org = organisation(side)
    login(make.team_member())
    kinds = list(ListingKind)
    for n in range(3):
        post(side, org, kinds[n % 3], title=f"Listing {n}")
    url = f"/team/{side}s.csv?ward=armley"
    with_3 = statements_for(client, url)
    for n in range(3, 30):
        post(side, org, kinds[n % 3], ListingStatus.DRAFT, title=f"Listing {n}")
    assert len(read_csv(client.get(url))) == 31
    assert statements_for(client, url) == with_3
