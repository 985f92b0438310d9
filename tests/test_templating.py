"""The template filters that write numbers and plurals as a person would."""

from __future__ import annotations

import pytest

from brokerage.clock import format_days
from brokerage.templating import option_tags, plural
from tests.helpers import page_text
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make


@pytest.mark.parametrize(
    ("word", "count", "written"),
    [
        ("proposal", 1, "proposal"),
        ("proposal", 0, "proposals"),
        ("proposal", 2, "proposals"),
        ("match", 1, "match"),
        ("match", 3, "matches"),
        ("charity", 2, "charities"),
        ("day", 2, "days"),
        ("box", 2, "boxes"),
    ],
)
def test_plural(word, count, written):
    assert plural(word, count) == written


def test_an_irregular_plural_is_given():
    assert plural("person", 1, "people") == "person"
    assert plural("person", 4, "people") == "people"


@pytest.mark.parametrize(
    ("days", "written"),
    [
        (0.0, "less than a day"),
        (0.4, "less than a day"),
        (1.0, "1 day"),
        (1.04, "1 day"),
        (2.0, "2 days"),
        (2.5, "2.5 days"),
        (None, ""),
    ],
)
def test_days(days, written):
    assert format_days(days) == written


def test_the_team_queue_says_one_proposal_not_one_proposals(client, login):
    brokering_make.proposed()
    login(listings_make.team_member())
    text = page_text(client.get("/team/brokering"))
    assert "1 proposal waiting for answers" in text
    assert "1 proposals" not in text


def test_option_tags_select_the_current_value_and_escape():
    options = [("a", "Apples"), ("b&c", "<Bees>")]
    assert str(option_tags(options, "b&c")) == (
        '<option value="a">Apples</option>\n<option value="b&amp;c" selected>&lt;Bees&gt;</option>'
    )
    assert "selected" not in option_tags(options, "")
    assert option_tags([], "a") == ""
