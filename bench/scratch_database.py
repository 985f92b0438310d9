"""What the bench scripts share: a scratch database wiped before and after, and the
machine's load average (other work on the machine slows every figure).

The database is the one BENCH_DATABASE_URL names (a PostgreSQL database of the
bench's own: the schema its connections use is dropped and made again), or else a
temporary SQLite file.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import create_engine, event, text

# The benches' own connections, told apart from the app's by what they are doing.
BENCH_APPLICATION = "brokerage bench"


def bench_engine(url: str):
    connect_args = {"application_name": BENCH_APPLICATION} if url.startswith("postgres") else {}
    return create_engine(url, connect_args=connect_args)


class InUse(RuntimeError):
    """Someone else is connected to the scratch database."""


def wipe_schema(url: str) -> None:
    """Empty the schema the URL's connections use (public, unless the URL says
    otherwise), and nothing else in that database. Refused while anyone else is
    connected to the database after a few seconds' wait: a test suite or another run
    using it would lose its tables, and our DROP would queue behind their locks and
    they behind it."""
    engine = bench_engine(url)
    try:
        with engine.begin() as conn:
            for _ in range(50):  # our own closed connections take a moment to go
                others = conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                if not others:
                    break
                time.sleep(0.1)
            else:
                raise InUse(
                    f"{others} other session(s) are connected to the database that "
                    "BENCH_DATABASE_URL names, so its schema is not wiped: give the bench "
                    "a scratch database of its own, or wait until it is free."
                )
            conn.execute(text("SET LOCAL lock_timeout = '10s'"))
            schema = conn.execute(text("SELECT current_schema()")).scalar_one()
            name = conn.dialect.identifier_preparer.quote_identifier(schema)
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {name}"))
    finally:
        engine.dispose()


@contextlib.contextmanager
def scratch_database(prefix: str) -> Iterator[tuple[str, str]]:
    """(database URL, a temporary folder) for one run: BENCH_DATABASE_URL's database
    wiped before and after, or a SQLite file in the folder."""
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        if url:
            try:
                wipe_schema(url)
            except InUse as exc:
                sys.exit(str(exc))
        try:
            yield url or "sqlite:///" + os.path.join(folder, "bench.db"), folder
        finally:
            if url:
                try:
                    wipe_schema(url)
                except InUse as exc:
                    print(f"WARNING: the bench's tables are left behind. {exc}", file=sys.stderr)


def load_average() -> str:
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def organisation_rows(
    kind: str,
    count: int,
    made_at: datetime,
    *,
    status: str = "approved",
    submitted_at=None,
) -> list[dict]:
    """`count` organisations of `kind` ("community" or "company") to insert in bulk;
    `submitted_at` is a moment, or a function giving one for each."""
    return [
        dict(
            kind=kind,
            org_type="registered_charity" if kind == "community" else "private_limited",
            name=f"Bench {kind} {status} {i}",
            registration_scheme="none",
            address_line_1="1 Park Row",
            town="Leeds",
            postcode="LS1 5AB",
            description="Benchmark organisation",
            status=status,
            submitted_at=submitted_at() if callable(submitted_at) else submitted_at or made_at,
            created_at=made_at,
            updated_at=made_at,
        )
        for i in range(count)
    ]


def statements_for(app, client, url: str) -> int:
    """How many SQL statements one request for `url` sends to the database."""
    from brokerage.extensions import db

    statements = []

    def count(*_args) -> None:
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200, url
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)
