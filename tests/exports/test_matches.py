"""Every match, for the team: the page (a status filter, pages, a link to each match)
and its CSV with the same filter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.matches import queries, services
from brokerage.matches.models import Match
from tests import factories
from tests.exports.reading import (
    body,
    column,
    filename,
    read_csv,
    refused,
    statements_for,
)
from tests.helpers import counted_statements, main_html, page_text, table_rows
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

PAGE = "/team/matches"
CSV = "/team/matches.csv"


def older(match: Match, days: int) -> Match:
    """Proposed `days` earlier: the lists are ordered by when matches were proposed."""
    db.session.execute(
        update(Match)
        .where(Match.id == match.id)
        .values(proposed_at=match.proposed_at - timedelta(days=days))
    )
    db.session.commit()
    return match


@pytest.fixture
def matches():
    """One match in each of five statuses, the completed one with both sides' ratings."""
    completed = older(brokering_make.completed(ListingKind.EQUIPMENT, quantity=3), 5)
    charity, company = (
        completed.need.organisation.owners[0],
        completed.offer.organisation.owners[0],
    )
    services.leave_feedback(completed, charity, 5, "Thank you.")
    services.leave_feedback(completed, company, 4, "Good to work with.")
    declined = older(brokering_make.proposed(ListingKind.VOLUNTEERING), 4)
    services.answer(declined, declined.offer.organisation.owners[0], False, "-No people free")
    cancelled = older(brokering_make.agreed(ListingKind.SPONSORSHIP, amount_pence=50_050), 3)
    services.cancel(cancelled, listings_make.team_member(), "The event moved.")
    agreed = older(brokering_make.agreed(ListingKind.VOLUNTEERING), 2)
    proposed = older(
        brokering_make.proposed(
            need=listings_make.need(
                kind=ListingKind.EQUIPMENT, title='=HYPERLINK("http://evil.example","Accept")'
            )
        ),
        1,
    )
    db.session.commit()
    return {
        "proposed": proposed,
        "agreed": agreed,
        "cancelled": cancelled,
        "declined": declined,
        "completed": completed,
    }


@pytest.mark.parametrize("url", [PAGE, CSV])
def test_only_the_team_sees_every_match(client, login, make, url):
    refused(client, login, make, url)
    login(make.team_member())
    assert client.get(url).status_code == 200


def test_the_page_lists_every_match_latest_first_with_a_link_to_each(client, login, matches):
    login(listings_make.team_member())
    response = client.get(PAGE)
    assert "5 matches" in page_text(response)
    order = ["proposed", "agreed", "cancelled", "declined", "completed"]
    html = main_html(response)
    links = [f'href="/matches/{matches[name].id}"' for name in order]
    assert all(link in html for link in links)
    assert [html.index(link) for link in links] == sorted(html.index(link) for link in links)
    statuses = [row[2] for row in table_rows(response)]
    assert statuses == ["Waiting for answers", "Agreed", "Cancelled", "Declined", "Completed"]
    assert 'href="/team/matches.csv"' in html

    agreed = client.get(PAGE, query_string={"status": "agreed"})
    assert "1 match: agreed" in page_text(agreed)
    assert [row[2] for row in table_rows(agreed)] == ["Agreed"]
    assert 'href="/team/matches.csv?status=agreed"' in main_html(agreed)
    assert '<option value="agreed" selected>Agreed (1)</option>' in main_html(agreed)
    empty = client.get(PAGE, query_string={"status": "in_progress"})
    assert "No match is 'in progress'." in page_text(empty)
    # Nonsense in the query string is ignored, never a 500.
    assert "5 matches" in page_text(client.get(PAGE, query_string={"status": "x", "page": "²"}))


