"""Searching text typed by a person: their words are matched literally, whatever the case."""

from __future__ import annotations

from brokerage.extensions import db


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards (and the escape character itself) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(text: str) -> str:
    """A LIKE pattern for values that contain `text` as typed."""
    return f"%{escape_like(text)}%"


def contains(column, pattern: str):
    """`column` LIKE `pattern` (escaped with a backslash), whatever the case. SQLite's
    LIKE ignores case already (of ASCII letters, as its lower() does): ilike, which
    there lowers every value first, made a words search a fifth slower."""
    if db.engine.dialect.name == "sqlite":
        return column.like(pattern, escape="\\")
    return column.ilike(pattern, escape="\\")
