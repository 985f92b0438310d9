"""A ball on sale, with a single seat, a table of 10 and a hidden sponsor package.

ball = ticketing_make.ball(capacity=350)
single, table, sponsor = ball.ticket_types
"""

from __future__ import annotations

from datetime import timedelta

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.ticketing.models import Ball, TicketType, WaitingEntry, WaitingStatus


def ball(capacity: int = 350, *, open_for_days: int = 30, **overrides) -> Ball:
    now = utcnow()
    values = dict(
        slug=f"ball-{now.timestamp():.6f}".replace(".", "-"),
        name="Digital Charity Ball 2027",
        venue="The Queens Hotel, City Square, Leeds LS1 1PJ",
        description="Dinner, dancing and the year's digital inclusion awards.",
        starts_at=now + timedelta(days=open_for_days + 10),
        sales_open_at=now - timedelta(days=1),
        sales_close_at=now + timedelta(days=open_for_days),
        capacity=capacity,
        guest_changes_until=now + timedelta(days=open_for_days + 3),
    )
    values.update(overrides)
    made = Ball(**values)
    made.ticket_types = [
        TicketType(
            name="Single seat",
            description="One seat at a shared table, dinner included.",
            price_pence=9_500,
            seats_per_ticket=1,
            quantity=capacity,
            per_order_limit=10,
            position=1,
        ),
        TicketType(
            name="Table of 10",
            description="A table for ten, dinner included.",
            price_pence=90_000,
            seats_per_ticket=10,
            quantity=20,
            per_order_limit=2,
            position=2,
        ),
        TicketType(
            name="Sponsor package",
            description="A table of 10, your logo on the screens and a thank-you on stage.",
            price_pence=250_000,
            seats_per_ticket=10,
            quantity=5,
            per_order_limit=1,
            hidden=True,
            access_code="SPONSOR27",
            position=3,
        ),
    ]
    db.session.add(made)
    db.session.commit()
    return made


def waiting_entry(ticket_type: TicketType, name: str, email: str, quantity: int = 1, **overrides):
    """Someone on a ticket type's waiting list (made directly: joining needs a sold-out type)."""
    entry = WaitingEntry(
        ball_id=ticket_type.ball_id,
        ticket_type_id=ticket_type.id,
        name=name,
        email=email,
        quantity=quantity,
        status=WaitingStatus.WAITING,
        **overrides,
    )
    db.session.add(entry)
    db.session.commit()
    return entry
