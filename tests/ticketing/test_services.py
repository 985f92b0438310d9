"""The ball's rules without HTTP: holds under the ball's lock, fulfilment once,
expiry, late payment, refunds and check-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage import qr
from brokerage.clock import utcnow
from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.ticketing import availability, checkout, refunds
from brokerage.ticketing.door import check_in, undo_check_in
from brokerage.ticketing.forms import ball_form
from brokerage.ticketing.models import Order, OrderLine, OrderStatus, TicketStatus, TicketType
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


def test_a_hold_refused_under_the_lock_leaves_nothing_behind():
    # The order is written before the ball's lock is taken: refused, it is gone again.
    ball = ticketing_make.ball(capacity=12)
    single, table, _ = ball.ticket_types
    checkout.hold(ball, basket(q={table.id: 1}))
    orders_before = db.session.scalar(select(func.count(Order.id)))
    lines_before = db.session.scalar(select(func.count(OrderLine.id)))
    with pytest.raises(FieldError, match="Only 2 seats are left"):
        checkout.hold(ball, basket(q={single.id: 3}))
    assert db.session.scalar(select(func.count(Order.id))) == orders_before
    assert db.session.scalar(select(func.count(OrderLine.id))) == lines_before
    assert availability.seats_taken(ball) == 10
    db.session.commit()  # nothing of the refused hold is committed either
    assert availability.seats_taken(ball) == 10


def test_a_price_changed_between_reading_the_types_and_the_lock_refuses_the_hold():
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    # The buyer's page read the type at £95; the team then changed its price.
    as_read = TicketType(**{c.key: getattr(single, c.key) for c in TicketType.__table__.c})
    single.price_pence = 12_000
    db.session.flush()
    with pytest.raises(DomainError, match="Single seat has just changed"):
        checkout.hold(ball, basket(q={single.id: 1}), types=[as_read])
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert checkout.hold(ball, basket(q={single.id: 1})).tickets_pence == 12_000


def test_a_hold_is_as_written_without_reading_it_back():
    ball = ticketing_make.ball()
    single, table, _ = ball.ticket_types
    order = checkout.hold(ball, basket(q={table.id: 1, single.id: 2}))
    assert not db.session.new and not db.session.dirty
    assert [(line.ticket_type, line.quantity) for line in order.lines] == [
        (single, 2),
        (table, 1),
    ]
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Order, order.id)
    assert (again.seats, again.tickets_pence, again.status) == (12, 109_000, OrderStatus.PENDING)
    assert [(line.ticket_type_id, line.quantity) for line in again.lines] == [
        (single.id, 2),
        (table.id, 1),
    ]


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


def test_the_ball_form_class_is_kept_for_the_same_ticket_types_and_made_anew_on_a_change():
    ball = ticketing_make.ball()
    rows = availability.on_sale(ball)
    first = ball_form(rows, "Digital Leeds")
    assert type(ball_form(rows, "Digital Leeds")) is type(first)
    assert first.rows is rows
    assert first.tickets.id == f"quantity_{rows[0].ticket_type.id}"
    rows[0].ticket_type.name = "Single seat, dinner included"
    renamed = ball_form(rows, "Digital Leeds")
    assert type(renamed) is not type(first)
    assert renamed[f"quantity_{rows[0].ticket_type.id}"].label.text == (
        "Single seat, dinner included"
    )
    rows[0].ticket_type.per_order_limit = 2
    assert ball_form(rows, "Digital Leeds")[f"quantity_{rows[0].ticket_type.id}"].limit == 2
    assert type(ball_form(rows, "Another charity")) is not type(renamed)


def test_tickets_issued_in_one_insert_are_in_memory_as_in_the_database():
    ball = ticketing_make.ball()
    single, table, _ = ball.ticket_types
    order = checkout.hold(ball, basket(q={single.id: 2, table.id: 1}))
    paid(order)
    assert not db.session.new and not db.session.dirty
    in_memory = [
        (t.id, t.code, t.order_line_id, t.ticket_type_id, t.status, t.qr_svg) for t in order.tickets
    ]
    assert len(in_memory) == 12
    assert all(t.order is order for t in order.tickets)
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Order, order.id)
    assert [
        (t.id, t.code, t.order_line_id, t.ticket_type_id, t.status, t.qr_svg) for t in again.tickets
    ] == in_memory
    assert all(t.qr_svg == qr.draw(t.code) for t in again.tickets)
