"""The team's messages to the ball's guests: who a message goes to (every buyer, buyers of
one ticket type, buyers with seats still unnamed, or table hosts), a preview with the count,
and sending: one email per address through the outbox, once, kept with the ball's history.

Guests have no addresses of their own here: each message goes to the buyer of the order,
who passes it on. An address that bought several orders gets one email with a link to
each. Orders whose buyer's address was erased (privacy.retention) are skipped, and
counted."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from brokerage.accounts.models import User
from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.privacy.retention import ERASED_DOMAIN
from brokerage.ticketing.message_models import AUDIENCES, Audience, GuestMessage
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    BallChange,
    Order,
    OrderLine,
    Ticket,
    TicketStatus,
    TicketType,
)
from brokerage.ticketing.setup import only_the_team

MAX_SUBJECT = 150
MAX_BODY = 5000


@dataclass
class Draft:
    audience: Audience
    subject: str
    body: str
    ticket_type_id: int | None = None


@dataclass
class Recipients:
    """Lower-cased address -> that buyer's orders, and the orders skipped as erased."""

    orders: dict[str, list[Order]] = field(default_factory=dict)
    skipped_erased: int = 0

    @property
    def count(self) -> int:
        return len(self.orders)


def new_send_key() -> str:
    """The preview's one-time key: sending with it twice sends once."""
    return secrets.token_urlsafe(24)


def ticket_type_of(ball: Ball, ticket_type_id: int | None) -> TicketType | None:
    if ticket_type_id is None:
        return None
    ticket_type = db.session.get(TicketType, ticket_type_id)
    return ticket_type if ticket_type and ticket_type.ball_id == ball.id else None


def describe(ball: Ball, audience: Audience, ticket_type_id: int | None) -> str:
    """Who a message goes to, in words for the preview and the history."""
    if audience is Audience.TICKET_TYPE:
        ticket_type = ticket_type_of(ball, ticket_type_id)
        return f"Buyers of {ticket_type.name if ticket_type else 'a ticket type since removed'}"
    return AUDIENCES[audience]


def check(ball: Ball, draft: Draft) -> None:
    """Refuse a draft the team cannot send: each problem names its field."""
    if draft.audience is Audience.TICKET_TYPE and not ticket_type_of(ball, draft.ticket_type_id):
        raise FieldError("ticket_type", "Choose the ticket type whose buyers to write to")
    if not draft.subject:
        raise FieldError("subject", "Enter the subject")
    if not draft.body:
        raise FieldError("body", "Enter the message")


def _orders(ball: Ball, draft: Draft):
    valid = (
        select(Ticket.id)
        .where(Ticket.order_id == Order.id, Ticket.status == TicketStatus.VALID)
        .correlate(Order)
    )
    if draft.audience is Audience.TICKET_TYPE:
        valid = valid.where(Ticket.ticket_type_id == draft.ticket_type_id)
    elif draft.audience is Audience.UNNAMED:
        valid = valid.where(Ticket.guest_name.is_(None))
    query = select(Order).where(
        Order.ball_id == ball.id, Order.status.in_(PAID_STATUSES), valid.exists()
    )
    if draft.audience is Audience.TABLE_HOSTS:
        query = query.where(
            exists().where(OrderLine.order_id == Order.id, OrderLine.seats_per_ticket > 1)
        )
    return query.order_by(Order.id)


def recipients(ball: Ball, draft: Draft) -> Recipients:
    """Who would get the message: one entry per address (compared in lower case)."""
    found = Recipients()
    for order in db.session.scalars(_orders(ball, draft)):
        address = order.buyer_email.strip().lower()
        if address.endswith("@" + ERASED_DOMAIN):
            found.skipped_erased += 1
            continue
        found.orders.setdefault(address, []).append(order)
    return found


def paragraphs(body: str) -> list[list[str]]:
    """The plain text body as paragraphs of lines, for the HTML copy (escaped there)."""
    blocks = [block.strip("\n") for block in body.replace("\r\n", "\n").split("\n\n")]
    return [block.split("\n") for block in blocks if block.strip()]


def send_message(ball: Ball, draft: Draft, send_key: str, sender: User) -> GuestMessage:
    """Write the message to each address once and keep it with the ball's history. The
    same `send_key` again (a double-submitted form, a retried request) sends nothing more
    and answers with the message already sent."""
    only_the_team(sender)
    sent = db.session.scalar(select(GuestMessage).where(GuestMessage.send_key == send_key))
    if sent is not None:
        return sent
    check(ball, draft)
    found = recipients(ball, draft)
    message = GuestMessage(
        ball_id=ball.id,
        actor_id=sender.id,
        audience=draft.audience,
        ticket_type_id=draft.ticket_type_id if draft.audience is Audience.TICKET_TYPE else None,
        subject=draft.subject,
        body=draft.body,
        recipients=found.count,
        skipped_erased=found.skipped_erased,
        send_key=send_key,
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        # The same send, at the same moment, in another request: it sends, this one not.
        return db.session.scalar(select(GuestMessage).where(GuestMessage.send_key == send_key))
    for orders in found.orders.values():
        queue_email(
            orders[0].buyer_email,
            "guest_message",
            draft.subject,
            ball=ball,
            name=orders[0].buyer_name,
            paragraphs=paragraphs(draft.body),
            links=[site_url("ticketing.order", token=order.token) for order in orders],
        )
    skipped = f"; {found.skipped_erased} erased skipped" if found.skipped_erased else ""
    db.session.add(
        BallChange(
            ball_id=ball.id,
            actor_id=sender.id,
            what=f"Sent a message to guests: {draft.subject}"[:200],
            changes=f"{describe(ball, draft.audience, draft.ticket_type_id)}: "
            f"{found.count} address{'es' if found.count != 1 else ''}{skipped}",
        )
    )
    db.session.flush()
    return message


def sent_messages(ball: Ball) -> list[GuestMessage]:
    """The messages sent for this ball, newest first."""
    return list(
        db.session.scalars(
            select(GuestMessage)
            .where(GuestMessage.ball_id == ball.id)
            .order_by(GuestMessage.created_at.desc(), GuestMessage.id.desc())
            .options(selectinload(GuestMessage.actor), selectinload(GuestMessage.ticket_type))
        )
    )
