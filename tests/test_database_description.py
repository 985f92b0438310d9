"""PostgreSQL cursors describe a result's columns only when asked (brokerage/database.py):
what they describe is what psycopg describes, and what the app reads is unchanged."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from brokerage.accounts.models import User
from brokerage.database import DescribedCursor
from brokerage.extensions import db

STATEMENTS = [
    "SELECT 1 AS one, 'two'::text AS two, now() AS three, 4.5::numeric(6, 2) AS four",
    "SELECT id, name FROM generate_series(1, 3) AS id, (SELECT 'x'::varchar(20) AS name) n",
    "SELECT",  # a result with no columns
    "CREATE TEMPORARY TABLE described (id integer)",  # a command: no description
    "INSERT INTO described VALUES (1)",
    "INSERT INTO described VALUES (2) RETURNING id, id * 2 AS twice",
]


def test_each_result_is_described_as_psycopg_describes_it(libpq_url):
    with (
        psycopg.connect(libpq_url) as plain,
        psycopg.connect(libpq_url, cursor_factory=DescribedCursor) as described,
    ):
        for statement in STATEMENTS:
            expected = plain.execute(statement).description
            got = described.execute(statement).description
            if expected is None:
                assert got is None, statement
                continue
            assert len(got) == len(expected), statement
            assert [tuple(c) for c in got] == [tuple(c) for c in expected], statement
            assert [c.name for c in got[-1:]] == [c.name for c in expected[-1:]]
            assert [tuple(c) for c in got[::-1]] == [tuple(c) for c in expected[::-1]]


def test_a_description_read_after_the_next_statement_is_refused(libpq_url):
    with psycopg.connect(libpq_url, cursor_factory=DescribedCursor) as connection:
        cursor = connection.cursor()
        first = cursor.execute("SELECT 1 AS one").description
        cursor.execute("SELECT 2 AS two, 3 AS three")
        with pytest.raises(RuntimeError, match="another statement"):
            first[0]
        assert [c.name for c in cursor.description] == ["two", "three"]


def test_the_app_reads_rows_and_models_through_them(app, postgres, make):
    person_id = make.user(name="Described Person").id
    db.session.expunge_all()
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    assert isinstance(cursor, DescribedCursor)
    statement = text("SELECT id, name FROM user_account WHERE id = :id")
    rows = db.session.execute(statement, {"id": person_id})
    assert list(rows.keys()) == ["id", "name"]
    assert rows.one()._asdict() == {"id": person_id, "name": "Described Person"}
    assert db.session.get(User, person_id).name == "Described Person"
