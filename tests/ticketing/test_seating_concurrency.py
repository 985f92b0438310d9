"""Two team members seat two bookings at the last free seat of a table at the same
moment: one is seated, the other is told the table is full. Runs on SQLite and on
PostgreSQL (there the second placement waits for the ball's row lock, then counts the
first one's guest)."""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.ticketing import seating
from brokerage.ticketing.models import SeatingTable, Ticket
from tests import factories
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy


def test_two_placements_at_once_never_seat_more_guests_than_the_table_has(app):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    first = buy(ball, {single.id: 1}, name="Ada First", email="ada@example.org")
    second = buy(ball, {single.id: 1}, name="Bo Second", email="bo@example.org")
    table = seating.add_table(ball, "7", 1, factories.team_member())
    db.session.commit()
    table_id = table.id
    ticket_ids = [first.tickets[0].id, second.tickets[0].id]
    db.session.remove()

    # Both threads have read the table and the ticket, then meet just before taking
    # the ball's lock: the two transactions truly overlap.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet_before_locking(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE BALL") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    answers: dict[int, str] = {}

    def place(number: int) -> None:
        with app.app_context():
            try:
                seating.place(
                    db.session.get(SeatingTable, table_id),
                    db.session.get(Ticket, ticket_ids[number]),
                )
                db.session.commit()
                answers[number] = "placed"
            except Conflict as exc:
                db.session.rollback()
                answers[number] = str(exc)
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet_before_locking)
    try:
        threads = [threading.Thread(target=place, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet_before_locking)

    assert sorted(answers.values()) == [
        "Table 7 has 0 free seats: this booking needs 1 seat",
        "placed",
    ], answers
    seated = db.session.scalar(select(func.count(Ticket.id)).where(Ticket.table_id == table_id))
    assert seated == 1
