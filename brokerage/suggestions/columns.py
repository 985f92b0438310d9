"""Listings as numpy columns, and the kernels that score a block of needs against a
row of offers by the same whole-number arithmetic as `scoring.fit`.

The ranking (ranking.py) chooses which needs and offers to compare; this module
holds what it compares them with: a bit for each term in play, one array per
fact, and one kernel per kind of listing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import numpy as np

from brokerage.listings.models import ListingKind, LocationMode
from brokerage.suggestions.facts import ListingFacts, NeedFacts, OfferFacts
from brokerage.suggestions.scoring import FULL, Weights

KINDS = {ListingKind.VOLUNTEERING: 0, ListingKind.EQUIPMENT: 1, ListingKind.SPONSORSHIP: 2}
_ON_SITE, _REMOTE, _EITHER = 1, 2, 3  # "remote possible" is _REMOTE and up
_MODES = {None: 0, LocationMode.ON_SITE: _ON_SITE, LocationMode.REMOTE: _REMOTE}
_MODES[LocationMode.EITHER] = _EITHER


def need_device(need: NeedFacts) -> int:
    return -1 if need.device_type_id is None else need.device_type_id


def offer_device(offer: OfferFacts) -> int:
    return -2 if offer.device_type_id is None else offer.device_type_id


class Terms:
    """A bit for each skill, ward and beneficiary group in play, so that "how many in
    common" is a bitwise AND and a popcount. Taxonomies are data the team extends:
    past 64 terms a mask takes more than one 64-bit word."""

    def __init__(self, items: Iterable[ListingFacts]):
        skills, wards, groups = set(), set(), set()
        for item in items:
            skills.update(item.skills)
            if not item.citywide:
                wards.update(item.wards)
            groups.update(item.groups)
        self.skills = {term: bit for bit, term in enumerate(sorted(skills))}
        self.wards = {term: bit for bit, term in enumerate(sorted(wards))}
        self.groups = {term: bit for bit, term in enumerate(sorted(groups))}

    @staticmethod
    def masks(
        bits: Mapping[int, int], terms: Iterable[Iterable[int]], words: int | None = None
    ) -> list[np.ndarray]:
        """One uint64 array per 64 terms: bit b of word w set when term 64w+b is named.
        Terms without a bit (none of the other side names them) cannot be shared."""
        whole = [sum(1 << bits[t] for t in named if t in bits) for named in terms]
        if words is None:
            words = max(1, (len(bits) + 63) // 64)
        word = (1 << 64) - 1
        return [
            np.fromiter(((m >> (64 * w)) & word for m in whole), dtype=np.uint64, count=len(whole))
            for w in range(words)
        ]


def _shared(a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
    """How many terms each pair has in common."""
    count = np.bitwise_count(a[0] & b[0]).astype(np.int64)
    for x, y in zip(a[1:], b[1:], strict=True):
        count += np.bitwise_count(x & y)
    return count


def _table(weight: int, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The weighted part for "`shared` of a need's `count` terms", looked up rather
    than divided: `table[row + shared]` is `weight * (FULL * shared // count)`, with
    `row` each need's start in the table. (Dividing by a different number on each
    row is the slowest thing numpy does here.)"""
    width = int(counts.max(initial=0)) + 1
    shared = np.arange(width)
    table = np.zeros((width, width), dtype=np.int64)
    for count in range(1, width):
        table[count, : count + 1] = weight * (FULL * shared[: count + 1] // count)
    return table.ravel(), counts * width


def _ints(items: Sequence[ListingFacts], value) -> np.ndarray:
    return np.fromiter((value(i) for i in items), dtype=np.int64, count=len(items))


class _Side:
    """One side's facts as columns: one numpy array per fact, one entry per listing."""

    columns: tuple[str, ...] = ()

    def __init__(self, items: Sequence[ListingFacts], terms: Terms):
        self.ids = _ints(items, lambda i: i.id)
        self.kind = _ints(items, lambda i: KINDS[i.kind])
        self.mode = _ints(items, lambda i: _MODES[i.location_mode])
        self.citywide = np.fromiter((i.citywide for i in items), dtype=bool, count=len(items))
        self.skills = terms.masks(terms.skills, (i.skills for i in items))
        self.wards = terms.masks(terms.wards, (() if i.citywide else i.wards for i in items))
        self.groups = terms.masks(terms.groups, (i.groups for i in items))
        self.volunteers = _ints(items, lambda i: i.remaining_volunteers)
        self.hours = _ints(items, lambda i: i.remaining_hours)
        self.each = _ints(items, lambda i: i.hours_per_volunteer or 0)
        self.quantity = _ints(items, lambda i: i.remaining_quantity)
        self.pence = _ints(items, lambda i: i.remaining_pence)

    def _view(self, index: np.ndarray, shape) -> View:
        view = View()
        for name in ("ids", "mode", "citywide", "volunteers", "hours", "each", "quantity", "pence"):
            setattr(view, name, getattr(self, name)[index].reshape(shape))
        for name in ("skills", "wards", "groups"):
            setattr(view, name, [w[index].reshape(shape) for w in getattr(self, name)])
        for name in self.columns:
            setattr(view, name, getattr(self, name)[index].reshape(shape))
        return view


class View:
    """Some listings' columns, shaped to broadcast against the other side's."""

    def take(self, rows: np.ndarray) -> View:
        """The same columns for some of the rows only."""
        view = View()
        for name, value in vars(self).items():
            if isinstance(value, list):
                value = [w[rows] for w in value]
            elif name not in ("skill_table", "group_table"):
                value = value[rows]
            setattr(view, name, value)
        return view


class Needs(_Side):
    columns = ("device", "skill_row", "group_row", "begins", "deadline", "window")

    def __init__(self, items: Sequence[NeedFacts], today: date, terms: Terms, weights: Weights):
        super().__init__(items, terms)
        self.device = _ints(items, need_device)
        self.skill_table, self.skill_row = _table(
            weights.skills, _ints(items, lambda i: len(i.skills))
        )
        self.group_table, self.group_row = _table(
            weights.groups, _ints(items, lambda i: len(i.groups))
        )
        self.begins = _ints(items, lambda i: i.wanted_from(today).toordinal())
        self.deadline = _ints(items, lambda i: i.deadline.toordinal())
        self.window = self.deadline - self.begins + 1

    def block(self, index: np.ndarray) -> View:
        """These needs as a column (one row each)."""
        view = self._view(index, (-1, 1))
        view.skill_table, view.group_table = self.skill_table, self.group_table
        return view


class Offers(_Side):
    columns = ("device", "opens", "until", "towards")

    def __init__(self, items: Sequence[OfferFacts], terms: Terms, weights: Weights):
        super().__init__(items, terms)
        self.device = _ints(items, offer_device)
        self.opens = _ints(items, lambda i: (i.available_from or date.min).toordinal())
        self.until = _ints(items, lambda i: i.available_until.toordinal())
        # What money towards another kind earns for coverage depends on the offer only.
        cap = weights.towards_cap_pence
        self.towards = weights.towards_coverage * np.minimum(self.pence, cap) // cap

    def row(self, index: np.ndarray) -> View:
        """These offers as a row (one column each)."""
        return self._view(index, (1, -1))


# The kernels: points (0 to FULL) for each need (rows) and offer (columns), -1 where
# the pair is not a suggestion. Each mirrors a branch of `scoring.fit`.


def _common(n: View, o: View, weights: Weights, remote=None):
    """Timing, place and groups, weighted; and whether the windows meet."""
    opens = np.maximum(n.begins, o.opens)
    closes = np.minimum(n.deadline, o.until)
    meets = closes >= opens
    closes -= opens
    closes += 1
    closes *= FULL
    closes //= n.window
    rest = closes
    rest *= weights.timing
    near = _shared(n.wards, o.wards) > 0
    if remote is not None:
        near |= remote
    rest += np.where(
        near,
        weights.place * FULL,
        np.where(n.citywide | o.citywide, weights.place * weights.leeds_wide_place, 0),
    )
    rest += n.group_table[n.group_row + _shared(n.groups, o.groups)]
    return meets, rest


def _volunteering(n: View, o: View, weights: Weights, total: int) -> np.ndarray:
    skills = _shared(n.skills, o.skills)
    apart = ((n.mode == _ON_SITE) & (o.mode == _REMOTE)) | (
        (n.mode == _REMOTE) & (o.mode == _ON_SITE)
    )
    remote = (n.mode >= _REMOTE) & (o.mode >= _REMOTE)
    meets, points = _common(n, o, weights, remote)
    people = np.minimum(n.volunteers, o.volunteers)
    hours = np.minimum(n.hours, o.hours)
    each = np.minimum(np.minimum(n.each, o.each), hours // people)
    short = each == 0
    people = np.where(short, hours, people)
    each[short] = 1
    people *= each
    people *= FULL
    people //= n.hours
    people *= weights.coverage
    points += people
    points += n.skill_table[n.skill_row + skills]
    points //= total
    return np.where(meets & (skills > 0) & ~apart, points, -1)


def _equipment(n: View, o: View, weights: Weights, total: int) -> np.ndarray:
    meets, points = _common(n, o, weights)
    coverage = np.minimum(n.quantity, o.quantity)
    coverage *= FULL
    coverage //= n.quantity
    coverage *= weights.coverage
    points += coverage
    points //= total
    return np.where(meets & (n.device == o.device), points, -1)


def _sponsorship(n: View, o: View, weights: Weights, total: int) -> np.ndarray:
    meets, points = _common(n, o, weights)
    coverage = np.minimum(n.pence, o.pence)
    coverage *= FULL
    coverage //= n.pence
    coverage *= weights.coverage
    points += coverage
    points //= total
    return np.where(meets, points, -1)


def money_towards(n: View, o: View, weights: Weights, total: int) -> np.ndarray:
    """Money offered towards a need of another kind."""
    meets, points = _common(n, o, weights)
    points += weights.coverage * o.towards
    points //= total
    return np.where(meets, points, -1)


SAME = {
    ListingKind.VOLUNTEERING: _volunteering,
    ListingKind.EQUIPMENT: _equipment,
    ListingKind.SPONSORSHIP: _sponsorship,
}
