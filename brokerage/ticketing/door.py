"""At the door: checking a ticket in once, and undoing it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, london, utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    CheckInEvent,
    Ticket,
    TicketStatus,
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


def check_in(ball: Ball, code: str, door: User, now: datetime | None = None) -> DoorAnswer:
    """Check in the ticket with `code` at this ball's door, once: a second scan (even at
    the same moment, at another door) is told who admitted it and when."""
    only_the_team(door)
    now = now or utcnow()
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
        who = ticket.checked_in_by.name if ticket.checked_in_by else "someone"
        when = _door_time(ticket.checked_in_at, now)
        return DoorAnswer("already", f"Already admitted at {when} by {who}", ticket.id)
    db.session.add(CheckInEvent(ticket_id=ticket.id, action="admit", actor_id=door.id))
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
