"""Ranking suggestions: the best offers for a need, the best needs for an offer, and
the best offers for every need at once.

Checking 10,000 offers against 10,000 needs one pair at a time in Python takes
minutes, so the points are computed with numpy, many pairs per operation, by the
same whole-number arithmetic as `scoring.fit` (a test holds them to the same
lists on random data). Only the pairs that make a list are then passed to `fit`,
which writes their reasons and allocation, and must agree on their points.

Less is computed where less can matter: pairs are only compared where they can
meet at all (a need's own kind, and for equipment its device type; plus money,
which can pay towards anything), and money is not scored for a need whose own
kind already fills its list with scores money could not reach.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from brokerage.listings.models import ListingKind
from brokerage.suggestions.bulk import no_cycle_collection
from brokerage.suggestions.columns import (
    KINDS,
    SAME,
    Needs,
    Offers,
    Terms,
    View,
    money_towards,
    need_device,
    offer_device,
)
from brokerage.suggestions.facts import ListingFacts, NeedFacts, OfferFacts
from brokerage.suggestions.scoring import (
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
BLOCK_CELLS = 30_000

# Keys sort by points, then by the lower id: points in the high bits, ids (which are
# database integers, under 2**31) below.
_ID_BITS = 32
_ID_MAX = (1 << _ID_BITS) - 1


@dataclass(frozen=True, slots=True)
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


class _Pool:
    """Listings of one side, as numpy columns, to rank listings of the other side
    against. Building it costs more than one ranking: a page that ranks one listing
    at a time can keep a pool and reuse it while the listings stay the same (see
    services.py). Only what could be suggested is kept: open today, something left.
    """

    def __init__(self, items: Iterable[ListingFacts], today: date, weights: Weights = WEIGHTS):
        self.today = today
        self.weights = weights
        self.items = [i for i in items if i.has_remaining and self._closes(i) >= today]
        self.terms = Terms(self.items)
        self.columns = self._columns()
        self._rows: dict[tuple[ListingKind, int | None], np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.items)

    def rows(self, kind: ListingKind, device: int | None = None) -> np.ndarray:
        """The positions of the listings of `kind` (with `device`: of that device type)."""
        key = (kind, device)
        if key not in self._rows:
            chosen = self.columns.kind == KINDS[kind]
            if device is not None:
                chosen &= self.columns.device == device
            self._rows[key] = np.flatnonzero(chosen)
        return self._rows[key]

    def sharing(self, positions: np.ndarray, skills: frozenset[int]) -> np.ndarray:
        """Which of the listings at `positions` name at least one of `skills`."""
        wanted = self.terms.masks(self.terms.skills, [skills], words=len(self.columns.skills))
        hit = np.zeros(positions.size, dtype=bool)
        for word, have in zip(wanted, self.columns.skills, strict=True):
            hit |= (have[positions] & word[0]) != 0
        return hit

    def _check(self, today: date, weights: Weights) -> None:
        if today != self.today or weights != self.weights:
            raise ValueError("this pool was built for another day or other weights")

    @staticmethod
    def _closes(item) -> date:
        raise NotImplementedError

    def _columns(self):
        raise NotImplementedError


class NeedPool(_Pool):
    """Open needs, to rank for one offer at a time (`suggest_needs`)."""

    items: list[NeedFacts]
    columns: Needs

    @staticmethod
    def _closes(item: NeedFacts) -> date:
        return item.deadline

    def _columns(self) -> Needs:
        return Needs(self.items, self.today, self.terms, self.weights)


class OfferPool(_Pool):
    """Open offers, to rank for one need at a time (`suggest_offers`) or for many."""

    items: list[OfferFacts]
    columns: Offers

    @staticmethod
    def _closes(item: OfferFacts) -> date:
        return item.available_until

    def _columns(self) -> Offers:
        return Offers(self.items, self.terms, self.weights)

    def towards_bound(self, kind: ListingKind) -> int:
        """The most points any money here could score towards a need of `kind`: when a
        need's own kind already fills its list above this, no money offer can enter."""
        sponsors = self.rows(SPONSORSHIP)
        if not sponsors.size:
            return -1
        w = self.weights
        best = int(self.columns.towards[sponsors].max())
        return (w.coverage * best + (w.place + w.timing + w.groups) * FULL) // w.total(kind)


