"""The ball's CSV downloads: its orders and its guest list."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from brokerage.exports import money, stream
from brokerage.ticketing.guests import GuestRow, guests_query
from brokerage.ticketing.models import Ball, Order, Ticket
from brokerage.ticketing.orders import OrderFilters, order_conditions

ORDER_COLUMNS = [
    "Order",
    "Placed (UK time)",
    "Status",
    "Buyer",
    "Email",
    "Seats",
    "Tickets (£)",
    "Donation (£)",
    "Gift Aid",
    "Refunded (£)",
    "Complimentary",
    "Note",
]


def order_rows(ball: Ball, filters: OrderFilters) -> Iterator[list]:
    """Every order matching the search and status (no pages), oldest first, as CSV rows."""
    statement = (
        select(
            Order.id,
            Order.created_at,
            Order.status,
            Order.buyer_name,
            Order.buyer_email,
            Order.seats,
            Order.tickets_pence,
            Order.donation_pence,
            Order.gift_aid,
            Order.refunded_pence,
            Order.complimentary,
            Order.note,
        )
        .where(*order_conditions(ball, filters))
        .order_by(Order.id)
    )
    return (
        [
            order.id,
            order.created_at,
            order.status,
            order.buyer_name,
            order.buyer_email,
            order.seats,
            money(order.tickets_pence),
            money(order.donation_pence),
            order.gift_aid,
            money(order.refunded_pence),
            order.complimentary,
            order.note,
        ]
        for order in stream(statement)
    )


GUEST_COLUMNS = [
    "Guest",
    "Table",
    "Ticket type",
    "Buyer",
    "Buyer's email",
    "Dietary needs",
    "Access needs",
    "Checked in (UK time)",
    "Order",
]


def guest_rows(ball: Ball) -> Iterator[list]:
    """The whole guest list, order by order, as CSV rows."""
    statement = guests_query(ball).order_by(Order.id, Ticket.id)
    return (
        [
            row.guest_name or "Not named yet",
            row.table,
            row.ticket_type,
            row.buyer_name,
            row.buyer_email,
            row.dietary,
            row.access_needs,
            row.checked_in_at,
            row.order_id,
        ]
        for row in (GuestRow(*values) for values in stream(statement))
    )
