"""Database set-up that depends on the engine: SQLite pragmas and the instance folder,
and the timeouts that keep a stuck database from hanging a request.

No wait on the database is unbounded (DATABASE_*_TIMEOUT_S settings):
- connecting: the connect timeout (libpq's connect_timeout);
- a statement: PostgreSQL cancels it after the statement timeout, and a wait for
  another transaction's row lock (the ball's seats, say) after the lock timeout;
- a server that stopped answering altogether (a hung host or network, where the
  server cannot cancel anything): each read gives up after the statement timeout
  plus a margin, and the connection is closed;
- a free connection in the pool: the pool timeout.
Each ends in an OperationalError (or the pool's TimeoutError), which a request
answers with the 503 page (errors.py) and the worker with a pause and a retry.
"""

from __future__ import annotations

import functools
import os
import re
import select
import time
from collections.abc import Sequence

import psycopg
from flask import Flask
from sqlalchemy import event, exc, text

from brokerage.extensions import db

# How much longer than the statement timeout a read waits for a silent server.
READ_MARGIN_S = 5.0

# A pooled PostgreSQL connection idle for longer than this is pinged before use.
IDLE_CHECK_S = 1.0


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection whose every wait for the server has a deadline.

    PostgreSQL's statement_timeout is enforced by the server; when the server (or
    the network to it) hangs, only the client can stop waiting."""

    read_deadline_s: float = 20.0

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        try:
            return super().wait(gen, interval, timeout or self.read_deadline_s)
        except psycopg.errors.OperationalError as exc:
            if type(exc).__name__ == "_WaitTimeout":
                # Mid-conversation with a silent server: the connection is unusable.
                self.pgconn.finish()
                raise psycopg.OperationalError(
                    f"the database did not answer within {self.read_deadline_s:g} s"
                ) from None
            raise


class KeptStatementsConnection(DeadlineConnection):
    """A psycopg connection that keeps its prepared statements over a ROLLBACK.

    psycopg prepares a statement on the server after its fifth run on a connection, and
    from then on PostgreSQL does not parse it again; after five runs planned for their
    own values, it plans it once for any values if that plan looks no costlier (a word
    search is planned for its own words every time: `plan_each_run`). But psycopg
    forgets every prepared statement at each ROLLBACK (and sends DEALLOCATE ALL), to be
    safe: the rollback may have undone a table one was prepared against. Every request
    that only reads ends in a ROLLBACK, so here almost nothing was ever prepared: in the
    ticket rush PostgreSQL parsed and planned the seat count afresh for every buyer
    (1.23 ms of its CPU at 200 seats sold; 0.40 ms prepared and planned once), and a
    paid buyer's six requests, one buyer after another, cost it 6.8 ms of CPU (3.5 ms
    with statements kept).

    The app changes no tables on these connections (migrations run in their own process,
    and psycopg still forgets everything after a DROP or ALTER it runs itself), and
    PostgreSQL keeps a prepared statement over a ROLLBACK: one made against a table a
    migration changed since is planned again by PostgreSQL, and one whose columns'
    types changed under it fails once and its connection is replaced
    (`replace_stale_statements`)."""

    def rollback(self) -> None:
        prepared = self._prepared
        prepared.clear = _kept  # for this ROLLBACK only (an instance attribute)
        try:
            super().rollback()
        finally:
            del prepared.clear


def _kept() -> bool:
    return False  # PrepareManager.clear's answer: nothing to deallocate


class ReadsAloneConnection(KeptStatementsConnection):
    """A psycopg connection that runs a plain SELECT on its own (in autocommit) and
    starts a transaction only at the first statement that needs one.

    psycopg opens a transaction before a connection's first statement (a BEGIN, one
    round trip of its own) and SQLAlchemy ends it with a COMMIT or ROLLBACK (another): a
    signed-in page that reads three times made five round trips, and a ticket buyer's
    order page three for its one statement. Under READ COMMITTED, PostgreSQL's and
    this app's level, each statement sees the data as committed when it starts, inside
    a transaction or not, and a plain SELECT takes no lock that outlives it; so a read
    before any write gives the same answer alone. The first statement that is not a
    plain SELECT (`needs_transaction`: a write, a SAVEPOINT, SET LOCAL, a row lock, an
    advisory lock, a server-side cursor) starts the transaction, and everything after
    it runs in that transaction until its COMMIT or ROLLBACK, as before
    (`begin_before_writing`, SQLAlchemy's before_cursor_execute)."""

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._reads_alone()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._reads_alone()

    def _reads_alone(self) -> None:
        if (
            not self.autocommit
            and self.isolation_level in _READ_COMMITTED  # not a snapshot kept for longer
            and not self.closed
            and self.pgconn.transaction_status == _IDLE
        ):
            self.autocommit = True


_IDLE = psycopg.pq.TransactionStatus.IDLE
# None: the session default, which configure() pins to READ COMMITTED.
_READ_COMMITTED = (None, psycopg.IsolationLevel.READ_COMMITTED)

# What makes a SELECT more than a read: a row lock held to the end of the transaction,
# an advisory lock, a sequence or a setting changed.
_MORE_THAN_A_READ = re.compile(
    r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY\s+UPDATE|KEY\s+SHARE)\b"
    r"|advisory|nextval|setval|set_config|txid_current|pg_current_xact_id",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=2048)
