"""Two freed-seat events at the same moment (two refunds, and the worker's round) each
offer what is free to the waiting list: every freed seat goes to exactly one person.
Runs on SQLite and on PostgreSQL, where each waits for the ball's row lock and then
counts the offers made before it."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing import availability, refunds, waiting_list
from brokerage.ticketing.models import Ball, Order, OrderStatus, WaitingEntry, WaitingStatus
from tests.helpers import emails_to
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

WAITING = 40


def test_two_refunds_and_the_worker_at_once_give_each_freed_seat_to_one_person(app, make):
    team = make.team_member()
    ball = ticketing_make.ball(capacity=30)
    single = ball.ticket_types[0]
    first = buy(ball, {single.id: 10}, name="Fay First", email="fay@example.org")
    second = buy(ball, {single.id: 10}, name="Sid Second", email="sid@example.org")
    buy(ball, {single.id: 10}, name="Tom Third", email="tom@example.org")
    for number in range(WAITING):
        ticketing_make.waiting_entry(single, f"Wait {number}", f"w{number}@example.org")
    ball_id, team_id = ball.id, team.id
    orders = {"first": (first.id, 6), "second": (second.id, 4)}
    db.session.remove()

    start = threading.Barrier(3, timeout=30)
    errors: list[str] = []

    def refund(which: str) -> None:
        order_id, seats = orders[which]
        with app.test_request_context(base_url="http://localhost"):
            try:
                order = db.session.get(Order, order_id)
                tickets = [t.id for t in order.tickets[:seats]]
                person = db.session.get(type(team), team_id)
                start.wait()
                refunds.refund_tickets(order, tickets, person, "Cannot come", seats * 9_500)
                db.session.commit()
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    def worker() -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                start.wait()
                waiting_list.offer_all_freed_seats()
            except Exception as exc:
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=refund, args=("first",)),
        threading.Thread(target=refund, args=("second",)),
        threading.Thread(target=worker),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    offered = db.session.scalars(
        select(WaitingEntry).where(WaitingEntry.status == WaitingStatus.OFFERED)
    ).all()
    # Ten seats were freed: the first ten in line are offered one each, nobody twice.
    assert sorted(e.name for e in offered) == sorted(f"Wait {n}" for n in range(10))
    assert len({e.order_id for e in offered}) == 10
    for entry in offered:
        assert len([e for e in emails_to(entry.email) if e.template == "ball_waiting_offer"]) == 1
    held = db.session.scalar(
        select(func.count()).where(Order.ball_id == ball_id, Order.status == OrderStatus.PENDING)
    )
    assert held == 10
    assert availability.seats_taken(db.session.get(Ball, ball_id)) == 30
