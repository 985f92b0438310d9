"""Guests filling in their own details: the buyer of several seats sends a guest a
link (by email, or copies it), and the guest names themselves and says what they need,
until the cut-off for guest details (guests.guest_changes_until).

Only the SHA-256 hash of a link's key is kept (Ticket.guest_token_hash): the key is in
the email or shown to the buyer once, never stored. A new link for a seat replaces the
old one, and a refund ends it (refunds.py).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select

from brokerage.clock import format_datetime, utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.ticketing.guests import GuestDetails, guest_changes_until
from brokerage.ticketing.models import PAID_STATUSES, Order, Ticket, TicketStatus


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ticket_for_token(token: str) -> Ticket | None:
    """The valid ticket of a paid order whose guest link has this key, or None."""
    if not token or len(token) > 100:
        return None
    ticket = db.session.scalar(select(Ticket).where(Ticket.guest_token_hash == token_hash(token)))
    if (
        ticket is None
        or ticket.status is not TicketStatus.VALID
        or ticket.order.status not in PAID_STATUSES
    ):
        return None
    return ticket


def is_open(ticket: Ticket, now: datetime | None = None) -> bool:
    return (now or utcnow()) < guest_changes_until(ticket.order.ball)


def _closed_message(order: Order) -> str:
    until = guest_changes_until(order.ball)
    return (
        f"Guest details could be changed until {format_datetime(until)}. "
        "To change them now, email the programme team."
    )


def _check_open(order: Order, ticket: Ticket, now: datetime) -> None:
    if order.status not in PAID_STATUSES:
        raise Conflict("Guests can be asked once the order is paid")
    if ticket.order_id != order.id or ticket.status is not TicketStatus.VALID:
        raise Conflict("That seat is not one of this order's valid tickets")
    if now >= guest_changes_until(order.ball):
        raise Conflict(_closed_message(order))


def make_link(order: Order, ticket: Ticket, now: datetime | None = None) -> str:
    """A new link for the guest on `ticket` (the old one stops working). Returns the
    full address, built from BASE_URL: the only time the key is seen."""
    now = now or utcnow()
    _check_open(order, ticket, now)
    token = secrets.token_urlsafe(32)
    ticket.guest_token_hash = token_hash(token)
    ticket.guest_invited_at = now
    db.session.flush()
    return site_url("ticketing.guest_details", token=token)


def invite_guest(order: Order, ticket: Ticket, email: str, now: datetime | None = None) -> str:
    """Email the guest a link to fill in their own details (through the outbox)."""
    link = make_link(order, ticket, now)
    ticket.guest_email = email
    queue_email(
        email,
        "ball_guest_details",
        f"Your seat at {order.ball.name}: tell us your name and needs",
        order=order,
        ball=order.ball,
        ticket=ticket,
        link=link,
        until=guest_changes_until(order.ball),
    )
    db.session.flush()
    return link


def fill_in(ticket: Ticket, details: GuestDetails, now: datetime | None = None) -> None:
    """The guest saves their own name and needs, before the cut-off."""
    now = now or utcnow()
    _check_open(ticket.order, ticket, now)
    ticket.guest_name = details.name or None
    ticket.dietary = details.dietary or None
    ticket.access_needs = details.access_needs or None
    ticket.guest_filled_at = now
    db.session.flush()
