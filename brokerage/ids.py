"""Ids typed into URLs: only those a database column can hold are ever looked up.

Every id column is a 32-bit integer on PostgreSQL (and SQLite refuses integers over 64
bits), so a longer number in a URL would end in a database error. A number out of range
names nothing: the `<int:...>` converter does not match it (a 404), and `query_id` reads
it as absent.
"""

from __future__ import annotations

from collections.abc import Mapping

from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: a whole number from 0 to LARGEST_ID, or no match (404)."""

    def __init__(self, map, fixed_digits=0, min=0, max=LARGEST_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def query_id(args: Mapping, name: str) -> int | None:
    """An id from the query string, or None when it is missing or could name nothing."""
    text = (args.get(name) or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(LARGEST_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= LARGEST_ID else None


def register(app) -> None:
    app.url_map.converters["int"] = IdConverter
