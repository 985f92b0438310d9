"""One pair at a time: hand-worked scores and reasons, each hard rule, the allocation
for each kind, and how the weights order suggestions."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from brokerage.listings.models import LocationMode
from brokerage.suggestions.ranking import suggest_offers
from brokerage.suggestions.scoring import WEIGHTS, Allocation, Weights, fit, volunteer_allocation
from tests.suggestions.make import (
    EQUIPMENT,
    LEEDS_WIDE,
    SPONSORSHIP,
    TODAY,
    VOLUNTEERING,
    need,
    offer,
)

ON_SITE, REMOTE, EITHER = LocationMode.ON_SITE, LocationMode.REMOTE, LocationMode.EITHER
ARMLEY, BEESTON, PUDSEY = 101, 102, 103
OLDER, REFUGEES, YOUNG = 201, 203, 204


# --- Hand-worked examples ---------------------------------------------------------------


def test_laptops_in_the_same_ward_until_before_the_deadline():
    """25 laptops wanted in Armley by 20 March; 20 offered in Armley until 3 March.

    coverage 20/25 = 8,000; place (same ward) 10,000; timing: wanted 1 January to
    20 March = 79 days, available for 62 of them = 620,000 // 79 = 7,848; groups 1 of
    2 = 5,000. No skills part for equipment, so the weights add up to 65:
    (25 x 8,000 + 20 x 10,000 + 10 x 7,848 + 10 x 5,000) // 65 = 528,480 // 65 = 8,130.
    """
    wanted = need(EQUIPMENT, quantity=25, group_ids=[OLDER, REFUGEES])
    given = offer(EQUIPMENT, quantity=20, available_until=date(2027, 3, 3))
    result = fit(wanted, given, TODAY)
    assert result.points == 8_130
    assert result.score == 81.3
    assert result.reasons == (
        "same ward: Armley",
        "covers 20 of 25 laptops",
        "available until 3 March 2027, before the need's deadline of 20 March 2027",
        "shared beneficiary group: Older people",
    )
    assert result.allocation == Allocation(quantity=20)
    assert not result.towards


def test_remote_volunteers_with_three_of_four_skills():
    """3 people x 6 hours, remote, asking four skills; 2 people x 8 hours, on site or
    remote, with three of them (and one more), in another ward.

    skills 3/4 = 7,500; place 10,000 (remote on both sides: the ward does not matter);
    allocation 2 people x 6 hours = 12 of 18 hours = 6,666; timing 10,000 (available
    past the deadline); groups 0 (none shared). Weights add up to 100:
    (35 x 7,500 + 25 x 6,666 + 20 x 10,000 + 10 x 10,000) // 100 = 7,291.
    """
    wanted = need(
        VOLUNTEERING,
        skill_ids=[1, 2, 3, 4],
        volunteers=3,
        hours_per_volunteer=6,
        location_mode=REMOTE,
    )
    given = offer(
        VOLUNTEERING,
        skill_ids=[2, 3, 1, 5],
        volunteers=2,
        hours_per_volunteer=8,
        location_mode=EITHER,
        ward_ids=[PUDSEY],
        group_ids=[YOUNG],
    )
    result = fit(wanted, given, TODAY)
    assert result.points == 7_291
    assert result.reasons == (
        "3 of 4 skills: IT support, Web development, Data and reporting",
        "remote, so any ward suits",
        "covers 12 of 18 hours: 2 volunteers for 6 hours each",
        "available through the deadline",
    )
    assert result.allocation == Allocation(volunteers=2, hours_per_volunteer=6)
    assert result.allocation.total_hours == 12


def test_money_from_a_leeds_wide_company_available_from_february():
    """£5,000 wanted; £2,000 offered Leeds-wide from 1 February.

    coverage 2,000/5,000 = 4,000; place (Leeds-wide) 7,500; timing 48 of 79 days =
    6,075; groups 1/1 = 10,000: (25 x 4,000 + 20 x 7,500 + 10 x 6,075 + 10 x 10,000)
    // 65 = 410,750 // 65 = 6,319.
    """
    wanted = need(SPONSORSHIP, amount_pence=500_000)
    given = offer(
        SPONSORSHIP,
        amount_pence=200_000,
        ward_ids=[LEEDS_WIDE],
        available_from=date(2027, 2, 1),
    )
    result = fit(wanted, given, TODAY)
    assert result.points == 6_319
    assert result.reasons == (
        "Leeds-wide offer",
        "covers £2,000 of £5,000",
        "available from 1 February 2027, through the deadline",
        "shared beneficiary group: Older people",
    )
    assert result.allocation == Allocation(amount_pence=200_000)


def test_money_towards_laptops():
    """£12,000 offered for anything, towards 25 laptops in another ward.

    The suggestion is the capped £1,000; its coverage is half a part at most, in
    proportion to that: 5,000. place 0; timing 10,000; groups 0:
    (25 x 5,000 + 10 x 10,000) // 65 = 3,461.
    """
    wanted = need(EQUIPMENT, quantity=25)
    given = offer(SPONSORSHIP, amount_pence=1_200_000, ward_ids=[PUDSEY], group_ids=[YOUNG])
    result = fit(wanted, given, TODAY)
    assert result.points == 3_461
    assert result.towards
    assert result.reasons == (
        "different wards",
        "could pay towards it: £12,000 available",
        "available through the deadline",
    )
    # How many laptops the money buys is for the team to say on the form.
    assert result.allocation == Allocation(amount_pence=100_000)


def test_money_below_the_cap_is_suggested_whole():
    result = fit(need(EQUIPMENT), offer(SPONSORSHIP, amount_pence=50_050), TODAY)
    assert result.allocation == Allocation(amount_pence=50_050)
    assert "could pay towards it: £500.50 available" in result.reasons


def test_money_towards_volunteering_scores_nothing_for_skills():
    """Money brings no skills: the skills part counts, and scores 0."""
    result = fit(need(VOLUNTEERING), offer(SPONSORSHIP, amount_pence=100_000), TODAY)
    # place 10,000; coverage 5,000; timing 10,000; groups 10,000; over all 100.
    assert result.points == (20 * 10_000 + 25 * 5_000 + 10 * 10_000 + 10 * 10_000) // 100
    assert not any("skill" in reason for reason in result.reasons)


# --- Words --------------------------------------------------------------------------------


def test_what_is_already_held_is_said():
    wanted = need(EQUIPMENT, quantity=30, held_quantity=5)
    assert (
        "covers 20 of 25 laptops still needed"
        in fit(wanted, offer(EQUIPMENT, quantity=20), TODAY).reasons
    )
    money = need(SPONSORSHIP, amount_pence=500_000, held_pence=100_000)
    assert (
        "covers £2,000 of £4,000 still needed"
        in fit(money, offer(SPONSORSHIP, amount_pence=200_000), TODAY).reasons
    )


@pytest.mark.parametrize(
    ("need_wards", "offer_wards", "words", "place"),
    [
        ([ARMLEY, BEESTON], [BEESTON, ARMLEY], "same wards: Armley, Beeston and Holbeck", 10_000),
        ([ARMLEY], [LEEDS_WIDE], "Leeds-wide offer", 7_500),
        ([LEEDS_WIDE], [ARMLEY], "Leeds-wide need", 7_500),
        ([LEEDS_WIDE], [LEEDS_WIDE], "both Leeds-wide", 7_500),
        ([ARMLEY], [PUDSEY], "different wards", 0),
    ],
)
def test_place(need_wards, offer_wards, words, place):
    result = fit(
        need(EQUIPMENT, ward_ids=need_wards), offer(EQUIPMENT, ward_ids=offer_wards), TODAY
    )
    assert result.reasons[0] == words
    # Only the place differs from a perfect fit (coverage, timing, groups all full).
    assert result.points == (20 * place + 45 * 10_000) // 65


def test_on_site_volunteering_in_another_ward_is_not_remote():
    wanted = need(location_mode=EITHER)
    result = fit(wanted, offer(location_mode=ON_SITE, ward_ids=[PUDSEY]), TODAY)
    assert result.reasons[1] == "different wards"
    assert fit(wanted, offer(location_mode=REMOTE, ward_ids=[PUDSEY]), TODAY).reasons[1] == (
        "remote, so any ward suits"
    )


@pytest.mark.parametrize(
    ("available_from", "available_until", "words"),
    [
        (None, date(2027, 3, 20), "available through the deadline"),
        (date(2027, 1, 10), None, "available from 10 January 2027, through the deadline"),
        (
            date(2027, 1, 10),
            date(2027, 2, 28),
            "available from 10 January 2027 until 28 February 2027, "
            "before the need's deadline of 20 March 2027",
        ),
    ],
)
def test_timing(available_from, available_until, words):
    given = offer(EQUIPMENT, available_from=available_from)
    if available_until:
        given = replace(given, available_until=available_until)
    assert fit(need(EQUIPMENT), given, TODAY).reasons[2] == words


def test_an_offer_from_before_today_is_available_now():
    given = offer(EQUIPMENT, available_from=date(2026, 12, 1))
    assert fit(need(EQUIPMENT), given, TODAY).reasons[2] == "available through the deadline"


def test_timing_counts_from_when_the_work_starts():
    """Volunteers gone by 14 February miss most of work that starts on 1 February."""
    wanted = need(starts_on=date(2027, 2, 1))
    early = fit(wanted, offer(available_until=date(2027, 2, 14)), TODAY)
    late = fit(wanted, offer(available_until=date(2027, 4, 1)), TODAY)
    assert early.points < late.points
    # 14 of the 48 days from 1 February to 20 March.
    full_parts = 35 * 10_000 + 25 * 10_000 + 20 * 10_000 + 10 * 10_000
    assert early.points == (full_parts + 10 * (10_000 * 14 // 48)) // 100


def test_no_shared_groups_says_nothing_about_groups():
    result = fit(need(EQUIPMENT, group_ids=[OLDER]), offer(EQUIPMENT, group_ids=[YOUNG]), TODAY)
    assert not any("beneficiary" in reason for reason in result.reasons)
    two = fit(
        need(EQUIPMENT, group_ids=[OLDER, REFUGEES, YOUNG]),
        offer(EQUIPMENT, group_ids=[REFUGEES, OLDER]),
        TODAY,
    )
    assert two.reasons[-1] == "shared beneficiary groups: Older people, Refugees and asylum seekers"


def test_one_skill_and_one_volunteer_read_as_singular():
    result = fit(
        need(volunteers=1, hours_per_volunteer=1), offer(volunteers=1, hours_per_volunteer=1), TODAY
    )
    assert result.reasons[0] == "1 of 1 skill: IT support"
    assert result.reasons[2] == "covers 1 of 1 hour: 1 volunteer for 1 hour each"


# --- Hard rules: not a suggestion at all ----------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "given"),
    [
        # Kinds that cannot meet: only money goes towards another kind.
        (need(VOLUNTEERING), offer(EQUIPMENT)),
        (need(SPONSORSHIP), offer(EQUIPMENT)),
        (need(SPONSORSHIP), offer(VOLUNTEERING)),
        (need(EQUIPMENT), offer(VOLUNTEERING)),
        # Another device type.
        (need(EQUIPMENT, device_type_id=1), offer(EQUIPMENT, device_type_id=2)),
        # Volunteers without any of the skills.
        (need(skill_ids=[1, 2]), offer(skill_ids=[3, 4])),
        # Remote-only volunteers for on-site work, and the reverse.
        (need(location_mode=ON_SITE), offer(location_mode=REMOTE)),
        (need(location_mode=REMOTE), offer(location_mode=ON_SITE)),
        # Nothing left of the need, or of the offer.
        (need(EQUIPMENT, quantity=10, held_quantity=10), offer(EQUIPMENT)),
        (need(EQUIPMENT), offer(EQUIPMENT, quantity=10, held_quantity=10)),
        (need(volunteers=2, held_volunteers=2, held_hours=12), offer()),
        (need(), offer(volunteers=2, held_volunteers=1, held_hours=12)),
        (need(SPONSORSHIP, held_pence=250_000), offer(SPONSORSHIP)),
        (need(SPONSORSHIP), offer(SPONSORSHIP, held_pence=250_000)),
        (need(EQUIPMENT, held_quantity=10), offer(SPONSORSHIP)),
        (need(EQUIPMENT), offer(SPONSORSHIP, held_pence=250_000)),
        # The offer's window closed before today, or opens after the need's deadline.
        (need(), offer(available_until=date(2026, 12, 31))),
        (need(), offer(available_from=date(2027, 3, 21), available_until=date(2027, 5, 1))),
        # The volunteers are gone before the work starts.
        (need(starts_on=date(2027, 2, 1)), offer(available_until=date(2027, 1, 31))),
        # The need's deadline has passed.
        (need(deadline=date(2026, 12, 31)), offer()),
    ],
)
def test_not_a_suggestion(wanted, given):
    assert fit(wanted, given, TODAY) is None


@pytest.mark.parametrize(
    ("wanted", "given"),
    [
        # The edges of the rules above, just inside them.
        (need(VOLUNTEERING), offer(SPONSORSHIP)),
        (need(SPONSORSHIP), offer(SPONSORSHIP)),
        (need(EQUIPMENT, device_type_id=2), offer(EQUIPMENT, device_type_id=2)),
        (need(skill_ids=[1, 2]), offer(skill_ids=[2, 3])),
        (need(location_mode=ON_SITE), offer(location_mode=EITHER)),
        (need(location_mode=REMOTE), offer(location_mode=EITHER)),
        (need(EQUIPMENT, quantity=10, held_quantity=9), offer(EQUIPMENT)),
        (need(), offer(volunteers=2, held_volunteers=1, held_hours=11)),
        (need(), offer(available_until=TODAY)),
        (need(), offer(available_from=date(2027, 3, 20))),
        (need(starts_on=date(2027, 2, 1)), offer(available_until=date(2027, 2, 1))),
        (need(deadline=TODAY), offer()),
    ],
)
def test_a_suggestion_just_inside_the_rules(wanted, given):
    assert fit(wanted, given, TODAY) is not None


# --- Allocation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("need_side", "offer_side", "allocated"),
    [
        # (volunteers, hours left, hours each) on each side -> (volunteers, hours each)
        ((3, 18, 6), (2, 16, 8), (2, 6)),  # fewer people, the shorter hours
        ((2, 12, 6), (5, 200, 40), (2, 6)),  # all the need asks
        ((2, 8, 6), (2, 12, 6), (2, 4)),  # held hours leave 8: 2 people x 4 hours
        ((3, 2, 6), (3, 18, 6), (2, 1)),  # 2 hours left: 2 people x 1 hour
        ((1, 6, 6), (4, 5, 8), (1, 5)),  # the offer has 5 hours left
    ],
)
def test_volunteer_allocation(need_side, offer_side, allocated):
    assert volunteer_allocation(*need_side, *offer_side) == allocated


def test_volunteer_allocation_on_partly_held_listings():
    # 3 x 6 asked; a match holds 1 person for 10 hours: 2 people and 8 hours are left.
    wanted = need(volunteers=3, hours_per_volunteer=6, held_volunteers=1, held_hours=10)
    result = fit(wanted, offer(volunteers=4, hours_per_volunteer=6), TODAY)
    assert result.allocation == Allocation(volunteers=2, hours_per_volunteer=4)
    assert "covers 8 of 8 hours still needed: 2 volunteers for 4 hours each" in result.reasons


@pytest.mark.parametrize(
    ("kind", "need_amount", "offer_amount", "allocation"),
    [
        (EQUIPMENT, {"quantity": 25}, {"quantity": 20}, Allocation(quantity=20)),
        (EQUIPMENT, {"quantity": 5}, {"quantity": 40}, Allocation(quantity=5)),
        (
            SPONSORSHIP,
            {"amount_pence": 100_000},
            {"amount_pence": 750_000},
            Allocation(amount_pence=100_000),
        ),
        (
            SPONSORSHIP,
            {"amount_pence": 750_000, "held_pence": 500_000},
            {"amount_pence": 750_000, "held_pence": 600_000},
            Allocation(amount_pence=150_000),
        ),
    ],
)
def test_allocation_is_the_most_both_sides_have_left(kind, need_amount, offer_amount, allocation):
    assert fit(need(kind, **need_amount), offer(kind, **offer_amount), TODAY).allocation == (
        allocation
    )


# --- The weights' effect on the order --------------------------------------------------------


def order(wanted, *offers, weights: Weights = WEIGHTS) -> list[int]:
    return [s.offer.id for s in suggest_offers(wanted, list(offers), TODAY, weights=weights)]


def test_same_ward_beats_leeds_wide_beats_another_ward():
    wanted = need(EQUIPMENT)
    assert order(
        wanted,
        offer(EQUIPMENT, id=1, ward_ids=[PUDSEY]),
        offer(EQUIPMENT, id=2, ward_ids=[ARMLEY]),
        offer(EQUIPMENT, id=3, ward_ids=[LEEDS_WIDE]),
    ) == [2, 3, 1]


def test_more_of_the_skills_come_first():
    wanted = need(skill_ids=[1, 2, 3])
    assert order(
        wanted,
        offer(id=1, skill_ids=[1]),
        offer(id=2, skill_ids=[1, 2, 3]),
        offer(id=3, skill_ids=[2, 3, 4]),
    ) == [2, 3, 1]


def test_covering_more_comes_first():
    wanted = need(EQUIPMENT, quantity=20)
    assert order(
        wanted,
        offer(EQUIPMENT, id=1, quantity=5),
        offer(EQUIPMENT, id=2, quantity=50),
        offer(EQUIPMENT, id=3, quantity=15),
    ) == [2, 3, 1]


def test_money_counts_as_at_most_half_the_thing_itself():
    """Money towards laptops scores like an offer of half of them: more laptops than
    that come first, fewer come after."""
    wanted = need(EQUIPMENT, quantity=10)
    assert order(
        wanted,
        offer(SPONSORSHIP, id=1, amount_pence=10_000_000),
        offer(EQUIPMENT, id=2, quantity=6),
        offer(EQUIPMENT, id=3, quantity=4),
    ) == [2, 1, 3]


def test_equal_scores_go_to_the_lower_id():
    wanted = need(EQUIPMENT)
    assert order(wanted, offer(EQUIPMENT, id=7), offer(EQUIPMENT, id=3)) == [3, 7]


def test_the_weights_decide_the_order():
    """All the laptops in another ward, or half of them in the same ward."""
    wanted = need(EQUIPMENT, quantity=10)
    whole = offer(EQUIPMENT, id=1, quantity=10, ward_ids=[PUDSEY])
    half = offer(EQUIPMENT, id=2, quantity=5)
    assert order(wanted, whole, half) == [2, 1]
    assert order(wanted, whole, half, weights=Weights(coverage=60)) == [1, 2]


@pytest.mark.parametrize(
    "changes",
    [
        {"place": -1},
        {"coverage": 0, "place": 0, "timing": 0, "groups": 0},
        {"towards_cap_pence": 0},
        {"leeds_wide_place": 10_001},
    ],
)
def test_weights_that_cannot_rank_are_refused(changes):
    with pytest.raises(ValueError):
        Weights(**changes)
