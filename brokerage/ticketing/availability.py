"""What is on sale: the ball on the public page, the seats sold and held, and why a
ticket type cannot be bought now.

Seats are decided one buyer at a time per ball: `lock_ball` bumps the ball's
`lock_version` with an UPDATE, which takes the row's lock on PostgreSQL and the
database's write lock on SQLite, until the transaction ends. Availability is then
derived from the tickets that are paid and the holds still live, so nothing is
counted twice and an abandoned hold frees itself when it expires.
"""

from __future__ import annotations

import functools
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import contains_eager

from brokerage.clock import format_datetime, utcnow
from brokerage.columns import UTCDateTime
from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    Order,
    OrderLine,
    OrderStatus,
    Ticket,
    TicketStatus,
    TicketType,
)


def current_ball(now: datetime | None = None) -> Ball | None:
    """The ball on the public page: the next one to start."""
    return db.session.scalars(_current_statement(), {"now": now or utcnow()}).first()


# The statements every buyer's requests run are built once, with bound parameters:
# building one (and its cache key) cost about as much as running it.
@functools.cache
def _current_statement():
    return (
        select(Ball)
        .where(Ball.starts_at > bindparam("now", type_=UTCDateTime()))
        .order_by(Ball.starts_at, Ball.id)
        .limit(1)
    )


def lock_ball(ball: Ball) -> None:
    """Take the ball's lock for the rest of the transaction (see the module's docstring),
    and read the ball as it is now: the team may have changed its capacity or sales
    window while this request was on its way."""
    db.session.execute(
        _lock_statement(),
        {"ball_id": ball.id},
        execution_options={"synchronize_session": False, "populate_existing": True},
    )


@functools.cache
def _lock_statement():
    return (
        update(Ball)
        .where(Ball.id == bindparam("ball_id"))
        .values(lock_version=Ball.lock_version + 1)
        .returning(Ball)
    )


@dataclass
class Counted:
    """One ticket type as it is now, with how many of it are sold and held (a table of
    10 is one ticket and ten seats)."""

    ticket_type: TicketType
    held_tickets: int
    held_seats: int
    sold_tickets: int
    sold_seats: int

    @property
    def tickets(self) -> int:
        return self.held_tickets + self.sold_tickets

    @property
    def seats(self) -> int:
        return self.held_seats + self.sold_seats


@dataclass
class Taken:
    """Every ticket type of a ball, counted (`counted_types`), and the ball's totals."""

    types: list[Counted]

    @property
    def seats(self) -> int:
        return sum(row.seats for row in self.types)

    @property
    def held_seats(self) -> int:
        return sum(row.held_seats for row in self.types)

    def tickets(self, type_id: int) -> int:
        return next((row.tickets for row in self.types if row.ticket_type.id == type_id), 0)


