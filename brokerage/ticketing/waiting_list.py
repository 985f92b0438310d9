"""The ball's waiting list: joining it when a ticket type is sold out, offering freed
seats to the next in line, the offer link, and the team's list.

An offer holds its seats exactly as a buyer's checkout does: a pending order whose
`hold_expires_at` is the offer's end (WAITING_OFFER_HOURS), so availability counts it
like any hold and capacity stays exact. Every offer is decided under the ball's lock
(`availability.lock_ball`), after the entries' earlier offers are settled (bought, or
lapsed and their seats free again): so a freed seat goes to exactly one person.

`offer_freed_seats(ball)` is called wherever seats come free: a refund (refunds.py),
the team raising the ball's capacity or a type's quantity (setup.py), and the
worker's expire job (cli.py), which also notices holds and offers that ran out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError, NotAllowed
from brokerage.exports import money, stream
from brokerage.extensions import db
from brokerage.history import record as record_history
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.ticketing import checkout
from brokerage.ticketing.availability import (
    SOLD_OUT,
    counted_types,
    current_ball,
    lock_ball,
    not_on_sale,
    on_sale,
    sales_open,
)
from brokerage.ticketing.models import (
    ACTIVE_WAITING,
    Ball,
    BallChange,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    TicketType,
    WaitingAction,
    WaitingEntry,
    WaitingStatus,
    new_token,
    next_order_status,
    next_waiting_status,
)

log = logging.getLogger(__name__)


def sold_out_types(ball: Ball, now: datetime | None = None) -> list[TicketType]:
    """The ball's public ticket types that are sold out now: the ones with a list."""
    return [
        row.ticket_type
        for row in on_sale(ball, now)
        if row.reason == SOLD_OUT and not row.ticket_type.hidden
    ]


def joinable_type(type_id: int, now: datetime | None = None) -> TicketType | None:
    """A public ticket type of the ball on sale now (sold out or not), or None."""
    ball = current_ball(now)
    ticket_type = db.session.get(TicketType, type_id)
    if ball is None or ticket_type is None or ticket_type.ball_id != ball.id:
        return None
    return None if ticket_type.hidden else ticket_type


@dataclass
class Joined:
    entry: WaitingEntry
    already: bool  # the same email was on this type's list already


def join(
    ticket_type: TicketType, name: str, email: str, quantity: int, now: datetime | None = None
) -> Joined:
    """Put someone on a sold-out type's waiting list and email them that they are on it.
    The same email on the same type's list (waiting, or holding an offer) is one entry:
    the one already there is returned. Under the ball's lock, so two clicks make one."""
    now = now or utcnow()
    ball = ticket_type.ball
    if not 1 <= quantity <= ticket_type.per_order_limit:
        raise FieldError(
            "quantity",
            f"Ask for between 1 and {ticket_type.per_order_limit} of {ticket_type.name}",
        )
    lock_ball(ball)
    email = email.strip().lower()
    existing = db.session.scalar(
        select(WaitingEntry).where(
            WaitingEntry.ticket_type_id == ticket_type.id,
            WaitingEntry.email == email,
            WaitingEntry.status.in_(ACTIVE_WAITING),
        )
    )
    if existing is not None:
        return Joined(existing, already=True)
    if ticket_type not in sold_out_types(ball, now):
        raise DomainError(f"{ticket_type.name} is not sold out: you can buy it on the ball page")
    entry = WaitingEntry(
        ball_id=ball.id,
        ticket_type_id=ticket_type.id,
        name=name.strip(),
        email=email,
        quantity=quantity,
        status=WaitingStatus.WAITING,
        created_at=now,
    )
    db.session.add(entry)
    db.session.flush()
    queue_email(
        email,
        "ball_waiting_joined",
        f"You are on the waiting list for {ball.name}",
        entry=entry,
        ball=ball,
        ticket_type=ticket_type,
    )
    db.session.flush()
    return Joined(entry, already=False)


# --- Offers ----------------------------------------------------------------------------


