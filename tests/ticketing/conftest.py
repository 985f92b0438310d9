"""The ball's test set-up: a fake Stripe at its HTTP boundary."""

from __future__ import annotations

import pytest

from brokerage.ticketing import payments
from tests.ticketing.fake_stripe import WEBHOOK_SECRET, FakeStripe


@pytest.fixture
def fake_stripe(app, monkeypatch):
    """Stripe keys set, and Stripe itself played by FakeStripe; both undone after."""
    fake = FakeStripe()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_fake")
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    payments.use_http_client(fake)
    yield fake
    payments.use_http_client(None)


@pytest.fixture
def team(make, login):
    """A team member, signed in on the test client."""
    member = make.team_member(name="Dee Door")
    login(member)
    return member
