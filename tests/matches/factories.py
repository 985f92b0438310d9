"""Matches made through the real services.

match = brokering_make.proposed(need_kind=ListingKind.EQUIPMENT, quantity=4)
match = brokering_make.agreed()   # both sides accepted
"""

from __future__ import annotations

from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.matches import services
from brokerage.matches.allocation import Allocation
from brokerage.matches.models import Match
from tests.listings import factories as listings_make

DEFAULT_ALLOCATION = {
    ListingKind.VOLUNTEERING: {"volunteers": 1, "hours_per_volunteer": 6},
    ListingKind.EQUIPMENT: {"quantity": 4},
    ListingKind.SPONSORSHIP: {"amount_pence": 100_000},
}


def proposed(
    kind: ListingKind = ListingKind.EQUIPMENT,
    *,
    need=None,
    offer=None,
    offer_kind: ListingKind | None = None,
    **allocation,
) -> Match:
    """A committed proposal between `need` and `offer` (published ones made if not given)."""
    need = need or listings_make.need(kind=kind)
    offer = offer or listings_make.offer(kind=offer_kind or kind)
    values = {}
    for k in {need.kind, offer.kind}:
        values.update(DEFAULT_ALLOCATION[k])
    values.update(allocation)
    match = services.propose(need, offer, Allocation(**values), listings_make.team_member())
    db.session.commit()
    return match


def agreed(kind: ListingKind = ListingKind.EQUIPMENT, **kwargs) -> Match:
    match = proposed(kind, **kwargs)
    services.answer(match, match.need.organisation.owners[0], accept=True)
    services.answer(match, match.offer.organisation.owners[0], accept=True)
    db.session.commit()
    return match


def completed(kind: ListingKind = ListingKind.EQUIPMENT, **kwargs) -> Match:
    match = agreed(kind, **kwargs)
    delivery = services.Delivery(
        hours=match.total_hours, devices=match.quantity, pence=match.amount_pence, people_reached=12
    )
    services.complete(match, match.need.organisation.owners[0], delivery)
    db.session.commit()
    return match
