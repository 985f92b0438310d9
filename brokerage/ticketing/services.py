"""The ball's rules: what is on sale, holding seats, fulfilment, refunds, check-in.

Seats are decided one buyer at a time per ball: `_lock_ball` bumps the ball's
`lock_version` with an UPDATE, which takes the row's lock on PostgreSQL and the
database's write lock on SQLite, until the transaction ends. Availability is then
derived from the tickets that are paid and the holds still live, so nothing is
counted twice and an abandoned hold frees itself when it expires.

`fulfil` is the one way an order becomes paid, called by the webhook and by the
return page alike: the conditional UPDATE that marks it paid lets exactly one
caller win, and only the winner issues tickets and queues the email.
"""

from __future__ import annotations

import base64
import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from brokerage import qr
from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime
from brokerage.errors import Conflict, DomainError, FieldError, NotAllowed
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.models import OutboxEmail
from brokerage.notifications.services import queue_email
from brokerage.ticketing import payments
from brokerage.ticketing.models import (
    Ball,
    CheckInEvent,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    Refund,
    StripeEvent,
    Ticket,
    TicketStatus,
    TicketType,
    next_order_status,
)

MAX_DONATION_PENCE = 100_000 * 100
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED)
# A payment this close to its hold's end is decided under the ball's lock (fulfil):
# far longer than a fulfilment's transaction takes.
HOLD_MARGIN = timedelta(minutes=2)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_ticket_code() -> str:
    """160 random bits in base32 (32 characters, no padding): unguessable, and easy to
    read out or type at the door."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def normalise_code(text: str) -> str:
    return re.sub(r"[^A-Z2-7]", "", (text or "").upper())


def order_with_lines():
    """Load an order with its ball and its lines' ticket types, which every page and
    email about it shows, in the same statement (an order has a few lines: joining
    them costs half what a second statement does)."""
    return (
        joinedload(Order.ball),
        joinedload(Order.lines).joinedload(OrderLine.ticket_type),
    )


def order_for_session(session_id: str) -> Order | None:
    """The order paid for by this Checkout session, with its ball and lines."""
    return (
        db.session.scalars(
            select(Order).where(Order.stripe_session_id == session_id).options(*order_with_lines())
        )
        .unique()
        .first()
    )


# --- What is available -------------------------------------------------------------


def current_ball(now: datetime | None = None) -> Ball | None:
    """The ball on the public page: the next one to start."""
    now = now or utcnow()
    return db.session.scalar(
        select(Ball).where(Ball.starts_at > now).order_by(Ball.starts_at, Ball.id).limit(1)
    )


def _lock_ball(ball: Ball) -> None:
    """Take the ball's lock for the rest of the transaction (see the module's docstring),
    and read the ball as it is now: the team may have changed its capacity or sales
    window while this request was on its way."""
    db.session.execute(
        update(Ball)
        .where(Ball.id == ball.id)
        .values(lock_version=Ball.lock_version + 1)
        .returning(Ball),
        execution_options={"synchronize_session": False, "populate_existing": True},
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


@functools.cache
def _counted_statement():
    """The statement behind `counted_types`, built once: building it costs more than
    running it, and it runs for every buyer (twice for a hold)."""
    ball_id, now = bindparam("ball_id"), bindparam("now", type_=UTCDateTime())
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
    return (
        select(TicketType, held.c.tickets, held.c.seats, sold.c.seats, sold.c.per)
        .outerjoin(held, held.c.type_id == TicketType.id)
        .outerjoin(sold, sold.c.type_id == TicketType.id)
        .where(TicketType.ball_id == ball_id)
        .order_by(TicketType.position, TicketType.id)
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
    return Taken(
        [
            Counted(
                ticket_type,
                held_tickets=int(held_tickets or 0),
                held_seats=int(held_seats or 0),
                sold_tickets=-(-int(sold_seats or 0) // int(per or 1)),
                sold_seats=int(sold_seats or 0),
            )
            for ticket_type, held_tickets, held_seats, sold_seats, per in rows
        ]
    )


def seats_taken(ball: Ball, now: datetime | None = None) -> int:
    """Seats sold (valid tickets of paid orders) plus seats held by live holds."""
    return counted_types(ball, now).seats


@dataclass
class OnSale:
    ticket_type: TicketType
    left: int  # tickets of this type that can still be bought now
    reason: str | None  # why none can be bought ("Sold out", "On sale from ..."), or None


def on_sale(ball: Ball, now: datetime | None = None, code: str | None = None) -> list[OnSale]:
    """Each visible ticket type with how many can still be bought, for the public page."""
    now = now or utcnow()
    taken = counted_types(ball, now)
    free_seats = ball.capacity - taken.seats
    rows = []
    for row in taken.types:
        ticket_type = row.ticket_type
        if ticket_type.hidden and not _code_matches(ticket_type, code):
            continue
        left = max(0, ticket_type.quantity - row.tickets)
        left = min(left, max(0, free_seats) // ticket_type.seats_per_ticket)
        reason = _not_on_sale(ball, ticket_type, now) or (None if left else "Sold out")
        rows.append(OnSale(ticket_type, 0 if reason else left, reason))
    return rows


def _code_matches(ticket_type: TicketType, code: str | None) -> bool:
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


def _not_on_sale(ball: Ball, ticket_type: TicketType, now: datetime) -> str | None:
    from brokerage.clock import format_datetime

    if now < ball.sales_open_at:
        return f"On sale from {format_datetime(ball.sales_open_at)}"
    if now >= ball.sales_close_at:
        return "Sales have closed"
    if ticket_type.on_sale_from and now < ticket_type.on_sale_from:
        return f"On sale from {format_datetime(ticket_type.on_sale_from)}"
    if ticket_type.on_sale_until and now >= ticket_type.on_sale_until:
        return "No longer on sale"
    return None


# --- Holding seats -------------------------------------------------------------------


@dataclass
class Basket:
    """What a buyer asks for: ticket type id -> quantity, and the rest of the form."""

    quantities: dict[int, int]
    buyer_name: str
    buyer_email: str
    donation_pence: int = 0
    gift_aid: bool = False
    gift_aid_address: str | None = None
    gift_aid_postcode: str | None = None
    code: str | None = None


def hold(ball: Ball, basket: Basket, now: datetime | None = None) -> Order:
    """Hold the seats for `hold_minutes` and make a pending order priced on the server.
    Under the ball's lock, so the check and the hold are one decision."""
    now = now or utcnow()
    if not sales_open(ball, now):
        raise DomainError("Tickets are not on sale now")
    wanted = {type_id: q for type_id, q in basket.quantities.items() if q}
    if not wanted:
        raise FieldError("tickets", "Choose at least one ticket")
    if basket.donation_pence < 0 or basket.donation_pence > MAX_DONATION_PENCE:
        raise FieldError("donation", "Enter a donation between £0 and £100,000")
    if basket.gift_aid and not basket.donation_pence:
        raise FieldError("gift_aid", "Gift Aid is for a donation: add one, or untick Gift Aid")
    if basket.gift_aid and not (
        (basket.gift_aid_address or "").strip() and basket.gift_aid_postcode
    ):
        raise FieldError("gift_aid_address", "Enter your home address and postcode for Gift Aid")

    _lock_ball(ball)
    taken = counted_types(ball, now)
    types = {row.ticket_type.id: row.ticket_type for row in taken.types}
    free_seats = ball.capacity - taken.seats
    lines, seats, pence = [], 0, 0
    for type_id, quantity in sorted(wanted.items()):
        ticket_type = types.get(type_id)
        if ticket_type is None or (
            ticket_type.hidden and not _code_matches(ticket_type, basket.code)
        ):
            raise FieldError("tickets", "Choose tickets from the list")
        reason = _not_on_sale(ball, ticket_type, now)
        if reason:
            raise FieldError(f"quantity-{type_id}", f"{ticket_type.name}: {reason.lower()}")
        if quantity > ticket_type.per_order_limit:
            raise FieldError(
                f"quantity-{type_id}",
                f"You can buy up to {ticket_type.per_order_limit} of {ticket_type.name} at once",
            )
        left = ticket_type.quantity - taken.tickets(type_id)
        if quantity > left:
            raise FieldError(
                f"quantity-{type_id}",
                f"Only {max(left, 0)} of {ticket_type.name} left"
                if left > 0
                else f"{ticket_type.name} is sold out",
            )
        seats += quantity * ticket_type.seats_per_ticket
        pence += quantity * ticket_type.price_pence
        lines.append(
            OrderLine(
                ticket_type=ticket_type,
                quantity=quantity,
                unit_price_pence=ticket_type.price_pence,
                seats_per_ticket=ticket_type.seats_per_ticket,
            )
        )
    if seats > free_seats:
        raise FieldError(
            "tickets",
            f"Only {max(free_seats, 0)} seats are left"
            if free_seats > 0
            else "The ball is sold out",
        )
    order = Order(
        ball=ball,
        token=new_token(),
        status=OrderStatus.PENDING,
        buyer_name=basket.buyer_name.strip(),
        buyer_email=basket.buyer_email.strip().lower(),
        tickets_pence=pence,
        donation_pence=basket.donation_pence,
        gift_aid=basket.gift_aid,
        gift_aid_address=(basket.gift_aid_address or "").strip() or None
        if basket.gift_aid
        else None,
        gift_aid_postcode=basket.gift_aid_postcode if basket.gift_aid else None,
        seats=seats,
        hold_expires_at=now + timedelta(minutes=current_app.config["BALL_HOLD_MINUTES"]),
        lines=lines,
    )
    db.session.add(order)
    db.session.flush()
    return order


