"""The impact figures on hand-made data: each total, months in Leeds time across the
clocks changing, the ward rule, and every filter."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from brokerage.brokering import services
from brokerage.impact import figures
from brokerage.impact.figures import Figures
from brokerage.impact.filters import ImpactFilters
from tests import factories
from tests.brokering import factories as brokering_make
from tests.impact.make import EQUIPMENT, SPONSORSHIP, VOLUNTEERING, confirmed, utc
from tests.listings import factories as listings_make

NOW = utc(2026, 11, 21, 12)


def ward_ids(*slugs: str) -> list[int]:
    return [factories.ward(slug).id for slug in slugs]


def test_totals_count_only_completed_matches():
    one = confirmed(hours=10, people=7, closed_at=utc(2026, 5, 1))
    confirmed(EQUIPMENT, devices=12, people=30, closed_at=utc(2026, 6, 1))
    # A sponsorship to a second need of the same charity: one organisation helped.
    confirmed(
        SPONSORSHIP,
        pence=150_000,
        people=3,
        closed_at=utc(2026, 7, 1),
        org=one.need.organisation,
    )
    brokering_make.agreed()  # not delivered yet
    brokering_make.proposed()
    cancelled = brokering_make.agreed()
    services.cancel(cancelled, listings_make.team_member(), "The company had to withdraw")

    total = figures.totals(ImpactFilters())

    assert total.figures == Figures(
        matches=3, hours=10, devices=12, pence=150_000, people=40, organisations=2
    )
    assert (total.first, total.last) == (utc(2026, 5, 1), utc(2026, 7, 1))


def test_the_value_of_the_hours_is_a_range_from_the_configured_rates(app, monkeypatch):
    monkeypatch.setitem(app.config, "IMPACT_HOUR_VALUE_LOW_PENCE", 1_200)
    monkeypatch.setitem(app.config, "IMPACT_HOUR_VALUE_HIGH_PENCE", 4_000)
    confirmed(hours=9)
    confirmed(hours=1)

    total = figures.totals(ImpactFilters())

    assert total.figures.hours == 10
    assert (total.value_low_pence, total.value_high_pence) == (12_000, 40_000)
    assert (total.rate.low_pence, total.rate.high_pence) == (1_200, 4_000)


def test_nothing_confirmed_gives_zeros_and_no_months():
    brokering_make.agreed()

    report = figures.report(ImpactFilters(), NOW)

    assert report.totals.figures == Figures(organisations=0)
    assert report.totals.first is None
    assert report.months == []
    assert {row.figures for row in report.wards} == {Figures()}


def test_months_are_months_in_leeds_across_the_clocks_changing():
    # 29 March 2026 the clocks went forward; 25 October 2026 they went back.
    for moment, hours in (
        (utc(2026, 1, 31, 23, 30), 1),  # GMT: still 31 January in Leeds
        (utc(2026, 3, 31, 23, 30), 2),  # BST: 00:30 on 1 April in Leeds
        (utc(2026, 4, 30, 22, 59), 4),  # BST: 23:59 on 30 April
        (utc(2026, 4, 30, 23, 0), 8),  # BST: midnight, 1 May
        (utc(2026, 10, 31, 23, 30), 16),  # GMT again: still 31 October
    ):
        confirmed(hours=hours, closed_at=moment)

    months = figures.report(ImpactFilters(), NOW).months

    hours = {row.key: row.figures.hours for row in months}
    assert hours["2026-01"] == 1
    assert hours["2026-03"] == 0
    assert hours["2026-04"] == 2 + 4
    assert hours["2026-05"] == 8
    assert hours["2026-10"] == 16
    # Every month from the first confirmation to this one, empty ones included, in order.
    assert [row.key for row in months] == [f"2026-{m:02d}" for m in range(1, 12)]
    assert months[3].label == "April 2026" and months[3].short_label == "Apr"


def test_the_summer_time_periods_are_those_of_leeds():
    periods = figures._offset_periods(2026, 2026)
    assert periods == ((utc(2026, 3, 29, 1), utc(2026, 10, 25, 1), 60),)


def test_date_filters_are_whole_days_in_leeds_both_included():
    confirmed(hours=1, closed_at=utc(2026, 3, 31, 22, 59))  # 23:59 on 31 March, BST
    confirmed(hours=2, closed_at=utc(2026, 3, 31, 23, 0))  # midnight: 1 April
    confirmed(hours=4, closed_at=utc(2026, 4, 30, 22, 59))  # 23:59 on 30 April
    confirmed(hours=8, closed_at=utc(2026, 4, 30, 23, 0))  # 1 May

    april = ImpactFilters(start=date(2026, 4, 1), end=date(2026, 4, 30))

    assert figures.totals(april).figures.hours == 2 + 4
    months = figures.by_month(april, figures.totals(april), NOW)
    assert [(row.key, row.figures.hours) for row in months] == [("2026-04", 6)]


def test_a_period_shows_each_of_its_months_even_without_matches():
    confirmed(hours=3, closed_at=utc(2026, 2, 10))
    filters = ImpactFilters(start=date(2025, 12, 15), end=date(2026, 3, 1))

    months = figures.by_month(filters, figures.totals(filters), NOW)

    assert [(row.key, row.figures.hours) for row in months] == [
        ("2025-12", 0),
        ("2026-01", 0),
        ("2026-02", 3),
        ("2026-03", 0),
    ]


def test_a_need_in_several_wards_counts_in_full_in_each_and_leeds_wide_has_its_own_row():
    confirmed(hours=10, people=4, ward_ids=ward_ids("armley", "beeston-and-holbeck"))
    confirmed(hours=5, people=1, ward_ids=ward_ids("armley"))
    confirmed(hours=7, people=2, ward_ids=ward_ids("leeds-wide"))

    wards = {row.key: row for row in figures.by_ward(ImpactFilters())}

    assert wards["armley"].figures.hours == 15
    assert wards["armley"].figures.matches == 2
    assert wards["beeston-and-holbeck"].figures.hours == 10
    assert wards["leeds-wide"].figures.hours == 7
    assert wards["leeds-wide"].is_citywide
    assert wards["pudsey"].figures == Figures()
    # Every ward is listed, Leeds-wide first; together they count the first need twice.
    assert len(wards) == 34
    assert next(iter(wards)) == "leeds-wide"
    assert figures.totals(ImpactFilters()).figures.hours == 22
    assert sum(row.figures.hours for row in wards.values()) == 32


def test_a_ward_filter_counts_that_wards_needs_and_shows_that_ward_alone():
    confirmed(hours=10, ward_ids=ward_ids("armley", "beeston-and-holbeck"))
    confirmed(hours=5, ward_ids=ward_ids("pudsey"))
    confirmed(hours=7, ward_ids=ward_ids("leeds-wide"))

    armley = ImpactFilters(ward="armley")

    assert figures.totals(armley).figures.hours == 10
    assert [(row.key, row.figures.hours) for row in figures.by_ward(armley)] == [("armley", 10)]
    assert figures.totals(ImpactFilters(ward="leeds-wide")).figures.hours == 7
    assert figures.totals(ImpactFilters(ward="no-such-ward")).figures == Figures(organisations=0)


def test_a_kind_counts_a_match_when_its_need_or_its_offer_is_of_that_kind():
    confirmed(VOLUNTEERING, hours=6)
    confirmed(EQUIPMENT, devices=4)
    # Money from a sponsorship offer towards laptops: equipment and sponsorship both.
    confirmed(EQUIPMENT, offer_kind=SPONSORSHIP, devices=2, pence=50_000)

    def count(kind):
        return figures.totals(ImpactFilters(kind=kind)).figures

    assert count(VOLUNTEERING).matches == 1
    assert (count(EQUIPMENT).matches, count(EQUIPMENT).devices) == (2, 6)
    assert (count(SPONSORSHIP).matches, count(SPONSORSHIP).pence) == (1, 50_000)


def test_a_group_filter_uses_the_needs_beneficiary_groups():
    young = factories.group("young-people").id
    older = factories.group("older-people").id
    confirmed(hours=3, beneficiary_group_ids=[young, older])
    confirmed(hours=5, beneficiary_group_ids=[older])

    assert figures.totals(ImpactFilters(group="young-people")).figures.hours == 3
    assert figures.totals(ImpactFilters(group="older-people")).figures.hours == 8


def test_filters_combine():
    armley = ward_ids("armley")
    confirmed(hours=1, closed_at=utc(2026, 5, 5), ward_ids=armley)
    confirmed(EQUIPMENT, devices=9, closed_at=utc(2026, 5, 6), ward_ids=armley)
    confirmed(hours=4, closed_at=utc(2025, 5, 5), ward_ids=armley)
    confirmed(hours=8, closed_at=utc(2026, 5, 5), ward_ids=ward_ids("pudsey"))

    filters = ImpactFilters(start=date(2026, 1, 1), ward="armley", kind=VOLUNTEERING)

    assert figures.totals(filters).figures.hours == 1
    assert figures.totals(filters).figures.matches == 1


# --- Reading filters from the URL --------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ImpactFilters()),
        (
            {"from": "2026-04-01", "to": "2026-04-30"},
            ImpactFilters(date(2026, 4, 1), date(2026, 4, 30)),
        ),
        (
            {"ward": "Armley", "kind": "equipment", "group": "young-people"},
            ImpactFilters(ward="armley", kind=EQUIPMENT, group="young-people"),
        ),
    ],
)
def test_filters_from_a_query_string(args, expected):
    assert ImpactFilters.read(args) == (expected, {})
    assert ImpactFilters.from_args(expected.args()) == expected


def test_a_date_in_three_boxes_is_read_as_govuk_date_inputs_send_it():
    args = MultiDict(
        [("from", "1"), ("from", "4"), ("from", "2026"), ("to", ""), ("to", ""), ("to", "")]
    )

    assert ImpactFilters.read(args) == (ImpactFilters(start=date(2026, 4, 1)), {})


@pytest.mark.parametrize(
    ("pairs", "field", "message"),
    [
        ([("from", "31"), ("from", "2"), ("from", "2026")], "from", "must be a real date"),
        (
            [("from", "1"), ("from", ""), ("from", "2026")],
            "from",
            "must include a day, month and year",
        ),
        ([("from", "1"), ("from", "4"), ("from", "26")], "from", "year of 4 numbers"),
        ([("from", "²"), ("from", "4"), ("from", "2026")], "from", "must be a real date"),
        ([("to", "1"), ("to", "4"), ("to", "9999")], "to", "from 2000 to 2099"),
        ([("to", "2026-13-01")], "to", "must be a real date"),
        ([("to", "yesterday")], "to", "must be a real date"),
        ([("from", "1"), ("from", "2")], "from", "must be a real date"),
        ([("from", "2026-05-01"), ("to", "2026-04-01")], "to", "same as or after"),
        ([("kind", "laptops")], "kind", "Choose a kind"),
        ([("ward", "<script>")], "ward", "Choose a ward"),
        ([("group", "a b")], "group", "Choose a group"),
    ],
)
def test_junk_in_the_filters_is_left_out_with_a_message(pairs, field, message):
    filters, problems = ImpactFilters.read(MultiDict(pairs))

    assert message in problems[field]
    assert getattr(filters, {"from": "start", "to": "end"}.get(field, field)) is None


def test_a_period_of_many_years_lists_only_the_months_with_matches_between():
    confirmed(hours=3, closed_at=utc(2026, 2, 10))
    confirmed(hours=4, closed_at=utc(2026, 4, 10))
    filters = ImpactFilters(start=date(2000, 1, 1), end=date(2099, 12, 31))

    months = figures.by_month(filters, figures.totals(filters), NOW)

    assert [(row.key, row.figures.hours) for row in months] == [
        ("2026-02", 3),
        ("2026-03", 0),
        ("2026-04", 4),
    ]
