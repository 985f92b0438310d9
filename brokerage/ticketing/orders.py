"""Orders: finding them for the team, their page, complimentary tickets, sending a
confirmation again, and emailing a buyer the links to their orders."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import Conflict, FieldError
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.models import OutboxEmail
from brokerage.notifications.services import queue_email
from brokerage.pagination import Page, page_number, paginate
from brokerage.text_search import containing
from brokerage.ticketing.availability import counted_types, lock_ball
from brokerage.ticketing.checkout import issue_and_confirm, queue_confirmation
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    BallChange,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    Ticket,
    TicketStatus,
    TicketType,
    new_token,
    next_order_status,
    normalise_code,
)
from brokerage.ticketing.setup import only_the_team

MAX_COMPLIMENTARY = 50
ORDERS_PER_PAGE = 50

# One email of links per address in this time, whoever asks (the rate limit is per
# visitor; this stops anyone filling a buyer's inbox from many places).
ORDER_LINKS_EVERY = timedelta(minutes=10)
# A ball's orders can be found until this long after it starts (guests look for their
# tickets on the night).
ORDER_LINKS_AFTER_START = timedelta(hours=12)
ORDER_LINKS_TEMPLATE = "ball_order_links"


def send_order_links(email: str, now: datetime | None = None) -> int:
    """Email the links to the order pages of the paid orders bought with this address
    (orders keep it in lower case, so it may be typed in any) for balls still to come,
    so that a buyer who lost the confirmation email can get back to their tickets. Only
    the address's owner can read the links, and the caller says the same whether or not
    any were found, so nobody learns who has bought tickets. At most one such email per
    address every ORDER_LINKS_EVERY. Returns how many orders the email links to (0: no
    email was sent)."""
    now = now or utcnow()
    address = email.strip().lower()
    orders = list(
        db.session.scalars(
            select(Order)
            .join(Order.ball)
            .where(
                Order.buyer_email == address,
                Order.status.in_(PAID_STATUSES),
                Ball.starts_at > now - ORDER_LINKS_AFTER_START,
            )
            .options(contains_eager(Order.ball))  # the ball joined above
            .order_by(Ball.starts_at, Order.created_at, Order.id)
        )
    )
    if not orders:
        return 0
    sent_lately = db.session.scalar(
        select(OutboxEmail.id)
        .where(
            OutboxEmail.template == ORDER_LINKS_TEMPLATE,
            OutboxEmail.to_address == address,
            OutboxEmail.created_at > now - ORDER_LINKS_EVERY,
        )
        .limit(1)
    )
    if sent_lately is not None:
        return 0
    balls = {o.ball.name for o in orders}
    queue_email(
        orders[-1].buyer_email,
        ORDER_LINKS_TEMPLATE,
        f"Links to your tickets for {orders[0].ball.name}"
        if len(balls) == 1
        else "Links to your ball tickets",
        buyer_name=orders[-1].buyer_name,
        orders=[(o, site_url("ticketing.order", token=o.token)) for o in orders],
    )
    return len(orders)


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
    only_the_team(team_member)
    now = now or utcnow()
    if ticket_type.ball_id != ball.id:
        raise FieldError("ticket_type", "Choose a ticket type from the list")
    if not 1 <= quantity <= MAX_COMPLIMENTARY:
        raise FieldError("quantity", f"Give between 1 and {MAX_COMPLIMENTARY} at once")
    lock_ball(ball)
    taken = counted_types(ball, now)
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
        token=new_token(),
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
    issue_and_confirm(order)
    return order


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


def order_conditions(ball: Ball, filters: OrderFilters) -> list:
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
        code = normalise_code(filters.q)
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
    conditions = order_conditions(ball, filters)
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
    only_the_team(team_member)
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
    queue_confirmation(order, again=True)
    db.session.flush()
    return changed
