"""Two team members propose at the same moment for the last devices of a need: one
proposal is saved, the other is refused with what remains, and nothing is allocated
twice. Runs on SQLite and on PostgreSQL (the issue asks for PostgreSQL: there the
second UPDATE waits for the first one's row lock and re-checks its condition)."""

from __future__ import annotations

import threading

from sqlalchemy import event

from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.listings.models import ListingKind, Need, Offer
from brokerage.matches import services
from brokerage.matches.allocation import Allocation
from brokerage.matches.models import Match
from tests import factories
from tests.listings import factories as listings_make


def test_two_simultaneous_proposals_cannot_allocate_the_same_devices(app):
    need = listings_make.need(kind=ListingKind.EQUIPMENT, quantity=10)
    offers = [listings_make.offer(kind=ListingKind.EQUIPMENT, quantity=10) for _ in range(2)]
    team = [factories.team_member(), factories.team_member()]
    need_id, offer_ids, team_ids = need.id, [o.id for o in offers], [t.id for t in team]
    db.session.remove()

    # Both threads read the need (10 remain, so each check passes), then meet here
    # just before their UPDATE of the need: the two transactions truly overlap.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet_before_holding(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE NEED") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    results: dict[int, str] = {}

    def propose(number: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                services.propose(
                    db.session.get(Need, need_id),
                    db.session.get(Offer, offer_ids[number]),
                    Allocation(quantity=7),
                    db.session.get(type(team[0]), team_ids[number]),
                )
                db.session.commit()
                results[number] = "saved"
            except FieldError as exc:
                db.session.rollback()
                results[number] = str(exc)
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet_before_holding)
    try:
        threads = [threading.Thread(target=propose, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet_before_holding)

    outcomes = sorted(results.values())
    assert outcomes[1] == "saved", results
    assert outcomes[0].startswith("Only 3 devices remain on the need"), results
    need = db.session.get(Need, need_id)
    assert need.held_quantity == 7
    assert db.session.query(Match).count() == 1
    # The refused proposal held nothing on its offer either.
    held = sorted(db.session.get(Offer, i).held_quantity for i in offer_ids)
    assert held == [0, 7]