def start_checkout(order: Order) -> str:
    """Open a Checkout session that expires with the hold; returns where to send the buyer."""
    now = utcnow()
    if order.status is not OrderStatus.PENDING or order.hold_expires_at <= now:
        raise Conflict("This order's seats are no longer held: please start again")
    order.checkout_attempt += 1
    # The session ends with the hold, to the second. Stripe's shortest session is 30
    # minutes from its own clock, so a 30-minute hold is stretched by a minute or two.
    order.hold_expires_at = payments.session_expiry(order.hold_expires_at, now)
    session = payments.create_checkout_session(
        order_id=order.id,
        attempt=order.checkout_attempt,
        email=order.buyer_email,
        lines=[
            (line.ticket_type.name, line.unit_price_pence, line.quantity) for line in order.lines
        ],
        donation_pence=order.donation_pence,
        expires_at=order.hold_expires_at,
        success_url=url_for("ticketing.returned", token=order.token, _external=True)
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=url_for("ticketing.cancelled", token=order.token, _external=True),
        stand_in_url=url_for("ticketing.stand_in", session_id="SESSION_ID", _external=True),
    )
    order.stripe_session_id = session.id
    db.session.flush()
    return session.url


# --- Fulfilment ----------------------------------------------------------------------


@dataclass(frozen=True)
class Payment:
    """What Stripe says was paid for a Checkout session."""

    session_id: str
    amount_pence: int
    currency: str
    payment_intent_id: str | None
    paid: bool


