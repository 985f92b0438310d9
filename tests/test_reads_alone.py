"""PostgreSQL connections run a plain SELECT on its own and open a transaction only at
the first statement that needs one (brokerage/database.py, ReadsAloneConnection): a
page that only reads makes no BEGIN and no ROLLBACK round trips, and whatever writes is
still all or nothing, its row locks held to its end."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from brokerage import create_app
from brokerage.database import needs_transaction
from brokerage.extensions import db
from tests.helpers import page_text

IDLE = psycopg.pq.TransactionStatus.IDLE
INTRANS = psycopg.pq.TransactionStatus.INTRANS


@pytest.mark.parametrize(
    ("statement", "needs"),
    [
        ("SELECT need.id FROM need WHERE need.id = %(id)s", False),
        ("  select count(*) from ticket", False),
        ("SELECT ticket_order.id FROM ticket_order WHERE id = 1 FOR UPDATE", True),
        ("SELECT outbox_email.id FROM outbox_email FOR UPDATE SKIP LOCKED", True),
        ("SELECT id FROM ball FOR NO KEY UPDATE", True),
        ("SELECT id FROM ball FOR SHARE", True),
        ("SELECT pg_advisory_xact_lock(%(a)s, %(b)s) AS x", True),
        ("SELECT nextval('need_id_seq')", True),
        ("INSERT INTO need (title) VALUES (%(title)s) RETURNING need.id", True),
        ("UPDATE ball SET lock_version=(ball.lock_version + 1)", True),
        ("DELETE FROM session", True),
        ("SAVEPOINT sa_savepoint_1", True),
        ("SET LOCAL plan_cache_mode = force_custom_plan", True),
        ("WITH moved AS (DELETE FROM x RETURNING id) SELECT id FROM moved", True),
    ],
)
def test_only_a_plain_select_runs_outside_a_transaction(statement, needs):
    assert needs_transaction(statement) is needs


def _status():
    return db.session.connection().connection.dbapi_connection.info.transaction_status


def test_reads_open_no_transaction_and_a_write_opens_one(app, words_table):
    assert db.session.scalar(text(f"SELECT word FROM {words_table} WHERE id = 1")) == "first"
    assert _status() == IDLE  # no BEGIN was sent, and no ROLLBACK is due

    db.session.execute(text(f"INSERT INTO {words_table} VALUES (3, 'third')"))
    assert _status() == INTRANS
    # A read after the write is in its transaction: it sees what was written.
    assert db.session.scalar(text(f"SELECT count(*) FROM {words_table}")) == 3
    db.session.execute(text(f"INSERT INTO {words_table} VALUES (4, 'fourth')"))
    db.session.rollback()

    # Both writes went with the rollback, and the connection reads alone again.
    assert db.session.scalar(text(f"SELECT count(*) FROM {words_table}")) == 2
    assert _status() == IDLE


def test_a_failed_write_leaves_nothing_of_its_transaction(app, words_table):
    db.session.execute(text(f"INSERT INTO {words_table} VALUES (3, 'third')"))
    with pytest.raises(IntegrityError, match="duplicate key"):
        db.session.execute(text(f"INSERT INTO {words_table} VALUES (1, 'again')"))
    db.session.rollback()

    words = db.session.scalars(text(f"SELECT word FROM {words_table} ORDER BY id")).all()
    assert words == ["first", "second"]


def test_a_row_lock_is_held_until_its_transaction_ends(app, words_table, libpq_url):
    db.session.execute(text(f"SELECT id FROM {words_table} WHERE id = 1 FOR UPDATE"))
    with psycopg.connect(libpq_url, autocommit=True) as other:
        with pytest.raises(psycopg.errors.LockNotAvailable):
            other.execute(f"SELECT id FROM {words_table} WHERE id = 1 FOR UPDATE NOWAIT")
        db.session.commit()
        other.execute(f"SELECT id FROM {words_table} WHERE id = 1 FOR UPDATE NOWAIT")


def test_a_page_that_only_reads_sends_no_begin(postgres, client, monkeypatch):
    begun = []
    start = psycopg.Connection._get_tx_start_command  # what psycopg sends as its BEGIN

    def counted(self):
        begun.append(1)
        return start(self)

    monkeypatch.setattr(psycopg.Connection, "_get_tx_start_command", counted)
    response = client.get("/needs?kind=volunteering")

    assert response.status_code == 200
    assert "What community organisations need" in page_text(response)
    assert begun == []


def test_a_level_chosen_for_a_connection_is_left_as_it_is(app, words_table):
    db.engine.dispose()  # one connection, used by each block in turn
    with db.engine.connect() as conn:
        # AUTOCOMMIT, as the benches run VACUUM: never turned into a transaction.
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    with db.engine.connect() as conn:
        # REPEATABLE READ: every read in one snapshot, so in the transaction.
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        assert conn.scalar(text(f"SELECT word FROM {words_table} WHERE id = 1")) == "first"
        assert conn.connection.dbapi_connection.info.transaction_status == INTRANS
        conn.rollback()
    with db.engine.connect() as conn:
        # Back at READ COMMITTED in the pool: it reads alone again after one transaction.
        conn.scalar(text("SELECT 1"))
        conn.rollback()
        conn.scalar(text("SELECT 1"))
        assert conn.connection.dbapi_connection.info.transaction_status == IDLE


def test_the_server_default_level_cannot_take_reads_out_of_a_snapshot(libpq_url):
    """Reads alone is right only under READ COMMITTED: a role (or database) whose
    default level is SERIALIZABLE still gets READ COMMITTED from the app's connections,
    which pin it."""
    with psycopg.connect(libpq_url, autocommit=True) as admin:
        admin.execute(
            "DO $$ BEGIN CREATE ROLE brokerage_serializable LOGIN;"
            " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        admin.execute(
            "ALTER ROLE brokerage_serializable SET default_transaction_isolation = 'serializable'"
        )
    role_url = libpq_url.replace("postgres@", "brokerage_serializable@", 1)
    with psycopg.connect(role_url) as plain:  # what the role gets without the pin
        assert plain.execute("SHOW transaction_isolation").fetchone() == ("serializable",)

    other = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": role_url.replace("postgresql", "postgresql+psycopg", 1),
        }
    )
    with other.app_context():
        try:
            assert db.session.scalar(text("SHOW transaction_isolation")) == "read committed"
            db.session.rollback()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.parametrize("level", ["REPEATABLE READ", "AUTOCOMMIT"])
def test_an_engine_given_its_own_level_keeps_it(postgres, words_table, level):
    """An operator's isolation_level for the engine is kept as SQLAlchemy sets it: at
    REPEATABLE READ a plain read is in the transaction (one snapshot); at AUTOCOMMIT a
    write is kept without a commit."""
    other = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": postgres,
            "SQLALCHEMY_ENGINE_OPTIONS": {"isolation_level": level},
        }
    )
    with other.app_context():
        try:
            with db.engine.connect() as conn:
                shown = conn.scalar(text("SHOW transaction_isolation"))
                status = conn.connection.dbapi_connection.info.transaction_status
                conn.execute(text(f"INSERT INTO {words_table} VALUES (3, 'third')"))
                conn.rollback()
            with db.engine.connect() as conn:
                kept = conn.scalar(text(f"SELECT count(*) FROM {words_table}"))
                conn.rollback()
        finally:
            db.engine.dispose()
    if level == "AUTOCOMMIT":
        assert (status, kept) == (IDLE, 3)
    else:
        assert (shown, status, kept) == ("repeatable read", INTRANS, 2)
