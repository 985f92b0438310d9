"""Pages of a long list: the page number from a query string, and one page of rows."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from brokerage.extensions import db

LAST_PAGE = 10_000


def page_number(text: str) -> int:
    """A page number from 1 to 10,000. Only ASCII digits count ("²".isdigit() is true
    but int() refuses it), and a very long number is not parsed (int() refuses over
    4,300 digits): both would otherwise end in a server error."""
    if not (text.isascii() and text.isdigit()):
        return 1
    digits = text.lstrip("0")
    return max(1, min(int(digits or "0"), LAST_PAGE)) if len(digits) <= 5 else LAST_PAGE


@dataclass
class Page:
    items: list
    total: int
    page: int
    pages: int
    # `total` is a floor: more than that many match (counting stopped there).
    more: bool = False

    def numbers(self) -> list[int | None]:
        """The page numbers to link to: the first, the last and two either side of
        this one, with None for a gap (an ellipsis) three away from this one. Only
        those few are looked at, however many pages there are."""
        near = range(max(1, self.page - 3), min(self.pages, self.page + 3) + 1)
        return [
            n if n in (1, self.pages) or abs(n - self.page) <= 2 else None
            for n in sorted({1, self.pages, *near})
        ]


def total_beyond(shown: list, limit: int, count: Select) -> int:
    """How many rows there are in all, when `shown` holds the first `limit` of them (a
    queue that lists only those waiting longest): `count` runs only when it is full."""
    if len(shown) < limit:
        return len(shown)
    return db.session.scalar(count) or 0


def page_count(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def paginate(
    query: Select,
    *,
    total: int,
    page: int,
    per_page: int,
    rows: Callable[[Select], Iterable[Any]] | None = None,
) -> Page:
    """Page `page` of `query` (already ordered), `total` rows in all: a page past the
    end shows the last page. `rows` reads the page (by default, the query's objects)."""
    pages = page_count(total, per_page)
    page = min(max(page, 1), pages)
    chosen = query.limit(per_page).offset((page - 1) * per_page)
    items = list(rows(chosen) if rows is not None else db.session.scalars(chosen))
    return Page(items=items, total=total, page=page, pages=pages)
