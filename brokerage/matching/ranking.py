"""Ranking suggestions: the best offers for a need, the best needs for an offer, and
the best offers for every need at once.

Checking 10,000 offers against 10,000 needs one pair at a time in Python takes
minutes, so the points are computed with numpy, many pairs per operation, by the
same whole-number arithmetic as `scoring.fit` (a test holds them to the same
result on random data). Only the few pairs that make a list are then passed to
`fit`, which writes their reasons and allocation. Pairs are also only compared
where they can meet at all: a need's own kind (and, for equipment, its device
type), plus sponsorship offers, which can pay towards anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from brokerage.listings.models import ListingKind, LocationMode
from brokerage.matching.facts import ListingFacts, NeedFacts, OfferFacts
from brokerage.matching.scoring import (
    FULL,
    SPONSORSHIP,
    WEIGHTS,
    Allocation,
    Fit,
    Weights,
    fit,
)

# Pairs scored per numpy operation when ranking every need: big enough that numpy's
# own overhead per call is small, small enough that the arrays stay in the cache.
BLOCK_CELLS = 200_000

_KINDS = {ListingKind.VOLUNTEERING: 0, ListingKind.EQUIPMENT: 1, ListingKind.SPONSORSHIP: 2}
_ON_SITE, _REMOTE, _EITHER = 1, 2, 3
_MODES = {None: 0, LocationMode.ON_SITE: 1, LocationMode.REMOTE: 2, LocationMode.EITHER: 3}
# Keys sort by points, then by the lower id: points in the high bits, ids below.
_ID_BITS = 32
_ID_MAX = (1 << _ID_BITS) - 1


@dataclass(frozen=True)
class Suggestion:
    """One offer suggested for one need (from either side), with why and how much."""

    need: NeedFacts
    offer: OfferFacts
    fit: Fit

    @property
    def score(self) -> float:
        return self.fit.score

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.fit.reasons

    @property
    def allocation(self) -> Allocation:
        return self.fit.allocation


def suggest_offers(
    need: NeedFacts,
    offers: Sequence[OfferFacts],
    today: date,
    limit: int = 10,
    weights: Weights = WEIGHTS,
) -> list[Suggestion]:
    """The `limit` offers that best fit `need`, best first (equal scores: lower id first)."""
    # Only offers that can meet this need at all are put into columns: that is most
    # of the cost for one need.
    skills = need.skills
    candidates = [
        o
        for o in offers
        if o.kind is SPONSORSHIP
        or (
            o.kind is need.kind
            and (need.kind is not ListingKind.EQUIPMENT or o.device_type_id == need.device_type_id)
            and (need.kind is not ListingKind.VOLUNTEERING or any(s in skills for s in o.skills))
        )
    ]
    return rank_all_needs([need], candidates, today, limit, weights)[need.id]


def suggest_needs(
    offer: OfferFacts,
    needs: Sequence[NeedFacts],
    today: date,
    limit: int = 10,
    weights: Weights = WEIGHTS,
) -> list[Suggestion]:
    """The `limit` needs `offer` best fits, best first (equal scores: lower id first).

    Scored as each need would score the offer: the same points as on the need's own
    list, so the two pages never disagree about a pair."""
    if limit <= 0 or not offer.has_remaining or offer.available_until < today:
        return []
    candidates = [
        n
        for n in needs
        if (n.kind is offer.kind or offer.kind is SPONSORSHIP)
        and n.has_remaining
        and n.deadline >= today
    ]
    if not candidates:
        return []
    terms = _Terms(candidates, [offer])
    need_side = _Needs(candidates, today, terms, weights)
    offer_side = _Offers([offer], terms, weights)
    every = np.arange(len(candidates))
    keys = np.full(len(candidates), -1, dtype=np.int64)
    for kind in ListingKind:
        rows = every[need_side.kind == _KINDS[kind]]
        if not rows.size:
            continue
        if offer.kind is kind:
            points = _SAME[kind](need_side.block(rows), offer_side.row(np.arange(1)), weights)
        else:
            points = _towards(need_side.block(rows), offer_side.row(np.arange(1)), weights)
        keys[rows] = _keys(points[:, 0], need_side.ids[rows])
    found = []
    for index in _best(keys[None, :], limit)[0]:
        if keys[index] < 0:
            break
        need = candidates[index]
        found.append(Suggestion(need, offer, _explain(need, offer, today, weights, keys[index])))
    return found


def rank_all_needs(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts],
    today: date,
    limit: int = 10,
    weights: Weights = WEIGHTS,
) -> dict[int, list[Suggestion]]:
    """Every need's `limit` best offers, by need id: the same lists `suggest_offers`
    gives one need at a time. A need with no suggestion has an empty list."""
    result: dict[int, list[Suggestion]] = {n.id: [] for n in needs}
    needs = [n for n in needs if n.has_remaining and n.deadline >= today]
    offers = [o for o in offers if o.has_remaining and o.available_until >= today]
    if limit <= 0 or not needs or not offers:
        return result
    terms = _Terms(needs, offers)
    need_side = _Needs(needs, today, terms, weights)
    offer_side = _Offers(offers, terms, weights)
    sponsors = np.flatnonzero(offer_side.kind == _KINDS[SPONSORSHIP])

    for (kind, device), rows in _groups(needs).items():
        same = np.flatnonzero(offer_side.kind == _KINDS[kind])
        if kind is ListingKind.EQUIPMENT:
            same = same[offer_side.device[same] == device]
        towards = sponsors if kind is not SPONSORSHIP else sponsors[:0]
        width = max(1, len(same) + len(towards))
        step = max(1, BLOCK_CELLS // width)
        for start in range(0, len(rows), step):
            block = rows[start : start + step]
            n = need_side.block(block)
            parts = []
            for columns, kernel in ((same, _SAME[kind]), (towards, _towards)):
                if columns.size:
                    keys = _keys(
                        kernel(n, offer_side.row(columns), weights), offer_side.ids[columns]
                    )
                    best = _best(keys, limit)
                    parts.append((np.take_along_axis(keys, best, axis=1), columns[best]))
            if not parts:
                continue
            keys = np.concatenate([p[0] for p in parts], axis=1)
            chosen = np.concatenate([p[1] for p in parts], axis=1)
            order = _best(keys, limit)
            keys = np.take_along_axis(keys, order, axis=1)
            chosen = np.take_along_axis(chosen, order, axis=1)
            for row, need_index in enumerate(block):
                need = needs[need_index]
                found = result[need.id]
                for key, offer_index in zip(keys[row].tolist(), chosen[row].tolist(), strict=True):
                    if key < 0:
                        break
                    offer = offers[offer_index]
                    found.append(
                        Suggestion(need, offer, _explain(need, offer, today, weights, key))
                    )
    return result


def _explain(need: NeedFacts, offer: OfferFacts, today: date, weights: Weights, key: int) -> Fit:
    """The reasons and allocation for a pair the fast path chose. It must be the pair
    `fit` would score the same: anything else is a bug in one of the two."""
    found = fit(need, offer, today, weights)
    if found is None or found.points != key >> _ID_BITS:
        raise AssertionError(
            f"fast ranking disagrees with fit() for need {need.id}, offer {offer.id}"
        )
    return found


def _groups(needs: Sequence[NeedFacts]) -> dict[tuple[ListingKind, int], np.ndarray]:
    """Needs by kind, and equipment needs by device type too: each group is compared
    with the same candidate offers."""
    groups: dict[tuple[ListingKind, int], list[int]] = {}
    for index, need in enumerate(needs):
        device = -1
        if need.kind is ListingKind.EQUIPMENT:
            device = need.device_type_id if need.device_type_id is not None else -1
        groups.setdefault((need.kind, device), []).append(index)
    return {key: np.array(rows, dtype=np.int64) for key, rows in groups.items()}


def _keys(points: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """One sortable number per pair: higher is better; -1 is not a suggestion."""
    return np.where(points >= 0, (points << _ID_BITS) | (_ID_MAX - ids), -1)


def _best(keys: np.ndarray, limit: int) -> np.ndarray:
    """The column indices of each row's `limit` highest keys, highest first."""
    width = keys.shape[1]
    if width > limit:
        top = np.argpartition(keys, width - limit, axis=1)[:, width - limit :]
    else:
        top = np.broadcast_to(np.arange(width), keys.shape)
    order = np.argsort(-np.take_along_axis(keys, top, axis=1), axis=1, kind="stable")
    return np.take_along_axis(top, order, axis=1)