def _settle(ball: Ball, now: datetime) -> None:
    """Close the ball's offers that have ended: paid (bought), or unpaid past their
    hold (lapsed: their seats are free again)."""
    offered = db.session.scalars(
        select(WaitingEntry)
        .where(WaitingEntry.ball_id == ball.id, WaitingEntry.status == WaitingStatus.OFFERED)
        .options(joinedload(WaitingEntry.order))
    ).all()
    for entry in offered:
        order = entry.order
        if order is not None and order.paid_at is not None:
            _end(entry, WaitingAction.BUY, order.paid_at)
        elif order is None or order.status is OrderStatus.EXPIRED or order.hold_expires_at <= now:
            _end(entry, WaitingAction.LAPSE, now)
            _tell_lapsed(entry, ball)


def _tell_lapsed(entry: WaitingEntry, ball: Ball) -> None:
    """The person whose offer ran out unpaid hears that the seats went on."""
    queue_email(
        entry.email,
        "ball_waiting_lapsed",
        f"The seats held for you for {ball.name} have been released",
        entry=entry,
        ball=ball,
        link=site_url("ticketing.ball"),
    )


def _end(entry: WaitingEntry, action: WaitingAction, at: datetime) -> None:
    entry.status = next_waiting_status(entry.status, action)
    entry.ended_at = at


@dataclass
class _Room:
    """Seats free in the ball and tickets left of each type, as offers use them up."""

    seats: int
    tickets: dict[int, int]
    types: dict[int, TicketType]

    def fits(self, entry: WaitingEntry) -> bool:
        ticket_type = self.types.get(entry.ticket_type_id)
        if ticket_type is None:
            return False
        return (
            entry.quantity <= self.tickets[ticket_type.id]
            and entry.quantity * ticket_type.seats_per_ticket <= self.seats
        )

    def take(self, entry: WaitingEntry) -> None:
        ticket_type = self.types[entry.ticket_type_id]
        self.tickets[ticket_type.id] -= entry.quantity
        self.seats -= entry.quantity * ticket_type.seats_per_ticket


def _room(ball: Ball, now: datetime) -> _Room:
    """What can be offered now: taken under the ball's lock, after `_settle`."""
    taken = counted_types(ball, now)
    types = {
        row.ticket_type.id: row.ticket_type
        for row in taken.types
        if not_on_sale(ball, row.ticket_type, now) is None
    }
    return _Room(
        seats=ball.capacity - taken.seats,
        tickets={row.ticket_type.id: row.ticket_type.quantity - row.tickets for row in taken.types},
        types=types,
    )


def _waiting(ball: Ball) -> list[WaitingEntry]:
    """The ball's waiting entries, first come first."""
    return list(
        db.session.scalars(
            select(WaitingEntry)
            .where(WaitingEntry.ball_id == ball.id, WaitingEntry.status == WaitingStatus.WAITING)
            .order_by(WaitingEntry.created_at, WaitingEntry.id)
            .options(joinedload(WaitingEntry.ticket_type))
        )
    )


def offer_freed_seats(ball: Ball, now: datetime | None = None) -> list[WaitingEntry]:
    """Offer the seats free now to the people waiting, first come first: each in turn
    whose number still fits is offered (someone asking for more than is free keeps
    their place, and the next is asked). Returns the entries offered."""
    now = now or utcnow()
    lock_ball(ball)
    _settle(ball, now)
    if not sales_open(ball, now):
        db.session.flush()
        return []
    room = _room(ball, now)
    offered = []
    if room.seats > 0:
        for entry in _waiting(ball):
            if room.fits(entry):
                room.take(entry)
                _offer(entry, now)
                offered.append(entry)
    db.session.flush()
    return offered


def abandon(order: Order) -> None:
    """The buyer gave up at the checkout: the seats go back at once and, if people are
    waiting, are offered to the next in line straight away (not at the next hourly run)."""
    checkout.abandon(order)
    offer_freed_seats(order.ball)


def offer_all_freed_seats(now: datetime | None = None) -> int:
    """For the worker: offer freed seats on every ball still to come that has people
    waiting or offers out; one transaction per ball. Returns how many were offered."""
    now = now or utcnow()
    ball_ids = db.session.scalars(
        select(WaitingEntry.ball_id)
        .join(Ball, Ball.id == WaitingEntry.ball_id)
        .where(WaitingEntry.status.in_(ACTIVE_WAITING), Ball.starts_at > now)
        .distinct()
    ).all()
    offered = 0
    for ball_id in sorted(ball_ids):
        try:
            offered += len(offer_freed_seats(db.session.get(Ball, ball_id), now))
            db.session.commit()
        except Exception:  # one ball's bad row never stops the others' offers
            db.session.rollback()
            log.exception("waiting list: the offers of ball %s could not be made", ball_id)
    return offered


