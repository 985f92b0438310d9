"""Times as the team types them: read in London time, either side of the clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from brokerage.forms import clock_text, london_to_utc, parse_clock


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7pm", time(19)),
        ("7 PM", time(19)),
        ("7:30pm", time(19, 30)),
        ("7.30 p.m.", time(19, 30)),
        ("19:30", time(19, 30)),
        ("1930", time(19, 30)),
        ("09:05", time(9, 5)),
        ("12am", time(0)),
        ("12pm", time(12)),
        ("12:15am", time(0, 15)),
        ("midday", time(12)),
        ("Noon", time(12)),
        ("midnight", time(0)),
        ("0:00", time(0)),
    ],
)
def test_times_are_read_as_people_write_them(typed, expected):
    assert parse_clock(typed) == expected


@pytest.mark.parametrize(
    "typed", ["7", "19", "24:00", "7:60", "13pm", "0am", "half seven", "", "7::30"]
)
def test_times_that_are_not_clear_are_refused(typed):
    with pytest.raises(ValueError):
        parse_clock(typed)


def test_a_time_is_shown_back_the_way_it_is_read():
    for moment in (time(19), time(19, 30), time(0), time(12), time(0, 15), time(9, 5)):
        assert parse_clock(clock_text(moment)) == moment


def test_london_times_become_utc_and_the_clock_changes_are_not_guessed():
    assert london_to_utc(date(2027, 1, 15), time(19), "Starts") == datetime(
        2027, 1, 15, 19, tzinfo=UTC
    )
    assert london_to_utc(date(2027, 7, 15), time(19), "Starts") == datetime(
        2027, 7, 15, 18, tzinfo=UTC
    )
    # 28 March 2027: 1am GMT becomes 2am BST.
    assert london_to_utc(date(2027, 3, 28), time(0, 59), "Starts") == datetime(
        2027, 3, 28, 0, 59, tzinfo=UTC
    )
    assert london_to_utc(date(2027, 3, 28), time(2), "Starts") == datetime(
        2027, 3, 28, 1, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="there is no 1:30am on 28 March 2027"):
        london_to_utc(date(2027, 3, 28), time(1, 30), "Starts")
    # 31 October 2027: 2am BST becomes 1am GMT, so 1am to 2am happens twice.
    assert london_to_utc(date(2027, 10, 31), time(0, 59), "Starts") == datetime(
        2027, 10, 30, 23, 59, tzinfo=UTC
    )
    assert london_to_utc(date(2027, 10, 31), time(2), "Starts") == datetime(
        2027, 10, 31, 2, tzinfo=UTC
    )
    with pytest.raises(ValueError, match="1am on 31 October 2027 happens twice"):
        london_to_utc(date(2027, 10, 31), time(1), "Starts")
