"""Stripe: the only module that imports it.

With keys (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`) the ball's checkout, refunds
and webhooks talk to Stripe through `StripeClient` and `client.v1`. Without a
secret key the *stand-in* is used: a local checkout page that lets the buyer pay or
cancel and then hands the app a webhook signed exactly as Stripe signs them, so the
same fulfilment code runs offline. The stand-in refuses to run in production.

Every call that creates something carries an idempotency key derived from the
operation (the order and its checkout attempt; the refund row), so a retry can
never charge or refund twice.
"""

from __future__ import annotations

import json
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import stripe
from flask import current_app

from brokerage.config import STAND_IN_WEBHOOK_SECRET

CURRENCY = "gbp"

# Stripe accepts a Checkout session's expires_at from 30 minutes to 24 hours after it
# creates the session, measured on its clock once the request has arrived: keep clear
# of both edges.
SESSION_SHORTEST = timedelta(minutes=32)
SESSION_LONGEST = timedelta(hours=23, minutes=58)


class PaymentsError(RuntimeError):
    """Stripe (or the stand-in) refused or could not be reached."""


class BadSignature(ValueError):
    """A webhook whose signature, body or timestamp does not check out."""


class StandInRefused(RuntimeError):
    """The stand-in checkout was asked for while the app is configured for production."""


@dataclass(frozen=True)
class CheckoutSession:
    id: str
    url: str


def _config(name: str):
    return current_app.config.get(name)


def uses_stand_in() -> bool:
    """True when no Stripe secret key is configured (the demo and the tests' default)."""
    return not _config("STRIPE_SECRET_KEY")


def check_stand_in_allowed() -> None:
    """Raise StandInRefused when the app is configured for production."""
    if current_app.config.get("APP_ENV") == "production":
        raise StandInRefused(
            "The stand-in checkout does not run in production: set STRIPE_SECRET_KEY"
        )


# Tests (and only tests) put a fake at Stripe's HTTP boundary here.
_http_client: stripe.HTTPClient | None = None


def use_http_client(client: stripe.HTTPClient | None) -> None:
    global _http_client
    _http_client = client


def client() -> stripe.StripeClient:
    options: dict[str, Any] = {"max_network_retries": 2}
    if _http_client is not None:
        options.update(http_client=_http_client, max_network_retries=0)
    base = _config("STRIPE_API_BASE")
    if base:
        options["base_addresses"] = {"api": base}
    return stripe.StripeClient(_config("STRIPE_SECRET_KEY"), **options)


def session_expiry(hold_until: datetime, now: datetime) -> datetime:
    """When a Checkout session opened `now` for a hold ending at `hold_until` must expire:
    the hold's end, moved into the window Stripe accepts and up to a whole second (Stripe
    counts in seconds). The caller makes the hold end then too, so nobody can pay a
    session whose seats are no longer held."""
    moment = min(max(hold_until, now + SESSION_SHORTEST), now + SESSION_LONGEST)
    return datetime.fromtimestamp(math.ceil(moment.timestamp()), UTC)


