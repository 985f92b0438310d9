"""A buyer's checkout: holding seats, the Checkout session, fulfilment (with the
late-payment rule), and a hold that expires or is abandoned.

`fulfil` is the one way an order becomes paid, called by the webhook and by the
return page alike: the conditional UPDATE that marks it paid lets exactly one
caller win, and only the winner issues tickets and queues the email. Holds are
decided under the ball's lock (see availability.py).
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import bindparam, delete, inspect, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from brokerage import qr
from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.ticketing import gift_aid, payments
from brokerage.ticketing.availability import (
    Taken,
    buyable,
    counted_types,
    lock_ball,
    refuse_if_short,
    sales_open,
)
from brokerage.ticketing.inserts import write_order, write_tickets
from brokerage.ticketing.invoice_models import Invoice
from brokerage.ticketing.models import (
    Ball,
    Order,
    OrderAction,
    OrderLine,
    OrderStatus,
    Refund,
    TicketStatus,
    TicketType,
    new_ticket_code,
    new_token,
    next_order_status,
)

MAX_DONATION_PENCE = 100_000 * 100
# A payment this close to its hold's end is decided under the ball's lock (fulfil):
# far longer than a fulfilment's transaction takes.
HOLD_MARGIN = timedelta(minutes=2)


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
    return db.session.scalars(_for_session(), {"session_id": session_id}).unique().first()


@functools.cache
def _for_session():
    """`order_for_session`'s statement, built once (as costly as running it)."""
    return (
        select(Order)
        .where(Order.stripe_session_id == bindparam("session_id"))
        .options(*order_with_lines())
    )


@functools.cache
def _paid_for_session():
    """The order a payment is for, as a webhook finds it (without its lines: the stand-in's
    page has them already, and the email loads them if not)."""
    return select(Order).where(Order.stripe_session_id == bindparam("session_id"))


def _paid_order(session_id: str | None) -> Order | None:
    """The order a payment is for: the one this request has loaded already (the stand-in's
    page and the return page read it just before they fulfil it), else as a webhook finds
    it. Running the query for a loaded order would give back the same object without
    refreshing it (a query does not overwrite what the session holds), so it would only
    cost a statement; an order expired by a commit is not taken from memory."""
    if not session_id:
        return None
    for loaded in db.session.identity_map.values():
        if type(loaded) is Order and inspect(loaded).dict.get("stripe_session_id") == session_id:
            return loaded
    return db.session.scalar(_paid_for_session(), {"session_id": session_id})


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
    gift_aid_title: str | None = None
    gift_aid_first_name: str | None = None
    gift_aid_last_name: str | None = None
    gift_aid_house: str | None = None

    def declaration(self) -> gift_aid.Declaration | None:
        """The Gift Aid declaration, checked (a FieldError names its first problem)."""
        if not self.gift_aid:
            return None
        return gift_aid.check_declaration(
            title=self.gift_aid_title,
            first_name=self.gift_aid_first_name,
            last_name=self.gift_aid_last_name,
            house=self.gift_aid_house,
            address=self.gift_aid_address,
            postcode=self.gift_aid_postcode,
        )


def _declared(declaration: gift_aid.Declaration | None, now: datetime) -> dict:
    """The order's Gift Aid columns: the donor's details, the declaration's wording as
    the buyer saw it, and when it was made."""
    if declaration is None:
        return {}
    return {
        **asdict(declaration),
        "gift_aid_declaration": gift_aid.declaration_text(current_app.config["SERVICE_NAME"]),
        "gift_aid_declared_at": now,
    }


class RefusedBeforeHold(FieldError):
    """Not enough left on the count the caller read before the hold (`hold`'s `taken`):
    nothing was written, and that count is what the buyer's page should show."""