def suggest_offers(
    need: NeedFacts,
    offers: Sequence[OfferFacts] | OfferPool,
    today: date,
    limit: int = 10,
    weights: Weights = WEIGHTS,
) -> list[Suggestion]:
    """The `limit` offers that best fit `need`, best first (equal scores: lower id first).
    `offers` may be a list of facts or an OfferPool built for `today`."""
    if not isinstance(offers, OfferPool):
        # Only offers that can meet this need at all are put into columns: for one
        # need, building the columns is most of the cost.
        skills = need.skills
        offers = OfferPool(
            (
                o
                for o in offers
                if o.kind is SPONSORSHIP
                or (
                    o.kind is need.kind
                    and (
                        need.kind is not ListingKind.EQUIPMENT
                        or o.device_type_id == need.device_type_id
                    )
                    and (
                        need.kind is not ListingKind.VOLUNTEERING
                        or any(s in skills for s in o.skills)
                    )
                )
            ),
            today,
            weights,
        )
    return rank_all_needs([need], offers, today, limit, weights)[need.id]


def suggest_needs(
    offer: OfferFacts,
    needs: Sequence[NeedFacts] | NeedPool,
    today: date,
    limit: int = 10,
    weights: Weights = WEIGHTS,
) -> list[Suggestion]:
    """The `limit` needs `offer` best fits, best first (equal scores: lower id first).
    `needs` may be a list of facts or a NeedPool built for `today`.

    Scored as each need would score the offer: the same points as on the need's own
    list, so the two pages never disagree about a pair."""
    if not isinstance(needs, NeedPool):
        needs = NeedPool(
            (n for n in needs if n.kind is offer.kind or offer.kind is SPONSORSHIP),
            today,
            weights,
        )
    needs._check(today, weights)
    if limit <= 0 or not len(needs) or not offer.has_remaining or offer.available_until < today:
        return []
    one = Offers([offer], needs.terms, weights).row(np.arange(1))
    keys, rows = [], []
    for kind in ListingKind:
        if kind is offer.kind:
            device = offer_device(offer) if kind is ListingKind.EQUIPMENT else None
            chosen, kernel = needs.rows(kind, device), SAME[kind]
        elif offer.kind is SPONSORSHIP:
            chosen, kernel = needs.rows(kind), money_towards
        else:
            continue
        if chosen.size:
            total = weights.total(kind)
            points = kernel(needs.columns.block(chosen), one, weights, total)[:, 0]
            keys.append(_keys(points, needs.columns.ids[chosen]))
            rows.append(chosen)
    if not keys:
        return []
    every_key, every_row = np.concatenate(keys), np.concatenate(rows)
    found = []
    for index in _best(every_key[None, :], limit)[0].tolist():
        key = int(every_key[index])
        if key < 0:
            break
        need = needs.items[every_row[index]]
        found.append(Suggestion(need, offer, _explain(need, offer, today, weights, key)))
    return found


def rank_all_needs(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts] | OfferPool,
    today: date,
    limit: int = 10,
    weights: Weights = WEIGHTS,
) -> dict[int, list[Suggestion]]:
    """Every need's `limit` best offers, by need id: the same lists `suggest_offers`
    gives one need at a time. A need with no suggestion has an empty list."""
    with no_cycle_collection():
        return _rank_all_needs(needs, offers, today, limit, weights)