def needs_transaction(statement: str) -> bool:
    """Whether a statement must run in a transaction (anything but a plain SELECT)."""
    if statement.lstrip()[:6].upper() != "SELECT":
        return True
    return _MORE_THAN_A_READ.search(statement) is not None


def begin_before_writing(conn, cursor, statement, parameters, context, executemany) -> None:
    connection = cursor.connection
    if not connection.autocommit or "isolation_level" in conn.get_execution_options():
        return  # in a transaction, or a level chosen for this connection (AUTOCOMMIT...)
    if isinstance(cursor, psycopg.ServerCursor) or needs_transaction(statement):
        connection.autocommit = False  # psycopg sends BEGIN before this statement


_EACH_RUN = text("SET LOCAL plan_cache_mode = force_custom_plan")


def plan_each_run() -> None:
    """For the rest of this transaction PostgreSQL plans each run of a prepared
    statement for its own values, never once for any: for statements whose best plan
    depends on them (how common a searched word is). On PostgreSQL only; one SET LOCAL."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(_EACH_RUN)


# A prepared statement PostgreSQL can no longer run as prepared: its result's columns
# changed type under it (a migration, while this instance served), or it is gone.
STALE_STATEMENT = (
    (psycopg.errors.FeatureNotSupported, "cached plan must not change result type"),
    (psycopg.errors.InvalidSqlStatementName, ""),
)


def replace_stale_statements(context) -> None:
    """SQLAlchemy's handle_error: a stale prepared statement fails its request (a 503,
    "try again") and its connection is replaced, rather than failing on it for good."""
    error = context.original_exception
    if any(isinstance(error, kind) and words in str(error) for kind, words in STALE_STATEMENT):
        context.is_disconnect = True


class DescribedCursor(psycopg.Cursor):
    """A psycopg cursor whose `description` makes each column's Column only when it is
    read.

    SQLAlchemy asks every statement's cursor for its description, but once a statement's
    result columns are known (its compiled form keeps them) it only looks at whether
    there is one. psycopg made a Column for every column of every result all the same:
    about 440 a buyer in the ball's ticket rush, 5% of its time."""

    @property
    def description(self) -> Sequence[psycopg.Column] | None:
        result = self.pgresult
        if result is None or not result.nfields:
            return super().description  # no result, a command's, or "SELECT ;"
        return _Described(self, result)


class _Described(Sequence):
    """The columns of one result, as psycopg's own description lists them, each made
    when first read; they must be read before the cursor runs its next statement."""

    __slots__ = ("_columns", "_cursor", "_result")

    def __init__(self, cursor: psycopg.Cursor, result) -> None:
        self._cursor, self._result, self._columns = cursor, result, None

    def __len__(self) -> int:
        return self._result.nfields

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self):
        return iter(self._made())

    def _made(self) -> list[psycopg.Column]:
        if self._columns is None:
            if self._cursor.pgresult is not self._result:
                raise RuntimeError("a description read after its cursor ran another statement")
            self._columns = psycopg.Cursor.description.fget(self._cursor)
        return self._columns


_PINNED_ISOLATION = r"default_transaction_isolation=read\ committed"


def _timeouts(app: Flask) -> dict[str, float]:
    return {
        name: float(app.config[f"DATABASE_{name.upper()}_TIMEOUT_S"])
        for name in ("connect", "statement", "lock", "pool")
    }


