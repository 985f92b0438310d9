"""Bank holidays in England and Wales, by the rules that fix them year after year.

One-off holidays proclaimed for an occasion (a coronation, a state funeral) and the
odd year a holiday is moved are not here: gov.uk announces those, usually months
ahead. Used where the service counts working days in Leeds.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta

from brokerage.clock import LONDON

MONDAY, SATURDAY, SUNDAY = 0, 5, 6


def easter_sunday(year: int) -> date:
    """Western Easter (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    n = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * n) // 451
    month, day = divmod(h + n - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(MONDAY - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - MONDAY) % 7)


@functools.cache
def bank_holidays(year: int) -> frozenset[date]:
    """The year's bank holidays in England and Wales, with the weekday given instead
    when one falls at a weekend."""
    easter = easter_sunday(year)
    new_year = date(year, 1, 1)
    if new_year.weekday() >= SATURDAY:
        new_year += timedelta(days=7 - new_year.weekday())
    christmas, boxing_day = date(year, 12, 25), date(year, 12, 26)
    if christmas.weekday() == SATURDAY:  # Monday and Tuesday instead
        christmas, boxing_day = date(year, 12, 27), date(year, 12, 28)
    elif christmas.weekday() == SUNDAY:  # Boxing Day is the Monday; Christmas the Tuesday
        christmas = date(year, 12, 27)
    elif boxing_day.weekday() == SATURDAY:  # Christmas on the Friday
        boxing_day = date(year, 12, 28)
    return frozenset(
        {
            new_year,
            easter - timedelta(days=2),  # Good Friday
            easter + timedelta(days=1),  # Easter Monday
            _first_monday(year, 5),  # early May
            _last_monday(year, 5),  # spring
            _last_monday(year, 8),  # summer
            christmas,
            boxing_day,
        }
    )


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY and day not in bank_holidays(day.year)


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days (Monday to Friday but bank holidays in England and Wales, in Leeds)
    after `start`'s day up to `end`'s."""
    first, last = start.astimezone(LONDON).date(), end.astimezone(LONDON).date()
    return sum(
        1
        for offset in range(1, (last - first).days + 1)
        if is_working_day(first + timedelta(days=offset))
    )
