"""Ball orders as the retention and erasure tests need them: paid, with guests' names
and needs, made at a given time."""

from __future__ import annotations

import secrets
from datetime import datetime

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.ticketing.models import Order, OrderLine, OrderStatus, Ticket

# A Gift Aid declaration's columns, as checkout fills them.
DECLARATION = {
    "gift_aid_title": "Ms",
    "gift_aid_first_name": "Bea",
    "gift_aid_last_name": "Buyer-Brown",
    "gift_aid_house": "1",
    "gift_aid_address": "Park Row, Leeds",
    "gift_aid_postcode": "LS1 5AB",
    "gift_aid_declaration": "I want to Gift Aid my donation.",
}


def make_order(
    ball,
    *,
    made: datetime | None = None,
    gift_aid: bool = False,
    guests=("Ada Guest",),
    buyer_name: str = "Bea Buyer",
    buyer_email: str | None = None,
) -> Order:
    """A paid order of single seats on `ball`, made at `made`, with each guest's name
    and needs filled in."""
    made = made or utcnow()
    single = ball.ticket_types[0]
    order = Order(
        ball_id=ball.id,
        token=secrets.token_urlsafe(16),
        status=OrderStatus.PAID,
        buyer_name=buyer_name,
        buyer_email=buyer_email or f"bea.{secrets.token_hex(3)}@example.org",
        tickets_pence=single.price_pence * len(guests),
        donation_pence=2_000 if gift_aid else 0,
        gift_aid=gift_aid,
        **(DECLARATION if gift_aid else {}),
        seats=len(guests),
        note="Paid by phone",
        paid_at=made,
        paid_pence=single.price_pence * len(guests),
        created_at=made,
    )
    line = OrderLine(
        ticket_type_id=single.id,
        quantity=len(guests),
        unit_price_pence=single.price_pence,
        seats_per_ticket=1,
    )
    order.lines.append(line)
    db.session.add(order)
    db.session.flush()
    for name in guests:
        db.session.add(
            Ticket(
                order_id=order.id,
                order_line_id=line.id,
                ticket_type_id=single.id,
                code=secrets.token_hex(16),
                guest_name=name,
                dietary="Vegetarian, no nuts",
                access_needs="Step-free access",
            )
        )
    db.session.commit()
    return order
