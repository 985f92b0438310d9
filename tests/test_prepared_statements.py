"""PostgreSQL connections keep their prepared statements over a ROLLBACK
(brokerage/database.py, KeptStatementsConnection): a statement the app runs again and
again is parsed and planned once, though every request that only reads ends in a
ROLLBACK; and one that a migration made stale fails once, not for good."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from brokerage.extensions import db
from brokerage.listings.models import Need
from brokerage.organisations.models import OrganisationKind
from tests.helpers import page_text, submit
from tests.listings import factories as lm
from tests.listings.test_search import bulk
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import ball_form


def _one_connection() -> None:
    """The pool emptied, so that these reads, one after another, all use one connection
    (the pool hands its connections out in turn, and statements are prepared on each)."""
    db.session.remove()
    db.engine.dispose()


def _prepared_on_the_server(name: str) -> list[str]:
    return list(
        db.session.scalars(
            text("SELECT statement FROM pg_prepared_statements WHERE statement LIKE :like"),
            {"like": f"%FROM {name} %"},
        )
    )


def _word(name: str, row_id: int) -> str:
    return db.session.scalar(text(f"SELECT word FROM {name} WHERE id = :id"), {"id": row_id})


def test_a_statement_read_in_request_after_request_is_prepared_once(app, words_table):
    _one_connection()
    # Each read ends as a request that only reads ends: in a ROLLBACK.
    for turn in range(8):
        assert _word(words_table, 1 + turn % 2) == ("first" if turn % 2 == 0 else "second")
        db.session.rollback()
    assert len(_prepared_on_the_server(words_table)) == 1
    db.session.rollback()
    # Prepared, it still reads what is there now.
    db.session.execute(text(f"UPDATE {words_table} SET word = 'changed' WHERE id = 1"))
    assert _word(words_table, 1) == "changed"
    db.session.rollback()
    assert _word(words_table, 1) == "first"  # the change was rolled back, the statement kept
    assert len(_prepared_on_the_server(words_table)) == 1


def test_a_statement_made_stale_by_a_migration_fails_once_then_reads_again(
    app, words_table, libpq_url
):
    _one_connection()
    for _ in range(6):
        _word(words_table, 1)
        db.session.rollback()
    assert _prepared_on_the_server(words_table)
    db.session.rollback()
    with psycopg.connect(libpq_url, autocommit=True) as migration:
        migration.execute(f"ALTER TABLE {words_table} ALTER COLUMN word TYPE text")
    with pytest.raises(DBAPIError, match="cached plan must not change result type") as failed:
        _word(words_table, 1)
    # Its connection is replaced (the request answers 503, errors.py): not failing again.
    assert failed.value.connection_invalidated
    db.session.rollback()
    assert _word(words_table, 2) == "second"
    assert _word(words_table, 1) == "first"


def test_a_search_asked_again_and_again_finds_each_words_own_listings(client, app):
    lm.need(title="Laptops for the homework club")
    lm.need(title="Printer ink for the advice centre")
    # Past psycopg's five runs of a statement before it prepares it: each search,
    # prepared or not, finds its own words' listings and not the other's.
    for turn in range(8):
        word, other = ("laptops", "Printer") if turn % 2 == 0 else ("printer", "Laptops")
        page = client.get(f"/needs?q={word}&turn={turn}").get_data(as_text=True)
        assert word.capitalize() in page
        assert f"{other} " not in page


def _plans(like: str, unlike: str = "") -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL made for this connection's prepared statement:
    the one like `like` (and not like `unlike`)."""
    row = db.session.execute(
        text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE :like AND statement NOT LIKE :unlike"
        ),
        {"like": like, "unlike": unlike or "(nothing is excluded)"},
    ).one()
    return row.generic_plans, row.custom_plans


def test_statements_keep_one_plan_but_a_word_search_is_planned_for_its_words(
    app, client, postgres, make
):
    ball = ticketing_make.ball(capacity=100)
    single_id = ball.ticket_types[0].id
    bulk(Need, make.organisation(kind=OrganisationKind.COMMUNITY), 2_000)
    with db.engine.connect() as conn:
        conn.exec_driver_sql(
            "ANALYZE need"
        )  # plans follow the statistics: made, not left to chance
        conn.commit()
    db.session.commit()
    _one_connection()
    for turn in range(8):
        # No tickets chosen: the form comes back, counted (the count runs all the same).
        answer = submit(client, "/ball", ball_form({single_id: 0}), page="/ball")
        assert "Choose at least one ticket" in page_text(answer)
        assert client.get(f"/needs?q=laptops&turn={turn}").status_code == 200
        assert client.get(f"/needs?turn={turn}").status_code == 200
        db.session.remove()
    # Planned once for any values, after PostgreSQL's five plans for their own values.
    assert _plans("%held.tickets%")[0] >= 1  # the ball page's seat count
    # The list's page, too: with its LIMIT and OFFSET as parameters PostgreSQL planned it
    # afresh every time (search._written).
    assert _plans("SELECT need.id, need.kind%LIMIT 20 OFFSET 0%", "%plainto_tsquery%")[0] >= 1
    # A word search is planned for its own words every time (database.plan_each_run):
    # its page and its count.
    for statement in ("SELECT need.id%plainto_tsquery%LIMIT%", "SELECT count(%plainto_tsquery%"):
        generic, custom = _plans(statement)
        assert generic == 0 and custom >= 3, statement
