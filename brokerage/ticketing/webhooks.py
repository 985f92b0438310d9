"""Stripe's webhook events (and the stand-in's, signed the same way): verified, recorded
once by their id, then acted on."""

from __future__ import annotations

import functools

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.ticketing import payments
from brokerage.ticketing.checkout import expire, fulfil, payment_from_session
from brokerage.ticketing.models import (
    Order,
    OrderAction,
    OrderStatus,
    StripeEvent,
    TicketStatus,
    next_order_status,
)
from brokerage.ticketing.waiting_list import offer_freed_seats


def receive(payload: bytes, signature: str | None) -> str:
    """Every webhook event, from Stripe or the stand-in: verified, then acted on once."""
    return handle_event(payments.parse_event(payload, signature))


def _record_event(event_id: str, kind: str) -> bool:
    """Record a webhook event's id in the caller's transaction; False if it is there
    already. INSERT ... ON CONFLICT DO NOTHING, not a savepoint: on SQLite a savepoint
    opened outside a transaction commits when released, so the id would be kept even if
    handling the event then failed, and Stripe's retry would be taken for a replay. On
    PostgreSQL a second delivery racing this one waits for this transaction to end."""
    values = {"id": event_id, "type": kind, "received_at": utcnow()}
    dialect = db.session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        recorded = db.session.scalar(_record_statement(dialect), values)
        return recorded is not None
    try:
        with db.session.begin_nested():
            db.session.add(StripeEvent(**values))
            db.session.flush()
    except IntegrityError:
        return False
    return True


@functools.cache
def _record_statement(dialect: str):
    """`_record_event`'s INSERT ... ON CONFLICT DO NOTHING, built once per dialect (every
    payment runs it): in SQL on the table, its values bound when it runs."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = StripeEvent.__table__
    return insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)


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
        order = expire(obj.get("id", ""))
        if order is not None:  # its seats are free: the waiting list hears at once
            offer_freed_seats(order.ball)
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
