"""Refunds by the team, and what to suggest refunding for some of an order's seats."""

from __future__ import annotations

from brokerage.accounts.models import User
from brokerage.errors import Conflict, FieldError, NotAllowed
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.ticketing import payments
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Order,
    OrderAction,
    Refund,
    Ticket,
    TicketStatus,
    next_order_status,
)
from brokerage.ticketing.waiting_list import offer_freed_seats


def refund_tickets(
    order: Order, ticket_ids: list[int], team_member: User, reason: str | None, amount_pence: int
) -> Refund:
    """Refund some (or all) of an order's tickets through Stripe: the tickets are revoked,
    their seats released, and the buyer emailed."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team refunds")
    if order.status not in PAID_STATUSES:
        raise Conflict(f"This order is '{order.status.label.lower()}': nothing to refund")
    chosen = [
        t for t in order.tickets if t.id in set(ticket_ids) and t.status is TicketStatus.VALID
    ]
    if not chosen:
        raise FieldError("tickets", "Choose the tickets to refund")
    left = (order.paid_pence or 0) - order.refunded_pence
    if amount_pence < 0 or amount_pence > left:
        raise FieldError("amount", f"Refund between £0 and £{left / 100:,.2f}")
    refund = Refund(
        order=order, amount_pence=amount_pence, reason=reason, created_by_id=team_member.id
    )
    db.session.add(refund)
    db.session.flush()
    if amount_pence and not order.complimentary:
        refund.stripe_refund_id = payments.refund(
            payment_intent_id=order.stripe_payment_intent_id,
            amount_pence=amount_pence,
            refund_row_id=refund.id,
        )
    for ticket in chosen:
        ticket.status = TicketStatus.REVOKED
        ticket.refund_id = refund.id
        ticket.table_id = None  # a refunded seat leaves its table (seating.py)
        ticket.guest_token_hash = None  # and its guest's link stops working
    order.refunded_pence += amount_pence
    everything = all(t.status is TicketStatus.REVOKED for t in order.tickets)
    order.status = next_order_status(
        order.status, OrderAction.REFUND_ALL if everything else OrderAction.REFUND_PART
    )
    db.session.flush()
    # The seats are free again: the waiting list's next in line are offered them.
    offer_freed_seats(order.ball)
    queue_email(
        order.buyer_email,
        "ball_refund",
        f"Refund for your {order.ball.name} order",
        order=order,
        refund=refund,
        tickets=chosen,
        link=site_url("ticketing.order", token=order.token),
    )
    db.session.flush()
    return refund


def _price_share(order: Order, tickets: list[Ticket]) -> int:
    """What the chosen seats cost: a table's price shared equally among its seats."""
    lines = {line.id: line for line in order.lines}
    seats: dict[int, int] = {}
    for ticket in tickets:
        seats[ticket.order_line_id] = seats.get(ticket.order_line_id, 0) + 1
    return sum(
        lines[line_id].unit_price_pence * count // lines[line_id].seats_per_ticket
        for line_id, count in seats.items()
    )


def suggested_refund(order: Order, tickets: list[Ticket]) -> int:
    """The amount to offer for refunding `tickets`: all that is left of the payment when
    they are all the order's valid tickets (a full refund, donation included), otherwise
    their price share; never more than is left to refund."""
    left = (order.paid_pence or 0) - order.refunded_pence
    valid = [t for t in order.tickets if t.status is TicketStatus.VALID]
    if tickets and {t.id for t in tickets} == {t.id for t in valid}:
        return max(left, 0)
    return max(0, min(_price_share(order, tickets), left))


def ticket_share(order: Order, ticket: Ticket) -> int:
    return _price_share(order, [ticket])
