"""Signed-in sessions kept on the server: started at sign-in, checked on every request,
ended by signing out, from another device, or by a password change or reset."""

from __future__ import annotations

import functools
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from sqlalchemy import Row, Select, bindparam, select, update
from sqlalchemy.orm import contains_eager

from brokerage.accounts.models import User, UserSession
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.organisations.models import Membership

# last_seen_at is written at most this often for one session.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """The row's id for a cookie's token: the token itself is never stored."""
    return hashlib.sha256(token.encode()).hexdigest()


# Checked in order: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR", "Opera"),
    ("SamsungBrowser", "Samsung Internet"),
    ("Firefox", "Firefox"),
    ("FxiOS", "Firefox"),
    ("CriOS", "Chrome"),
    ("Chrome", "Chrome"),
    ("Safari", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)


def describe_device(user_agent: str | None) -> str:
    """A person's words for a browser: 'Firefox on Windows', or 'Unknown browser'."""
    agent = (user_agent or "")[:1000]
    browser = next((name for key, name in _BROWSERS if key in agent), None)
    system = next((name for key, name in _SYSTEMS if key in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    if browser or system:
        return browser or f"A browser on {system}"
    # Anything else (a script, a test client): its first word, without odd characters.
    word = re.sub(r"[^\w./ -]", "", agent.split(" ", 1)[0])[:60]
    return word or "Unknown browser"


def start(user: User, user_agent: str | None, now: datetime | None = None) -> str:
    """Record a new signed-in session for `user`; returns the token for the cookie."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            id=token_hash(token),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            user_agent=describe_device(user_agent)[:120],
        )
    )
    db.session.flush()
    return token


def live_query(*columns) -> Select:
    """The statement `find` runs, with `columns` about the person alongside the session
    (each column may refer to `User`). Built once by its caller and run with
    `session_id` and `user_id`: building it again on every request cost more than the
    database's answer."""
    # One query for the session, its person and their memberships with each
    # organisation: this runs on every signed-in request, and the permission checks and
    # the navigation read the memberships (permissions.py) instead of querying again.
    return (
        select(UserSession, *columns)
        .join(UserSession.user)
        .options(
            contains_eager(UserSession.user)
            .joinedload(User.memberships)
            .joinedload(Membership.organisation)
        )
        .where(
            UserSession.id == bindparam("session_id"),
            UserSession.user_id == bindparam("user_id"),
            UserSession.ended_at.is_(None),
        )
    )


@functools.cache
def _session_only() -> Select:
    return live_query()


def find(user_id: int, token: str | None, query: Select | None = None) -> Row | None:
    """The live session this token names for this person (with `query`'s other columns
    after it: a `live_query`), or None (ended, someone else's, or no token at all)."""
    if not token or not isinstance(token, str):
        return None
    return (
        db.session.execute(
            _session_only() if query is None else query,
            {"session_id": token_hash(token), "user_id": user_id},
        )
        .unique()
        .one_or_none()
    )


def needs_touch(found: UserSession, now: datetime | None = None) -> bool:
    return (now or utcnow()) - found.last_seen_at >= TOUCH_EVERY


def touch(found: UserSession, now: datetime | None = None) -> None:
    found.last_seen_at = now or utcnow()
    db.session.flush()


def end(token: str | None, now: datetime | None = None) -> None:
    """Sign this session out for good: a copy of its cookie opens nothing afterwards."""
    if not token or not isinstance(token, str):
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.id == token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow())
    )


def end_others(user: User, keep: str | None = None, now: datetime | None = None) -> int:
    """End every live session of `user` except the one `keep` names; how many ended."""
    stmt = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep:
        stmt = stmt.where(UserSession.id != token_hash(keep))
    result = db.session.execute(stmt.values(ended_at=now or utcnow()))
    return result.rowcount or 0


def live(user: User) -> list[UserSession]:
    """The person's signed-in sessions, the most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())
        )
    )


def is_current(found: UserSession, token: str | None) -> bool:
    return bool(token) and found.id == token_hash(token)