def offer_by_hand(entry: WaitingEntry, team_member: User, now: datetime | None = None) -> None:
    """The team offers seats to this person now, whatever their place in the line,
    if their number fits what is free."""
    only_the_team(team_member)
    now = now or utcnow()
    ball = entry.ball
    lock_ball(ball)
    _settle(ball, now)
    db.session.refresh(entry)
    if entry.status is not WaitingStatus.WAITING:
        raise Conflict(f"{entry.name} is '{entry.status.label.lower()}': nothing to offer")
    if not sales_open(ball, now):
        raise Conflict("Ticket sales are closed: no seats can be offered")
    room = _room(ball, now)
    if not room.fits(entry):
        raise Conflict(
            f"Not enough free: {entry.name} asks for {entry.quantity} of "
            f"{entry.ticket_type.name}, and {max(room.seats, 0)} seats are free"
        )
    _offer(entry, now, team_member)
    _history(ball, team_member, f"Waiting list: seats offered by hand to {entry.name}")
    db.session.flush()


def _offer(entry: WaitingEntry, now: datetime, by: User | None = None) -> None:
    """Hold the seats for `entry` (a pending order at today's price) and email the link."""
    ticket_type = entry.ticket_type
    hours = current_app.config["WAITING_OFFER_HOURS"]
    order = Order(
        ball_id=entry.ball_id,
        token=new_token(),
        status=OrderStatus.PENDING,
        buyer_name=entry.name,
        buyer_email=entry.email,
        tickets_pence=entry.quantity * ticket_type.price_pence,
        donation_pence=0,
        seats=entry.quantity * ticket_type.seats_per_ticket,
        hold_expires_at=now + timedelta(hours=hours),
        lines=[
            OrderLine(
                ticket_type=ticket_type,
                quantity=entry.quantity,
                unit_price_pence=ticket_type.price_pence,
                seats_per_ticket=ticket_type.seats_per_ticket,
            )
        ],
        created_at=now,
    )
    db.session.add(order)
    db.session.flush()
    entry.status = next_waiting_status(entry.status, WaitingAction.OFFER)
    entry.order = order
    entry.token = new_token()
    entry.offered_at = now
    entry.offered_by_id = by.id if by is not None else None
    queue_email(
        entry.email,
        "ball_waiting_offer",
        f"Seats for {ticket_type.ball.name} are held for you",
        entry=entry,
        order=order,
        ticket_type=ticket_type,
        ball=ticket_type.ball,
        link=site_url("ticketing.waiting_offer", token=entry.token),
    )


def entry_for_offer(token: str) -> WaitingEntry | None:
    return db.session.scalar(
        select(WaitingEntry)
        .where(WaitingEntry.token == token)
        .options(
            joinedload(WaitingEntry.order),
            joinedload(WaitingEntry.ticket_type),
            joinedload(WaitingEntry.ball),
        )
    )


def offer_state(entry: WaitingEntry, now: datetime | None = None) -> str:
    """What the offer link should say: open (held, not paid), bought, or ended."""
    now = now or utcnow()
    order = entry.order
    if order is not None and order.paid_at is not None:
        return "bought"
    if (
        entry.status is WaitingStatus.OFFERED
        and order is not None
        and order.status is OrderStatus.PENDING
        and order.hold_expires_at > now
    ):
        return "open"
    return "ended"


def take_offer(entry: WaitingEntry, now: datetime | None = None) -> str:
    """The person follows their offer link to pay: the checkout for the held seats
    (prefilled with their name and email). Returns where to send them."""
    if offer_state(entry, now) != "open":
        raise Conflict("This offer has ended: its seats are no longer held for you")
    return checkout.start_checkout(entry.order)


# --- The team's list ---------------------------------------------------------------------


def only_the_team(person: User) -> None:
    if not person.is_team:
        raise NotAllowed("Only the programme team runs the waiting list")