def configure(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    limits = _timeouts(app)
    if uri.startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
        # Wait for a writer rather than fail at once: the live server and the worker
        # share it. SQLite's only wait is for the write lock: it has the statement's time.
        options.setdefault("connect_args", {}).setdefault("timeout", limits["statement"])
    elif uri.startswith("postgresql+psycopg"):
        connect_args = options.setdefault("connect_args", {})
        connect_args.setdefault("connect_timeout", max(int(limits["connect"]), 1))
        connect_args.setdefault(
            "options",
            f"-c statement_timeout={int(limits['statement'] * 1000)}"
            f" -c lock_timeout={int(limits['lock'] * 1000)}",
        )
        # Reads alone (ReadsAloneConnection) is right only under READ COMMITTED: pinned
        # here, last so that it wins, whatever the server, database or role default
        # (another level for an engine is SQLAlchemy's isolation_level option).
        if not connect_args["options"].endswith(_PINNED_ISOLATION):
            connect_args["options"] += f" -c {_PINNED_ISOLATION}"
        options.setdefault("pool_timeout", limits["pool"])
        # Checked on checkout by check_on_checkout instead (attach).
        options["pool_pre_ping"] = False


def attach(app: Flask) -> None:
    """After db.init_app: SQLite connections of this app's engines get their pragmas;
    PostgreSQL ones carry the read deadline (the statement timeout plus a margin)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            for engine in db.engines.values():
                event.listen(engine, "connect", _sqlite_pragmas)
        return
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg"):
        return

    # An engine given its own isolation level (SQLAlchemy's isolation_level option: an
    # operator's REPEATABLE READ, or AUTOCOMMIT) keeps psycopg's transactions as they are.
    reads_alone = "isolation_level" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]

    class Connection(ReadsAloneConnection if reads_alone else KeptStatementsConnection):
        read_deadline_s = _timeouts(app)["statement"] + READ_MARGIN_S

    def connect(dialect, connection_record, cargs, cparams):
        return Connection.connect(
            *cargs, cursor_factory=DescribedCursor, autocommit=reads_alone, **cparams
        )

    with app.app_context():
        for engine in db.engines.values():
            event.listen(engine, "do_connect", connect)
            event.listen(engine, "handle_error", replace_stale_statements)
            if reads_alone:
                event.listen(engine, "before_cursor_execute", begin_before_writing)
            event.listen(engine, "checkin", note_checkin)
            event.listen(engine, "checkout", check_on_checkout(engine.dialect))


def note_checkin(dbapi_connection, connection_record) -> None:
    connection_record.info["idle_since"] = time.monotonic()


def check_on_checkout(dialect):
    """The pool's checkout listener for `dialect`'s connections: see check_pooled."""

    def check(dbapi_connection, connection_record, connection_proxy) -> None:
        check_pooled(dialect, dbapi_connection, connection_record)

    return check


def check_pooled(dialect, dbapi_connection, connection_record) -> None:
    """Make sure a pooled connection still reaches PostgreSQL before a request uses
    it, so that after a database restart an instance recovers without being restarted.

    A ping (a round trip) on every checkout (`pool_pre_ping`) costs a ticket buyer six
    round trips. Instead, as Go's database/sql and pgx do, a connection is pinged only
    when it may be dead: when its socket has something to read while the connection is
    idle (a restarting server sends its FATAL notice and closes the connection), or when
    it has been idle for over IDLE_CHECK_S (pgxpool's rule: a host that vanished
    without a word). A failed ping replaces this connection and every pooled one older
    than it, as the pre-ping does; a fresh connection is used as it is."""
    idle_since = connection_record.info.pop("idle_since", None)
    if idle_since is None:
        return
    if time.monotonic() - idle_since < IDLE_CHECK_S and not _has_news(dbapi_connection):
        return
    try:
        dialect.do_ping(dbapi_connection)
    except psycopg.Error as error:
        raise exc.InvalidatePoolError(f"pooled connection failed its check: {error}") from error


def _has_news(dbapi_connection: psycopg.Connection) -> bool:
    """Whether an idle connection's socket is readable (or closed): nothing is due
    from the server between transactions, so anything there is a goodbye."""
    if dbapi_connection.closed:
        return True
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
    except (AttributeError, OSError, psycopg.Error):
        return True  # no poll (not Linux) or no socket: ping instead
    return bool(poller.poll(0))


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work during a write.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def refresh_statistics() -> None:
    """Let SQLite's planner know the tables' sizes: without statistics it sorts every
    listing to show a page of 20. PostgreSQL's autovacuum keeps its own."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
