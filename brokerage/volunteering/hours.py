"""Volunteers' hours: a volunteer logs their time at a session they were on, once it has
ended (once per session, amended until confirmed); the charity confirms the hours or
corrects them with a reason the volunteer sees. Confirmed minutes are what the impact
figures count for a match with sessions (`given_minutes`), in place of the single
number the charity typed at delivery, which still counts for matches without sessions.
"""

from __future__ import annotations

import functools
from datetime import datetime

from sqlalchemy import and_, bindparam, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from brokerage.accounts.models import User
from brokerage.clock import format_date, today_in_leeds, utcnow
from brokerage.errors import Conflict, FieldError, IllegalTransition, NotAllowed
from brokerage.extensions import db
from brokerage.matches.models import Match
from brokerage.notifications.services import notify
from brokerage.volunteering.models import (
    HourAction,
    HourLog,
    HourStatus,
    SessionAttendee,
    SessionStatus,
    Volunteer,
    VolunteerSession,
    VolunteerStatus,
    next_hour_status,
)

MAX_MINUTES = 24 * 60  # never more than a day for one session


def minutes_text(minutes: int | None) -> str:
    """'2 hours 30 minutes', '1 hour', '45 minutes', '0 hours'."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours or not rest:
        parts.append(f"{hours} hour{'' if hours == 1 else 's'}")
    if rest:
        parts.append(f"{rest} minute{'' if rest == 1 else 's'}")
    return " ".join(parts)


# --- What the impact figures count ----------------------------------------------------------


def has_sessions(match_id):
    """SQL: the match (by its id column) has a session that was not cancelled, or any
    hour log: its hours are then the confirmed logs, not the delivery's number."""
    return or_(
        exists().where(
            VolunteerSession.match_id == match_id,
            VolunteerSession.status == SessionStatus.SCHEDULED,
        ),
        exists().where(HourLog.match_id == match_id),
    )


def confirmed_minutes(match_id):
    """SQL: the minutes the charity confirmed on the match (by its id column)."""
    return (
        select(func.coalesce(func.sum(HourLog.confirmed_minutes), 0))
        .where(HourLog.match_id == match_id, HourLog.status == HourStatus.CONFIRMED)
        .scalar_subquery()
    )


def given_minutes(match_id=Match.id, delivered_hours=Match.delivered_hours):
    """SQL: the volunteer minutes a match gave: its confirmed hour logs when it has
    sessions, otherwise the hours the charity confirmed at delivery. Correlated
    subqueries in the one statement: no query per match."""
    return case(
        (has_sessions(match_id), confirmed_minutes(match_id)),
        else_=delivered_hours * 60,
    )


def hours_of(minutes: int | None) -> int | None:
    """Whole hours, to the nearest hour, as the impact figures show them."""
    return None if minutes is None else (int(minutes) + 30) // 60


def session_minutes(match: Match) -> int | None:
    """The confirmed minutes of a match with sessions; None for one without (its
    delivery's number of hours counts). One query, built once (building it took longer
    than the database's answer) and sent through the connection: it loads no objects."""
    statement = _session_minutes_of()
    found = db.session.connection().execute(statement, {"match_id": match.id}).one()
    return int(found[1]) if found[0] else None


@functools.cache
def _session_minutes_of():
    match_id = bindparam("match_id")
    return select(has_sessions(match_id), confirmed_minutes(match_id))


# --- Reading ------------------------------------------------------------------------------


def attends(session: VolunteerSession, volunteer: Volunteer) -> bool:
    return (
        db.session.scalar(
            select(SessionAttendee.id).where(
                SessionAttendee.session_id == session.id,
                SessionAttendee.volunteer_id == volunteer.id,
            )
        )
        is not None
    )


def attendee_of(session: VolunteerSession, user: User) -> Volunteer | None:
    """The person's active volunteer role that is on the session."""
    return db.session.scalar(
        select(Volunteer)
        .join(SessionAttendee, SessionAttendee.volunteer_id == Volunteer.id)
        .where(
            SessionAttendee.session_id == session.id,
            Volunteer.user_id == user.id,
            Volunteer.status == VolunteerStatus.ACTIVE,
        )
    )


def log_of(session: VolunteerSession, volunteer: Volunteer) -> HourLog | None:
    return db.session.scalar(
        select(HourLog).where(
            HourLog.session_id == session.id, HourLog.volunteer_id == volunteer.id
        )
    )


def logs_of_match(match: Match) -> list[HourLog]:
    """The match's hour logs, those waiting for the charity first, then by date."""
    return list(
        db.session.scalars(
            select(HourLog)
            .where(HourLog.match_id == match.id)
            .options(joinedload(HourLog.volunteer).joinedload(Volunteer.user))
            .order_by(HourLog.status.desc(), HourLog.worked_on.desc(), HourLog.id)
        )
    )