def create_checkout_session(
    *,
    order_id: int,
    attempt: int,
    email: str,
    lines: list[tuple[str, int, int]],
    donation_pence: int,
    expires_at: datetime,
    success_url: str,
    cancel_url: str,
    stand_in_url: str,
) -> CheckoutSession:
    """A Checkout session for the order: `lines` are (name, unit pence, quantity).
    Prices come from our database, never from the browser."""
    if uses_stand_in():
        check_stand_in_allowed()
        session_id = f"cs_standin_{secrets.token_urlsafe(18)}"
        return CheckoutSession(session_id, stand_in_url.replace("SESSION_ID", session_id))
    items = [
        {
            "price_data": {
                "currency": CURRENCY,
                "unit_amount": unit,
                "product_data": {"name": name},
            },
            "quantity": quantity,
        }
        for name, unit, quantity in lines
    ]
    if donation_pence:
        items.append(
            {
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": donation_pence,
                    "product_data": {"name": "Donation"},
                },
                "quantity": 1,
            }
        )
    try:
        session = client().v1.checkout.sessions.create(
            params={
                "mode": "payment",
                "line_items": items,
                "customer_email": email,
                "client_reference_id": str(order_id),
                "metadata": {"order_id": str(order_id)},
                "expires_at": int(expires_at.timestamp()),
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            options={"idempotency_key": f"checkout-order-{order_id}-attempt-{attempt}"},
        )
    except stripe.StripeError as exc:
        raise PaymentsError(str(exc)) from exc
    return CheckoutSession(session.id, session.url)


def retrieve_session(session_id: str) -> dict | None:
    """The session as a plain dict (for the return page), or None with the stand-in."""
    if uses_stand_in():
        return None
    try:
        return client().v1.checkout.sessions.retrieve(session_id).to_dict()
    except stripe.StripeError as exc:
        raise PaymentsError(str(exc)) from exc


def expire_session(session_id: str, *, order_id: int, attempt: int) -> bool:
    """Close a Checkout session the buyer walked away from, so it can no longer be paid.
    False if Stripe says it is not open (paid or expired already); PaymentsError if
    Stripe could not be asked. The stand-in's sessions need nothing: its page takes no
    payment once the order's hold has ended."""
    if uses_stand_in():
        return True
    try:
        client().v1.checkout.sessions.expire(
            session_id, options={"idempotency_key": f"expire-order-{order_id}-attempt-{attempt}"}
        )
    except stripe.InvalidRequestError:
        return False
    except stripe.StripeError as exc:
        raise PaymentsError(str(exc)) from exc
    return True


def refund(
    *,
    payment_intent_id: str | None,
    amount_pence: int,
    refund_row_id: int,
    idempotency_key: str | None = None,
) -> str:
    """Refund `amount_pence` of a payment; returns Stripe's refund id. The key is the
    refund row's unless the caller names the operation otherwise (a late payment's
    refund is keyed by its order, so a retried webhook cannot refund it twice)."""
    if uses_stand_in() or not payment_intent_id or payment_intent_id.startswith("pi_standin_"):
        check_stand_in_allowed()
        return f"re_standin_{refund_row_id}_{secrets.token_hex(6)}"
    try:
        result = client().v1.refunds.create(
            params={"payment_intent": payment_intent_id, "amount": amount_pence},
            options={"idempotency_key": idempotency_key or f"refund-row-{refund_row_id}"},
        )
    except stripe.StripeError as exc:
        raise PaymentsError(str(exc)) from exc
    return result.id


def parse_event(payload: bytes, signature: str | None) -> dict:
    """The webhook's event as a plain dict, if Stripe's signature checks out with our
    webhook secret (wrong secret, changed body, no header, or older than 5 minutes:
    BadSignature)."""
    secret = _config("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise BadSignature("No webhook secret is configured")
    production = current_app.config.get("APP_ENV") == "production"
    if secret == STAND_IN_WEBHOOK_SECRET and (production or not uses_stand_in()):
        # Config refuses this at start-up; checked again where it matters.
        raise BadSignature("The published stand-in secret is only for the stand-in checkout")
    # Stripe's own check of the signature, as its construct_event makes it; the body is
    # then read as a plain dict (construct_event built a client and an Event of nested
    # objects only for to_dict to take them apart again, for every payment).
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, stripe.Webhook.DEFAULT_TOLERANCE
        )
        event = json.loads(payload)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    if not isinstance(event, dict) or event.get("object") == "v2.core.event":
        # As construct_event refuses it: a thin event is not a webhook body.
        raise BadSignature("The body is not a webhook event")
    return event


def stand_in_event(event_type: str, session: dict) -> tuple[bytes, str]:
    """A webhook body for the stand-in, and its Stripe-Signature header, signed with the
    configured secret exactly as Stripe signs (so it goes through `parse_event`)."""
    check_stand_in_allowed()
    payload = json.dumps(
        {
            "id": f"evt_standin_{secrets.token_urlsafe(12)}",
            "object": "event",
            "type": event_type,
            "created": int(time.time()),
            "livemode": False,
            "data": {"object": session},
        }
    )
    header = stripe.WebhookSignature.generate_signature_header(
        payload, _config("STRIPE_WEBHOOK_SECRET")
    )
    return payload.encode(), header
