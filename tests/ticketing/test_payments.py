"""The Stripe wrapper on its own: the session's expiry inside Stripe's window, webhook
signatures, and the stand-in's refusal in production."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest

from brokerage.ticketing import payments
from tests.ticketing.fake_stripe import WEBHOOK_SECRET, event, signed

NOW = datetime(2026, 11, 20, 19, 0, 0, 250_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hold", "expected"),
    [
        # A 30-minute hold is stretched past Stripe's 30-minute minimum ...
        (NOW + timedelta(minutes=30), NOW + timedelta(minutes=32, seconds=0.75)),
        # ... a longer one only rounded up to the second Stripe counts in ...
        (NOW + timedelta(minutes=45), NOW + timedelta(minutes=45, seconds=0.75)),
        # ... and one past Stripe's 24-hour maximum brought inside it.
        (NOW + timedelta(hours=30), NOW + timedelta(hours=23, minutes=58, seconds=0.75)),
    ],
    ids=["30-minutes", "45-minutes", "30-hours"],
)
def test_a_session_expires_inside_stripes_window(hold, expected):
    assert payments.session_expiry(hold, NOW) == expected


def test_webhooks_are_verified_with_the_configured_secret(app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    completed = event("checkout.session.completed", {"id": "cs_1"})
    body, headers = signed(completed)
    assert payments.parse_event(body.encode(), headers["Stripe-Signature"]) == json.loads(body)
    with pytest.raises(payments.BadSignature):
        payments.parse_event(body.encode(), signed(completed, "whsec_other")[1]["Stripe-Signature"])
    with pytest.raises(payments.BadSignature):
        payments.parse_event(body.encode(), None)
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", None)
    with pytest.raises(payments.BadSignature, match="No webhook secret"):
        payments.parse_event(body.encode(), headers["Stripe-Signature"])


def test_a_webhook_body_changed_old_or_not_an_event_is_refused(app, monkeypatch):
    """Stripe's own check of the signature and its age (5 minutes), and its refusal of a
    thin event, as its construct_event makes them."""
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    completed = event("checkout.session.completed", {"id": "cs_1", "amount_total": 9500})
    body, headers = signed(completed)
    changed = body.replace("9500", "1")
    with pytest.raises(payments.BadSignature):
        payments.parse_event(changed.encode(), headers["Stripe-Signature"])
    old_body, old_headers = signed(completed, timestamp=int(time.time()) - 301)
    with pytest.raises(payments.BadSignature, match="tolerance"):
        payments.parse_event(old_body.encode(), old_headers["Stripe-Signature"])
    thin, thin_headers = signed({"id": "evt_1", "object": "v2.core.event", "type": "x"})
    with pytest.raises(payments.BadSignature, match="not a webhook event"):
        payments.parse_event(thin.encode(), thin_headers["Stripe-Signature"])
    not_json, not_json_headers = signed("not json")
    with pytest.raises(payments.BadSignature):
        payments.parse_event(not_json.encode(), not_json_headers["Stripe-Signature"])


def test_with_a_stripe_key_the_published_stand_in_secret_verifies_nothing(app, monkeypatch):
    """Even if the settings are changed after start-up (config refuses it at start)."""
    body, header = payments.stand_in_event("checkout.session.completed", {"id": "cs_1"})
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_staging")
    with pytest.raises(payments.BadSignature, match="only for the stand-in"):
        payments.parse_event(body, header)


def test_the_stand_ins_events_pass_the_webhooks_check(app):
    body, header = payments.stand_in_event("checkout.session.completed", {"id": "cs_standin_1"})
    parsed = payments.parse_event(body, header)
    assert parsed["type"] == "checkout.session.completed"
    assert parsed["data"]["object"]["id"] == "cs_standin_1"


def test_the_stand_in_refuses_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "APP_ENV", "production")
    assert payments.uses_stand_in()
    with pytest.raises(payments.StandInRefused, match="does not run in production"):
        payments.check_stand_in_allowed()
    with pytest.raises(payments.StandInRefused):
        payments.stand_in_event("checkout.session.completed", {"id": "cs_standin_1"})
    with pytest.raises(payments.StandInRefused):
        payments.refund(payment_intent_id="pi_standin_1", amount_pence=100, refund_row_id=1)
