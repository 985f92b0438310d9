"""What the database says was sold, and whether anything was sold twice."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Order,
    OrderLine,
    Ticket,
    TicketStatus,
    TicketType,
)


def check_sales(ball_id: int, seats: int) -> dict:
    """What the database says was sold, and whether anything was sold twice."""
    paid = Order.status.in_(PAID_STATUSES)
    sold = db.session.scalar(
        select(func.count(Ticket.id))
        .join(Order, Order.id == Ticket.order_id)
        .where(Order.ball_id == ball_id, paid, Ticket.status == TicketStatus.VALID)
    )
    by_type = db.session.execute(
        select(TicketType.name, TicketType.quantity, func.count(Ticket.id))
        .join(Ticket, Ticket.ticket_type_id == TicketType.id)
        .join(Order, Order.id == Ticket.order_id)
        .where(TicketType.ball_id == ball_id, paid, Ticket.status == TicketStatus.VALID)
        .group_by(TicketType.id)
    ).all()
    over_type = [
        f"{name}: {count} of {quantity}" for name, quantity, count in by_type if count > quantity
    ]
    # Each paid order has exactly as many tickets as its lines' seats.
    owed = (
        select(
            OrderLine.order_id,
            func.sum(OrderLine.quantity * OrderLine.seats_per_ticket).label("seats"),
        )
        .group_by(OrderLine.order_id)
        .subquery()
    )
    issued = (
        select(Ticket.order_id, func.count(Ticket.id).label("tickets"))
        .group_by(Ticket.order_id)
        .subquery()
    )
    wrong_orders = db.session.scalar(
        select(func.count(Order.id))
        .outerjoin(owed, owed.c.order_id == Order.id)
        .outerjoin(issued, issued.c.order_id == Order.id)
        .where(
            Order.ball_id == ball_id,
            paid,
            func.coalesce(owed.c.seats, 0) != func.coalesce(issued.c.tickets, 0),
        )
    )
    codes, distinct = db.session.execute(
        select(func.count(Ticket.code), func.count(func.distinct(Ticket.code)))
    ).one()
    statuses = Counter(
        dict(
            db.session.execute(
                select(Order.status, func.count(Order.id))
                .where(Order.ball_id == ball_id)
                .group_by(Order.status)
            ).all()
        )
    )
    return {
        "sold": int(sold),
        "oversold": max(0, int(sold) - seats),
        "types_over_quantity": over_type,
        "paid_orders_with_wrong_tickets": int(wrong_orders),
        "duplicate_codes": int(codes) - int(distinct),
        "orders": {str(status): count for status, count in statuses.items()},
    }
