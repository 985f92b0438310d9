"""What the team's pages call: a need's suggested offers, an offer's suggested needs,
and every open need's suggestions at once.

Each reads what it needs fresh from the database (no cache): what matches hold
changes with every proposal, and a suggestion must never offer what is gone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from brokerage.matching.loading import (
    facts_for_need,
    facts_for_offer,
    open_need_facts,
    open_offer_facts,
)
from brokerage.matching.ranking import Suggestion, rank_all_needs, suggest_needs, suggest_offers
from brokerage.needs.models import Need
from brokerage.offers.models import Offer


def offers_for_need(session: Session, need: Need, today: date, limit: int = 10) -> list[Suggestion]:
    """The offers to suggest on a need's page, best first."""
    facts = facts_for_need(session, need)
    if not facts.has_remaining or facts.deadline < today or not need.is_open:
        return []
    return suggest_offers(facts, open_offer_facts(session, today, for_need=facts), today, limit)


def needs_for_offer(
    session: Session, offer: Offer, today: date, limit: int = 10
) -> list[Suggestion]:
    """The needs to suggest on an offer's page, best first."""
    facts = facts_for_offer(session, offer)
    if not facts.has_remaining or facts.available_until < today or not offer.is_open:
        return []
    return suggest_needs(facts, open_need_facts(session, today, for_offer=facts), today, limit)


def offers_for_every_need(
    session: Session, today: date, limit: int = 10
) -> dict[int, list[Suggestion]]:
    """Every open need's suggested offers, by need id."""
    return rank_all_needs(
        open_need_facts(session, today), open_offer_facts(session, today), today, limit
    )
