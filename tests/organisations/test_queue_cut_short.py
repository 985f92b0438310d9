"""The team's queues with more waiting than they list: the organisations waiting for
verification and the needs and offers waiting for review, those waiting longest first,
how many wait in all, and the rest reachable."""

from __future__ import annotations

from brokerage.listings import services as listings
from brokerage.listings.models import ListingStatus
from brokerage.organisations import services as organisations
from brokerage.organisations.models import OrganisationStatus
from tests.helpers import counted_statements, elements, main_html, page_text
from tests.listings import factories as listings_make

PENDING = OrganisationStatus.PENDING


def _statements(client, url: str) -> int:
    client.get(url)  # warm up
    with counted_statements() as sent:
        assert client.get(url).status_code == 200
    return len(sent)


def test_the_organisations_waiting_longest_are_listed_and_the_rest_counted(
    client, login, make, monkeypatch
):
    monkeypatch.setattr(organisations, "VERIFICATION_SHOWN", 2)
    for name in ("First Club", "Second Group", "Third Trust"):
        make.organisation(name=name, status=PENDING)
    login(make.team_member())

    page = client.get("/team/organisations")
    text = page_text(page)
    assert "First Club" in text and "Second Group" in text and "Third Trust" not in text
    assert "3 organisations are waiting: these are the 2 waiting longest." in text
    [link] = [
        attrs["href"]
        for attrs, words in elements(main_html(page), lambda tag, a: tag == "a")
        if words == "See every organisation waiting"
    ]
    assert link.endswith("?status=pending")
    assert "Third Trust" in page_text(client.get(link))

    with_3 = _statements(client, "/team/organisations")
    make.organisation(status=PENDING)
    assert _statements(client, "/team/organisations") == with_3


def test_when_every_organisation_waiting_is_listed_nothing_is_said_of_more(client, login, make):
    make.organisation(name="Only Club", status=PENDING)
    login(make.team_member())
    text = page_text(client.get("/team/organisations"))
    assert "Only Club" in text and "organisations are waiting" not in text


def test_the_listings_waiting_longest_are_listed_and_the_rest_counted(
    client, login, make, monkeypatch
):
    monkeypatch.setattr(listings, "REVIEW_SHOWN", 3)
    titles = ["Oldest need", "Oldest offer", "Middle need", "Newest offer"]
    made = [listings_make.need, listings_make.offer, listings_make.need, listings_make.offer]
    for title, maker in zip(titles, made, strict=True):
        maker(title=title, status=ListingStatus.SUBMITTED)
    login(make.team_member())

    text = page_text(client.get("/team/reviews"))
    assert all(title in text for title in titles[:3]) and "Newest offer" not in text
    assert "4 needs and offers are waiting: these are the 3 waiting longest." in text

    with_4 = _statements(client, "/team/reviews")
    listings_make.need(title="Another", status=ListingStatus.SUBMITTED)
    assert _statements(client, "/team/reviews") == with_4

    monkeypatch.setattr(listings, "REVIEW_SHOWN", 50)
    text = page_text(client.get("/team/reviews"))
    assert "Newest offer" in text and "are waiting: these are" not in text