class _Terms:
    """A bit for each skill, ward and beneficiary group in play, so that "how many in
    common" is a bitwise AND and a popcount. Taxonomies are data the team extends:
    past 64 terms a mask takes more than one 64-bit word."""

    def __init__(self, *sides: Iterable[ListingFacts]):
        skills, wards, groups = set(), set(), set()
        for side in sides:
            for item in side:
                skills.update(item.skills)
                if not item.citywide:
                    wards.update(item.wards)
                groups.update(item.groups)
        self.skills = {term: bit for bit, term in enumerate(sorted(skills))}
        self.wards = {term: bit for bit, term in enumerate(sorted(wards))}
        self.groups = {term: bit for bit, term in enumerate(sorted(groups))}

    @staticmethod
    def masks(bits: Mapping[int, int], terms: Iterable[Iterable[int]]) -> list[np.ndarray]:
        """One uint64 array per 64 terms: bit b of word w set when term 64w+b is named."""
        whole = [sum(1 << bits[t] for t in named) for named in terms]
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


def _ints(items: Sequence[ListingFacts], value) -> np.ndarray:
    return np.fromiter((value(i) for i in items), dtype=np.int64, count=len(items))


class _Side:
    """One side's facts as columns: one numpy array per fact, one entry per listing."""

    columns: tuple[str, ...] = ()

    def __init__(self, items: Sequence[ListingFacts], terms: _Terms):
        self.ids = _ints(items, lambda i: i.id)
        self.kind = _ints(items, lambda i: _KINDS[i.kind])
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

    def _view(self, index: np.ndarray, shape) -> _View:
        view = _View()
        for name in ("mode", "citywide", "volunteers", "hours", "each", "quantity", "pence"):
            setattr(view, name, getattr(self, name)[index].reshape(shape))
        for name in ("skills", "wards", "groups"):
            setattr(view, name, [w[index].reshape(shape) for w in getattr(self, name)])
        for name in self.columns:
            setattr(view, name, getattr(self, name)[index].reshape(shape))
        return view


