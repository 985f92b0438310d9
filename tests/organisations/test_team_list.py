"""The team's list of every organisation: a page at a time by name, with the status
filter kept from page to page, and the same statements whatever the number."""

from __future__ import annotations

import pytest

from brokerage.organisations import services
from brokerage.organisations.models import OrganisationStatus
from tests.helpers import counted_statements, elements, main_html, page_text

URL = "/team/organisations/all"


@pytest.fixture
def team(client, login, make, monkeypatch):
    monkeypatch.setattr(services, "ORGANISATIONS_PER_PAGE", 5)
    login(make.team_member())
    return client


def _names(response) -> list[str]:
    return [text for _, text in elements(main_html(response), lambda tag, a: tag == "td")][::4]


def _page_links(response) -> list[str]:
    html = main_html(response)
    start = html.index('aria-label="Pages"')
    return [a["href"] for a, _ in elements(html[start:], lambda tag, a: tag == "a")]


def test_the_organisations_come_a_page_at_a_time_by_name(team, make):
    for n in (7, 3, 11, 0, 5, 9, 1, 10, 2, 8, 4, 6):
        make.organisation(name=f"Org {n:02}")

    first = team.get(URL)
    assert first.status_code == 200
    assert _names(first) == [f"Org {n:02}" for n in range(5)]
    assert "12 organisations, by name. This is page 1 of 3." in page_text(first)
    assert f"{URL}?page=2" in _page_links(first)

    last = team.get(URL, query_string={"page": "3"})
    assert _names(last) == ["Org 10", "Org 11"]
    assert "This is page 3 of 3." in page_text(last)
    assert "All organisations (page 3)" in last.get_data(as_text=True)

    # Past the end, however far: the last page. Not a whole number: the first.
    for far in ("99", "9" * 5000):
        assert _names(team.get(URL, query_string={"page": far})) == ["Org 10", "Org 11"]
    for junk in ("-1", "two", "1e9", "\uff19", " ", ""):  # a full-width 9
        answer = team.get(URL, query_string={"page": junk})
        assert answer.status_code == 200, junk
        assert _names(answer) == [f"Org {n:02}" for n in range(5)], junk


def test_the_status_filter_is_kept_from_page_to_page(team, make):
    for n in range(6):
        make.organisation(name=f"Approved {n}")
    for n in range(2):
        make.organisation(name=f"Pending {n}", status=OrganisationStatus.PENDING)

    approved = team.get(URL, query_string={"status": "approved"})
    assert _names(approved) == [f"Approved {n}" for n in range(5)]
    assert f"{URL}?status=approved&page=2" in _page_links(approved)
    assert _names(team.get(URL, query_string={"status": "approved", "page": "2"})) == ["Approved 5"]
    # One page only: no page links, no page count.
    pending = team.get(URL, query_string={"status": "pending"})
    assert _names(pending) == ["Pending 0", "Pending 1"]
    assert 'aria-label="Pages"' not in main_html(pending)
    assert "This is page" not in page_text(pending)
    rejected = team.get(URL, query_string={"status": "rejected"})
    assert "No organisation has this status." in page_text(rejected)


def test_a_page_costs_the_same_statements_for_6_or_16_organisations(team, make):
    def statements() -> int:
        team.get(URL, query_string={"page": "2"})  # warm up
        with counted_statements() as sent:
            assert team.get(URL, query_string={"page": "2"}).status_code == 200
        return len(sent)

    for n in range(6):
        make.organisation(name=f"Org {n:02}")
    with_6 = statements()
    for n in range(6, 16):
        make.organisation(name=f"Org {n:02}")
    assert statements() == with_6
