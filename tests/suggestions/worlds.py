"""Random needs and offers of every kind and state, for the property tests.

One generator serves both hypothesis (which can then shrink a failing case to a
small one) and a seeded `random.Random` (for worlds of hundreds of listings):
it asks a `Chooser` for each value.
"""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import strategies as st

from brokerage.listings.models import ListingKind, LocationMode
from brokerage.suggestions.facts import NeedFacts, OfferFacts
from tests.suggestions.make import TODAY

KINDS = list(ListingKind)
MODES = list(LocationMode)
LEEDS_WIDE = 100
WARDS = list(range(101, 111))
GROUPS = list(range(201, 208))


class Chooser:
    """Values from a seeded Random."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def int(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def choice(self, values: list):
        return self.rng.choice(values)

    def sample(self, values: list, low: int, high: int) -> list:
        return self.rng.sample(values, self.rng.randint(low, min(high, len(values))))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


class Drawn(Chooser):
    """Values drawn by hypothesis (`st.data()`), so failures shrink."""

    def __init__(self, data):
        self.data = data

    def int(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def choice(self, values: list):
        return self.data.draw(st.sampled_from(values))

    def sample(self, values: list, low: int, high: int) -> list:
        return self.data.draw(
            st.lists(st.sampled_from(values), min_size=low, max_size=high, unique=True)
        )

    def chance(self, p: float) -> bool:
        return self.data.draw(st.booleans())


def _common(c: Chooser, listing_id: int, kind: ListingKind, skills: list[int]) -> dict:
    values = dict(
        id=listing_id,
        title=f"Listing {listing_id}",
        organisation_name="Organisation",
        kind=kind,
        skills={},
        location_mode=None,
    )
    if kind is ListingKind.VOLUNTEERING:
        chosen = sorted(c.sample(skills, 1, 4))
        values["skills"] = {s: f"Skill {s}" for s in chosen}
        values["location_mode"] = c.choice(MODES)
        volunteers, each = c.int(1, 8), c.int(1, 40)
        held_people = c.int(0, volunteers) if c.chance(0.3) else 0
        # What is held is usually whole volunteers' hours, but need not be.
        held_hours = held_people * each if c.chance(0.7) else c.int(0, volunteers * each)
        values.update(
            volunteers=volunteers,
            hours_per_volunteer=each,
            remaining_volunteers=volunteers - held_people,
            remaining_hours=volunteers * each - held_hours,
        )
    elif kind is ListingKind.EQUIPMENT:
        quantity = c.choice([1, 2, 5, 10, 20, 25, 40, 100])
        held = c.int(0, quantity) if c.chance(0.3) else 0
        device = c.choice([1, 2, 3])
        values.update(
            device_type_id=device,
            device_name=f"Device {device}",
            quantity=quantity,
            remaining_quantity=quantity - held,
        )
    else:
        pence = c.choice([100, 5_000, 50_050, 100_000, 250_000, 1_000_000, 1_000_000_000])
        held = c.int(0, pence) if c.chance(0.3) else 0
        values.update(amount_pence=pence, remaining_pence=pence - held)
    if c.chance(0.15):
        values.update(wards={LEEDS_WIDE: "Leeds-wide"}, citywide=True)
    else:
        values["wards"] = {w: f"Ward {w}" for w in sorted(c.sample(WARDS, 1, 3))}
    values["groups"] = {g: f"Group {g}" for g in sorted(c.sample(GROUPS, 0, 3))}
    return values


def need(c: Chooser, listing_id: int = 1, skills: list[int] | None = None) -> NeedFacts:
    values = _common(c, listing_id, c.choice(KINDS), skills or [1, 2, 3, 4, 5])
    values["deadline"] = TODAY + timedelta(days=c.int(-3, 200))
    if values["kind"] is ListingKind.VOLUNTEERING and c.chance(0.4):
        values["starts_on"] = TODAY + timedelta(days=c.int(-30, 120))
    return NeedFacts(**values)


def offer(
    c: Chooser,
    listing_id: int = 1,
    skills: list[int] | None = None,
    kind: ListingKind | None = None,
) -> OfferFacts:
    values = _common(c, listing_id, kind or c.choice(KINDS), skills or [1, 2, 3, 4, 5])
    values["available_until"] = TODAY + timedelta(days=c.int(-3, 300))
    if c.chance(0.3):
        values["available_from"] = TODAY + timedelta(days=c.int(-30, 150))
    return OfferFacts(**values)


def world(
    seed: int, needs: int, offers: int, skills: int = 5
) -> tuple[list[NeedFacts], list[OfferFacts]]:
    """Needs and offers with shuffled ids (so ties are broken by id, not position)."""
    c = Chooser(random.Random(seed))
    terms = list(range(1, skills + 1))
    ids = c.rng.sample(range(1, 10 * (needs + offers) + 2), needs + offers)
    return (
        [need(c, ids[i], terms) for i in range(needs)],
        [offer(c, ids[needs + i], terms) for i in range(offers)],
    )
