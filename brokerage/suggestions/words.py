"""Numbers, money, dates and lists in the plain words the suggestions are written in.

Kept free of Flask and of the locale, so a reason reads the same in a test, a
worker and a request: "£2,000", "£12.50", "3 March 2027", "20 laptops".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day(value: date) -> str:
    """GOV.UK style, without a leading zero: 3 March 2027."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def plural(count: int, singular: str, many: str | None = None) -> str:
    return singular if count == 1 else (many or singular + "s")


def listed(names: Iterable[str]) -> str:
    return ", ".join(names)


def _lower_first(name: str) -> str:
    """'Laptop' -> 'laptop', but 'SIM card' stays: an acronym keeps its capitals."""
    if len(name) > 1 and name[1].isupper():
        return name
    return name[:1].lower() + name[1:]


@lru_cache(maxsize=4096)
def devices(name: str | None, count: int) -> str:
    """A device type's name for `count` of them: 'laptop', 'laptops', 'SIM cards or
    mobile data'. Device types are data the team adds, so the plural is made by rule:
    the first part before ' or ' or ' (' takes an 's' unless it already ends in one."""
    if not name:
        return plural(count, "device")
    name = _lower_first(name.strip())
    if count == 1:
        return name
    cut = len(name)
    for mark in (" or ", " ("):
        at = name.find(mark)
        if at != -1:
            cut = min(cut, at)
    head, tail = name[:cut], name[cut:]
    if not head.endswith("s"):
        head += "s"
    return head + tail
