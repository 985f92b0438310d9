"""Pay by invoice: a company's order for tables or sponsor packages, held until its
invoice is due; the invoice's number; paying it by bank transfer (recorded by the team)
or by card; cancelling it once overdue; the finance office's list.

An invoiced order is a pending order whose hold ends when the invoice is due, so it
holds its seats exactly as a buyer's checkout hold does (availability.py), and paying
it goes through the one fulfilment (checkout.settle) under the ball's lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload

from brokerage.accounts.models import User
from brokerage.clock import format_date, london, today_in_leeds, utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.exports import money
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.money import pounds
from brokerage.notifications.services import queue_email
from brokerage.pagination import Page, paginate
from brokerage.ticketing import payments
from brokerage.ticketing.availability import OnSale, counted_types, lock_ball, sales_open
from brokerage.ticketing.checkout import Basket, fulfil, hold, payment_from_session, settle
from brokerage.ticketing.invoice_models import Invoice, InvoiceCounter
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    BallChange,
    Order,
    OrderAction,
    OrderStatus,
    next_order_status,
)
from brokerage.ticketing.setup import only_the_team
from brokerage.ticketing.waiting_list import offer_freed_seats

# An invoice falls due at the latest this long before the ball: an unpaid one is
# cancelled in time for its seats to go to the waiting list or back on sale, and the
# guest list settles before the caterers' numbers are due.
DUE_BEFORE_BALL = timedelta(days=5)
# A company needs a few days to raise a purchase order and send a bank transfer: pay by
# invoice is not offered when less than this would be left (with the defaults: from 8
# days before the ball; a card payment is the way then).
SHORTEST_TERM = timedelta(days=3)
INVOICES_PER_PAGE = 50


@dataclass(frozen=True)
class Company:
    """Who the invoice is addressed to."""

    name: str
    billing_address: str
    po_number: str | None = None


def due_date(ball: Ball, now: datetime) -> datetime | None:
    """When an invoice issued now falls due: INVOICE_DUE_DAYS from now, never later than
    DUE_BEFORE_BALL before the ball. None when pay by invoice is not offered now (sales
    are closed, or fewer than SHORTEST_TERM would be left to pay)."""
    if not sales_open(ball, now):
        return None
    due = min(
        now + timedelta(days=current_app.config["INVOICE_DUE_DAYS"]),
        ball.starts_at - DUE_BEFORE_BALL,
    )
    return due if due - now >= SHORTEST_TERM else None


def invoice_rows(rows: list[OnSale]) -> list[OnSale]:
    """The ticket types on the ball page that companies may pay for by invoice."""
    return [row for row in rows if row.ticket_type.invoice_allowed]


def next_number(ball: Ball) -> str:
    """The next invoice number of the ball's year, like DCB-2027-0001: the counter row's
    UPDATE holds its lock until the transaction ends, so numbers are never given twice,
    and a rolled-back invoice gives its number back (the unique key is a second guard)."""
    year = london(ball.starts_at).year
    take = (
        update(InvoiceCounter)
        .where(InvoiceCounter.year == year)
        .values(last=InvoiceCounter.last + 1)
        .returning(InvoiceCounter.last)
    )
    number = db.session.scalar(take)
    if number is None:
        dialect = db.session.get_bind().dialect.name
        insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
        db.session.execute(
            insert(InvoiceCounter)
            .values(year=year, last=0)
            .on_conflict_do_nothing(index_elements=["year"])
        )
        number = db.session.scalar(take)
    return f"{current_app.config['INVOICE_PREFIX']}-{year}-{number:04d}"


def check_company(company: Company) -> None:
    if not company.name.strip():
        raise FieldError("company", "Enter the company's name")
    if not company.billing_address.strip():
        raise FieldError("billing_address", "Enter the billing address")


def order_by_invoice(
    ball: Ball, basket: Basket, company: Company, now: datetime | None = None
) -> Invoice:
    """Hold the seats until the invoice is due and issue it, numbered, by email. Only
    ticket types the team allows invoices for; Gift Aid does not apply to a company's
    payment, so an invoiced order carries no declaration."""
    now = now or utcnow()
    check_company(company)
    due = due_date(ball, now)
    if due is None:
        raise DomainError("Pay by invoice is closed for this ball: pay by card instead")
    if basket.gift_aid:
        raise FieldError("donation", "Gift Aid does not apply to a company's payment")
    order = hold(ball, basket, now)  # under the ball's lock
    if not all(line.ticket_type.invoice_allowed for line in order.lines):
        raise FieldError("tickets", "Choose tickets that can be paid for by invoice")
    order.hold_expires_at = due
    invoice = Invoice(
        order=order,
        number=next_number(ball),
        company=company.name.strip(),
        billing_address=company.billing_address.strip(),
        po_number=(company.po_number or "").strip() or None,
        amount_pence=order.total_pence,
        issued_at=now,
        due_at=due,
    )
    db.session.add(invoice)
    db.session.flush()
    _email(invoice, "ball_invoice", f"Invoice {invoice.number} for {ball.name}")
    return invoice


def _email(invoice: Invoice, template: str, subject: str) -> None:
    order = invoice.order
    queue_email(
        order.buyer_email,
        template,
        subject,
        invoice=invoice,
        order=order,
        bank=bank_details(),
        link=site_url("ticketing.invoice", token=order.token),
    )


def bank_details() -> dict[str, str]:
    config = current_app.config
    return {
        "payee": config["INVOICE_PAYEE"],
        "sort_code": config["INVOICE_SORT_CODE"],
        "account": config["INVOICE_ACCOUNT_NUMBER"],
        "charity": config["INVOICE_CHARITY_DETAILS"],
    }


def invoice_for(order: Order) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))


def payable(invoice: Invoice, now: datetime) -> bool:
    """Whether the invoice can still be paid by card: unpaid and not yet due."""
    order = invoice.order
    return order.status is OrderStatus.PENDING and order.hold_expires_at > now


def pay_by_card(invoice: Invoice, now: datetime | None = None) -> str | None:
    """Open a Checkout session for the invoice; where to send the buyer, or None if a
    session opened earlier turns out to be paid (fulfilled here). The order's hold stays
    the invoice's due date: a session lasts at most a day, and an abandoned one ends
    nothing but itself."""
    now = now or utcnow()
    order = invoice.order
    if not payable(invoice, now):
        raise Conflict("This invoice can no longer be paid by card")
    if order.stripe_session_id and _earlier_session_paid(order):
        return None
    order.checkout_attempt += 1
    session = payments.create_checkout_session(
        order_id=order.id,
        attempt=order.checkout_attempt,
        email=order.buyer_email,
        lines=[
            (line.ticket_type.name, line.unit_price_pence, line.quantity) for line in order.lines
        ],
        donation_pence=order.donation_pence,
        expires_at=payments.session_expiry(order.hold_expires_at, now),
        success_url=url_for("ticketing.returned", token=order.token, _external=True)
        + "?session_id={CHECKOUT_SESSION_ID}",
        cancel_url=url_for("ticketing.invoice", token=order.token, _external=True),
        stand_in_url=url_for("ticketing.stand_in", session_id="SESSION_ID", _external=True)
        if payments.uses_stand_in()
        else "",
    )
    order.stripe_session_id = session.id
    db.session.flush()
    return session.url


def _earlier_session_paid(order: Order) -> bool:
    """Close the session opened before, so that only the new one can be paid; if it
    cannot be closed because it was paid, fulfil it (its webhook may be on its way)."""
    closed = payments.expire_session(
        order.stripe_session_id, order_id=order.id, attempt=order.checkout_attempt
    )
    if closed:
        return False
    session = payments.retrieve_session(order.stripe_session_id)
    if session and session.get("payment_status") == "paid":
        fulfil(payment_from_session(session))
        return True
    return False


def record_transfer(
    invoice: Invoice,
    amount_pence: int,
    received_on: date,
    reference: str,
    team_member: User,
    now: datetime | None = None,
) -> Order:
    """The team saw the bank transfer arrive: the order is fulfilled as a card payment
    is (checkout.settle), under the ball's lock. Only the whole amount is accepted (a
    part payment is refused: the team asks the company for the rest and records the
    whole when it is in). A transfer for an invoice cancelled as overdue is accepted
    only while the ball still has its seats."""
    only_the_team(team_member)
    now = now or utcnow()
    order = invoice.order
    lock_ball(order.ball)
    db.session.refresh(order)
    if order.status in PAID_STATUSES or order.status is OrderStatus.REFUNDED:
        raise Conflict(f"Invoice {invoice.number} is paid already")
    if amount_pence != order.total_pence:
        raise FieldError(
            "amount",
            f"The invoice is for {pounds(order.total_pence)}: record the transfer when the "
            "whole amount has arrived",
        )
    if received_on > today_in_leeds(now):
        raise FieldError("received_on", "The day the money arrived cannot be in the future")
    if received_on < london(invoice.issued_at).date():
        raise FieldError("received_on", "The money cannot have arrived before the invoice")
    if order.status is OrderStatus.EXPIRED and not _seats_still_free(order, now):
        raise Conflict(
            f"Invoice {invoice.number} was cancelled and its seats have gone: "
            "return the money by bank transfer"
        )
    invoice.transfer_date = received_on
    invoice.transfer_reference = reference.strip()
    invoice.recorded_by_id = team_member.id
    db.session.add(
        BallChange(
            ball_id=order.ball_id,
            actor_id=team_member.id,
            what=f"Recorded the bank transfer for invoice {invoice.number}",
            changes=f"{pounds(amount_pence)} on {format_date(received_on)}, "
            f"reference {invoice.transfer_reference}",
        )
    )
    return settle(order, amount_pence, None, now)


def _seats_still_free(order: Order, now: datetime) -> bool:
    taken = counted_types(order.ball, now)
    return order.seats <= order.ball.capacity - taken.seats and all(
        line.quantity <= line.ticket_type.quantity - taken.tickets(line.ticket_type_id)
        for line in order.lines
    )


def cancel_overdue(now: datetime | None = None) -> int:
    """For the worker: cancel every unpaid invoice past its due date (its seats are
    already free, as its hold ended then), tell the buyer, and offer the seats to the
    ball's waiting list. One ball's trouble never stops the others. Returns how many."""
    now = now or utcnow()
    overdue = db.session.scalars(
        select(Invoice)
        .join(Order, Order.id == Invoice.order_id)
        .where(Order.status == OrderStatus.PENDING, Order.hold_expires_at <= now)
        .order_by(Order.ball_id, Invoice.id)
    ).all()
    cancelled, balls = 0, {}
    for invoice in overdue:
        order = invoice.order
        lock_ball(order.ball)
        db.session.refresh(order)
        if order.status is not OrderStatus.PENDING or order.hold_expires_at > now:
            continue  # paid (or the team moved it) since it was read
        order.status = next_order_status(order.status, OrderAction.EXPIRE)
        order.note = f"Invoice {invoice.number} was not paid by its due date: cancelled"
        invoice.cancelled_at = now
        _email(invoice, "ball_invoice_cancelled", f"Invoice {invoice.number} is cancelled")
        balls[order.ball_id] = order.ball
        cancelled += 1
    db.session.flush()
    for ball in balls.values():
        if ball.starts_at > now:
            offer_freed_seats(ball, now)
    return cancelled


def find_invoices(ball: Ball, page: int) -> Page:
    """One page of the ball's invoices, newest first."""
    total = db.session.scalar(
        select(func.count(Invoice.id)).join(Invoice.order).where(Order.ball_id == ball.id)
    )
    query = (
        select(Invoice)
        .join(Invoice.order)
        .where(Order.ball_id == ball.id)
        .options(joinedload(Invoice.order))
        .order_by(Invoice.issued_at.desc(), Invoice.id.desc())
    )
    return paginate(query, total=total or 0, page=page, per_page=INVOICES_PER_PAGE)


INVOICE_COLUMNS = (
    "Invoice number",
    "Company",
    "Purchase order",
    "Amount (£)",
    "Issued",
    "Due",
    "Status",
    "Paid on",
    "Paid by",
    "Reference",
)


def csv_rows(ball: Ball) -> list[list]:
    """The finance office's list: every invoice of the ball, oldest first (a ball has tens,
    so the list is read before the response streams)."""
    rows = []
    invoices = db.session.scalars(
        select(Invoice)
        .join(Invoice.order)
        .where(Order.ball_id == ball.id)
        .options(joinedload(Invoice.order))
        .order_by(Invoice.issued_at, Invoice.id)
    )
    for invoice in invoices:
        order = invoice.order
        paid_on = invoice.transfer_date or (london(order.paid_at).date() if order.paid_at else None)
        rows.append(
            [
                invoice.number,
                invoice.company,
                invoice.po_number or "",
                money(invoice.amount_pence),
                london(invoice.issued_at).date(),
                london(invoice.due_at).date(),
                invoice.status_label,
                paid_on,
                invoice.paid_by,
                invoice.transfer_reference or (invoice.number if order.paid_at else ""),
            ]
        )
    return rows
