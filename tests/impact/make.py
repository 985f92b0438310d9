"""Completed matches for the impact tests, made through the real services and then
dated and sized by hand.

    match = impact_make.confirmed(closed_at=utc(2026, 4, 1), hours=10, people=5)
    match = impact_make.confirmed(kind=EQUIPMENT, devices=3, ward_ids=[ward("armley").id])

`closed_at` (when the charity confirmed), `hours`, `devices`, `pence` and `people`
replace what the services recorded when given. Any other keyword goes to the need
made for the match (see tests/listings/factories.py), unless `need` is given.
`company` gives the offer to that company.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from brokerage.extensions import db
from brokerage.listings.models import ListingKind, Need, Offer
from brokerage.matches import services
from brokerage.matches.models import Match
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

VOLUNTEERING, EQUIPMENT, SPONSORSHIP = (
    ListingKind.VOLUNTEERING,
    ListingKind.EQUIPMENT,
    ListingKind.SPONSORSHIP,
)


def utc(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def confirmed(
    kind: ListingKind = VOLUNTEERING,
    *,
    need: Need | None = None,
    offer: Offer | None = None,
    company=None,
    offer_kind: ListingKind | None = None,
    closed_at: datetime | None = None,
    hours: int | None = None,
    devices: int | None = None,
    pence: int | None = None,
    people: int | None = None,
    **need_overrides,
) -> Match:
    need = need or listings_make.need(kind=kind, **need_overrides)
    if offer is None and company is not None:
        offer = listings_make.offer(company, kind=offer_kind or need.kind)
    match = brokering_make.completed(need.kind, need=need, offer=offer, offer_kind=offer_kind)
    for name, value in (
        ("closed_at", closed_at),
        ("delivered_hours", hours),
        ("delivered_devices", devices),
        ("delivered_pence", pence),
        ("people_reached", people),
    ):
        if value is not None:
            setattr(match, name, value)
    db.session.commit()
    return match


def feedback(match: Match, comment: str, *, quote_allowed: bool, side: str = "need"):
    """Feedback from the charity (side 'need') or the company ('offer')."""
    org = match.need.organisation if side == "need" else match.offer.organisation
    made = services.leave_feedback(match, org.owners[0], 5, comment, quote_allowed=quote_allowed)
    db.session.commit()
    return made


def copies(match: Match, count: int, **values) -> list[int]:
    """`count` more rows like `match` (same need and offer), inserted straight into the
    table: quick, for tests about how many queries a page costs."""
    columns = {c.key: getattr(match, c.key) for c in Match.__table__.columns if c.key not in {"id"}}
    columns.update(values)
    db.session.execute(insert(Match), [dict(columns) for _ in range(count)])
    db.session.commit()
    return list(
        db.session.scalars(
            select(Match.id).where(Match.need_id == match.need_id).order_by(Match.id)
        )
    )
