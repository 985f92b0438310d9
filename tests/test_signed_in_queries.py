"""The signed-in pages every organisation opens most, `/offers` and a match's page, send
a fixed, small number of SQL statements: the session, the person, their memberships and
organisations come in one query, and the page's own loads do not grow with its rows."""

from __future__ import annotations

import pytest

from brokerage import page_cache
from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.matches import services
from brokerage.notifications import services as notices
from brokerage.organisations.models import OrganisationKind
from tests.helpers import counted_statements, elements, main_html
from tests.listings import factories as lm
from tests.matches import factories as brokering_make


def _statements(client, url: str, expect: str) -> list[str]:
    client.get(url)  # warm up: one-off work (connections, caches) is not counted
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    assert expect in response.get_data(as_text=True)
    return statements


@pytest.fixture
def company(make):
    return make.organisation(kind=OrganisationKind.COMPANY)


def test_the_offers_list_signed_in_is_four_statements_and_two_where_shared(
    app, login, make, company, monkeypatch
):
    for n in range(25):  # more than a page
        lm.offer(company, title=f"Laptops lot {n}")
    client = login(company.owners[0])
    statements = _statements(client, "/offers", "Laptops lot 24")
    # The session with its person, memberships, organisations and how many notices are
    # new; the page of offers (with their wards and skills on PostgreSQL); their wards
    # and skills (SQLite); the filters' options; how many offers are open.
    on_sqlite = db.engine.dialect.name == "sqlite"
    assert len(statements) == 4 + on_sqlite, statements
    # With pages shared for a few seconds, as in production (not in these tests), the
    # filters' options and the count of open offers are read once for the next pages.
    monkeypatch.setitem(app.config, "SHARED_PAGE_SECONDS", 10)
    page_cache.clear()
    try:
        shared = _statements(client, "/offers", "Laptops lot 24")
    finally:
        page_cache.clear()
    assert len(shared) == 2 + on_sqlite, shared


def test_a_match_page_is_three_statements_whoever_wrote_on_it(login, make):
    match = brokering_make.agreed(ListingKind.EQUIPMENT)
    owner = match.offer.organisation.owners[0]
    services.post_message(match, owner, "We can bring them on Tuesday.")
    db.session.commit()
    client = login(owner)
    url = f"/matches/{match.id}"
    first = _statements(client, url, "We can bring them on Tuesday.")
    # The session with the person; the match with both listings, their organisations and
    # device types; its messages, history and feedback with their authors' names. Was 11 when each
    # listing, organisation, author and actor was lazy-loaded, then 6.
    assert len(first) == 3, [s[:150] for s in first]
    # More messages from more people: their authors come with the messages.
    for n in range(3):
        services.post_message(match, make.member(match.need.organisation), f"Message {n}")
    services.post_message(match, lm.team_member(), "From the team")
    db.session.commit()
    assert len(_statements(client, url, "From the team")) == len(first)


def test_a_completed_match_page_reads_its_hours_with_the_match(login):
    match = brokering_make.completed(ListingKind.VOLUNTEERING)
    services.leave_feedback(match, match.need.organisation.owners[0], 5, "Patient volunteers")
    db.session.commit()
    client = login(match.need.organisation.owners[0])
    statements = _statements(client, f"/matches/{match.id}", "You rated it 5 of 5")
    # The same three: the minutes confirmed at its sessions come with the match.
    assert len(statements) == 3, [s[:150] for s in statements]


def _notices_link(response) -> str:
    links = elements(response.get_data(as_text=True), lambda tag, a: a.get("href") == "/notices")
    [(_, text)] = links
    return text


def test_the_navigation_counts_new_notices_with_the_session(login, make, company):
    owner = company.owners[0]
    someone_else = make.member(company)
    client = login(owner)
    client.get("/notices")  # whatever setting up the company sent them
    assert _notices_link(client.get("/offers")) == "Notices"

    notices.notify([owner], "Your offer was published", "/offers")
    notices.notify([owner, someone_else], "A match was proposed", "/matches")
    db.session.commit()
    assert _notices_link(client.get("/offers")) == "Notices (2 new)"

    # Opening them marks them seen: that page's own navigation already has none new.
    opened = client.get("/notices")
    assert "A match was proposed" in opened.get_data(as_text=True)
    assert _notices_link(opened) == "Notices"
    assert _notices_link(client.get("/offers")) == "Notices"

    # Only this person's new ones count.
    notices.notify([someone_else], "For someone else", "/offers")
    notices.notify([owner], "Your match was accepted", "/matches")
    db.session.commit()
    assert _notices_link(client.get("/matches")) == "Notices (1 new)"


def test_the_notices_page_reads_its_notices_once_however_many_there_are(login, company):
    owner = company.owners[0]
    client = login(owner)
    for n in range(30):
        notices.notify([owner], f"Notice number {n}", "/offers")
    db.session.commit()
    statements = _statements(client, "/notices", "Notice number 29")
    # The session with its person; the notices; marking them seen. Nothing per notice
    # (before, the commit expired them and each was read again as the page showed it),
    # and the navigation's count is known: none are new once they are open.
    assert len(statements) == 3, statements
    page = client.get("/notices")
    shown = elements(
        main_html(page), lambda tag, attrs: tag == "a" and attrs.get("href") == "/offers"
    )
    assert [text for _, text in shown] == [f"Notice number {n}" for n in reversed(range(30))]
    assert _notices_link(page) == "Notices"
