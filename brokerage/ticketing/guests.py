"""The guests on the seats: buyers naming them, and the team's guest list, its counts
and the search at the door."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.pagination import Page, paginate
from brokerage.text_search import containing
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    Order,
    SeatingTable,
    Ticket,
    TicketStatus,
    TicketType,
)

GUESTS_PER_PAGE = 100
SEARCH_RESULTS_AT_THE_DOOR = 20


@dataclass(frozen=True)
class GuestDetails:
    """Who sits on one seat, and what they need."""

    name: str | None
    dietary: str | None
    access_needs: str | None


def guest_changes_until(ball: Ball) -> datetime:
    """Buyers may name guests and change their needs until the team's cut-off, or until
    the ball starts if the team set none."""
    return ball.guest_changes_until or ball.starts_at


def name_guests(order: Order, details: dict[int, GuestDetails], now: datetime | None = None) -> int:
    """The buyer names the guests on their seats (ticket id -> details), before the
    cut-off. Refunded seats are left as they are. Returns how many seats changed."""
    now = now or utcnow()
    if order.status not in PAID_STATUSES:
        raise Conflict("Guests can be named once the order is paid")
    until = guest_changes_until(order.ball)
    if now >= until:
        raise Conflict(
            f"Guest details could be changed until {format_datetime(until)}. "
            "To change them now, email the programme team."
        )
    valid = {t.id: t for t in order.tickets if t.status is TicketStatus.VALID}
    changed = 0
    for ticket_id, guest in details.items():
        ticket = valid.get(ticket_id)
        if ticket is None:
            continue
        values = (guest.name or None, guest.dietary or None, guest.access_needs or None)
        if values != (ticket.guest_name, ticket.dietary, ticket.access_needs):
            ticket.guest_name, ticket.dietary, ticket.access_needs = values
            changed += 1
    db.session.flush()
    return changed


@dataclass(frozen=True)
class GuestRow:
    ticket_id: int
    order_id: int
    guest_name: str | None
    buyer_name: str
    buyer_email: str
    ticket_type: str
    dietary: str | None
    access_needs: str | None
    checked_in_at: datetime | None
    checked_in_by: str | None
    code: str
    table: str | None  # the table's number or name, once seated (seating.py)


def guests_query(ball: Ball):
    return (
        select(
            Ticket.id,
            Order.id,
            Ticket.guest_name,
            Order.buyer_name,
            Order.buyer_email,
            TicketType.name,
            Ticket.dietary,
            Ticket.access_needs,
            Ticket.checked_in_at,
            User.name,
            Ticket.code,
            SeatingTable.name,
        )
        .join(Order, Order.id == Ticket.order_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .outerjoin(User, User.id == Ticket.checked_in_by_id)
        .outerjoin(SeatingTable, SeatingTable.id == Ticket.table_id)
        .where(
            Order.ball_id == ball.id,
            Order.status.in_(PAID_STATUSES),
            Ticket.status == TicketStatus.VALID,
        )
    )


def _rows(query) -> list[GuestRow]:
    return [GuestRow(*row) for row in db.session.execute(query).all()]


@dataclass
class GuestCounts:
    guests: int
    named: int
    dietary: int
    access: int
    checked_in: int


def guest_counts(ball: Ball) -> GuestCounts:
    def filled(column):
        return func.sum(case((func.coalesce(column, "") != "", 1), else_=0))

    row = db.session.execute(
        select(
            func.count(Ticket.id),
            filled(Ticket.guest_name),
            filled(Ticket.dietary),
            filled(Ticket.access_needs),
            func.sum(case((Ticket.checked_in_at.is_not(None), 1), else_=0)),
        )
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Order.ball_id == ball.id,
            Order.status.in_(PAID_STATUSES),
            Ticket.status == TicketStatus.VALID,
        )
    ).one()
    return GuestCounts(*(int(value or 0) for value in row))


def guest_list(ball: Ball, page: int, total: int | None = None) -> Page:
    """One page of the valid tickets of the ball's paid orders, order by order (the CSV
    has them all: `guest_rows`). `total` saves counting again."""
    query = guests_query(ball).order_by(Order.id, Ticket.id)
    if total is None:
        total = guest_counts(ball).guests
    return paginate(query, total=total, page=page, per_page=GUESTS_PER_PAGE, rows=_rows)


def find_guests(ball: Ball, q: str) -> list[GuestRow]:
    """Tickets whose guest or buyer is called something like `q`, for the door."""
    q = " ".join(q.split())[:100]
    if not q:
        return []
    pattern = containing(q)
    query = (
        guests_query(ball)
        .where(
            or_(
                Ticket.guest_name.ilike(pattern, escape="\\"),
                Order.buyer_name.ilike(pattern, escape="\\"),
            )
        )
        .order_by(Ticket.guest_name.is_(None), Ticket.guest_name, Order.buyer_name, Ticket.id)
        .limit(SEARCH_RESULTS_AT_THE_DOOR)
    )
    return _rows(query)
