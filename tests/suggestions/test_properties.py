"""Properties over random needs and offers: a suggestion never offers more than
remains, and the fast ranking gives exactly the lists one `fit` per pair would."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brokerage.listings.models import ListingKind
from brokerage.suggestions import ranking
from brokerage.suggestions.ranking import (
    NeedPool,
    OfferPool,
    rank_all_needs,
    suggest_needs,
    suggest_offers,
)
from brokerage.suggestions.scoring import FULL, WEIGHTS, fit, refusal
from tests.suggestions import make, worlds
from tests.suggestions.make import EQUIPMENT, SPONSORSHIP, TODAY, VOLUNTEERING


def check_within_what_remains(need, offer, result) -> None:
    a = result.allocation
    if result.towards:
        assert offer.kind is ListingKind.SPONSORSHIP and need.kind is not ListingKind.SPONSORSHIP
        assert 0 < a.amount_pence <= min(offer.remaining_pence, WEIGHTS.towards_cap_pence)
        assert (a.volunteers, a.hours_per_volunteer, a.quantity) == (None, None, None)
    elif need.kind is ListingKind.VOLUNTEERING:
        assert 0 < a.volunteers <= min(need.remaining_volunteers, offer.remaining_volunteers)
        assert 0 < a.hours_per_volunteer <= min(need.hours_per_volunteer, offer.hours_per_volunteer)
        assert a.total_hours <= min(need.remaining_hours, offer.remaining_hours)
        assert (a.quantity, a.amount_pence) == (None, None)
    elif need.kind is ListingKind.EQUIPMENT:
        assert 0 < a.quantity <= min(need.remaining_quantity, offer.remaining_quantity)
        assert (a.volunteers, a.amount_pence) == (None, None)
    else:
        assert 0 < a.amount_pence <= min(need.remaining_pence, offer.remaining_pence)
        assert (a.volunteers, a.quantity) == (None, None)
    assert 0 <= result.points <= FULL


@settings(max_examples=500, deadline=None)
@given(st.data())
def test_a_suggestion_never_offers_more_than_remains(data):
    c = worlds.Drawn(data)
    need = worlds.need(c)
    # Mostly kinds that can meet, so most cases are suggestions.
    offer = worlds.offer(c, kind=c.choice([need.kind, ListingKind.SPONSORSHIP, None]))
    result = fit(need, offer, TODAY)
    if not (need.has_remaining and offer.has_remaining):
        assert result is None
    if result is not None:
        check_within_what_remains(need, offer, result)
    # The page that says why listings were left out names a rule exactly when fit refuses.
    assert (refusal(need, offer, TODAY) is None) == (result is not None)


def test_the_suggestions_of_a_random_world_never_offer_more_than_remains():
    needs, offers = worlds.world(seed=7, needs=150, offers=150)
    suggested = [s for found in rank_all_needs(needs, offers, TODAY).values() for s in found]
    assert len(suggested) > 300  # enough to mean something
    for s in suggested:
        check_within_what_remains(s.need, s.offer, s.fit)


def best_offers(need, offers, limit):
    """What a list should be: every pair through `fit`, best first, then lower id."""
    scored = [(f.points, o.id) for o in offers if (f := fit(need, o, TODAY)) is not None]
    return sorted(scored, key=lambda p: (-p[0], p[1]))[:limit]


def best_needs(offer, needs, limit):
    scored = [(f.points, n.id) for n in needs if (f := fit(n, offer, TODAY)) is not None]
    return sorted(scored, key=lambda p: (-p[0], p[1]))[:limit]


@pytest.mark.parametrize(
    ("seed", "skills", "limit", "block"),
    [
        (1, 5, 10, ranking.BLOCK_CELLS),
        (2, 5, 3, 50),  # tiny blocks: many block edges
        (3, 5, 1, 7),
        (4, 150, 10, 200),  # 150 skills: three 64-bit words a mask
        (5, 12, 25, 500),
    ],
)
def test_fast_ranking_gives_the_lists_fit_would(monkeypatch, seed, skills, limit, block):
    monkeypatch.setattr(ranking, "BLOCK_CELLS", block)
    needs, offers = worlds.world(seed, needs=120, offers=160, skills=skills)

    every = rank_all_needs(needs, offers, TODAY, limit)
    assert set(every) == {n.id for n in needs}
    listed = 0
    for need in needs:
        expected = best_offers(need, offers, limit)
        assert [(s.fit.points, s.offer.id) for s in every[need.id]] == expected, need
        listed += len(expected)
    assert listed > len(needs) // 2  # the world has real suggestions in it

    pool = OfferPool(offers, TODAY)
    for need in needs[:40]:
        expected = best_offers(need, offers, limit)
        for found in (
            suggest_offers(need, offers, TODAY, limit),
            suggest_offers(need, pool, TODAY, limit),
        ):
            assert [(s.fit.points, s.offer.id) for s in found] == expected

    needs_pool = NeedPool(needs, TODAY)
    for offer in offers:
        expected = best_needs(offer, needs, limit)
        for found in (
            suggest_needs(offer, needs, TODAY, limit),
            suggest_needs(offer, needs_pool, TODAY, limit),
        ):
            assert [(s.fit.points, s.need.id) for s in found] == expected, offer


def test_a_pool_is_for_the_day_and_weights_it_was_built_for():
    needs, offers = worlds.world(seed=9, needs=5, offers=5)
    pool = OfferPool(offers, TODAY)
    with pytest.raises(ValueError, match="another day"):
        suggest_offers(needs[0], pool, TODAY.replace(day=2))


def test_a_need_nothing_can_meet_has_an_empty_list():
    money_wanted = make.need(SPONSORSHIP, id=1)
    laptops_wanted = make.need(EQUIPMENT, id=2)
    only_volunteers = [make.offer(VOLUNTEERING, id=10), make.offer(VOLUNTEERING, id=11)]
    assert rank_all_needs([money_wanted, laptops_wanted], only_volunteers, TODAY) == {1: [], 2: []}
    assert suggest_offers(laptops_wanted, only_volunteers, TODAY) == []
    assert suggest_offers(laptops_wanted, [], TODAY) == []
    assert suggest_needs(only_volunteers[0], [money_wanted, laptops_wanted], TODAY) == []