def payment_from_session(session: dict) -> Payment:
    return Payment(
        session_id=session["id"],
        amount_pence=int(session.get("amount_total") or 0),
        currency=(session.get("currency") or "").lower(),
        payment_intent_id=session.get("payment_intent"),
        paid=session.get("payment_status") == "paid",
    )


def fulfil(payment: Payment, now: datetime | None = None) -> Order | None:
    """Mark the order paid, issue its tickets and queue the confirmation: once, however
    many times and however concurrently it is called (the webhook, a replay of it, the
    return page). Returns the order (None if no order has that session). A payment
    whose amount or currency is not the order's is not fulfilled: it is logged and
    noted on the order for the team.

    The late-payment rule: money can arrive after the order's hold ran out (the
    `checkout.session.expired` event came first, or the buyer paid in the session's
    last seconds and Stripe told us late). Under the ball's lock the order's seats are
    then counted again as if it were a new order. If the ball still has the seats (and
    each ticket type still has the tickets), the payment stands: tickets are issued as
    usual and the order is noted "paid after the hold expired". If not, the whole
    payment is refunded through Stripe (its idempotency key comes from the refund row),
    the order is marked refunded and the buyer is emailed (`ball_refunded_late`). So a
    late payment never oversells the ball, and no money is kept without seats."""
    # Its lines and ball are loaded when the email needs them (the stand-in's page has
    # them already).
    order = db.session.scalar(select(Order).where(Order.stripe_session_id == payment.session_id))
    if order is None or not payment.paid:
        return order
    if payment.currency != payments.CURRENCY or payment.amount_pence != order.total_pence:
        current_app.logger.error(
            "Order %s: Stripe says %s %s, the order is %s gbp; not fulfilled",
            order.id,
            payment.amount_pence,
            payment.currency,
            order.total_pence,
        )
        order.note = "Stripe's amount or currency did not match the order: check it by hand"
        db.session.flush()
        return order

    # Near its end (or after it) the hold is decided under the ball's lock: a payment
    # that started just before its hold ran out could otherwise commit just after,
    # while another buyer's hold (no longer counting this order) took the same seats.
    # Well inside the hold, this transaction commits long before the hold ends, so
    # every later hold sees the order paid: no lock, and no queue behind other buyers.
    given = now
    now = given or utcnow()
    if order.status is not OrderStatus.PENDING or order.hold_expires_at - now < HOLD_MARGIN:
        _lock_ball(order.ball)
        db.session.refresh(order)
        now = given or utcnow()
    late = order.status is OrderStatus.EXPIRED or (
        order.status is OrderStatus.PENDING and order.hold_expires_at <= now
    )
    paid = {
        "status": OrderStatus.PAID,
        "paid_at": now,
        "paid_pence": payment.amount_pence,
        "stripe_payment_intent_id": payment.payment_intent_id,
    }
    won = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status.in_([OrderStatus.PENDING, OrderStatus.EXPIRED]))
        .values(**paid)
        .returning(Order.updated_at),
        execution_options={"synchronize_session": False},
    ).first()
    if won is None:
        db.session.refresh(order)
        return order  # someone else fulfilled it (or it was already refunded)
    # The order in memory is now what the database holds (its lines and ball stay loaded).
    for key, value in {**paid, "updated_at": won.updated_at}.items():
        set_committed_value(order, key, value)
    if late:
        # counted_types counts nothing for this order yet: it is paid, but its tickets
        # are not issued.
        taken = counted_types(order.ball, now)
        free = order.ball.capacity - taken.seats
        type_sold_out = any(
            line.quantity > line.ticket_type.quantity - taken.tickets(line.ticket_type_id)
            for line in order.lines
        )
        if order.seats > free or type_sold_out:
            _refund_late(order, now)
            return order
        order.note = "Paid after the seats' hold expired; seats were still free, so it stands"
    issue_and_confirm(order)
    return order


