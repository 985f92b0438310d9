"""Time: the one place the app reads the clock, and how times are shown in Leeds.

Times are stored in UTC and shown in Europe/London. `utcnow()` is the only call that
reads the system clock; a test sets the time for the whole app with `set_time` (the
`clock` fixture in tests/conftest.py), so no module needs patching on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def _system_time() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = _system_time


def utcnow() -> datetime:
    """Now, in UTC: the system clock, or the time a test has set."""
    return _source()


def set_time(moment: datetime | Callable[[], datetime] | None) -> None:
    """Make `utcnow()` answer `moment` (a fixed time, or a function giving one), or the
    system clock again with None. For tests and the demo's back-dating only."""
    global _source
    if moment is None:
        _source = _system_time
    elif callable(moment):
        _source = moment
    else:
        if moment.tzinfo is None:
            raise ValueError("set_time needs an aware datetime")
        _source = lambda: moment  # noqa: E731


def london(value: datetime | None) -> datetime | None:
    return value.astimezone(LONDON) if value is not None else None


def today_in_leeds(now: datetime | None = None) -> date:
    """The date in Leeds at `now` (by default, now)."""
    return (now or utcnow()).astimezone(LONDON).date()


def start_of(day: date) -> datetime:
    """The moment `day` begins in Leeds, in UTC."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def _time(local: datetime) -> str:
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    if local.hour == 12 and local.minute == 0:
        return "midday"
    if local.hour == 0 and local.minute == 0:
        return "midnight"
    return f"{hour}:{local.minute:02d}{suffix}"


def format_datetime(value: datetime | None) -> str:
    """GOV.UK style: '21 November 2026 at 3:52pm', in Leeds's own time."""
    if value is None:
        return ""
    local = london(value)
    return f"{local.day} {local:%B %Y} at {_time(local)}"


def format_date(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = london(value)
    return f"{value.day} {value:%B %Y}"


def format_waited(since: datetime | None, now: datetime | None = None) -> str:
    """How long something has waited, in plain words: '3 days', '5 hours', 'under an hour'."""
    if since is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    days, rem = divmod(seconds, 86400)
    hours = rem // 3600
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "under an hour"


def format_duration(seconds: int | None) -> str:
    """A length of time in plain words, to the minute: 'under a minute', '1 minute',
    '3 hours 5 minutes', '2 days'."""
    if seconds is None:
        return ""
    minutes = max(0, int(seconds)) // 60
    if minutes < 1:
        return "under a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def part(n: int, unit: str) -> str:
        return f"{n} {unit}{'s' if n != 1 else ''}"

    if days:
        return part(days, "day") + (f" {part(hours, 'hour')}" if hours else "")
    if hours:
        return part(hours, "hour") + (f" {part(minutes, 'minute')}" if minutes else "")
    return part(minutes, "minute")


def format_days(days: float | None) -> str:
    """A length of time in days as a person says it: 'less than a day', '1 day',
    '2.5 days' (never '0.0 days')."""
    if days is None:
        return ""
    if days < 1:
        return "less than a day"
    shown = f"{days:.1f}".removesuffix(".0")
    return f"{shown} {'day' if shown == '1' else 'days'}"
