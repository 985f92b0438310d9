"""A rush of buyers: 50 checkouts at the same moment for the last 20 seats. Exactly 20
are held, the other 30 are told the ball is sold out, and nothing is oversold. Runs on
SQLite and on PostgreSQL (the issue asks for PostgreSQL: there each hold waits for the
ball's row lock and then counts what the buyers before it took)."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.ticketing import availability, checkout
from brokerage.ticketing.models import Ball, Order, OrderStatus
from tests.ticketing import factories as ticketing_make

BUYERS = 50


def test_fifty_simultaneous_checkouts_for_twenty_seats_hold_exactly_twenty(app):
    ball = ticketing_make.ball(capacity=30)
    single, table, _ = ball.ticket_types
    # Ten seats are already taken by a table: 20 are left.
    checkout.hold(ball, checkout.Basket({table.id: 1}, "Tab Le", "table@example.org"))
    db.session.commit()
    assert availability.seats_taken(ball) == 10
    ball_id, single_id = ball.id, single.id
    db.session.remove()

    start = threading.Barrier(BUYERS, timeout=30)
    results: dict[int, str] = {}

    def buy(number: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                start.wait()  # all fifty set off together
                basket = checkout.Basket(
                    {single_id: 1}, f"Buyer {number}", f"b{number}@example.org"
                )
                order = checkout.hold(db.session.get(Ball, ball_id), basket)
                checkout.start_checkout(order)
                db.session.commit()
                results[number] = "held"
            except FieldError as exc:
                db.session.rollback()
                results[number] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=buy, args=(n,)) for n in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(results) == BUYERS, results
    outcomes = sorted(results.values())
    assert outcomes.count("held") == 20, outcomes
    assert set(outcomes) == {"held", "The ball is sold out"}, outcomes
    ball = db.session.get(Ball, ball_id)
    assert availability.seats_taken(ball) == 30
    pending = db.session.scalar(
        select(func.count()).where(Order.ball_id == ball_id, Order.status == OrderStatus.PENDING)
    )
    assert pending == 21
    # Every held order has its own checkout session.
    sessions = db.session.scalars(select(Order.stripe_session_id).where(Order.ball_id == ball_id))
    assert len({s for s in sessions if s}) == 20