def _held_and_sold(ball_id, now):
    """What of the ball `ball_id` is held (pending orders whose hold is live) and sold
    (valid tickets of paid orders), by ticket type, as two subqueries."""
    held = (
        select(
            OrderLine.ticket_type_id.label("type_id"),
            func.sum(OrderLine.quantity).label("tickets"),
            func.sum(OrderLine.quantity * OrderLine.seats_per_ticket).label("seats"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.ball_id == ball_id,
            Order.status == OrderStatus.PENDING,
            Order.hold_expires_at > now,
        )
        .group_by(OrderLine.ticket_type_id)
        .subquery("held")
    )
    # Each ticket is one seat (a table of 10 is issued as ten tickets), so a type's
    # tickets sold are its seats over the seats each was sold with.
    sold = (
        select(
            Ticket.ticket_type_id.label("type_id"),
            func.count(Ticket.id).label("seats"),
            func.max(OrderLine.seats_per_ticket).label("per"),
        )
        .join(OrderLine, OrderLine.id == Ticket.order_line_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Order.ball_id == ball_id,
            Order.status.in_(PAID_STATUSES),
            Ticket.status == TicketStatus.VALID,
        )
        .group_by(Ticket.ticket_type_id)
        .subquery("sold")
    )
    return held, sold


@functools.cache
def _counted_statement():
    """The statement behind `counted_types`, built once: building it costs more than
    running it, and it runs for every buyer's hold."""
    ball_id, now = bindparam("ball_id"), bindparam("now", type_=UTCDateTime())
    held, sold = _held_and_sold(ball_id, now)
    return (
        select(TicketType, held.c.tickets, held.c.seats, sold.c.seats, sold.c.per)
        .outerjoin(held, held.c.type_id == TicketType.id)
        .outerjoin(sold, sold.c.type_id == TicketType.id)
        .where(TicketType.ball_id == ball_id)
        .order_by(TicketType.position, TicketType.id)
    )


@functools.cache
def _current_counted_statement():
    """The statement behind `current_ball_counted`, built once."""
    current_id = _current_statement().with_only_columns(Ball.id).scalar_subquery()
    held, sold = _held_and_sold(current_id, bindparam("now", type_=UTCDateTime()))
    return (
        select(Ball, TicketType, held.c.tickets, held.c.seats, sold.c.seats, sold.c.per)
        .outerjoin(Ball.ticket_types)
        .outerjoin(held, held.c.type_id == TicketType.id)
        .outerjoin(sold, sold.c.type_id == TicketType.id)
        .where(Ball.id == current_id)
        .order_by(TicketType.position, TicketType.id)
        .options(contains_eager(Ball.ticket_types))
    )


def current_ball_counted(now: datetime | None = None) -> tuple[Ball | None, Taken]:
    """The ball on the public page (`current_ball`) with its ticket types, in page
    order, each counted as `counted_types` counts them: all in one statement, which the
    ball page runs for every visitor it is not shared with and every buyer's form.

    The count is not taken under the ball's lock: it is what the page shows, and it may
    refuse a buyer (what was taken a moment ago stays taken until a hold ends or an
    order is refunded); seats are granted only on a count under the lock."""
    # Rows differ by ticket type: unique() is what SQLAlchemy asks of a joined collection.
    found = db.session.execute(_current_counted_statement(), {"now": now or utcnow()})
    rows = found.unique().all()
    if not rows:
        return None, Taken([])
    return rows[0][0], Taken(
        [_counted(*row[1:]) for row in rows if row[1] is not None]  # a ball with no types
    )


def _counted(ticket_type, held_tickets, held_seats, sold_seats, per) -> Counted:
    return Counted(
        ticket_type,
        held_tickets=int(held_tickets or 0),
        held_seats=int(held_seats or 0),
        sold_tickets=-(-int(sold_seats or 0) // int(per or 1)),
        sold_seats=int(sold_seats or 0),
    )


def counted_types(ball: Ball, now: datetime | None = None) -> Taken:
    """Every ticket type of the ball (read afresh, in page order) with what is sold
    (valid tickets of paid orders) and held (pending orders whose hold is live), in one
    statement: this runs under the ball's lock for every buyer's hold."""
    rows = db.session.execute(
        _counted_statement(),
        {"ball_id": ball.id, "now": now or utcnow()},
        execution_options={"populate_existing": True},
    ).all()
    return Taken([_counted(*row) for row in rows])


def seats_taken(ball: Ball, now: datetime | None = None) -> int:
    """Seats sold (valid tickets of paid orders) plus seats held by live holds."""
    return counted_types(ball, now).seats


# Why a ticket type cannot be bought when every one of it is taken (the page's tag).
SOLD_OUT = "Sold out"


@dataclass
class OnSale:
    ticket_type: TicketType
    left: int | None  # tickets of this type that can still be bought now (None: not counted)
    reason: str | None  # why none can be bought ("Sold out", "On sale from ..."), or None


def on_sale(
    ball: Ball, now: datetime | None = None, code: str | None = None, taken: Taken | None = None
) -> list[OnSale]:
    """Each visible ticket type with how many can still be bought, for the public page
    (`taken`: the ball counted already, by `current_ball_counted`; counted now if not)."""
    now = now or utcnow()
    taken = taken if taken is not None else counted_types(ball, now)
    free_seats = ball.capacity - taken.seats
    rows = []
    for row in taken.types:
        ticket_type = row.ticket_type
        if ticket_type.hidden and not code_matches(ticket_type, code):
            continue
        left = max(0, ticket_type.quantity - row.tickets)
        left = min(left, max(0, free_seats) // ticket_type.seats_per_ticket)
        reason = not_on_sale(ball, ticket_type, now) or (None if left else SOLD_OUT)
        rows.append(OnSale(ticket_type, 0 if reason else left, reason))
    return rows


def gone_while_choosing(ball: Ball, rows: list[OnSale], now: datetime) -> bool:
    """Sales are open but nothing on the page (`rows`, `on_sale`'s) can be bought now,
    and something sold out: a buyer who asks for seats now is too late, whatever their
    form says, since nothing is left to hold for anyone."""
    return (
        sales_open(ball, now)
        and all(row.reason is not None for row in rows)
        and any(row.reason == SOLD_OUT for row in rows)
    )


def code_matches(ticket_type: TicketType, code: str | None) -> bool:
    return bool(
        ticket_type.access_code
        and code
        # As bytes: compare_digest refuses str with characters beyond ASCII.
        and secrets.compare_digest(
            ticket_type.access_code.strip().upper().encode(), code.strip().upper().encode()
        )
    )


def sales_open(ball: Ball, now: datetime) -> bool:
    return ball.sales_open_at <= now < ball.sales_close_at


def not_on_sale(ball: Ball, ticket_type: TicketType, now: datetime) -> str | None:
    if now < ball.sales_open_at:
        return f"On sale from {format_datetime(ball.sales_open_at)}"
    if now >= ball.sales_close_at:
        return "Sales have closed"
    if ticket_type.on_sale_from and now < ticket_type.on_sale_from:
        return f"On sale from {format_datetime(ticket_type.on_sale_from)}"
    if ticket_type.on_sale_until and now >= ticket_type.on_sale_until:
        return "No longer on sale"
    return None


def buyable(
    ball: Ball,
    ticket_type: TicketType | None,
    type_id: int,
    quantity: int,
    code: str | None,
    now: datetime,
) -> TicketType:
    """The ticket type a buyer asked for, if they may buy `quantity` of it now (whether
    enough are left is `refuse_if_short`'s question)."""
    if (
        ticket_type is None
        or ticket_type.ball_id != ball.id
        or (ticket_type.hidden and not code_matches(ticket_type, code))
    ):
        raise FieldError("tickets", "Choose tickets from the list")
    reason = not_on_sale(ball, ticket_type, now)
    if reason:
        raise FieldError(f"quantity-{type_id}", f"{ticket_type.name}: {reason.lower()}")
    if quantity > ticket_type.per_order_limit:
        raise FieldError(
            f"quantity-{type_id}",
            f"You can buy up to {ticket_type.per_order_limit} of {ticket_type.name} at once",
        )
    return ticket_type


def refuse_if_short(
    ball: Ball,
    taken: Taken,
    asked: list[tuple[TicketType, int]],
    seats: int,
    counted: bool,
    refused: type[FieldError],
) -> None:
    """Refuse (`refused`, naming the field) a basket of `asked` (ticket type, quantity)
    and `seats` seats in all that `taken` has not the tickets or seats left for.
    `counted`: `taken` counts this very basket (a hold written before the count)."""
    for ticket_type, quantity in asked:
        others = taken.tickets(ticket_type.id) - (quantity if counted else 0)
        left = ticket_type.quantity - others
        if quantity > left:
            raise refused(
                f"quantity-{ticket_type.id}",
                f"Only {max(left, 0)} of {ticket_type.name} left"
                if left > 0
                else f"{ticket_type.name} is sold out",
            )
    free_seats = ball.capacity - (taken.seats - (seats if counted else 0))
    if seats > free_seats:
        raise refused(
            "tickets",
            f"Only {max(free_seats, 0)} seats are left"
            if free_seats > 0
            else "The ball is sold out",
        )