def hold(
    ball: Ball,
    basket: Basket,
    now: datetime | None = None,
    types: list[TicketType] | None = None,
    taken: Taken | None = None,
) -> Order:
    """Hold the seats for `hold_minutes` and make a pending order priced on the server.
    The seats are counted under the ball's lock, so the check and the hold are one
    decision. `types`: the ball's ticket types as the caller read them (its page's);
    read here if not given. `taken`: the ball as the caller counted it in this
    transaction, without the lock (`current_ball_counted`): a basket it has not the
    seats for is refused at once (RefusedBeforeHold), before anything is written. What
    is taken stays taken until a hold ends or an order is refunded, and in a rush
    most buyers are refused: this spares each of them the order written, the lock
    waited for, the count and the order deleted. Seats are still granted only on the
    count under the lock.

    The order is written first and the ball's lock taken last, just before the count:
    the lock is then held for the count and the commit alone, not for writing the order
    too, and every buyer in a rush queues on it. A hold refused under the lock leaves
    nothing (the caller rolls back). Every check on the ticket types is made again under
    the lock on the types as they are then (the team changes them under the same lock),
    and a price or seats per ticket changed since the order was written refuses it."""
    now = now or utcnow()
    if not sales_open(ball, now):
        raise DomainError("Tickets are not on sale now")
    wanted = {type_id: q for type_id, q in sorted(basket.quantities.items()) if q}
    if not wanted:
        raise FieldError("tickets", "Choose at least one ticket")
    if basket.donation_pence < 0 or basket.donation_pence > MAX_DONATION_PENCE:
        raise FieldError("donation", "Enter a donation between £0 and £100,000")
    if basket.gift_aid and not basket.donation_pence:
        raise FieldError("gift_aid", "Gift Aid is for a donation: add one, or untick Gift Aid")
    declaration = basket.declaration()

    read = {t.id: t for t in (ball.ticket_types if types is None else types)}
    lines, seats, pence, asked = [], 0, 0, []
    for type_id, quantity in wanted.items():
        ticket_type = buyable(ball, read.get(type_id), type_id, quantity, basket.code, now)
        seats += quantity * ticket_type.seats_per_ticket
        pence += quantity * ticket_type.price_pence
        asked.append((ticket_type, quantity))
        lines.append(
            {
                "ticket_type_id": type_id,
                "quantity": quantity,
                "unit_price_pence": ticket_type.price_pence,
                "seats_per_ticket": ticket_type.seats_per_ticket,
            }
        )
    if taken is not None:
        refuse_if_short(ball, taken, asked, seats, counted=False, refused=RefusedBeforeHold)
    order = write_order(
        ball,
        lines,
        token=new_token(),
        status=OrderStatus.PENDING,
        buyer_name=basket.buyer_name.strip(),
        buyer_email=basket.buyer_email.strip().lower(),
        tickets_pence=pence,
        donation_pence=basket.donation_pence,
        gift_aid=basket.gift_aid,
        **_declared(declaration, now),
        seats=seats,
        hold_expires_at=now + timedelta(minutes=current_app.config["BALL_HOLD_MINUTES"]),
    )

    lock_ball(ball)
    try:
        _count_under_lock(ball, order, basket.code, now)
    except DomainError:
        _forget_hold(order)
        raise
    return order


def _count_under_lock(ball: Ball, order: Order, code: str | None, now: datetime) -> None:
    """Whether the ball still has the seats for a hold just written (see `hold`)."""
    # Counted with this order among the live holds: what others took is the rest.
    taken = counted_types(ball, now)
    types_now = {row.ticket_type.id: row.ticket_type for row in taken.types}
    asked = []
    for line in order.lines:
        ticket_type = buyable(
            ball, types_now.get(line.ticket_type_id), line.ticket_type_id, line.quantity, code, now
        )
        if (ticket_type.price_pence, ticket_type.seats_per_ticket) != (
            line.unit_price_pence,
            line.seats_per_ticket,
        ):
            raise DomainError(
                f"{ticket_type.name} has just changed: check the tickets and try again"
            )
        asked.append((ticket_type, line.quantity))
    refuse_if_short(ball, taken, asked, order.seats, counted=True, refused=FieldError)


def _forget_hold(order: Order) -> None:
    """A hold refused under the lock is deleted at once, so that nothing of it is left
    in the caller's transaction whether or not it rolls back."""
    db.session.execute(  # its lines go with it (ON DELETE CASCADE)
        delete(Order).where(Order.id == order.id),
        execution_options={"synchronize_session": False},
    )
    for line in order.lines:
        db.session.expunge(line)
    db.session.expunge(order)


def start_checkout(order: Order) -> str:
    """Open a Checkout session that expires with the hold; returns where to send the buyer."""
    now = utcnow()
    if order.status is not OrderStatus.PENDING or order.hold_expires_at <= now:
        raise Conflict("This order's seats are no longer held: please start again")
    attempt = order.checkout_attempt + 1
    # The session ends with the hold, to the second. Stripe's shortest session is 30
    # minutes from its own clock, so a 30-minute hold is stretched by a minute or two.
    expires_at = payments.session_expiry(order.hold_expires_at, now)
    session = payments.create_checkout_session(
        order_id=order.id,
        attempt=attempt,
        email=order.buyer_email,
        lines=[
            (line.ticket_type.name, line.unit_price_pence, line.quantity) for line in order.lines
        ],
        donation_pence=order.donation_pence,
        expires_at=expires_at,
        success_url=url_for("ticketing.returned", token=order.token, _external=True)
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=url_for("ticketing.cancelled", token=order.token, _external=True),
        # Only an app without Stripe keys serves the stand-in (views.py).
        stand_in_url=url_for("ticketing.stand_in", session_id="SESSION_ID", _external=True)
        if payments.uses_stand_in()
        else "",
    )
    # One UPDATE, not the unit of work: a flush walks the order, its lines and their
    # ticket types for changes, and this runs for every buyer in a rush.
    opened = {
        "checkout_attempt": attempt,
        "hold_expires_at": expires_at,
        "stripe_session_id": session.id,
    }
    _write(order, opened)
    return session.url


