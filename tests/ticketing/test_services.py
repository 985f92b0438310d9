"""The ball's rules without HTTP: holds under the ball's lock, fulfilment once,
expiry, late payment, refunds and check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest

from brokerage.clock import utcnow
from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.ticketing import availability, checkout, refunds
from brokerage.ticketing.door import check_in, undo_check_in
from brokerage.ticketing.models import OrderStatus, TicketStatus
from tests.helpers import emails_to
from tests.ticketing import factories as ticketing_make


def basket(**quantities) -> checkout.Basket:
    return checkout.Basket(
        quantities=quantities.pop("q"),
        buyer_name="Ada Buyer",
        buyer_email="Ada@Example.org",
        **quantities,
    )


def paid(order, amount=None):
    order.stripe_session_id = order.stripe_session_id or f"cs_test_{order.id}"
    db.session.flush()
    return checkout.fulfil(
        checkout.Payment(
            session_id=order.stripe_session_id,
            amount_pence=order.total_pence if amount is None else amount,
            currency="gbp",
            payment_intent_id=f"pi_test_{order.id}",
            paid=True,
        )
    )


def test_a_hold_prices_on_the_server_and_takes_seats_for_thirty_minutes():
    ball = ticketing_make.ball(capacity=30)
    single, table, _ = ball.ticket_types
    order = checkout.hold(ball, basket(q={single.id: 2, table.id: 1}, donation_pence=2_500))
    db.session.commit()

    assert order.tickets_pence == 2 * 9_500 + 90_000
    assert order.total_pence == 2 * 9_500 + 90_000 + 2_500
    assert order.seats == 12
    assert order.buyer_email == "ada@example.org"
    assert timedelta(minutes=29) < order.hold_expires_at - utcnow() <= timedelta(minutes=30)
    assert availability.seats_taken(ball) == 12
    # A hold that has run out frees its seats without anyone touching it.
    assert availability.seats_taken(ball, utcnow() + timedelta(minutes=31)) == 0


def test_capacity_is_never_exceeded():
    ball = ticketing_make.ball(capacity=12)
    single, table, _ = ball.ticket_types
    checkout.hold(ball, basket(q={table.id: 1}))
    with pytest.raises(FieldError, match="Only 2 seats are left"):
        checkout.hold(ball, basket(q={single.id: 3}))
    checkout.hold(ball, basket(q={single.id: 2}))
    with pytest.raises(FieldError, match="sold out"):
        checkout.hold(ball, basket(q={single.id: 1}))


def test_hidden_packages_need_their_code():
    ball = ticketing_make.ball()
    sponsor = ball.ticket_types[2]
    assert sponsor.id not in [row.ticket_type.id for row in availability.on_sale(ball)]
    assert sponsor.id in [
        row.ticket_type.id for row in availability.on_sale(ball, code="sponsor27")
    ]
    with pytest.raises(FieldError, match="Choose tickets from the list"):
        checkout.hold(ball, basket(q={sponsor.id: 1}))
    assert checkout.hold(ball, basket(q={sponsor.id: 1}, code="SPONSOR27")).seats == 10


def test_fulfilment_happens_once_with_one_ticket_per_seat_and_one_email():
    ball = ticketing_make.ball()
    single, table, _ = ball.ticket_types
    order = checkout.hold(ball, basket(q={single.id: 2, table.id: 1}))
    paid(order)
    paid(order)
    db.session.commit()

    assert order.status is OrderStatus.PAID
    assert len(order.tickets) == 12
    assert len({t.code for t in order.tickets}) == 12
    assert all(len(t.code) == 32 for t in order.tickets)  # 160 bits in base32
    assert len([e for e in emails_to("ada@example.org") if e.template == "ball_confirmation"]) == 1


def test_a_wrong_amount_is_not_fulfilled():
    ball = ticketing_make.ball()
    order = checkout.hold(ball, basket(q={ball.ticket_types[0].id: 1}))
    paid(order, amount=1)
    assert order.status is OrderStatus.PENDING
    assert order.tickets == []


def test_a_late_payment_stands_if_seats_are_free_and_is_refunded_if_not(monkeypatch):
    ball = ticketing_make.ball(capacity=10)
    single = ball.ticket_types[0]
    early = checkout.hold(ball, basket(q={single.id: 6}))
    early.stripe_session_id = "cs_test_early"
    checkout.expire("cs_test_early")
    assert early.status is OrderStatus.EXPIRED
    paid(early)  # paid after its hold: 10 seats free, so it stands
    assert early.status is OrderStatus.PAID and len(early.tickets) == 6

    late = checkout.hold(ball, basket(q={single.id: 4}))
    late.stripe_session_id = "cs_test_late"
    checkout.expire("cs_test_late")
    checkout.hold(ball, basket(q={single.id: 4}))  # someone else takes the seats
    paid(late)
    assert late.status is OrderStatus.REFUNDED
    assert late.refunded_pence == late.total_pence
    assert late.tickets == []


def test_check_in_admits_once_and_refused_tickets_are_not_valid(make):
    ball = ticketing_make.ball()
    order = checkout.hold(ball, basket(q={ball.ticket_types[0].id: 2}))
    paid(order)
    door = make.team_member(name="Dee Door")
    first, second = order.tickets

    assert check_in(ball, first.code.lower(), door).outcome == "admitted"
    again = check_in(ball, first.code, door)
    assert again.outcome == "already"
    assert "by Dee Door" in again.headline
    undo_check_in(first, door)
    assert check_in(ball, first.code, door).outcome == "admitted"

    refunds.refund_tickets(order, [second.id], make.team_member(), "Cannot come", 9_500)
    assert second.status is TicketStatus.REVOKED
    assert order.status is OrderStatus.PARTLY_REFUNDED
    assert check_in(ball, second.code, door).outcome == "not_valid"
    assert check_in(ball, "NOTACODE", door).outcome == "not_valid"
