"""Setting up the ball and its ticket types, their history, and the sales figures.

As everywhere in ticketing, functions take plain values, raise a domain error on a
refused move and flush; the view commits. A lower capacity is still decided under
the ball's lock (`availability.lock_ball`): one decision against the buyers paying
at the same moment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, utcnow
from brokerage.errors import DomainError, FieldError, NotAllowed
from brokerage.extensions import db
from brokerage.history import changes as changed_fields
from brokerage.history import record as record_history
from brokerage.money import pounds
from brokerage.ticketing.availability import counted_types, lock_ball, seats_taken
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    BallChange,
    Order,
    OrderStatus,
    Ticket,
    TicketStatus,
    TicketType,
)
from brokerage.ticketing.waiting_list import offer_freed_seats

MAX_CAPACITY = 100_000
MAX_SEATS_PER_TICKET = 50
MAX_TYPE_QUANTITY = 100_000
MAX_PER_ORDER_LIMIT = 100
MAX_PRICE_PENCE = 100_000 * 100
ACCESS_CODE = re.compile(r"[A-Za-z0-9-]{4,64}")


class Problems(DomainError):
    """Several fields of a form are wrong at once: field name -> message, so the page
    can say everything that needs fixing in one go."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class NeedsConfirmation(FieldError):
    """A change the team may make, but only once it has seen what it means."""


# Each field the team sets, in the words the history uses.
BALL_FIELDS = (
    ("name", "Name"),
    ("venue", "Venue"),
    ("description", "Description"),
    ("starts_at", "Starts"),
    ("sales_open_at", "Sales open"),
    ("sales_close_at", "Sales close"),
    ("capacity", "Capacity"),
    ("guest_changes_until", "Guest details until"),
)
TYPE_FIELDS = (
    ("name", "Name"),
    ("description", "Description"),
    ("price_pence", "Price"),
    ("seats_per_ticket", "Seats per ticket"),
    ("quantity", "How many for sale"),
    ("per_order_limit", "Most in one order"),
    ("on_sale_from", "On sale from"),
    ("on_sale_until", "On sale until"),
    ("hidden", "Hidden"),
    ("access_code", "Access code"),
    ("invoice_allowed", "Pay by invoice"),
)


