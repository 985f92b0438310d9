"""The stand-in checkout, used when no Stripe secret key is configured (the demo and
the tests' default): its page lets the buyer pay or cancel, and paying hands the app a
webhook event signed exactly as Stripe signs them (`payments.stand_in_event`), so the
same fulfilment code runs offline. It refuses to run in production."""

from __future__ import annotations

import secrets
from datetime import datetime

from brokerage.errors import NotAllowed
from brokerage.ticketing import payments, webhooks
from brokerage.ticketing.models import Order, OrderStatus


def refuse_in_production() -> None:
    try:
        payments.check_stand_in_allowed()
    except payments.StandInRefused as exc:
        raise NotAllowed(str(exc)) from None


def payable(order: Order, now: datetime) -> bool:
    """Whether the stand-in's page may take the payment: the order's seats are held."""
    return order.status is OrderStatus.PENDING and order.hold_expires_at > now


def pay(order: Order) -> str:
    """Pay the order's session as Stripe would: its signed event, through the webhook's
    own code."""
    payload, signature = payments.stand_in_event(
        "checkout.session.completed", stand_in_session(order)
    )
    return webhooks.receive(payload, signature)


def stand_in_session(order: Order) -> dict:
    """The order's session as Stripe's checkout.session object has it once paid."""
    return {
        "id": order.stripe_session_id,
        "object": "checkout.session",
        "mode": "payment",
        "status": "complete",
        "payment_status": "paid",
        "amount_total": order.total_pence,
        "currency": payments.CURRENCY,
        "customer_email": order.buyer_email,
        "client_reference_id": str(order.id),
        "metadata": {"order_id": str(order.id)},
        "payment_intent": f"pi_standin_{secrets.token_urlsafe(18)}",
        "livemode": False,
    }
