"""Calendar files (.ics, RFC 5545) for volunteering sessions, made with `icalendar`: one
per session, and one feed per person at a secret address calendar apps subscribe to.

Times are written in Europe/London with a VTIMEZONE that holds both GMT and BST for the
years the sessions span, so a session after a clock change shows at the Leeds time it
was entered. The UID is fixed per session and SEQUENCE is the session's, so a changed
session replaces the old one; a cancelled one is STATUS:CANCELLED, so calendars drop it.

The feed's address carries a token signed with the app's secret key over the person's
id and their feed's version: nothing secret is stored, and resetting the address
(moving the version on) makes every older address stop working.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from brokerage.accounts.models import User
from brokerage.clock import LONDON, london, utcnow
from brokerage.extensions import db
from brokerage.volunteering import sessions as session_services
from brokerage.volunteering.models import CalendarFeed, SessionStatus, VolunteerSession

PRODID = "-//Digital Inclusion Leeds//Volunteering sessions//EN"
CONTENT_TYPE = "text/calendar; charset=utf-8"
_SALT = "calendar-feed"


def _host() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def event_for(session: VolunteerSession) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"volunteer-session-{session.id}@{_host()}")
    event.add("sequence", session.sequence)
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", london(session.starts_at))
    event.add("dtend", london(session.ends_at))
    event.add("summary", session_services.title_of(session))
    event.add("location", session.link if session.remote else session_services.where(session))
    if session.remote:
        event.add("url", session.link)
    description = f"With {session.match.need.organisation.name}."
    if session.notes:
        description += f"\n\n{session.notes}"
    event.add("description", description)
    cancelled = session.status is SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _timezone(sessions: list[VolunteerSession]) -> icalendar.Timezone:
    """Europe/London for the years the sessions span (a year either side), so both its
    GMT and BST parts are always there."""
    years = [london(s.starts_at).year for s in sessions] or [utcnow().year]
    return icalendar.Timezone.from_tzid(
        str(LONDON.key),
        first_date=date(min(years) - 1, 1, 1),
        last_date=date(max(years) + 1, 12, 31),
    )


def calendar_file(sessions: Iterable[VolunteerSession], name: str | None = None) -> bytes:
    """The .ics text of `sessions` (a feed when `name` is given)."""
    sessions = list(sessions)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", str(LONDON.key))
    calendar.add_component(_timezone(sessions))
    for session in sessions:
        calendar.add_component(event_for(session))
    return calendar.to_ical()


# --- The per-person feed ------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def _version(user: User) -> int:
    feed = db.session.get(CalendarFeed, user.id)
    return feed.version if feed is not None else 0


def feed_token(user: User) -> str:
    return _serializer().dumps([user.id, _version(user)])


def user_for_token(token: str) -> User | None:
    """The person whose current feed address this is, or None (a bad, old or reset
    token, or an account that is closed)."""
    try:
        user_id, version = _serializer().loads(token)
    except (BadSignature, TypeError, ValueError):
        return None
    if not isinstance(user_id, int) or not isinstance(version, int):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or _version(user) != version:
        return None
    return user


def reset_feed(user: User) -> None:
    """A new feed address; the old one stops working."""
    feed = db.session.get(CalendarFeed, user.id)
    if feed is None:
        feed = CalendarFeed(user_id=user.id, version=0)
        db.session.add(feed)
    feed.version += 1
    feed.reset_at = utcnow()
    db.session.flush()


def feed_for(user: User) -> bytes:
    return calendar_file(
        session_services.feed_sessions(user), name="Volunteering sessions (Digital Inclusion Leeds)"
    )