def _rank_all_needs(
    needs: Sequence[NeedFacts],
    offers: Sequence[OfferFacts] | OfferPool,
    today: date,
    limit: int,
    weights: Weights,
) -> dict[int, list[Suggestion]]:
    pool = offers if isinstance(offers, OfferPool) else OfferPool(offers, today, weights)
    pool._check(today, weights)
    result: dict[int, list[Suggestion]] = {n.id: [] for n in needs}
    needs = [n for n in needs if n.has_remaining and n.deadline >= today]
    if limit <= 0 or not needs or not len(pool):
        return result
    columns = Needs(needs, today, pool.terms, weights)
    sponsors = pool.rows(SPONSORSHIP)
    nothing = sponsors[:0]

    for (kind, device, skills), rows in _groups(needs, pool.terms).items():
        same = pool.rows(kind, device)
        if kind is ListingKind.VOLUNTEERING:
            same = same[pool.sharing(same, skills)]
        towards = sponsors if kind is not SPONSORSHIP else nothing
        # The candidates' columns are gathered once for the group, not once a block.
        same_view, towards_view = pool.columns.row(same), pool.columns.row(towards)
        bound = pool.towards_bound(kind)
        step = max(1, BLOCK_CELLS // max(1, len(same) + len(towards)))
        for start in range(0, len(rows), step):
            block = rows[start : start + step]
            keys, chosen = _block(
                columns.block(block),
                (same, same_view),
                (towards, towards_view),
                bound,
                weights,
                kind,
                limit,
            )
            for row, need_index in enumerate(block.tolist()):
                need = needs[need_index]
                found = result[need.id]
                for key, offer_index in zip(keys[row].tolist(), chosen[row].tolist(), strict=True):
                    if key < 0:
                        break
                    offer = pool.items[offer_index]
                    found.append(
                        Suggestion(need, offer, _explain(need, offer, today, weights, key))
                    )
    return result


def _block(
    needs: View,
    same: tuple[np.ndarray, View],
    towards: tuple[np.ndarray, View],
    bound: int,
    weights: Weights,
    kind: ListingKind,
    limit: int,
) -> tuple[np.ndarray, np.ndarray]:
    """For a block of needs of one kind, against the offers of their own kind and the
    money that could go towards them (positions in the pool, and their columns):
    each need's best keys and offer positions, best first (-1: no more)."""
    total = weights.total(kind)
    rows = needs.begins.shape[0]
    parts = []
    least = np.full(rows, -1, dtype=np.int64)  # points of each need's last place
    positions, offers = same
    if positions.size:
        keys = _keys(SAME[kind](needs, offers, weights, total), offers.ids)
        best = _best(keys, limit)
        keys = np.take_along_axis(keys, best, axis=1)
        parts.append((keys, positions[best]))
        if keys.shape[1] == limit:
            least = keys[:, -1] >> _ID_BITS
    positions, offers = towards
    if positions.size:
        # Money can only enter a list whose last place scores no more than it could.
        open_rows = np.flatnonzero(least <= bound)
        width = min(limit, positions.size)
        keys = np.full((rows, width), -1, dtype=np.int64)
        chosen = np.zeros((rows, width), dtype=np.int64)
        if open_rows.size:
            found = _keys(money_towards(needs.take(open_rows), offers, weights, total), offers.ids)
            best = _best(found, limit)
            keys[open_rows] = np.take_along_axis(found, best, axis=1)
            chosen[open_rows] = positions[best]
        parts.append((keys, chosen))
    if not parts:  # nothing of its kind, and no money
        return np.full((rows, 0), -1, dtype=np.int64), np.zeros((rows, 0), dtype=np.int64)
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate([p[0] for p in parts], axis=1)
    chosen = np.concatenate([p[1] for p in parts], axis=1)
    order = _best(keys, limit)
    return np.take_along_axis(keys, order, axis=1), np.take_along_axis(chosen, order, axis=1)


def _explain(need: NeedFacts, offer: OfferFacts, today: date, weights: Weights, key: int) -> Fit:
    """The reasons and allocation for a pair the fast path chose. It must be the pair
    `fit` would score the same: anything else is a bug in one of the two."""
    found = fit(need, offer, today, weights)
    if found is None or found.points != key >> _ID_BITS:
        raise AssertionError(
            f"fast ranking disagrees with fit() for need {need.id}, offer {offer.id}"
        )
    return found


def _groups(
    needs: Sequence[NeedFacts], terms: Terms
) -> dict[tuple[ListingKind, int | None, frozenset[int]], np.ndarray]:
    """Needs that are compared with the same candidate offers: by kind; equipment by
    device type too; volunteering by the skills it asks (those any offer has)."""
    groups: dict[tuple[ListingKind, int | None, frozenset[int]], list[int]] = {}
    nothing: frozenset[int] = frozenset()
    for index, need in enumerate(needs):
        key = (need.kind, None, nothing)
        if need.kind is ListingKind.EQUIPMENT:
            key = (need.kind, need_device(need), nothing)
        elif need.kind is ListingKind.VOLUNTEERING:
            key = (need.kind, None, frozenset(s for s in need.skills if s in terms.skills))
        groups.setdefault(key, []).append(index)
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
