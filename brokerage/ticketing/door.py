"""At the door: checking a ticket in once, and undoing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, london, utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    CheckInEvent,
    Order,
    SeatingTable,
    Ticket,
    TicketStatus,
    TicketType,
    normalise_code,
)
from brokerage.ticketing.setup import only_the_team


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


def _this_scan(scan_id: str | None, now: datetime) -> DoorAnswer | None:
    """The first answer again for a scan that already admitted its guest: the phone sends a
    scan once more when the connection dropped before the answer came back."""
    if not scan_id:
        return None
    event = db.session.scalar(select(CheckInEvent).where(CheckInEvent.scan_id == scan_id))
    if event is None or event.action != "admit":
        return None
    ticket = db.session.get(Ticket, event.ticket_id)
    if ticket.checked_in_at is None:
        return DoorAnswer("note", "This scan's check-in has since been undone", ticket.id)
    when = _door_time(event.created_at, now)
    return DoorAnswer(
        "admitted",
        f"Admitted: {_guest(ticket)} (this scan, answered at {when} by {event.actor.name})",
        ticket.id,
    )


def check_in(
    ball: Ball, code: str, door: User, now: datetime | None = None, scan_id: str | None = None
) -> DoorAnswer:
    """Check in the ticket with `code` at this ball's door, once: a second scan (even at
    the same moment, at another door) is told who admitted it and when. `scan_id` is the
    phone's id for this scan: sent again, it is given its first answer."""
    only_the_team(door)
    now = now or utcnow()
    repeated = _this_scan(scan_id, now)
    if repeated:
        return repeated
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == normalise_code(code)))
    if ticket is None:
        return DoorAnswer("not_valid", "Not valid: unknown code")
    if ticket.order.ball_id != ball.id:
        return DoorAnswer("not_valid", f"Not valid: this ticket is for {ticket.order.ball.name}")
    if ticket.status is not TicketStatus.VALID or ticket.order.status not in PAID_STATUSES:
        return DoorAnswer("not_valid", "Not valid: refunded", ticket.id)
    won = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=door.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(ticket)
    if not won:
        # The same scan sent twice at once: the other request admitted it.
        repeated = _this_scan(scan_id, now)
        if repeated:
            return repeated
        who = ticket.checked_in_by.name if ticket.checked_in_by else "someone"
        when = _door_time(ticket.checked_in_at, now)
        return DoorAnswer("already", f"Already admitted at {when} by {who}", ticket.id)
    db.session.add(
        CheckInEvent(
            ticket_id=ticket.id,
            action="admit",
            actor_id=door.id,
            scan_id=scan_id or None,
            created_at=now,
        )
    )
    db.session.flush()
    return DoorAnswer("admitted", f"Admitted: {_guest(ticket)}", ticket.id)


def undo_check_in(ticket: Ticket, door: User) -> DoorAnswer:
    only_the_team(door)
    if ticket.checked_in_at is None:
        raise Conflict("This ticket is not checked in")
    ticket.checked_in_at = None
    ticket.checked_in_by_id = None
    db.session.add(CheckInEvent(ticket_id=ticket.id, action="undo", actor_id=door.id))
    db.session.flush()
    return DoorAnswer("undone", f"Check-in undone: {_guest(ticket)} is not checked in", ticket.id)


@dataclass
class ArrivalGroup:
    label: str  # a ticket type's name, or a table's
    admitted: int
    expected: int


@dataclass
class Arrivals:
    """Guests admitted of those expected (valid tickets of paid orders), overall and in
    groups under headings: "By ticket type", and "By table" once there are tables."""

    admitted: int = 0
    expected: int = 0
    groups: dict[str, list[ArrivalGroup]] = field(default_factory=dict)


def _expected(*columns):
    """Admitted and expected guests (valid tickets of paid orders) of the ball, by
    `columns`: add the joins and the grouping."""
    return (
        select(*columns, func.count(Ticket.checked_in_at), func.count(Ticket.id))
        .select_from(Ticket)
        .join(Order, Order.id == Ticket.order_id)
        .where(Order.status.in_(PAID_STATUSES), Ticket.status == TicketStatus.VALID)
    )


def arrivals(ball: Ball) -> Arrivals:
    """Two grouped queries (by ticket type, by table), whatever the number of guests.
    The tables show once the team has set any up; guests not yet placed at one are a
    row of their own."""
    by_type = db.session.execute(
        _expected(TicketType.name)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Order.ball_id == ball.id)
        .group_by(TicketType.id, TicketType.name, TicketType.position)
        .order_by(TicketType.position, TicketType.id)
    ).all()
    by_table = db.session.execute(
        _expected(SeatingTable.name)
        .outerjoin(SeatingTable, SeatingTable.id == Ticket.table_id)
        .where(Order.ball_id == ball.id)
        .group_by(SeatingTable.id, SeatingTable.name, SeatingTable.position)
        .order_by(SeatingTable.position.is_(None), SeatingTable.position, SeatingTable.id)
    ).all()
    groups = {"By ticket type": [ArrivalGroup(*row) for row in by_type]}
    if any(name is not None for name, _, _ in by_table):
        groups["By table"] = [
            ArrivalGroup(f"Table {name}" if name else "Not placed at a table", admitted, expected)
            for name, admitted, expected in by_table
        ]
    return Arrivals(
        admitted=sum(row.admitted for row in groups["By ticket type"]),
        expected=sum(row.expected for row in groups["By ticket type"]),
        groups=groups,
    )