def _history(ball: Ball, team_member: User, what: str) -> None:
    record_history(BallChange(ball_id=ball.id, actor_id=team_member.id, what=what[:200]))


def remove(entry: WaitingEntry, team_member: User, now: datetime | None = None) -> None:
    """Take someone off the list. An offer they hold ends, and its seats go to the next."""
    only_the_team(team_member)
    now = now or utcnow()
    ball = entry.ball
    lock_ball(ball)
    db.session.refresh(entry)
    if entry.status not in ACTIVE_WAITING:
        raise Conflict(f"{entry.name} is '{entry.status.label.lower()}' already")
    order = entry.order
    if order is not None and order.paid_at is not None:
        raise Conflict(f"{entry.name} has paid for the seats offered: refund the order instead")
    _end(entry, WaitingAction.REMOVE, now)
    if order is not None and order.status is OrderStatus.PENDING:
        order.status = next_order_status(order.status, OrderAction.EXPIRE)
        order.hold_expires_at = now
        order.note = "Seats offered from the waiting list; taken off the list by the team"
    _history(ball, team_member, f"Waiting list: {entry.name} removed")
    db.session.flush()
    offer_freed_seats(ball, now)


def entries(ball: Ball) -> list[WaitingEntry]:
    """The ball's whole list in order (first come first), with each offer's order and
    who offered it by hand: three statements whatever its length."""
    return list(
        db.session.scalars(
            select(WaitingEntry)
            .where(WaitingEntry.ball_id == ball.id)
            .order_by(WaitingEntry.created_at, WaitingEntry.id)
            .options(
                joinedload(WaitingEntry.order),
                joinedload(WaitingEntry.ticket_type),
                selectinload(WaitingEntry.offered_by),
            )
        ).unique()
    )


def counts(ball: Ball) -> dict[WaitingStatus, int]:
    rows = db.session.execute(
        select(WaitingEntry.status, func.count())
        .where(WaitingEntry.ball_id == ball.id)
        .group_by(WaitingEntry.status)
    )
    return {status: int(count) for status, count in rows}


def outcome(entry: WaitingEntry, now: datetime | None = None) -> WaitingStatus:
    """The entry's status as it is now: an offer that was paid for, or has run out, is
    shown so before the next round of offers settles it."""
    state = offer_state(entry, now) if entry.order is not None else None
    if state == "bought":
        return WaitingStatus.BOUGHT
    if entry.status is WaitingStatus.OFFERED and state == "ended":
        return WaitingStatus.LAPSED
    return entry.status


WAITING_COLUMNS = [
    "Place",
    "Joined (UK time)",
    "Name",
    "Email",
    "Ticket type",
    "How many",
    "Status",
    "Offered (UK time)",
    "Offer held until (UK time)",
    "Offered by hand",
    "Order",
    "Order status",
    "Price (£)",
    "Ended (UK time)",
]


def waiting_rows(ball: Ball) -> Iterator[list]:
    """The ball's waiting list as CSV rows, in its order."""
    statement = (
        select(
            WaitingEntry.created_at,
            WaitingEntry.name,
            WaitingEntry.email,
            TicketType.name.label("type_name"),
            WaitingEntry.quantity,
            WaitingEntry.status,
            WaitingEntry.offered_at,
            Order.hold_expires_at,
            WaitingEntry.offered_by_id,
            Order.id.label("order_id"),
            Order.status.label("order_status"),
            Order.tickets_pence,
            WaitingEntry.ended_at,
        )
        .join(TicketType, TicketType.id == WaitingEntry.ticket_type_id)
        .outerjoin(Order, Order.id == WaitingEntry.order_id)
        .where(WaitingEntry.ball_id == ball.id)
        .order_by(WaitingEntry.created_at, WaitingEntry.id)
    )
    return (
        [
            place,
            row.created_at,
            row.name,
            row.email,
            row.type_name,
            row.quantity,
            row.status,
            row.offered_at,
            row.hold_expires_at,
            row.offered_by_id is not None if row.offered_at else None,
            row.order_id,
            row.order_status,
            money(row.tickets_pence),
            row.ended_at,
        ]
        for place, row in enumerate(stream(statement), start=1)
    )
