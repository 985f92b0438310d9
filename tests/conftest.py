"""Test set-up: one app and one real database per run, built by the Alembic migrations.

The database is SQLite (a file under pytest's temporary folder) unless
TEST_DATABASE_URL names another, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test.
Each test starts with the reference data only (wards, beneficiary groups): every
other table is emptied after each test, so tests that use the live server in a
thread see the same database through a separate connection, as in production.

Under pytest-xdist (`-n 2`) each worker has its own database: its own SQLite file
(pytest's temporary folder is per worker), or on PostgreSQL a database named after
TEST_DATABASE_URL's with the worker's id appended (`test_gw0`), created if missing.
"""

from __future__ import annotations

import contextvars
import os
import socket
import threading
import uuid

import psycopg
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from brokerage import clock as clock_module
from brokerage import create_app
from brokerage.extensions import db, limiter
from tests import factories
from tests.helpers import sign_in_as
from tests.notifications.smtp import SMTPServer

# Tables the migrations fill with reference data: kept between tests.
REFERENCE_TABLES = {"ward", "beneficiary_group", "skill", "device_type", "alembic_version"}


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def _worker_database(url: str, worker: str) -> str:
    """TEST_DATABASE_URL with the xdist worker's id added to the database name, the
    database made (through the named one's server) if it does not exist yet."""
    named = make_url(url)
    mine = named.set(database=f"{named.database}_{worker}")
    engine = create_engine(named, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": mine.database}
        ).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{mine.database}"'))
    engine.dispose()
    return mine.render_as_string(hide_password=False)


def _sqlite_without_fsync(engine) -> None:
    """The test database is thrown away after the run: SQLite need not wait for the
    disk at each commit (the many small commits of the tests otherwise queue on fsync).
    Locking and transactions are unchanged."""

    @event.listens_for(engine, "connect")
    def _no_fsync(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()


def _reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class IsolatedClient(FlaskClient):
    """A test client whose requests run in a fresh context, as real requests do.

    Flask reuses an app context that is already pushed, which would share `g`
    (and so the signed-in user) and the database session between the test and
    the request, hiding a view that forgets to commit. Running each request
    in an empty contextvars.Context gives it its own app context and session.
    """

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # The request committed through its own session: see its changes here.
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        _reset_postgres_schema(url)
    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SERVER_NAME": None,
            "OUTBOX_VIEW": True,
        }
    )
    app.test_client_class = IsolatedClient
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_without_fsync(db.engine)
        upgrade()
        db.session.remove()
        _TABLES_TO_EMPTY[:] = _tables_to_empty()
    yield app
    with app.app_context():
        db.engine.dispose()


# The tables emptied after each test, child tables first: the migrated database's
# tables (read once, after the migrations ran) other than the reference data.
_TABLES_TO_EMPTY: list[str] = []


def _tables_to_empty() -> list[str]:
    existing = set(inspect(db.engine).get_table_names())
    return [
        t.name
        for t in reversed(db.metadata.sorted_tables)
        if t.name not in REFERENCE_TABLES and t.name in existing
    ]


def _empty_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        # DELETE, child tables first, is several times quicker than TRUNCATE on
        # PostgreSQL for tables this small (TRUNCATE rewrites every table).
        deletes = [f'DELETE FROM "{name}"' for name in _TABLES_TO_EMPTY]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # One round trip for all of them (psycopg sends a statement list
                # without parameters as one simple query): ~10 ms, not ~100.
                conn.exec_driver_sql("; ".join(deletes))
            else:
                for delete in deletes:
                    conn.exec_driver_sql(delete)


@pytest.fixture(autouse=True)
def _fresh_state(app):
    """Each test runs inside a request context (services build links with url_for)
    and leaves an empty database and fresh rate limits behind."""
    limiter.reset()
    with app.test_request_context(base_url="http://localhost"):
        yield
        db.session.remove()
    _empty_tables(app)


@pytest.fixture
def clock():
    """Set the time the whole app sees (brokerage.clock): clock(datetime in UTC), or a
    function giving one. The system clock again after the test."""
    yield clock_module.set_time
    clock_module.set_time(None)


@pytest.fixture
def postgres(app) -> str:
    """The app's database URL, for tests of what only a PostgreSQL server does (skipped
    on SQLite)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    return url


@pytest.fixture
def libpq_url(postgres) -> str:
    """The same database as a URL psycopg.connect takes (no SQLAlchemy driver name)."""
    return postgres.replace("postgresql+psycopg", "postgresql")


@pytest.fixture
def words_table(libpq_url):
    """A PostgreSQL table of its own, (1, 'first') and (2, 'second') in (id, word), made
    and dropped outside the app's connections; the app's pool is emptied before it goes,
    so that none of its connections still holds a statement on it."""
    name = f"words_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url, autocommit=True) as outside:
        outside.execute(f"CREATE TABLE {name} (id integer PRIMARY KEY, word varchar(20))")
        outside.execute(f"INSERT INTO {name} VALUES (1, 'first'), (2, 'second')")
    yield name
    db.session.remove()
    db.engine.dispose()
    with psycopg.connect(libpq_url, autocommit=True) as outside:
        outside.execute(f"DROP TABLE IF EXISTS {name}")


@pytest.fixture
def client(app) -> IsolatedClient:
    return app.test_client()


@pytest.fixture
def login(client):
    """Sign `user` in on the test client, as the sign-in page would."""

    def sign_in(user):
        sign_in_as(client, user)
        return client

    return sign_in


@pytest.fixture
def make():
    """Factories that write committed rows: see tests/factories.py."""
    return factories


# A real SMTP server on a local port, for the outbox and the worker.


@pytest.fixture
def smtp_server():
    server = SMTPServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def closed_port() -> int:
    """A local port nothing is listening on: connecting is refused, as when SMTP is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