def test_long_lists_come_in_pages_that_keep_the_filter(client, login, monkeypatch):
    monkeypatch.setattr(queries, "MATCHES_PER_PAGE", 2)
    for days in range(5):
        older(brokering_make.proposed(), days + 1)
    brokering_make.agreed()
    login(listings_make.team_member())
    first = client.get(PAGE, query_string={"status": "proposed"})
    assert len(table_rows(first)) == 2
    assert 'href="/team/matches?status=proposed&amp;page=2"' in main_html(first)
    third = client.get(PAGE, query_string={"status": "proposed", "page": "3"})
    assert len(table_rows(third)) == 1
    assert "(page 3)" in third.get_data(as_text=True)
    # A page too far shows the last.
    assert len(table_rows(client.get(PAGE, query_string={"status": "proposed", "page": "9"}))) == 1


def test_the_csv_has_every_match_with_its_filter(client, login, matches):
    login(listings_make.team_member())
    response = client.get(CSV)
    assert filename(response).startswith("matches-")
    rows = read_csv(response)
    assert rows[0] == [
        "Match ID",
        "Status",
        "Need ID",
        "Need",
        "Need's kind",
        "Community organisation",
        "Need's wards",
        "Offer ID",
        "Offer",
        "Offer's kind",
        "Company",
        "Volunteers",
        "Hours each",
        "Total hours",
        "Devices",
        "Device type",
        "Amount (£)",
        "Proposed (UK time)",
        "Proposed by",
        "Agreed (UK time)",
        "Started (UK time)",
        "Closed (UK time)",
        "Declined by",
        "Reason for declining or cancelling",
        "Hours delivered",
        "Devices delivered",
        "Delivered (£)",
        "People reached",
        "Charity's rating",
        "Company's rating",
    ]
    order = ["proposed", "agreed", "cancelled", "declined", "completed"]
    assert column(rows, "Match ID") == [str(matches[name].id) for name in order]
    proposed, agreed, cancelled, declined, completed = rows[1:]
    # A title a spreadsheet would run is shown as text.
    assert proposed[3] == '\'=HYPERLINK("http://evil.example","Accept")'
    assert proposed[1] == "Waiting for answers" and proposed[19] == ""
    match = matches["completed"]
    assert completed[:17] == [
        str(match.id),
        "Completed",
        str(match.need.id),
        match.need.title,
        "Equipment",
        match.need.organisation.name,
        "Armley",
        str(match.offer.id),
        match.offer.title,
        "Equipment",
        match.offer.organisation.name,
        "",
        "",
        "",
        "3",
        "Laptop",
        "",
    ]
    assert completed[18] == match.proposed_by.name
    assert completed[24:] == ["", "3", "", "12", "5", "4"]
    assert agreed[11:14] == ["1", "6", "6"]
    assert cancelled[16] == "500.50" and cancelled[23] == "The event moved."
    assert declined[22:24] == [matches["declined"].offer.organisation.name, "'-No people free"]
    # Numbers are bare numbers, not text.
    (line,) = [line for line in body(response).splitlines() if line.startswith(f"{match.id},")]
    assert line.endswith(",,3,,12,5,4")

    only = read_csv(client.get(CSV, query_string={"status": "cancelled"}))
    assert column(only, "Match ID") == [str(matches["cancelled"].id)]
    assert filename(client.get(CSV, query_string={"status": "in_progress"})).startswith(
        "matches-in-progress-"
    )


def test_the_brokering_queue_links_to_every_match_and_its_waiting_proposals(client, login, matches):
    login(listings_make.team_member())
    html = main_html(client.get("/team/brokering"))
    assert 'href="/team/matches"' in html
    assert 'href="/team/matches.csv?status=proposed"' in html
    rows = read_csv(client.get(CSV, query_string={"status": "proposed"}))
    assert column(rows, "Match ID") == [str(matches["proposed"].id)]


def test_page_and_csv_cost_the_same_queries_for_2_or_12_matches(client, login):
    login(factories.team_member())
    for _ in range(2):
        brokering_make.agreed()

    def page_statements() -> int:
        client.get(PAGE)
        with counted_statements() as statements:
            assert client.get(PAGE).status_code == 200
        return len(statements)

    page_with_2, csv_with_2 = page_statements(), statements_for(client, CSV)
    for _ in range(10):
        brokering_make.proposed()
    assert len(read_csv(client.get(CSV))) == 13
    assert page_statements() == page_with_2
    assert statements_for(client, CSV) == csv_with_2
