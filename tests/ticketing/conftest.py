"""The ball's test set-up: a fake Stripe at its HTTP boundary, and a settable clock."""

from __future__ import annotations

from datetime import datetime

import pytest

from brokerage.ticketing import payments, public_views, services
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
def clock(monkeypatch):
    """Set the time the ball's pages and rules see: clock(datetime in UTC)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(services, "utcnow", lambda: moment)
        monkeypatch.setattr(public_views, "utcnow", lambda: moment)

    return set_to


@pytest.fixture
def team(make, login):
    """A team member, signed in on the test client."""
    member = make.team_member(name="Dee Door")
    login(member)
    return member