def _said(name: str, value) -> str:
    if value is None or value == "":
        return "none"
    if name == "description":
        return "(text)"
    if name == "price_pence":
        return pounds(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _values(thing, fields) -> dict:
    return {name: getattr(thing, name) for name, _ in fields}


def _record(
    ball: Ball,
    actor: User,
    what: str,
    fields,
    before: dict | None,
    after: dict,
    ticket_type: TicketType | None = None,
) -> None:
    """A line in the ball's history: each field that changed, old and new (on set-up,
    what it was set to). Nothing is written when nothing changed."""
    lines = changed_fields(fields, before, after, _said, summarised=["description"])
    if before is not None and not lines:
        return
    record_history(
        BallChange(
            ball_id=ball.id,
            ticket_type_id=ticket_type.id if ticket_type is not None else None,
            actor_id=actor.id,
            what=what,
            changes="; ".join(lines),
        )
    )


def history(ball: Ball) -> list[BallChange]:
    """The ball's history, newest first, with who made each change."""
    return list(
        db.session.scalars(
            select(BallChange)
            .where(BallChange.ball_id == ball.id)
            .order_by(BallChange.created_at.desc(), BallChange.id.desc())
            .options(selectinload(BallChange.actor))
        )
    )


@dataclass
class BallDetails:
    name: str
    venue: str
    description: str
    starts_at: datetime
    sales_open_at: datetime
    sales_close_at: datetime
    capacity: int
    guest_changes_until: datetime | None = None


def ball_problems(details: BallDetails) -> dict[str, str]:
    """What is wrong with the ball's details, by field. Values the form could not read
    are None, and the rules that need them wait until they are given."""
    problems = {}
    capacity = details.capacity
    if capacity is not None and not 1 <= capacity <= MAX_CAPACITY:
        problems["capacity"] = f"Capacity must be between 1 and {MAX_CAPACITY:,}"
    opens, closes, starts = details.sales_open_at, details.sales_close_at, details.starts_at
    if opens and closes and closes <= opens:
        problems["sales_close_at"] = "Ticket sales must close after they open"
    if opens and starts and starts <= opens:
        problems["starts_at"] = "The ball must start after ticket sales open"
    elif closes and starts and closes > starts:
        problems["sales_close_at"] = "Ticket sales must close by the time the ball starts"
    until = details.guest_changes_until
    if until and starts and until > starts:
        problems["guest_changes_until"] = (
            "Guest details must be final by the time the ball starts, or earlier"
        )
    return problems


def _slug_for(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "ball"
    slug, number = base, 1
    while db.session.scalar(select(Ball.id).where(Ball.slug == slug)):
        number += 1
        slug = f"{base}-{number}"
    return slug


def create_ball(details: BallDetails, team_member: User) -> Ball:
    only_the_team(team_member)
    problems = ball_problems(details)
    if problems:
        raise Problems(problems)
    ball = Ball(slug=_slug_for(details.name))
    _copy(details, ball)
    db.session.add(ball)
    db.session.flush()
    _record(ball, team_member, "Ball set up", BALL_FIELDS, None, _values(ball, BALL_FIELDS))
    db.session.flush()
    return ball


def update_ball(ball: Ball, details: BallDetails, team_member: User, confirmed: bool) -> None:
    """Change the ball. A capacity below the seats already sold or held is allowed only
    when `confirmed`: it stops further sales but cancels nobody's seat."""
    only_the_team(team_member)
    problems = ball_problems(details)
    if problems:
        raise Problems(problems)
    lock_ball(ball)
    taken = seats_taken(ball)
    if details.capacity < taken and details.capacity < ball.capacity and not confirmed:
        raise NeedsConfirmation(
            "capacity",
            f"{taken:,} seats are already sold or held, more than {details.capacity:,}. "
            "Nobody's seat is cancelled, but no more are sold. Tick the box to confirm.",
        )
    before = _values(ball, BALL_FIELDS)
    _copy(details, ball)
    _record(ball, team_member, "Ball changed", BALL_FIELDS, before, _values(ball, BALL_FIELDS))
    db.session.flush()
    # More capacity (or a longer sales window) may free seats for the waiting list.
    offer_freed_seats(ball)


def _copy(details: BallDetails, ball: Ball) -> None:
    ball.name = details.name
    ball.venue = details.venue
    ball.description = details.description
    ball.starts_at = details.starts_at
    ball.sales_open_at = details.sales_open_at
    ball.sales_close_at = details.sales_close_at
    ball.capacity = details.capacity
    ball.guest_changes_until = details.guest_changes_until


@dataclass
class TicketTypeDetails:
    name: str
    description: str
    price_pence: int
    seats_per_ticket: int
    quantity: int
    per_order_limit: int
    on_sale_from: datetime | None = None
    on_sale_until: datetime | None = None
    hidden: bool = False
    access_code: str | None = None
    invoice_allowed: bool = False


def type_problems(details: TicketTypeDetails) -> dict[str, str]:
    """What is wrong with a ticket type's details, by field (None: not read yet)."""
    problems = {}
    price = details.price_pence
    if price is not None and not 100 <= price <= MAX_PRICE_PENCE:
        problems["price"] = (
            f"The price must be between £1 and £{MAX_PRICE_PENCE // 100:,}. "
            "To give seats away, issue complimentary tickets"
        )
    for name, value, top, label in (
        ("seats_per_ticket", details.seats_per_ticket, MAX_SEATS_PER_TICKET, "Seats per ticket"),
        ("quantity", details.quantity, MAX_TYPE_QUANTITY, "How many are for sale"),
        ("per_order_limit", details.per_order_limit, MAX_PER_ORDER_LIMIT, "Most in one order"),
    ):
        if value is not None and not 1 <= value <= top:
            problems[name] = f"{label} must be between 1 and {top:,}"
    starts, ends = details.on_sale_from, details.on_sale_until
    if starts and ends and ends <= starts:
        problems["on_sale_until"] = "On sale until must be after on sale from"
    code = (details.access_code or "").strip()
    if details.hidden and not code:
        problems["access_code"] = "Enter the access code buyers need for a hidden ticket type"
    elif code and not ACCESS_CODE.fullmatch(code):
        problems["access_code"] = (
            "The access code must be 4 to 64 letters, numbers or hyphens, like SPONSOR-2027"
        )
    return problems


def add_ticket_type(ball: Ball, details: TicketTypeDetails, team_member: User) -> TicketType:
    only_the_team(team_member)
    problems = type_problems(details)
    if problems:
        raise Problems(problems)
    last = max((t.position for t in ball.ticket_types), default=0)
    ticket_type = TicketType(ball=ball, position=last + 1)
    _copy_type(details, ticket_type)
    db.session.add(ticket_type)
    db.session.flush()
    _record(
        ball,
        team_member,
        f"Ticket type added: {ticket_type.name}",
        TYPE_FIELDS,
        None,
        _values(ticket_type, TYPE_FIELDS),
        ticket_type,
    )
    db.session.flush()
    return ticket_type


def update_ticket_type(
    ticket_type: TicketType, details: TicketTypeDetails, team_member: User, confirmed: bool
) -> None:
    """Change a ticket type. Fewer than are already sold or held needs `confirmed`.
    Tickets already sold keep the price and seats they were sold with."""
    only_the_team(team_member)
    problems = type_problems(details)
    if problems:
        raise Problems(problems)
    lock_ball(ticket_type.ball)
    taken = counted_types(ticket_type.ball).tickets(ticket_type.id)
    if details.quantity < taken and details.quantity < ticket_type.quantity and not confirmed:
        raise NeedsConfirmation(
            "quantity",
            f"{taken:,} of these are already sold or held, more than {details.quantity:,}. "
            "Nobody's ticket is cancelled, but no more are sold. Tick the box to confirm.",
        )
    before = _values(ticket_type, TYPE_FIELDS)
    _copy_type(details, ticket_type)
    _record(
        ticket_type.ball,
        team_member,
        f"Ticket type changed: {before['name']}",
        TYPE_FIELDS,
        before,
        _values(ticket_type, TYPE_FIELDS),
        ticket_type,
    )
    db.session.flush()
    offer_freed_seats(ticket_type.ball)


def _copy_type(details: TicketTypeDetails, ticket_type: TicketType) -> None:
    ticket_type.name = details.name
    ticket_type.description = details.description
    ticket_type.price_pence = details.price_pence
    ticket_type.seats_per_ticket = details.seats_per_ticket
    ticket_type.quantity = details.quantity
    ticket_type.per_order_limit = details.per_order_limit
    ticket_type.on_sale_from = details.on_sale_from
    ticket_type.on_sale_until = details.on_sale_until
    ticket_type.hidden = details.hidden
    ticket_type.access_code = (details.access_code or "").strip() or None
    ticket_type.invoice_allowed = details.invoice_allowed


def only_the_team(person: User) -> None:
    if not person.is_team:
        raise NotAllowed("Only the programme team runs the ball")


def all_balls() -> list[Ball]:
    return list(db.session.scalars(select(Ball).order_by(Ball.starts_at.desc())))


@dataclass
class TypeSales:
    ticket_type: TicketType
    sold: int  # tickets (a table of 10 is one)
    held: int
    left: int


@dataclass
class Sales:
    capacity: int
    seats_sold: int
    seats_held: int
    tickets_paid_pence: int
    tickets_refunded_pence: int
    donations_paid_pence: int
    donations_refunded_pence: int
    gift_aid_donations_pence: int
    orders: int  # paid, or partly refunded
    complimentary_orders: int
    complimentary_seats: int
    refunded_orders: int
    types: list[TypeSales]

    @property
    def seats_free(self) -> int:
        return max(0, self.capacity - self.seats_sold - self.seats_held)

    @property
    def over_capacity(self) -> int:
        return max(0, self.seats_sold + self.seats_held - self.capacity)

    @property
    def tickets_pence(self) -> int:
        return self.tickets_paid_pence - self.tickets_refunded_pence

    @property
    def donations_pence(self) -> int:
        return self.donations_paid_pence - self.donations_refunded_pence

    @property
    def raised_pence(self) -> int:
        return self.tickets_pence + self.donations_pence


def sales(ball: Ball, now: datetime | None = None) -> Sales:
    """Seats and money for the ball's sales page, in a fixed handful of queries.

    An order's refunds come off its ticket money first and off its donation only for
    what is beyond that (Order.donation_refunded_pence): refunding tickets at their
    price keeps the donation, and a refund of the whole order takes both."""
    now = now or utcnow()
    donation_refunded = Order.donation_refunded_pence
    tickets_refunded = Order.refunded_pence - donation_refunded
    money = db.session.execute(
        select(
            func.coalesce(func.sum(Order.tickets_pence), 0),
            func.coalesce(func.sum(tickets_refunded), 0),
            func.coalesce(func.sum(Order.donation_pence), 0),
            func.coalesce(func.sum(donation_refunded), 0),
            func.coalesce(
                func.sum(case((Order.gift_aid, Order.donation_pence - donation_refunded), else_=0)),
                0,
            ),
            func.coalesce(func.sum(case((Order.status.in_(PAID_STATUSES), 1), else_=0)), 0),
            func.coalesce(
                func.sum(case((Order.status.in_(PAID_STATUSES) & Order.complimentary, 1), else_=0)),
                0,
            ),
            func.coalesce(func.sum(case((Order.status == OrderStatus.REFUNDED, 1), else_=0)), 0),
        ).where(Order.ball_id == ball.id, Order.paid_at.is_not(None))
    ).one()
    taken = counted_types(ball, now)
    comp_seats = db.session.scalar(
        select(func.count(Ticket.id))
        .join(Order, Order.id == Ticket.order_id)
        .where(
            Order.ball_id == ball.id,
            Order.complimentary,
            Order.status.in_(PAID_STATUSES),
            Ticket.status == TicketStatus.VALID,
        )
    )
    types = [
        TypeSales(
            row.ticket_type,
            row.sold_tickets,
            row.held_tickets,
            max(0, row.ticket_type.quantity - row.tickets),
        )
        for row in taken.types
    ]
    return Sales(
        capacity=ball.capacity,
        seats_sold=taken.seats - taken.held_seats,
        seats_held=taken.held_seats,
        tickets_paid_pence=int(money[0]),
        tickets_refunded_pence=int(money[1]),
        donations_paid_pence=int(money[2]),
        donations_refunded_pence=int(money[3]),
        gift_aid_donations_pence=int(money[4]),
        orders=int(money[5]),
        complimentary_orders=int(money[6]),
        refunded_orders=int(money[7]),
        complimentary_seats=int(comp_seats or 0),
        types=types,
    )
