"""Two volunteers sign up for the last open place at the same moment: one has it, the
other is told every place is taken, and the place is given once. Runs on SQLite and on
PostgreSQL (there the second UPDATE waits for the first's row lock, then re-checks
`status = 'open'` against the committed row)."""

from __future__ import annotations

import threading

from sqlalchemy import event, func, select

from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.matches.models import Match
from brokerage.volunteering import places
from brokerage.volunteering.models import Place, PlaceStatus, Volunteer
from tests.volunteering import make


def test_two_sign_ups_for_the_last_place_give_it_once(app):
    org, lead = make.company()
    first, second = make.volunteer(org), make.volunteer(org)
    match = make.agreed_match(org, 2)
    places.open_places(match, lead)
    places.sign_up(match, make.volunteer(org))  # place 1 goes; place 2 is the last
    db.session.commit()
    match_id, volunteer_ids = match.id, [first.id, second.id]
    db.session.remove()

    # Both threads have read that place 2 is open, then meet just before their UPDATE.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet_before_taking(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE VOLUNTEER_PLACE") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    results: dict[int, str] = {}

    def sign_up(number: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                place = places.sign_up(
                    db.session.get(Match, match_id),
                    db.session.get(Volunteer, volunteer_ids[number]),
                )
                db.session.commit()
                results[number] = f"place {place.number}"
            except Conflict as exc:
                db.session.rollback()
                results[number] = str(exc)
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet_before_taking)
    try:
        threads = [threading.Thread(target=sign_up, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet_before_taking)

    assert sorted(results.values()) == [
        "Sorry, every place on this match is taken",
        "place 2",
    ], results
    taken = db.session.scalars(
        select(Place).where(Place.match_id == match_id).order_by(Place.number)
    ).all()
    assert [p.status for p in taken] == [PlaceStatus.TAKEN, PlaceStatus.TAKEN]
    assert taken[1].volunteer_id in volunteer_ids
    assert db.session.scalar(select(func.count(Place.id)).where(Place.match_id == match_id)) == 2
