"""The team's side of the ball: setting it up, complimentary tickets, finding orders,
the guest list and its CSV, sales figures, and the answer at the door.

As in services.py, functions take plain values, raise a domain error on a refused
move and flush; the view commits. Seats are still decided under the ball's lock
(`services._lock_ball`): a complimentary ticket, or a lower capacity, is one
decision against the buyers paying at the same moment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import selectinload

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, london, utcnow
from brokerage.errors import Conflict, DomainError, FieldError, NotAllowed
from brokerage.exports import money, stream
from brokerage.extensions import db
from brokerage.history import changes as changed_fields
from brokerage.history import record as record_history
from brokerage.money import pounds
from brokerage.pagination import Page, page_number, paginate
from brokerage.text_search import containing
from brokerage.ticketing import services
from brokerage.ticketing.models import (
    Ball,
    BallChange,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    Ticket,
    TicketStatus,
    TicketType,
    next_order_status,
)
from brokerage.ticketing.services import PAID_STATUSES

MAX_CAPACITY = 100_000
MAX_SEATS_PER_TICKET = 50
MAX_TYPE_QUANTITY = 100_000
MAX_PER_ORDER_LIMIT = 100
MAX_PRICE_PENCE = 100_000 * 100
MAX_COMPLIMENTARY = 50
ORDERS_PER_PAGE = 50
GUESTS_PER_PAGE = 100
SEARCH_RESULTS_AT_THE_DOOR = 20
ACCESS_CODE = re.compile(r"[A-Za-z0-9-]{4,64}")


class Problems(DomainError):
    """Several fields of a form are wrong at once: field name -> message, so the page
    can say everything that needs fixing in one go."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class NeedsConfirmation(FieldError):
    """A change the team may make, but only once it has seen what it means."""


# --- The ball's history ----------------------------------------------------------------

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


# --- Setting up the ball ---------------------------------------------------------------


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
    _only_the_team(team_member)
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
    _only_the_team(team_member)
    problems = ball_problems(details)
    if problems:
        raise Problems(problems)
    services._lock_ball(ball)
    taken = services.seats_taken(ball)
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
    _only_the_team(team_member)
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
    _only_the_team(team_member)
    problems = type_problems(details)
    if problems:
        raise Problems(problems)
    services._lock_ball(ticket_type.ball)
    taken = services.counted_types(ticket_type.ball).tickets(ticket_type.id)
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


def _only_the_team(person: User) -> None:
    if not person.is_team:
        raise NotAllowed("Only the programme team runs the ball")


def all_balls() -> list[Ball]:
    return list(db.session.scalars(select(Ball).order_by(Ball.starts_at.desc())))


# --- Sales -------------------------------------------------------------------------------


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
    what is beyond that: refunding tickets at their price keeps the donation, and a
    refund of the whole order takes both."""
    now = now or utcnow()
    tickets_refunded = case(
        (Order.refunded_pence < Order.tickets_pence, Order.refunded_pence),
        else_=Order.tickets_pence,
    )
    donation_refunded = Order.refunded_pence - tickets_refunded
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
    taken = services.counted_types(ball, now)
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


# --- Complimentary tickets -----------------------------------------------------------------


def issue_complimentary(
    ball: Ball,
    ticket_type: TicketType,
    quantity: int,
    name: str,
    email: str,
    team_member: User,
    reason: str,
    now: datetime | None = None,
) -> Order:
    """Free tickets from the team: a paid order of £0 marked complimentary, its tickets
    issued and the confirmation emailed, within the ball's and the type's capacity
    (decided under the ball's lock, as a buyer's hold is). Sales windows and per-order
    limits are the buyers'; the team may give tickets at any time."""
    _only_the_team(team_member)
    now = now or utcnow()
    if ticket_type.ball_id != ball.id:
        raise FieldError("ticket_type", "Choose a ticket type from the list")
    if not 1 <= quantity <= MAX_COMPLIMENTARY:
        raise FieldError("quantity", f"Give between 1 and {MAX_COMPLIMENTARY} at once")
    services._lock_ball(ball)
    taken = services.counted_types(ball, now)
    left = ticket_type.quantity - taken.tickets(ticket_type.id)
    if quantity > left:
        raise FieldError(
            "quantity",
            f"Only {left} of {ticket_type.name} left"
            if left > 0
            else f"{ticket_type.name} is sold out",
        )
    seats = quantity * ticket_type.seats_per_ticket
    free = ball.capacity - taken.seats
    if seats > free:
        raise FieldError(
            "quantity",
            f"Only {max(free, 0)} seats are left at the ball" if free > 0 else "The ball is full",
        )
    order = Order(
        ball=ball,
        token=services.new_token(),
        status=OrderStatus.PENDING,
        buyer_name=name.strip(),
        buyer_email=email.strip().lower(),
        tickets_pence=0,
        donation_pence=0,
        seats=seats,
        complimentary=True,
        note=f"Complimentary, from {team_member.name}: {reason.strip()}",
        lines=[
            OrderLine(
                ticket_type_id=ticket_type.id,
                quantity=quantity,
                unit_price_pence=0,
                seats_per_ticket=ticket_type.seats_per_ticket,
            )
        ],
    )
    db.session.add(order)
    db.session.flush()
    order.status = next_order_status(order.status, OrderAction.PAY)
    order.paid_at = now
    order.paid_pence = 0
    services.issue_and_confirm(order)
    return order