def issue_and_confirm(order: Order) -> None:
    """A paid (or complimentary) order's tickets, one per seat, and its confirmation."""
    _issue_tickets(order)
    queue_confirmation(order)
    db.session.flush()


def queue_confirmation(order: Order, again: bool = False) -> None:
    """The order's confirmation email: its link, and each valid seat's code and QR code
    (`again`: the team sends it once more, for example to a corrected address)."""
    tickets = [t for t in order.tickets if t.status is TicketStatus.VALID]
    queue_email(
        order.buyer_email,
        "ball_confirmation",
        f"Your tickets for {order.ball.name}",
        qr_images=[(qr.content_id(t.id), t.code) for t in tickets],
        order=order,
        tickets=tickets,
        again=again,
        link=site_url("ticketing.order", token=order.token),
    )


def _issue_tickets(order: Order) -> None:
    if "tickets" in inspect(order).unloaded:
        # Only paid orders have tickets, and this one has just become paid: its list is
        # empty, so there is nothing to read before adding to it.
        set_committed_value(order, "tickets", [])
    for line in order.lines:
        for _ in range(line.quantity * line.seats_per_ticket):
            code = new_ticket_code()
            order.tickets.append(
                Ticket(
                    code=code,
                    qr_svg=qr.draw(code),
                    order_line_id=line.id,
                    ticket_type_id=line.ticket_type_id,
                    status=TicketStatus.VALID,
                )
            )
    db.session.flush()


def _refund_late(order: Order, now: datetime) -> None:
    refund = Refund(
        order=order, amount_pence=order.paid_pence or 0, reason="Paid too late: sold out"
    )
    db.session.add(refund)
    db.session.flush()
    refund.stripe_refund_id = payments.refund(
        payment_intent_id=order.stripe_payment_intent_id,
        amount_pence=refund.amount_pence,
        refund_row_id=refund.id,
        # Keyed by the order: a webhook retried after a lost reply refunds nothing twice.
        idempotency_key=f"late-payment-refund-order-{order.id}",
    )
    order.status = next_order_status(order.status, OrderAction.REFUND_ALL)
    order.refunded_pence = refund.amount_pence
    order.note = "Paid after the seats' hold expired and the ball had sold out: refunded in full"
    queue_email(
        order.buyer_email,
        "ball_refunded_late",
        f"Your payment for {order.ball.name} is refunded",
        order=order,
    )
    db.session.flush()