class _View:
    """Some listings' columns, shaped to broadcast against the other side's."""


class _Needs(_Side):
    columns = ("device", "skill_count", "group_count", "begins", "deadline", "total")

    def __init__(self, items: Sequence[NeedFacts], today: date, terms: _Terms, weights: Weights):
        super().__init__(items, terms)
        self.device = _ints(items, lambda i: -1 if i.device_type_id is None else i.device_type_id)
        self.skill_count = _ints(items, lambda i: max(1, len(i.skills)))
        self.group_count = _ints(items, lambda i: max(1, len(i.groups)))
        self.begins = _ints(items, lambda i: i.wanted_from(today).toordinal())
        self.deadline = _ints(items, lambda i: i.deadline.toordinal())
        self.total = _ints(items, lambda i: weights.total(i.kind))

    def block(self, index: np.ndarray) -> _View:
        """These needs as a column (one row each)."""
        return self._view(index, (-1, 1))


class _Offers(_Side):
    columns = ("device", "opens", "until", "towards")

    def __init__(self, items: Sequence[OfferFacts], terms: _Terms, weights: Weights):
        super().__init__(items, terms)
        self.device = _ints(items, lambda i: -2 if i.device_type_id is None else i.device_type_id)
        self.opens = _ints(items, lambda i: (i.available_from or date.min).toordinal())
        self.until = _ints(items, lambda i: i.available_until.toordinal())
        # What money towards another kind earns for coverage depends on the offer only.
        cap = weights.towards_cap_pence
        self.towards = weights.towards_coverage * np.minimum(self.pence, cap) // cap

    def row(self, index: np.ndarray) -> _View:
        """These offers as a row (one column each)."""
        return self._view(index, (1, -1))


# The kernels: points (0 to FULL) for each need (rows) and offer (columns), -1 where
# the pair is not a suggestion. Each mirrors a branch of `scoring.fit`.


def _common(n: _View, o: _View, weights: Weights, remote=None):
    """Timing, place and groups, weighted; and whether the windows meet."""
    opens = np.maximum(n.begins, o.opens)
    closes = np.minimum(n.deadline, o.until)
    meets = closes >= opens
    timing = FULL * (closes - opens + 1) // (n.deadline - n.begins + 1)
    place = np.where(n.citywide | o.citywide, weights.leeds_wide_place, 0)
    near = _shared(n.wards, o.wards) > 0
    if remote is not None:
        near = near | remote
    place = np.where(near, FULL, place)
    groups = FULL * _shared(n.groups, o.groups) // n.group_count
    return meets, weights.place * place + weights.timing * timing + weights.groups * groups


def _volunteering(n: _View, o: _View, weights: Weights) -> np.ndarray:
    skills = _shared(n.skills, o.skills)
    apart = ((n.mode == _ON_SITE) & (o.mode == _REMOTE)) | (
        (n.mode == _REMOTE) & (o.mode == _ON_SITE)
    )
    remote = (n.mode >= _REMOTE) & (o.mode >= _REMOTE)
    meets, rest = _common(n, o, weights, remote)
    people = np.minimum(n.volunteers, o.volunteers)
    hours = np.minimum(n.hours, o.hours)
    each = np.minimum(np.minimum(n.each, o.each), hours // people)
    short = each == 0
    people = np.where(short, hours, people)
    each = np.where(short, 1, each)
    coverage = FULL * (people * each) // n.hours
    points = (
        weights.skills * (FULL * skills // n.skill_count) + weights.coverage * coverage + rest
    ) // n.total
    return np.where(meets & (skills > 0) & ~apart, points, -1)


def _equipment(n: _View, o: _View, weights: Weights) -> np.ndarray:
    meets, rest = _common(n, o, weights)
    coverage = FULL * np.minimum(n.quantity, o.quantity) // n.quantity
    points = (weights.coverage * coverage + rest) // n.total
    return np.where(meets & (n.device == o.device), points, -1)


def _sponsorship(n: _View, o: _View, weights: Weights) -> np.ndarray:
    meets, rest = _common(n, o, weights)
    coverage = FULL * np.minimum(n.pence, o.pence) // n.pence
    return np.where(meets, (weights.coverage * coverage + rest) // n.total, -1)


def _towards(n: _View, o: _View, weights: Weights) -> np.ndarray:
    """Money offered towards a need of another kind."""
    meets, rest = _common(n, o, weights)
    return np.where(meets, (weights.coverage * o.towards + rest) // n.total, -1)


_SAME = {
    ListingKind.VOLUNTEERING: _volunteering,
    ListingKind.EQUIPMENT: _equipment,
    ListingKind.SPONSORSHIP: _sponsorship,
}
