"""CSV downloads of the team's lists: cells that are safe in a spreadsheet, streamed.

Every list the team sees downloads through `csv_response`: UTF-8 with a byte order
mark (without it Excel reads the file as Windows-1252 and mangles names with
accents, and the £ in the headers), comma-separated, CRLF line ends (RFC 4180).
Rows are written as they are read from the database, a batch at a time (a
server-side cursor on PostgreSQL), so a long list never sits in memory whole.

The rows are read after the view has returned, when its request and database
session are gone: `stream` reads them in a session of its own, so a row needs
nothing of the request (no url_for, no current_user), only the values selected.
"""

from __future__ import annotations

import csv
import enum
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from brokerage.clock import LONDON, london, utcnow
from brokerage.extensions import db

# A cell starting with one of these is a formula to a spreadsheet (CSV injection):
# OWASP's list. The apostrophe makes Excel and LibreOffice show the text as it is.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Rows read from the database at a time, and bytes gathered before each write.
BATCH = 500
CHUNK = 64 * 1024


def dated(name: str) -> str:
    """A download's file name with today's date in Leeds: 'needs-2026-11-21.csv', so
    that a second download does not look like the first."""
    return f"{name}-{utcnow().astimezone(LONDON):%Y-%m-%d}.csv"


def money(pence: int | None) -> Decimal | None:
    """Pence as pounds with two decimals, a number to a spreadsheet: 19000 -> 190.00."""
    return None if pence is None else Decimal(pence).scaleb(-2)


def safe_cell(value) -> str | int | float | Decimal:
    """One value as a CSV cell. Numbers (money from `money` included) stay numbers, so
    a spreadsheet can add them up; times are 'YYYY-MM-DD HH:MM' in Leeds's own time
    (the date and time Excel and LibreOffice read as one); days are ISO; yes/no are
    words; an enum is its label; text that a spreadsheet would take for a formula
    gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return f"{london(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum) and hasattr(value, "label"):
        value = value.label
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _lines(header: Sequence[str], rows: Iterable[Iterable]) -> Iterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(header)
    try:
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
            if out.tell() >= CHUNK:
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()
    finally:
        # A download given up half-way (the server closes us): let go of the database.
        close = getattr(rows, "close", None)
        if close is not None:
            close()
    yield out.getvalue().encode()


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Iterable]) -> Response:
    """A download of `header` then `rows`, written as the rows come. `rows` is read
    after the view returns: give one from `stream`, which runs its query then."""
    response = Response(_lines(header, rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # personal data
    return response


def stream(statement: Select) -> Iterator:
    """The rows of `statement`, read a batch at a time as the download is written, in a
    session of their own (closed when the rows run out, or when the download is given
    up). Nothing runs until the first row is asked for."""
    engine = db.engine  # now: by the time rows are asked for, the app context is gone

    def rows() -> Iterator:
        with Session(engine) as session:
            yield from session.execute(statement, execution_options={"yield_per": BATCH})

    return rows()


def joined(names: Select, order_by: ColumnElement, outer, separator: str = ", "):
    """One cell of several names ('Armley, Beeston') for each row of `outer` (a model):
    `names` selects one column of them for the outer row, in `order_by`'s order. A
    subquery per row, so a whole list is still one query."""
    names = names.correlate(outer)
    (column,) = names.selected_columns
    if db.engine.dialect.name == "sqlite":
        # SQLite before 3.44 has no ORDER BY inside group_concat; it keeps the order of
        # the rows it is given, so they are given in order.
        ordered = names.order_by(order_by).subquery()
        return select(func.aggregate_strings(ordered.c[0], separator)).scalar_subquery()
    aggregate = func.aggregate_strings(column, separator).aggregate_order_by(order_by)
    return names.with_only_columns(aggregate).scalar_subquery()
