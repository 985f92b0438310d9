"""Stripe's webhook through the real endpoint, signed with Stripe's real scheme:
signatures, replays, events out of order, two deliveries at once, expiry, late
payment, amounts that do not match, and refunds made in Stripe's dashboard."""

from __future__ import annotations

import json
import threading
import time

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from brokerage.config import STAND_IN_WEBHOOK_SECRET
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.ticketing import availability, refunds, webhooks
from brokerage.ticketing.models import (
    Order,
    OrderStatus,
    Refund,
    StripeEvent,
    Ticket,
    TicketStatus,
)
from tests.helpers import emails_to
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import checkout, latest_order, post_event
from tests.ticketing.fake_stripe import WEBHOOK_SECRET, charge_refunded, event, signed

WEBHOOK = "/ball/stripe/webhook"


def sent(template: str, address: str = "ada@example.org") -> int:
    return len([e for e in emails_to(address) if e.template == template])


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def bought(client, fake_stripe):
    """A ball with 20 seats, and Ada's order for 2 of them sent to Stripe's checkout."""
    ball = ticketing_make.ball(capacity=20)
    checkout(client, {ball.ticket_types[0].id: 2})
    return ball, latest_order()


# --- Signatures --------------------------------------------------------------------------------


def test_a_bad_signature_is_refused_with_400_and_nothing_is_done(client, bought, fake_stripe):
    _, order = bought
    completed = event("checkout.session.completed", fake_stripe.pay(order.stripe_session_id))
    body, headers = signed(completed, "whsec_someone_else")
    assert client.post(WEBHOOK, data=body, headers=headers).status_code == 400

    body, headers = signed(completed)
    changed = body.replace('"amount_total": 19000', '"amount_total": 1')
    assert changed != body
    assert client.post(WEBHOOK, data=changed, headers=headers).status_code == 400

    stale, headers = signed(completed, timestamp=int(time.time()) - 600)
    assert client.post(WEBHOOK, data=stale, headers=headers).status_code == 400

    missing = client.post(WEBHOOK, data=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 400
    assert missing.get_json() == {"error": "The signature did not check out"}

    assert latest_order().status is OrderStatus.PENDING
    assert count(StripeEvent) == 0


def test_with_a_stripe_key_an_event_forged_with_the_published_secret_is_refused(
    app, client, bought, fake_stripe, monkeypatch
):
    """A staging site with Stripe test keys: the stand-in's secret is in this repository,
    so an event signed with it must not pay for anything (config also refuses to start)."""
    _, order = bought
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", STAND_IN_WEBHOOK_SECRET)
    completed = event("checkout.session.completed", fake_stripe.pay(order.stripe_session_id))
    response = post_event(client, completed, STAND_IN_WEBHOOK_SECRET)
    assert response.status_code == 400
    assert latest_order().status is OrderStatus.PENDING
    assert sent("ball_confirmation") == 0


def test_no_csrf_token_is_asked_of_stripe_but_the_signature_is(client, bought, fake_stripe):
    _, order = bought
    completed = event("checkout.session.completed", fake_stripe.pay(order.stripe_session_id))
    response = post_event(client, completed)
    assert response.status_code == 200
    assert response.get_json() == {"received": True, "outcome": "fulfilled"}


def test_unknown_event_types_are_answered_200_and_ignored(client, bought):
    response = post_event(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "ignored"
    assert latest_order().status is OrderStatus.PENDING


def test_the_stand_in_secret_signs_webhooks_without_stripe_keys(client, app):
    ball = ticketing_make.ball(capacity=20)
    checkout(client, {ball.ticket_types[0].id: 1})
    order = latest_order()
    session = {
        "id": order.stripe_session_id,
        "object": "checkout.session",
        "amount_total": order.total_pence,
        "currency": "gbp",
        "payment_status": "paid",
        "payment_intent": "pi_standin_x",
    }
    secret = app.config["STRIPE_WEBHOOK_SECRET"]
    assert secret == STAND_IN_WEBHOOK_SECRET
    assert (
        post_event(client, event("checkout.session.completed", session), secret).status_code == 200
    )
    assert latest_order().status is OrderStatus.PAID


# --- Once, whatever is replayed or reordered ---------------------------------------------------


def test_a_replayed_event_is_fulfilled_once_with_one_email(client, bought, fake_stripe):
    _, order = bought
    completed = event("checkout.session.completed", fake_stripe.pay(order.stripe_session_id))

    first = post_event(client, completed)
    again = post_event(client, completed)
    assert first.get_json()["outcome"] == "fulfilled"
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "duplicate"
    # Stripe can also send the same news as a new event: still once.
    post_event(client, event("checkout.session.completed", completed["data"]["object"]))

    order = latest_order()
    assert order.status is OrderStatus.PAID
    assert len(order.tickets) == 2
    assert sent("ball_confirmation") == 1
    assert count(StripeEvent) == 2


def test_an_expiry_arriving_after_the_payment_changes_nothing(client, bought, fake_stripe):
    ball, order = bought
    session_id = order.stripe_session_id
    post_event(client, event("checkout.session.completed", fake_stripe.pay(session_id)))
    response = post_event(client, event("checkout.session.expired", fake_stripe.expire(session_id)))
    assert response.status_code == 200
    order = latest_order()
    assert order.status is OrderStatus.PAID
    assert all(t.status is TicketStatus.VALID for t in order.tickets)
    assert availability.seats_taken(ball) == 2


def test_an_expired_session_releases_its_seats(client, bought, fake_stripe):
    ball, order = bought
    assert availability.seats_taken(ball) == 2
    expired = event("checkout.session.expired", fake_stripe.expire(order.stripe_session_id))
    assert post_event(client, expired).get_json()["outcome"] == "expired"
    assert latest_order().status is OrderStatus.EXPIRED
    assert availability.seats_taken(ball) == 0


def test_an_expired_session_offers_its_seats_to_the_waiting_list_at_once(client, fake_stripe):
    """A sold-out ball: when a buyer's Checkout session expires, the next person waiting
    is offered the seats by the webhook itself, not an hour later by the worker."""
    ball = ticketing_make.ball(capacity=2)
    checkout(client, {ball.ticket_types[0].id: 2})
    order = latest_order()
    ticketing_make.waiting_entry(ball.ticket_types[0], "Wes Wait", "wes@example.org", 2)
    db.session.commit()
    expired = event("checkout.session.expired", fake_stripe.expire(order.stripe_session_id))
    assert post_event(client, expired).get_json()["outcome"] == "expired"
    assert sent("ball_waiting_offer", "wes@example.org") == 1
    assert availability.seats_taken(ball) == 2  # now held for Wes


def test_a_payment_after_the_expiry_stands_while_the_seats_are_free(client, bought, fake_stripe):
    ball, order = bought
    session_id = order.stripe_session_id
    post_event(client, event("checkout.session.expired", fake_stripe.expire(session_id)))
    post_event(client, event("checkout.session.completed", fake_stripe.pay(session_id)))

    order = latest_order()
    assert order.status is OrderStatus.PAID
    assert len(order.tickets) == 2
    assert "Paid after the seats' hold expired" in order.note
    assert availability.seats_taken(ball) == 2
    assert sent("ball_confirmation") == 1
    assert fake_stripe.refunds == []


def test_a_payment_after_the_expiry_is_refunded_when_the_seats_are_gone(
    client, bought, fake_stripe
):
    ball, order = bought
    session_id = order.stripe_session_id
    post_event(client, event("checkout.session.expired", fake_stripe.expire(session_id)))
    # Meanwhile someone else buys every seat left.
    checkout(client, {ball.ticket_types[0].id: 10}, buyer_email="bo@example.org")
    checkout(client, {ball.ticket_types[0].id: 10}, buyer_email="cy@example.org")
    assert availability.seats_taken(ball) == 20

    paid = fake_stripe.pay(session_id)
    assert post_event(client, event("checkout.session.completed", paid)).status_code == 200

    order = db.session.get(Order, order.id)
    assert order.status is OrderStatus.REFUNDED
    assert order.tickets == []
    assert order.refunded_pence == order.total_pence == 19_000
    [refund] = order.refunds
    [call] = [c for c in fake_stripe.calls if c.path == "/v1/refunds"]
    # Keyed by the order: a retried webhook could not refund the payment twice.
    assert call.idempotency_key == f"late-payment-refund-order-{order.id}"
    assert call.params == {"payment_intent": paid["payment_intent"], "amount": "19000"}
    assert refund.stripe_refund_id == fake_stripe.refunds[0]["id"]
    assert sent("ball_refunded_late") == 1
    assert sent("ball_confirmation") == 0
    assert availability.seats_taken(ball) == 20
    # Stripe then reports the refund it made: nothing changes.
    refunded = charge_refunded(paid["payment_intent"], 19_000, 19_000)
    assert post_event(client, event("charge.refunded", refunded)).status_code == 200
    assert db.session.get(Order, order.id).refunded_pence == 19_000


@pytest.mark.parametrize(
    ("amount", "currency"), [(1, "gbp"), (19_000, "usd")], ids=["amount", "currency"]
)
def test_a_payment_that_does_not_match_the_order_is_not_fulfilled(
    client, bought, fake_stripe, amount, currency
):
    _, order = bought
    paid = fake_stripe.pay(order.stripe_session_id, amount=amount, currency=currency)
    assert post_event(client, event("checkout.session.completed", paid)).status_code == 200
    order = latest_order()
    assert order.status is OrderStatus.PENDING
    assert order.tickets == []
    assert "did not match the order" in order.note
    assert sent("ball_confirmation") == 0


def test_an_unpaid_completed_session_is_not_fulfilled(client, bought, fake_stripe):
    """Bank transfers and the like complete the session before the money arrives."""
    _, order = bought
    unpaid = dict(fake_stripe.sessions[order.stripe_session_id], status="complete")
    post_event(client, event("checkout.session.completed", unpaid))
    assert latest_order().status is OrderStatus.PENDING
    paid = fake_stripe.pay(order.stripe_session_id)
    post_event(client, event("checkout.session.async_payment_succeeded", paid))
    assert latest_order().status is OrderStatus.PAID


# --- Refunds made in Stripe's dashboard -------------------------------------------------------


def test_a_full_refund_in_stripe_revokes_the_tickets(client, bought, fake_stripe):
    ball, order = bought
    paid = fake_stripe.pay(order.stripe_session_id)
    post_event(client, event("checkout.session.completed", paid))

    refunded = charge_refunded(paid["payment_intent"], 19_000, 19_000)
    response = post_event(client, event("charge.refunded", refunded))
    assert response.get_json()["outcome"] == "refund recorded"
    order = latest_order()
    assert order.status is OrderStatus.REFUNDED
    assert order.refunded_pence == 19_000
    assert all(t.status is TicketStatus.REVOKED for t in order.tickets)
    assert availability.seats_taken(ball) == 0


def test_a_part_refund_in_stripe_is_recorded_and_the_tickets_stand(client, bought, fake_stripe):
    _, order = bought
    paid = fake_stripe.pay(order.stripe_session_id)
    post_event(client, event("checkout.session.completed", paid))

    post_event(
        client, event("charge.refunded", charge_refunded(paid["payment_intent"], 19_000, 9_500))
    )
    order = latest_order()
    assert order.status is OrderStatus.PARTLY_REFUNDED
    assert order.refunded_pence == 9_500
    assert all(t.status is TicketStatus.VALID for t in order.tickets)
    assert count(Refund) == 0  # the money is recorded on the order; the team picks the seats


def test_the_rest_refunded_in_stripe_after_the_team_refunded_every_seat(
    client, make, bought, fake_stripe
):
    _, order = bought
    paid = fake_stripe.pay(order.stripe_session_id)
    post_event(client, event("checkout.session.completed", paid))
    order = latest_order()
    team = make.team_member()
    refunds.refund_tickets(order, [t.id for t in order.tickets], team, "Both ill", 9_500)
    db.session.commit()
    assert order.status is OrderStatus.REFUNDED

    # Stripe reports the team's refund, then one made later in its dashboard.
    for total in (9_500, 19_000):
        refunded = charge_refunded(paid["payment_intent"], 19_000, total)
        assert post_event(client, event("charge.refunded", refunded)).status_code == 200
    order = latest_order()
    assert order.status is OrderStatus.REFUNDED
    assert order.refunded_pence == 19_000


def test_an_event_the_rules_refuse_is_answered_200_so_stripe_stops(
    client, bought, fake_stripe, monkeypatch
):
    def refuse(charge):
        raise Conflict("An order that is 'not paid' cannot refund all")

    monkeypatch.setattr(webhooks, "record_outside_refund", refuse)
    response = post_event(client, event("charge.refunded", charge_refunded("pi_x", 1, 1)))
    assert response.status_code == 200
    assert response.get_json()["outcome"].startswith("not applied: An order that is")
    assert count(StripeEvent) == 0


# --- Two deliveries at the same moment -----------------------------------------------------


@pytest.mark.parametrize("same_id", [False, True], ids=["two-events", "one-event-twice"])
def test_two_simultaneous_deliveries_fulfil_once(app, client, bought, fake_stripe, same_id):
    """Both requests check their signature and reach the database together; the
    conditional UPDATE (or the event's id) lets one win."""
    _, order = bought
    order_id = order.id
    paid = fake_stripe.pay(order.stripe_session_id)
    events = [event("checkout.session.completed", paid) for _ in range(2)]
    if same_id:
        events[1]["id"] = events[0]["id"]
    bodies = [signed(e, WEBHOOK_SECRET) for e in events]
    db.session.remove()

    # Meet just before each request's first write: the two transactions overlap.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO STRIPE_EVENT") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    answers: dict[int, tuple[int, str]] = {}

    def deliver(number: int) -> None:
        body, headers = bodies[number]
        with app.app_context():  # the test client tidies its session up after each request
            response = app.test_client().post(WEBHOOK, data=body, headers=headers)
            db.session.remove()
        answers[number] = (response.status_code, json.loads(response.data).get("outcome"))

    sa_event.listen(db.engine, "before_cursor_execute", meet)
    try:
        threads = [threading.Thread(target=deliver, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", meet)

    assert sorted(status for status, _ in answers.values()) == [200, 200], answers
    outcomes = sorted(outcome for _, outcome in answers.values())
    assert outcomes == (["duplicate", "fulfilled"] if same_id else ["fulfilled", "fulfilled"])
    order = db.session.get(Order, order_id)
    assert order.status is OrderStatus.PAID
    assert db.session.scalar(select(func.count()).where(Ticket.order_id == order_id)) == 2
    assert sent("ball_confirmation") == 1
