"""Which confirmed matches the impact figures count: the filters a page reads from its
query string, and the default period of a statement."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from brokerage.clock import today_in_leeds
from brokerage.listings.models import ListingKind

# Years a date filter may name: enough for the programme, and no arithmetic overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2099


@dataclass(frozen=True)
class ImpactFilters:
    """Which confirmed matches to count. `start` and `end` are days in Leeds, both
    included. `company_id` and `community_id` are set by the code (a statement, what
    an organisation received), never read from the URL."""

    start: date | None = None
    end: date | None = None
    ward: str | None = None
    kind: ListingKind | None = None
    group: str | None = None
    company_id: int | None = None
    community_id: int | None = None

    @classmethod
    def read(cls, args: Mapping) -> tuple[ImpactFilters, dict[str, str]]:
        """Filters from a query string, and a message for each value that could not be
        used (it is left out). A date is one ISO value (`from=2026-04-01`) or the
        three boxes of a GOV.UK date input (`from=1&from=4&from=2026`)."""
        problems: dict[str, str] = {}
        start = _read_day(args, "from", "The start date", problems)
        end = _read_day(args, "to", "The end date", problems)
        if start and end and start > end:
            problems["to"] = "The end date must be the same as or after the start date"
            end = None
        kind_text = _one(args, "kind")
        kind = ListingKind(kind_text) if kind_text in {k.value for k in ListingKind} else None
        if kind_text and kind is None:
            problems["kind"] = "Choose a kind from the list"
        ward = _slug(_one(args, "ward"))
        if _one(args, "ward") and ward is None:
            problems["ward"] = "Choose a ward from the list"
        group = _slug(_one(args, "group"))
        if _one(args, "group") and group is None:
            problems["group"] = "Choose a group from the list"
        return cls(start=start, end=end, ward=ward, kind=kind, group=group), problems

    @classmethod
    def from_args(cls, args: Mapping) -> ImpactFilters:
        """Filters from a query string; anything that is not a real choice is ignored."""
        return cls.read(args)[0]

    def args(self) -> dict[str, str]:
        """The query string for these filters, without empty values."""
        values = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "ward": self.ward or "",
            "kind": self.kind.value if self.kind else "",
            "group": self.group or "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())


def _values(args: Mapping, name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        return [str(v) for v in getlist(name)]
    value = args.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _one(args: Mapping, name: str) -> str:
    values = _values(args, name)
    return values[0].strip()[:100] if values else ""


def _slug(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value[:64] if value and all(ch.isalnum() or ch == "-" for ch in value) else None


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _read_day(args: Mapping, name: str, what: str, problems: dict[str, str]) -> date | None:
    values = [v.strip()[:20] for v in _values(args, name)]
    if not any(values):
        return None
    if len(values) == 1 and (found := _ISO_DAY.fullmatch(values[0])):
        year, month, day = found.groups()
    elif len(values) == 3:
        day, month, year = values
        if not all(values):
            problems[name] = f"{what} must include a day, month and year"
            return None
        if not all(v.isascii() and v.isdigit() for v in values):
            problems[name] = f"{what} must be a real date"
            return None
        if len(year) != 4:
            problems[name] = f"{what} must have a year of 4 numbers, like 2026"
            return None
    else:
        problems[name] = f"{what} must be a real date"
        return None
    try:
        value = date(int(year), int(month), int(day))
    except (ValueError, OverflowError):  # a day or month past 2**31 overflows
        problems[name] = f"{what} must be a real date"
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        problems[name] = f"{what} must be in a year from {FIRST_YEAR} to {LAST_YEAR}"
        return None
    return value


def last_twelve_months(now: datetime) -> tuple[date, date]:
    """The default period of a statement: the year up to and including today."""
    today = today_in_leeds(now)
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today
