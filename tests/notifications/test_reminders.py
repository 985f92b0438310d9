"""The worker's reminders: each at most once per thing and person, on the days the
settings say, never to someone who turned them off; run with a fixed clock on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.notifications.models import Notice, OutboxEmail
from brokerage.notifications.reminders import send_reminders
from brokerage.ticketing.models import Ticket
from tests.helpers import page_text, submit
from tests.matches import factories as brokering_make
from tests.privacy.make import make_order
from tests.ticketing import factories as ticketing_make

# A Monday, so working days are easy to count: no bank holiday that week.
MONDAY = datetime(2027, 3, 1, 9, tzinfo=UTC)


REMINDERS = ("is waiting for", "been delivered?", "Leave feedback", "closes on")


def _notices(user) -> list[str]:
    """The reminders among `user`'s notices (the services' own notices left out)."""
    messages = db.session.scalars(
        select(Notice.message).where(Notice.user_id == user.id).order_by(Notice.id)
    )
    return [m for m in messages if any(words in m for words in REMINDERS)]


def _emails(template: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == template).order_by(OutboxEmail.id)
        )
    )


def _people(org) -> list:
    return [m.user for m in org.active_memberships]


def test_an_unanswered_proposal_is_reminded_after_the_working_days_once(app):
    match = brokering_make.proposed()
    match.proposed_at = MONDAY
    db.session.commit()
    charity = _people(match.need.organisation)[0]
    company = _people(match.offer.organisation)[0]

    # PROPOSAL_FLAG_WORKING_DAYS is 5: by Friday only 4 have passed.
    assert send_reminders(app.config, now=MONDAY + timedelta(days=4)).proposals == 0
    reminded = send_reminders(app.config, now=MONDAY + timedelta(days=7))
    assert reminded.proposals == 2
    assert _notices(charity) == [
        f"A proposed match is waiting for {match.need.organisation.name}'s answer"
    ]
    assert _notices(company) == [
        f"A proposed match is waiting for {match.offer.organisation.name}'s answer"
    ]
    email = _emails("reminder")[0]
    assert email.subject.startswith("A proposed match is waiting for")
    assert f"/matches/{match.id}" in email.body_text
    assert "turn reminders off" in email.body_text

    again = send_reminders(app.config, now=MONDAY + timedelta(days=9))
    assert again.proposals == 0
    assert len(_emails("reminder")) == 2


def test_a_side_that_has_answered_is_not_reminded(app):
    match = brokering_make.proposed()
    match.proposed_at = MONDAY
    match.need_accepted_at = MONDAY + timedelta(hours=2)
    db.session.commit()
    assert send_reminders(app.config, now=MONDAY + timedelta(days=8)).proposals == 1
    assert _notices(_people(match.need.organisation)[0]) == []


def test_reminders_turned_off_on_the_account_page_are_not_sent(app, client, login):
    match = brokering_make.proposed()
    match.proposed_at = MONDAY
    db.session.commit()
    charity = _people(match.need.organisation)[0]
    login(charity)
    assert "Reminders are on" in page_text(client.get("/account/"))
    response = submit(client, "/account/reminders", {"reminders": "off"}, page="/account/")
    assert response.status_code == 302
    assert "Reminders are off" in page_text(client.get("/account/"))

    send_reminders(app.config, now=MONDAY + timedelta(days=8))
    db.session.expire_all()
    assert _notices(charity) == []
    assert _notices(_people(match.offer.organisation)[0]) != []


def test_an_agreed_match_past_its_date_asks_the_charity_to_confirm_delivery(app):
    match = brokering_make.agreed()
    charity = _people(match.need.organisation)[0]
    company = _people(match.offer.organisation)[0]
    past = match.need.deadline + timedelta(days=1)
    at = datetime(past.year, past.month, past.day, 12, tzinfo=UTC)

    assert send_reminders(app.config, now=at - timedelta(days=2)).deliveries == 0
    assert send_reminders(app.config, now=at).deliveries == 1
    delivery = f"Has the match for {match.need.title} been delivered? Confirm what arrived"
    assert [n for n in _notices(charity) if "delivered" in n] == [delivery]
    assert [n for n in _notices(company) if "delivered" in n] == []
    assert send_reminders(app.config, now=at + timedelta(days=3)).deliveries == 0


def test_feedback_is_asked_for_seven_days_after_completion(app):
    match = brokering_make.completed()
    done = match.closed_at
    assert send_reminders(app.config, now=done + timedelta(days=6)).feedback == 0
    reminded = send_reminders(app.config, now=done + timedelta(days=7, hours=1))
    assert reminded.feedback == 2
    assert send_reminders(app.config, now=done + timedelta(days=8)).feedback == 0


def test_owners_hear_three_days_before_their_need_closes(app):
    match = brokering_make.proposed()
    need = match.need
    today = today_in_leeds()
    need.deadline = today + timedelta(days=10)
    db.session.commit()
    owner = need.organisation.owners[0]
    at = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)

    assert send_reminders(app.config, now=at + timedelta(days=6)).closing == 0
    assert send_reminders(app.config, now=at + timedelta(days=7)).closing >= 1
    assert any(need.title in n and "closes on" in n for n in _notices(owner))
    before = len(_notices(owner))
    send_reminders(app.config, now=at + timedelta(days=8))
    assert len(_notices(owner)) == before


def test_buyers_with_unnamed_seats_hear_seven_days_and_one_day_before_the_cut_off(app):
    ball = ticketing_make.ball()
    order = make_order(ball, guests=("Named Guest", "Unnamed"))
    unnamed = db.session.scalars(select(Ticket).where(Ticket.guest_name == "Unnamed")).one()
    unnamed.guest_name = None
    named_order = make_order(ball, guests=("Everyone Named",))
    db.session.commit()
    cut_off = ball.guest_changes_until

    assert send_reminders(app.config, now=cut_off - timedelta(days=8)).guest_names == 0
    assert send_reminders(app.config, now=cut_off - timedelta(days=6)).guest_names == 1
    assert send_reminders(app.config, now=cut_off - timedelta(days=5)).guest_names == 0
    assert send_reminders(app.config, now=cut_off - timedelta(hours=20)).guest_names == 1
    emails = _emails("reminder_guest_names")
    assert {e.to_address for e in emails} == {order.buyer_email}
    assert named_order.buyer_email not in {e.to_address for e in emails}
    assert f"/ball/orders/{order.token}" in emails[0].body_text


@pytest.mark.parametrize("value", ["0", "seven", "7,,x", "400"])
def test_bad_reminder_days_stop_the_app(monkeypatch, value):
    from brokerage.config import ConfigError, load

    monkeypatch.setenv("REMIND_GUEST_NAMES_DAYS", value)
    with pytest.raises(ConfigError, match="REMIND_GUEST_NAMES_DAYS"):
        load({"APP_ENV": "testing"})