# --- Orders ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderFilters:
    q: str = ""
    status: OrderStatus | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> OrderFilters:
        status = args.get("status", "")
        return cls(
            q=" ".join(args.get("q", "").split())[:100],
            status=OrderStatus(status) if status in {s.value for s in OrderStatus} else None,
            page=page_number(args.get("page", "1")),
        )

    def args(self, **changes) -> dict[str, str]:
        f = replace(self, **changes)
        values = {
            "q": f.q,
            "status": f.status.value if f.status else "",
            "page": str(f.page) if f.page != 1 else "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.q or self.status)


def _order_conditions(ball: Ball, filters: OrderFilters) -> list:
    conditions = [Order.ball_id == ball.id]
    if filters.status:
        conditions.append(Order.status == filters.status)
    if filters.q:
        pattern = containing(filters.q)
        matches = [
            Order.buyer_name.ilike(pattern, escape="\\"),
            Order.buyer_email.ilike(pattern, escape="\\"),
            Order.id.in_(
                select(Ticket.order_id).where(Ticket.guest_name.ilike(pattern, escape="\\"))
            ),
        ]
        code = services.normalise_code(filters.q)
        # A code typed in part (as read off a phone) finds its order from 6 characters.
        if len(code) >= 6 and len(code) == len(re.sub(r"[\s-]", "", filters.q)):
            matches.append(
                Order.id.in_(select(Ticket.order_id).where(Ticket.code.startswith(code)))
            )
        number = filters.q.removeprefix("#")
        if number.isascii() and number.isdigit() and len(number) <= 9:
            matches.append(Order.id == int(number))
        conditions.append(or_(*matches))
    return conditions


def find_orders(ball: Ball, filters: OrderFilters) -> Page:
    """One page of the ball's orders, newest first, matching the search and status."""
    conditions = _order_conditions(ball, filters)
    total = db.session.scalar(select(func.count(Order.id)).where(*conditions)) or 0
    query = select(Order).where(*conditions).order_by(Order.created_at.desc(), Order.id.desc())
    return paginate(query, total=total, page=filters.page, per_page=ORDERS_PER_PAGE)


def status_counts(ball: Ball) -> dict[OrderStatus, int]:
    rows = db.session.execute(
        select(Order.status, func.count(Order.id))
        .where(Order.ball_id == ball.id)
        .group_by(Order.status)
    ).all()
    counts = dict(rows)
    return {status: counts.get(status, 0) for status in OrderStatus}


def order_for_team(order_id: int) -> Order | None:
    """An order with everything its page shows, loaded in a fixed few queries."""
    return db.session.scalar(
        select(Order)
        .where(Order.id == order_id)
        .options(
            selectinload(Order.lines).selectinload(OrderLine.ticket_type),
            selectinload(Order.tickets).selectinload(Ticket.ticket_type),
            selectinload(Order.tickets).selectinload(Ticket.checked_in_by),
            selectinload(Order.refunds),
        )
    )


def people(ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}


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


def can_resend(order: Order) -> bool:
    """Whether the order has a confirmation worth sending again: paid, with valid seats."""
    return order.status in PAID_STATUSES and any(
        t.status is TicketStatus.VALID for t in order.tickets
    )


def resend_confirmation(order: Order, to: str, team_member: User) -> bool:
    """Send the order's confirmation email again (the buyer lost it, or it went to a
    mistyped address), to `to`: when that differs from the buyer's address, the order's
    address is corrected first. Either way the ball's history says who sent it, to
    where. Returns whether the address changed."""
    _only_the_team(team_member)
    if not can_resend(order):
        raise Conflict("Only a paid order with valid tickets has a confirmation to send")
    to = to.strip().lower()  # as every order keeps it
    changed = to != order.buyer_email
    db.session.add(
        BallChange(
            ball_id=order.ball_id,
            actor_id=team_member.id,
            what=f"Sent order #{order.id}'s confirmation again",
            changes=f"Email: {order.buyer_email} → {to}" if changed else f"To {to}",
        )
    )
    order.buyer_email = to
    services.queue_confirmation(order, again=True)
    db.session.flush()
    return changed


# --- The guest list ---------------------------------------------------------------------------


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


def _guests_query(ball: Ball):
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
        )
        .join(Order, Order.id == Ticket.order_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .outerjoin(User, User.id == Ticket.checked_in_by_id)
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
    query = _guests_query(ball).order_by(Order.id, Ticket.id)
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
        _guests_query(ball)
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


# --- CSV ---------------------------------------------------------------------------------------

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
        .where(*_order_conditions(ball, filters))
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
    statement = _guests_query(ball).order_by(Order.id, Ticket.id)
    return (
        [
            row.guest_name or "Not named yet",
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


# --- At the door ----------------------------------------------------------------------------------


@dataclass
class DoorAnswer:
    outcome: str  # "admitted", "already", "not_valid", "undone"
    headline: str
    ticket_id: int | None = None


def _door_time(moment: datetime, now: datetime) -> str:
    """'8:14pm' on the night, the full date and time otherwise (in London time)."""
    full = format_datetime(moment)
    if london(moment).date() == london(now).date():
        return full.rsplit(" at ", 1)[1]
    return full


def _guest(ticket: Ticket) -> str:
    return ticket.guest_name or f"a guest of {ticket.order.buyer_name} (not named yet)"


def admit(ball: Ball, code: str, door: User, now: datetime | None = None) -> DoorAnswer:
    """Check in the ticket with `code` at this ball's door, once; a second scan is told
    who admitted it and when."""
    _only_the_team(door)
    now = now or utcnow()
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == services.normalise_code(code)))
    if ticket is not None and ticket.order.ball_id != ball.id:
        return DoorAnswer("not_valid", f"Not valid: this ticket is for {ticket.order.ball.name}")
    admission = services.check_in(code, door, now)
    ticket = admission.ticket
    if admission.outcome == "admitted":
        return DoorAnswer("admitted", f"Admitted: {_guest(ticket)}", ticket.id)
    if admission.outcome == "already":
        who = ticket.checked_in_by.name if ticket.checked_in_by else "someone"
        when = _door_time(ticket.checked_in_at, now)
        return DoorAnswer("already", f"Already admitted at {when} by {who}", ticket.id)
    if ticket is None:
        return DoorAnswer("not_valid", "Not valid: unknown code")
    return DoorAnswer("not_valid", "Not valid: refunded", ticket.id)


def undo_admission(ticket: Ticket, door: User) -> DoorAnswer:
    _only_the_team(door)
    services.undo_check_in(ticket, door)
    return DoorAnswer("undone", f"Check-in undone: {_guest(ticket)} is not checked in", ticket.id)
