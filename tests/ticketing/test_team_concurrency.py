"""Two door staff scan the same ticket at the same moment: it is admitted once, and the
other is told who admitted it. Runs on SQLite and on PostgreSQL (there the second
conditional UPDATE waits for the first one's row lock, then finds the ticket already
checked in)."""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.ticketing import checkout, door
from brokerage.ticketing.models import Ball, CheckInEvent, Ticket
from tests import factories
from tests.ticketing import factories as ticketing_make


def test_two_door_staff_scanning_one_ticket_at_once_admit_it_once(app):
    ball = ticketing_make.ball()
    order = checkout.hold(
        ball, checkout.Basket({ball.ticket_types[0].id: 1}, "Ada Buyer", "ada@example.org")
    )
    order.stripe_session_id = "cs_test_door"
    db.session.flush()
    checkout.fulfil(checkout.Payment("cs_test_door", order.total_pence, "gbp", "pi_test_1", True))
    db.session.commit()
    ticket = order.tickets[0]
    staff = [factories.team_member(name="Dee Door"), factories.team_member(name="Sam Second")]
    ball_id, code, staff_ids = ball.id, ticket.code, [s.id for s in staff]
    db.session.remove()

    # Both threads have found the valid ticket, then meet here just before their
    # conditional UPDATE of it: the two transactions truly overlap.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet_before_admitting(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE TICKET") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    answers: dict[int, door.DoorAnswer] = {}

    def scan(number: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                answers[number] = door.check_in(
                    db.session.get(Ball, ball_id), code, db.session.get(User, staff_ids[number])
                )
                db.session.commit()
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet_before_admitting)
    try:
        threads = [threading.Thread(target=scan, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet_before_admitting)

    assert sorted(a.outcome for a in answers.values()) == ["admitted", "already"], answers
    [winner] = [n for n, a in answers.items() if a.outcome == "admitted"]
    [loser] = [a for a in answers.values() if a.outcome == "already"]
    winner_name = ("Dee Door", "Sam Second")[winner]
    assert loser.headline.startswith("Already admitted at ")
    assert loser.headline.endswith(f" by {winner_name}")
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.checked_in_by_id == staff_ids[winner]
    assert db.session.scalar(select(func.count(CheckInEvent.id))) == 1