def _write(order: Order, values: dict, unpaid_only: bool = False) -> bool:
    """Set `values` on the order with one UPDATE (`unpaid_only`: only if it is still
    pending or expired), and the order in memory to what the database then holds (its
    lines and ball stay loaded). Whether the row was written."""
    db.session.flush()  # what else the caller changed goes first, as before any ORM statement
    written = db.session.execute(
        _update_statement(tuple(values), unpaid_only),
        {"order_id": order.id, **{f"new_{key}": value for key, value in values.items()}},
    ).first()
    if written is None:
        return False
    for key, value in {**values, "updated_at": written.updated_at}.items():
        set_committed_value(order, key, value)
    return True


@functools.cache
def _update_statement(keys: tuple[str, ...], unpaid_only: bool):
    """`_write`'s UPDATE of these columns, built once: in SQL on the table (the ORM's
    UPDATE and a new statement each time cost more than running it, for every buyer's
    checkout and payment). The order's `updated_at` is set as the ORM would."""
    table = Order.__table__
    statement = update(table).where(table.c.id == bindparam("order_id"))
    if unpaid_only:
        statement = statement.where(table.c.status.in_([OrderStatus.PENDING, OrderStatus.EXPIRED]))
    return statement.values(
        {key: bindparam(f"new_{key}", type_=table.c[key].type) for key in keys}
    ).returning(table.c.updated_at)


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
    order = _paid_order(payment.session_id)
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
    return settle(order, payment.amount_pence, payment.payment_intent_id, now)


def settle(
    order: Order, amount_pence: int, payment_intent_id: str | None, now: datetime | None = None
) -> Order:
    """Money for the whole order has arrived (by card through `fulfil`, or by a bank
    transfer the team recorded against its invoice): mark it paid, issue its tickets and
    queue the confirmation, once, by the late-payment rule `fulfil` describes."""
    # Near its end (or after it) the hold is decided under the ball's lock: a payment
    # that started just before its hold ran out could otherwise commit just after,
    # while another buyer's hold (no longer counting this order) took the same seats.
    # Well inside the hold, this transaction commits long before the hold ends, so
    # every later hold sees the order paid: no lock, and no queue behind other buyers.
    given = now
    now = given or utcnow()
    if order.status is not OrderStatus.PENDING or order.hold_expires_at - now < HOLD_MARGIN:
        lock_ball(order.ball)
        db.session.refresh(order)
        now = given or utcnow()
    if order.status not in (OrderStatus.PENDING, OrderStatus.EXPIRED):
        _paid_twice(order, payment_intent_id)
        return order  # fulfilled already (or refunded): read afresh under the lock above
    late = order.status is OrderStatus.EXPIRED or (
        order.status is OrderStatus.PENDING and order.hold_expires_at <= now
    )
    paid = {
        "status": next_order_status(order.status, OrderAction.PAY),
        "paid_at": now,
        "paid_pence": amount_pence,
        "stripe_payment_intent_id": payment_intent_id,
    }
    if not _write(order, paid, unpaid_only=True):
        db.session.refresh(order)
        _paid_twice(order, payment_intent_id)
        return order  # someone else fulfilled it (or it was already refunded)
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


def _paid_twice(order: Order, payment_intent_id: str | None) -> None:
    """A card payment for an order paid already another way (an invoice paid by bank
    transfer, then by card): noted for the team, who refund it."""
    if payment_intent_id and payment_intent_id != order.stripe_payment_intent_id:
        current_app.logger.error("Order %s: paid again by card", order.id)
        order.note = f"Paid again by card ({payment_intent_id}): refund the second payment"
        db.session.flush()


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
    """One ticket per seat, each with its code's QR drawing."""
    codes = [
        (line, new_ticket_code())
        for line in order.lines
        for _ in range(line.quantity * line.seats_per_ticket)
    ]
    write_tickets(
        order,
        [
            {
                "code": code,
                "qr_svg": qr.draw(code),
                "order_line_id": line.id,
                "ticket_type_id": line.ticket_type_id,
                "status": TicketStatus.VALID,
            }
            for line, code in codes
        ],
    )


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
    """Stripe says the Checkout session expired: the hold ends and its seats are free.
    Not an invoice's card session: the invoice holds its seats until it is due."""
    now = now or utcnow()
    order = db.session.scalar(select(Order).where(Order.stripe_session_id == session_id))
    if order is None:
        return None
    db.session.execute(
        update(Order)
        .where(
            Order.id == order.id,
            Order.status == OrderStatus.PENDING,
            Order.id.not_in(select(Invoice.order_id)),
        )
        .values(
            status=next_order_status(OrderStatus.PENDING, OrderAction.EXPIRE),
            hold_expires_at=now,
        )
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
    late-payment rule (`fulfil`). An invoice keeps its seats until it is due: the buyer
    may still pay it by bank transfer."""
    if db.session.scalar(select(Invoice.id).where(Invoice.order_id == order.id)) is not None:
        return
    expire(order.stripe_session_id, utcnow()) if order.stripe_session_id else None
    if order.status is OrderStatus.PENDING:
        order.status = next_order_status(order.status, OrderAction.EXPIRE)
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