def expire(session_id: str, now: datetime | None = None) -> Order | None:
    """Stripe says the Checkout session expired: the hold ends and its seats are free."""
    now = now or utcnow()
    order = db.session.scalar(select(Order).where(Order.stripe_session_id == session_id))
    if order is None:
        return None
    db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == OrderStatus.PENDING)
        .values(status=OrderStatus.EXPIRED, hold_expires_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    return order


def forget_unstarted(order: Order) -> None:
    """The checkout could not even start (Stripe refused or was unreachable): the hold
    is deleted, as if the buyer had never pressed the button. No money was involved."""
    order = db.session.merge(order)
    if order.status is OrderStatus.PENDING and order.stripe_session_id is None:
        db.session.delete(order)
        db.session.flush()


def abandon(order: Order) -> None:
    """The buyer cancelled at the checkout: let the seats go at once, and close the
    Checkout session so that it cannot be paid later. If Stripe cannot be asked (or the
    buyer paid in another tab first), a payment that still arrives is decided by the
    late-payment rule (`fulfil`)."""
    expire(order.stripe_session_id, utcnow()) if order.stripe_session_id else None
    if order.status is OrderStatus.PENDING:
        order.status = OrderStatus.EXPIRED
        order.hold_expires_at = utcnow()
    db.session.flush()
    if order.stripe_session_id and order.status is OrderStatus.EXPIRED:
        try:
            payments.expire_session(
                order.stripe_session_id, order_id=order.id, attempt=order.checkout_attempt
            )
        except payments.PaymentsError:
            current_app.logger.warning(
                "Order %s: Stripe could not close its Checkout session", order.id
            )


# --- Guests -----------------------------------------------------------------------------


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
    from brokerage.clock import format_datetime

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


# --- Buyers who lost their confirmation ---------------------------------------------------

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


# --- Webhooks --------------------------------------------------------------------------


def _record_event(event_id: str, kind: str) -> bool:
    """Record a webhook event's id in the caller's transaction; False if it is there
    already. INSERT ... ON CONFLICT DO NOTHING, not a savepoint: on SQLite a savepoint
    opened outside a transaction commits when released, so the id would be kept even if
    handling the event then failed, and Stripe's retry would be taken for a replay. On
    PostgreSQL a second delivery racing this one waits for this transaction to end."""
    values = {"id": event_id, "type": kind, "received_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        recorded = db.session.scalar(
            insert(StripeEvent)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(StripeEvent.id)
        )
        return recorded is not None
    try:
        with db.session.begin_nested():
            db.session.add(StripeEvent(**values))
            db.session.flush()
    except IntegrityError:
        return False
    return True


def handle_event(event: dict) -> str:
    """Act on one verified webhook event, once: its id is recorded first, so a replay
    (or a second delivery racing this one) is recognised. Returns what was done."""
    if not _record_event(event["id"], event.get("type") or ""):
        return "duplicate"
    kind = event.get("type")
    obj = (event.get("data") or {}).get("object") or {}
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        fulfil(payment_from_session(obj))
        return "fulfilled"
    if kind == "checkout.session.expired":
        expire(obj.get("id", ""))
        return "expired"
    if kind == "charge.refunded":
        record_outside_refund(obj)
        return "refund recorded"
    return "ignored"


def record_outside_refund(charge: dict) -> None:
    """A refund made in the Stripe dashboard: record the money; tickets are revoked by
    the team on the order page (Stripe does not know which seats)."""
    intent = charge.get("payment_intent")
    if not intent:
        return
    order = db.session.scalar(select(Order).where(Order.stripe_payment_intent_id == intent))
    if order is None:
        return
    refunded = int(charge.get("amount_refunded") or 0)
    if refunded > order.refunded_pence and order.status is OrderStatus.REFUNDED:
        # Every ticket was refunded already (for less than was paid): only the money moves.
        order.refunded_pence = refunded
        order.note = "Refunded in the Stripe dashboard"
    elif refunded > order.refunded_pence:
        order.refunded_pence = refunded
        full = refunded >= (order.paid_pence or order.total_pence)
        if full:
            for ticket in order.tickets:
                ticket.status = TicketStatus.REVOKED
        order.status = next_order_status(
            order.status, OrderAction.REFUND_ALL if full else OrderAction.REFUND_PART
        )
        order.note = "Refunded in the Stripe dashboard"
    db.session.flush()


# --- Refunds by the team --------------------------------------------------------------------


def refund_tickets(
    order: Order, ticket_ids: list[int], team_member: User, reason: str | None, amount_pence: int
) -> Refund:
    """Refund some (or all) of an order's tickets through Stripe: the tickets are revoked,
    their seats released, and the buyer emailed."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team refunds")
    if order.status not in PAID_STATUSES:
        raise Conflict(f"This order is '{order.status.label.lower()}': nothing to refund")
    chosen = [
        t for t in order.tickets if t.id in set(ticket_ids) and t.status is TicketStatus.VALID
    ]
    if not chosen:
        raise FieldError("tickets", "Choose the tickets to refund")
    left = (order.paid_pence or 0) - order.refunded_pence
    if amount_pence < 0 or amount_pence > left:
        raise FieldError("amount", f"Refund between £0 and £{left / 100:,.2f}")
    refund = Refund(
        order=order, amount_pence=amount_pence, reason=reason, created_by_id=team_member.id
    )
    db.session.add(refund)
    db.session.flush()
    if amount_pence and not order.complimentary:
        refund.stripe_refund_id = payments.refund(
            payment_intent_id=order.stripe_payment_intent_id,
            amount_pence=amount_pence,
            refund_row_id=refund.id,
        )
    for ticket in chosen:
        ticket.status = TicketStatus.REVOKED
        ticket.refund_id = refund.id
    order.refunded_pence += amount_pence
    everything = all(t.status is TicketStatus.REVOKED for t in order.tickets)
    order.status = next_order_status(
        order.status, OrderAction.REFUND_ALL if everything else OrderAction.REFUND_PART
    )
    queue_email(
        order.buyer_email,
        "ball_refund",
        f"Refund for your {order.ball.name} order",
        order=order,
        refund=refund,
        tickets=chosen,
        link=site_url("ticketing.order", token=order.token),
    )
    db.session.flush()
    return refund


# --- Check-in ---------------------------------------------------------------------------


@dataclass
class Admission:
    outcome: str  # "admitted", "already", "not_valid"
    ticket: Ticket | None
    message: str


def check_in(code: str, door: User, now: datetime | None = None) -> Admission:
    """Admit the ticket with `code` once: a second scan (even at the same moment, at
    another door) is told who admitted it and when."""
    from brokerage.clock import format_datetime

    now = now or utcnow()
    ticket = db.session.scalar(select(Ticket).where(Ticket.code == normalise_code(code)))
    if ticket is None:
        return Admission("not_valid", None, "Not valid: no ticket has this code")
    if ticket.status is not TicketStatus.VALID or ticket.order.status not in PAID_STATUSES:
        return Admission("not_valid", ticket, "Not valid: this ticket was refunded")
    won = db.session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.checked_in_at.is_(None))
        .values(checked_in_at=now, checked_in_by_id=door.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(ticket)
    if not won:
        who = ticket.checked_in_by.name if ticket.checked_in_by else "someone"
        return Admission(
            "already",
            ticket,
            f"Already admitted at {format_datetime(ticket.checked_in_at)} by {who}",
        )
    db.session.add(CheckInEvent(ticket_id=ticket.id, action="admit", actor_id=door.id))
    db.session.flush()
    return Admission("admitted", ticket, f"Admitted: {ticket.guest_name or 'guest'}")


def undo_check_in(ticket: Ticket, door: User) -> None:
    if ticket.checked_in_at is None:
        raise Conflict("This ticket is not checked in")
    ticket.checked_in_at = None
    ticket.checked_in_by_id = None
    db.session.add(CheckInEvent(ticket_id=ticket.id, action="undo", actor_id=door.id))
    db.session.flush()
