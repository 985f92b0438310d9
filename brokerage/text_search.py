"""Searching text typed by a person: matched literally, whatever the case (LIKE), or
word by word through SQLite's full-text index (FTS5), its syntax never read from them."""

from __future__ import annotations

import re

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


# PostgreSQL's English stop words (its tsearch_data/english.stop): words so common that
# its full-text search leaves them out of a query. SQLite's FTS5 keeps every word, so
# `every_word_matching` leaves them out too, and a search means the same on both.
_STOP_WORDS = """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out
    on off over under again further then once here there when where why how all any both
    each few more most other some such no nor not only own same so than too very s t can
    will just don should now"""
ENGLISH_STOP_WORDS = frozenset(_STOP_WORDS.split())

# A word of a search, as a full-text index cuts text into words: letters and digits
# (unicode61's token characters, near enough; anything else separates words).
_WORD = re.compile(r"[^\W_]+")


def every_word_matching(text: str) -> str | None:
    """An FTS5 query finding the rows with every word of `text` (in any column), as
    PostgreSQL's plainto_tsquery does: punctuation separates words ("e_c" is "e" and
    "c"), stop words are left out, and each word is a quoted FTS5 string, so nothing a
    person types is read as FTS5's syntax (AND, NEAR, *, ", column:). None when no word
    is left: such a search finds nothing, as on PostgreSQL."""
    words = [w for w in _WORD.findall(text) if w.lower() not in ENGLISH_STOP_WORDS]
    if not words:
        return None
    # Side by side, FTS5's strings must all match; one the index makes no word of
    # (a letter SQLite's Unicode tables do not know) is passed over, where AND would
    # find nothing.
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)