def sessions_to_log_for(user: User, now: datetime | None = None) -> list[VolunteerSession]:
    """Ended sessions the person was on, as an active volunteer, and has not logged yet,
    latest first. One query."""
    now = now or utcnow()
    roles = select(Volunteer.id).where(
        Volunteer.user_id == user.id, Volunteer.status == VolunteerStatus.ACTIVE
    )
    logged = select(HourLog.session_id).where(
        HourLog.volunteer_id.in_(roles), HourLog.session_id.is_not(None)
    )
    return list(
        db.session.scalars(
            select(VolunteerSession)
            .join(SessionAttendee, SessionAttendee.session_id == VolunteerSession.id)
            .where(
                SessionAttendee.volunteer_id.in_(roles),
                VolunteerSession.status == SessionStatus.SCHEDULED,
                VolunteerSession.ends_at <= now,
                VolunteerSession.id.not_in(logged),
            )
            .options(joinedload(VolunteerSession.match).joinedload(Match.need))
            .order_by(VolunteerSession.starts_at.desc())
            .limit(50)
        )
    )


# --- Logging and amending -------------------------------------------------------------------


def _check_minutes(minutes: int, field: str = "hours") -> None:
    if minutes < 0:
        raise FieldError(field, "Hours cannot be negative")
    if minutes > MAX_MINUTES:
        raise FieldError(field, "Hours must be 24 or fewer")


def log_hours(
    session: VolunteerSession, volunteer: Volunteer, minutes: int, now: datetime | None = None
) -> HourLog:
    """The volunteer logs (or amends, until confirmed) their time at `session`."""
    now = now or utcnow()
    if not volunteer.is_active:
        raise NotAllowed("Only a volunteer still with the company logs hours")
    if not attends(session, volunteer):
        raise NotAllowed("You can log hours only for sessions you were on")
    if session.status is not SessionStatus.SCHEDULED:
        raise Conflict("This session was cancelled: there are no hours to log")
    if session.ends_at > now:
        raise Conflict("You can log your hours once the session has ended")
    _check_minutes(minutes)
    existing = log_of(session, volunteer)
    if existing is not None:
        return amend_hours(existing, minutes, now)
    log = HourLog(
        session_id=session.id,
        match_id=session.match_id,
        organisation_id=session.match.offer.organisation_id,
        volunteer_id=volunteer.id,
        worked_on=today_in_leeds(session.starts_at),
        minutes=minutes,
        status=HourStatus.LOGGED,
        logged_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(log)
            db.session.flush()
    except IntegrityError:
        # The same form sent twice at once: the other one logged them.
        raise Conflict("You have already logged your hours for this session") from None
    _tell_charity(log, volunteer, "logged")
    return log


def amend_hours(log: HourLog, minutes: int, now: datetime | None = None) -> HourLog:
    """The volunteer changes what they logged, while the charity has not confirmed it.
    One conditional UPDATE: a confirmation that lands first wins, and the amendment is
    refused rather than changing confirmed hours."""
    next_hour_status(log.status, HourAction.AMEND)
    _check_minutes(minutes)
    done = db.session.execute(
        update(HourLog)
        .where(HourLog.id == log.id, HourLog.status == HourStatus.LOGGED)
        .values(minutes=minutes, logged_at=now or utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(log)
    if not done:
        raise IllegalTransition("These hours are already confirmed.")
    _tell_charity(log, log.volunteer, "changed")
    return log


def _tell_charity(log: HourLog, volunteer: Volunteer, verb: str) -> None:
    match = log.match
    notify(
        [m.user for m in match.need.organisation.active_memberships],
        f"{volunteer.user.name} {verb} {minutes_text(log.minutes)} for "
        f"{format_date(log.worked_on)}: please confirm them",
        f"/matches/{match.id}/hours",
    )


# --- The charity confirms ---------------------------------------------------------------------


def confirm_hours(log: HourLog, user: User, minutes: int, reason: str | None) -> HourLog:
    """The charity confirms the hours as logged, or corrects them: a correction needs a
    reason, which the volunteer sees. Conditional on the hours still being the ones
    the charity saw (`log.minutes` when the form was drawn is sent back by the form)."""
    next_hour_status(log.status, HourAction.CONFIRM)
    _check_minutes(minutes)
    reason = (reason or "").strip() or None
    corrected = minutes != log.minutes
    if corrected and not reason:
        raise FieldError("reason", "Enter why you changed the hours: the volunteer sees it")
    now = utcnow()
    done = db.session.execute(
        update(HourLog)
        .where(
            and_(
                HourLog.id == log.id,
                HourLog.status == HourStatus.LOGGED,
                HourLog.minutes == log.minutes,
            )
        )
        .values(
            status=HourStatus.CONFIRMED,
            confirmed_minutes=minutes,
            note=reason if corrected else None,
            confirmed_at=now,
            confirmed_by_id=user.id,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(log)
    if not done:
        raise Conflict(
            "These hours changed while you were looking at them: check them and confirm again"
        )
    if log.volunteer is not None:
        what = (
            f"corrected your hours for {format_date(log.worked_on)} to "
            f"{minutes_text(minutes)}: {reason}"
            if corrected
            else f"confirmed your {minutes_text(minutes)} on {format_date(log.worked_on)}"
        )
        notify([log.volunteer.user], f"{log.match.need.organisation.name} {what}", "/volunteering")
    return log
