"""The team's brokering page with more waiting than it lists: the proposals waiting
longest and the oldest offers of help, how many wait in all, and the rest coming up as
those are answered."""

from __future__ import annotations

import pytest

from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.matches import queries
from brokerage.matches.help_offers import offer_help
from brokerage.organisations.models import OrganisationKind
from tests.helpers import (
    counted_statements,
    elements,
    field_errors,
    main_html,
    page_text,
    submit,
)
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

EQUIPMENT = ListingKind.EQUIPMENT
URL = "/team/brokering"


@pytest.fixture
def team(client, login, monkeypatch):
    monkeypatch.setattr(queries, "QUEUE_SHOWN", 2)
    login(listings_make.team_member())
    return client


def test_the_proposals_waiting_longest_are_listed_and_the_rest_counted(team):
    for title in ("Tablets for the first club", "Laptops for the second", "Phones for a third"):
        brokering_make.proposed(need=listings_make.need(kind=EQUIPMENT, title=title))

    text = page_text(team.get(URL))
    assert "Tablets for the first club" in text and "Laptops for the second" in text
    assert "Phones for a third" not in text
    assert "3 proposals are waiting: these are the 2 waiting longest." in text
    [(link, _)] = elements(
        main_html(team.get(URL)),
        lambda tag, a: (
            a.get("href", "").endswith("status=proposed") and tag == "a" and "download" not in a
        ),
    )
    assert "Phones for a third" in page_text(team.get(link["href"]))


def test_when_all_are_listed_nothing_is_said_of_more(team):
    for _ in range(2):
        brokering_make.proposed()
    text = page_text(team.get(URL))
    assert "proposals are waiting" not in text and "See every proposal waiting" not in text
    assert "offers of help are waiting" not in text


def test_the_oldest_offers_of_help_are_listed_and_the_next_come_up(team, make):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    helps = [
        offer_help(listings_make.need(kind=EQUIPMENT), company.owners[0], company, message)
        for message in ("We have tablets", "We have laptops", "We have phones")
    ]
    db.session.commit()

    text = page_text(team.get(URL))
    assert "We have tablets" in text and "We have laptops" in text
    assert "We have phones" not in text
    assert "3 offers of help are waiting for an answer: these are the 2 oldest." in text

    # An answer to one not listed, left empty: shown with its error all the same.
    third = f"help-{helps[2].id}-answer"
    answer = submit(team, f"/team/help/{helps[2].id}", {third: ""}, page=URL)
    assert answer.status_code == 400
    assert field_errors(answer) == {third: "Enter your answer to the company"}
    assert "We have phones" in page_text(answer)

    first = f"help-{helps[0].id}-answer"
    submit(team, f"/team/help/{helps[0].id}", {first: "Met already, thanks"}, page=URL)
    text = page_text(team.get(URL))
    assert "We have tablets" not in text and "We have phones" in text
    assert "offers of help are waiting" not in text


def test_a_cut_short_queue_costs_the_same_statements_for_3_or_8_waiting(team):
    def statements() -> int:
        team.get(URL)  # warm up
        with counted_statements() as sent:
            assert team.get(URL).status_code == 200
        return len(sent)

    for _ in range(3):
        brokering_make.proposed()
    with_3 = statements()
    for _ in range(5):
        brokering_make.proposed()
    assert statements() == with_3
