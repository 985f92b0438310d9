"""What the team's pages call: a need's suggested offers, an offer's suggested needs,
and every open need's suggestions at once.

Reading 10,000 open offers into facts takes far longer than ranking them for one
need, so each process keeps the open listings of each side as a pool and reuses
it while nothing has changed. "Nothing has changed" is checked on every call by
one aggregate query (how many listings, the highest id, the latest change, the
total held by matches): any listing added, edited, moved or newly held makes the
pool be read again. And whatever the pool says, the listings that make the final
list are read again fresh and scored again before they are shown, so a suggestion
never offers more than the database says remains at that moment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brokerage.listings.models import Need, Offer
from brokerage.suggestions import words
from brokerage.suggestions.facts import NeedFacts, OfferFacts
from brokerage.suggestions.loading import (
    facts_for_need,
    facts_for_offer,
    open_need_facts,
    open_offer_facts,
)
from brokerage.suggestions.ranking import (
    NeedPool,
    OfferPool,
    Suggestion,
    rank_all_needs,
    suggest_needs,
    suggest_offers,
)
from brokerage.suggestions.scoring import fit, refusal

# Ranked from the pool beyond the limit, in case some are gone when read again.
SPARE = 5


def offers_for_need(session: Session, need: Need, today: date, limit: int = 10) -> list[Suggestion]:
    """The offers to suggest on a need's page, best first; none once it is closed."""
    facts = facts_for_need(session, need)
    if not need.is_open or facts.deadline < today or not facts.has_remaining:
        return []
    ranked = suggest_offers(facts, _pool(session, Offer, today), today, limit + SPARE)
    fresh = {o.id: o for o in open_offer_facts(session, today, ids=[s.offer.id for s in ranked])}
    return _again(((facts, fresh.get(s.offer.id)) for s in ranked), today, limit, by_offer=True)


def needs_for_offer(
    session: Session, offer: Offer, today: date, limit: int = 10
) -> list[Suggestion]:
    """The needs to suggest on an offer's page, best first; none once it is closed."""
    facts = facts_for_offer(session, offer)
    if not offer.is_open or facts.available_until < today or not facts.has_remaining:
        return []
    ranked = suggest_needs(facts, _pool(session, Need, today), today, limit + SPARE)
    fresh = {n.id: n for n in open_need_facts(session, today, ids=[s.need.id for s in ranked])}
    return _again(((fresh.get(s.need.id), facts) for s in ranked), today, limit, by_offer=False)


# Fewer suggestions than this and the page says why the rest were left out.
FEW = 5

# What each rule says of the listings it left out: (one, several), after the count.
_LEFT_OUT = {
    "offer": {
        "kind": (
            "is of another kind (only money can go towards a need of another kind)",
            "are of another kind (only money can go towards a need of another kind)",
        ),
        "ends_before": ("ends before this need starts", "end before this need starts"),
        "opens_after": ("opens after this need's deadline", "open after this need's deadline"),
        "skills": ("shares none of its skills", "share none of its skills"),
        "where": (
            "works only remotely or only on site, which does not suit it",
            "work only remotely or only on site, which does not suit it",
        ),
        "device": ("is of another device type", "are of another device type"),
    },
    "need": {
        "kind": (
            "is of another kind (this offer can only go to a need of its own kind)",
            "are of another kind (this offer can only go to a need of its own kind)",
        ),
        "ends_before": ("starts after this offer ends", "start after this offer ends"),
        "opens_after": (
            "is needed by a date before this offer opens",
            "are needed by a date before this offer opens",
        ),
        "skills": ("asks for none of its skills", "ask for none of its skills"),
        "where": (
            "is only remote or only on site, which does not suit it",
            "are only remote or only on site, which does not suit them",
        ),
        "device": ("asks for another device type", "ask for another device type"),
    },
}


def left_out(session: Session, item: Need | Offer, today: date) -> list[str]:
    """Why the open listings of the other side are not suggested for `item`, in plain
    words with how many each rule left out, most first: "12 offers end before this need
    starts". Empty when `item` itself is closed or has nothing left."""
    if isinstance(item, Need):
        facts = facts_for_need(session, item)
        if not item.is_open or facts.deadline < today or not facts.has_remaining:
            return []
        pool = _pool(session, Offer, today)
        reasons = Counter(refusal(facts, other, today) for other in pool.items)
        noun = "offer"
    else:
        facts = facts_for_offer(session, item)
        if not item.is_open or facts.available_until < today or not facts.has_remaining:
            return []
        pool = _pool(session, Need, today)
        reasons = Counter(refusal(other, facts, today) for other in pool.items)
        noun = "need"
    said = []
    for rule, count in sorted(reasons.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        if rule in _LEFT_OUT[noun]:
            one, several = _LEFT_OUT[noun][rule]
            said.append(f"{count} {words.plural(count, noun)} {one if count == 1 else several}")
    return said


def offers_for_every_need(
    session: Session, today: date, limit: int = 10
) -> dict[int, list[Suggestion]]:
    """Every open need's suggested offers, by need id, read fresh."""
    needs = open_need_facts(session, today)
    return rank_all_needs(needs, open_offer_facts(session, today), today, limit)


def _again(
    pairs: Iterable[tuple[NeedFacts | None, OfferFacts | None]],
    today: date,
    limit: int,
    *,
    by_offer: bool,
) -> list[Suggestion]:
    """Score the chosen pairs again on fresh facts (None: no longer open), best first."""
    found = []
    for need, offer in pairs:
        if need is None or offer is None:
            continue
        scored = fit(need, offer, today)
        if scored is not None:
            found.append(Suggestion(need, offer, scored))
    found.sort(key=lambda s: (-s.fit.points, s.offer.id if by_offer else s.need.id))
    return found[:limit]


@dataclass
class _Kept:
    fingerprint: tuple
    pool: NeedPool | OfferPool


# One pool per database and side, in this process.
_kept: dict[tuple[str, str], _Kept] = {}


def _pool(session: Session, model, today: date) -> NeedPool | OfferPool:
    """The open listings of `model` as a pool: the one kept, if nothing has changed
    since it was read, else read afresh (and kept)."""
    key = (session.get_bind().url.render_as_string(hide_password=True), model.__tablename__)
    fingerprint = (today, *_fingerprint(session, model))
    kept = _kept.get(key)
    if kept is not None and kept.fingerprint == fingerprint:
        return kept.pool
    if model is Need:
        pool: NeedPool | OfferPool = NeedPool(open_need_facts(session, today), today)
    else:
        pool = OfferPool(open_offer_facts(session, today), today)
    _kept[key] = _Kept(fingerprint, pool)
    return pool


def _fingerprint(session: Session, model) -> tuple:
    """What changes when any listing of `model` is added, removed or updated (every
    update stamps `updated_at`), or when what matches hold of it changes."""
    held = model.held_volunteers + model.held_hours + model.held_quantity + model.held_pence
    return tuple(
        session.execute(
            select(func.count(), func.max(model.id), func.max(model.updated_at), func.sum(held))
        ).one()
    )
