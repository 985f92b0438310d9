"""Sessions of an agreed volunteering match: the charity or the company adds one (a
time in Leeds, at an address in a ward or remote with a link), puts volunteers holding
a place on it, changes or cancels it. The volunteers on a session are emailed when it
changes or is cancelled, with a link to its calendar file; every change moves the
session's `sequence` on, so calendar programs replace the old copy (RFC 5545).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.listings.models import ListingKind, Need, Offer
from brokerage.matches.models import Match
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import Membership, MembershipStatus, Ward
from brokerage.permissions import is_member
from brokerage.volunteering.models import (
    Place,
    PlaceStatus,
    SessionAction,
    SessionAttendee,
    SessionStatus,
    Volunteer,
    VolunteerSession,
    VolunteerStatus,
    next_session_status,
)
from brokerage.volunteering.places import LIVE_STATUSES

# The longest session we take: a day's volunteering, not a week's.
MAX_LENGTH = timedelta(hours=12)
# How far back the calendar feed reaches: recent sessions stay in people's calendars.
FEED_DAYS_BACK = 90


@dataclass
class SessionDetails:
    """What the add and change forms give: times in UTC, place or link."""

    starts_at: datetime
    ends_at: datetime
    remote: bool
    address: str | None = None
    ward_id: int | None = None
    link: str | None = None
    notes: str | None = None


def _check(details: SessionDetails, now: datetime) -> None:
    """Refuse details a session cannot have, naming the form's field."""
    if details.starts_at <= now:
        raise FieldError("starts_at", "The session must start in the future")
    if details.ends_at <= details.starts_at:
        raise FieldError("ends", "The end time must be after the start time")
    if details.ends_at - details.starts_at > MAX_LENGTH:
        raise FieldError("ends", "A session can be at most 12 hours long")
    if details.remote:
        if not details.link:
            raise FieldError("link", "Enter the link for the remote session")
        if not details.link.startswith("https://") or len(details.link) <= len("https://"):
            raise FieldError("link", "Enter a link that starts with https://")
        return
    if not details.address:
        raise FieldError("address", "Enter the address of the session")
    ward = db.session.get(Ward, details.ward_id) if details.ward_id else None
    if ward is None or ward.is_citywide:
        raise FieldError("ward", "Choose the ward the address is in")


def _live(match: Match) -> None:
    if match.offer.kind is not ListingKind.VOLUNTEERING or match.status not in LIVE_STATUSES:
        raise Conflict(
            f"This match is '{match.status.label.lower()}': its sessions cannot change now"
        )


def _party(match: Match, user: User) -> None:
    if not (is_member(user, match.need.organisation) or is_member(user, match.offer.organisation)):
        raise DomainError("Only the charity or the company arranges sessions")


def _apply(session: VolunteerSession, details: SessionDetails) -> None:
    session.starts_at = details.starts_at
    session.ends_at = details.ends_at
    session.remote = details.remote
    session.address = None if details.remote else details.address
    session.ward_id = None if details.remote else details.ward_id
    session.link = details.link if details.remote else None
    session.notes = details.notes or None


def add_session(
    match: Match, actor: User, details: SessionDetails, now: datetime | None = None
) -> VolunteerSession:
    """A new session on the match. `now` is for the demo's back-dated history."""
    now = now or utcnow()
    _live(match)
    _party(match, actor)
    _check(details, now)
    session = VolunteerSession(match_id=match.id, created_by_id=actor.id, created_at=now)
    _apply(session, details)
    session.updated_at = now
    db.session.add(session)
    db.session.flush()
    return session


def change_session(
    session: VolunteerSession, actor: User, details: SessionDetails, now: datetime | None = None
) -> None:
    """Change a scheduled session; its volunteers are emailed the new details."""
    now = now or utcnow()
    _live(session.match)
    _party(session.match, actor)
    if session.status is not SessionStatus.SCHEDULED:
        raise Conflict("This session has been cancelled: add a new one instead")
    _check(details, now)
    _apply(session, details)
    session.sequence += 1
    session.updated_at = now
    db.session.flush()
    _tell_attendees(session, "has changed", "Session changed")


def cancel_session(session: VolunteerSession, actor: User, now: datetime | None = None) -> None:
    """Cancel a session; its volunteers are emailed, and calendars drop it."""
    now = now or utcnow()
    _party(session.match, actor)
    session.status = next_session_status(session.status, SessionAction.CANCEL)
    session.sequence += 1
    session.cancelled_at = session.updated_at = now
    db.session.flush()
    _tell_attendees(session, "is cancelled", "Session cancelled")


# --- Who is on a session -----------------------------------------------------------------


def eligible_volunteers(match: Match) -> list[Volunteer]:
    """The volunteers holding a place on the match (taken or confirmed), by place."""
    return list(
        db.session.scalars(
            select(Volunteer)
            .join(Place, Place.volunteer_id == Volunteer.id)
            .where(
                Place.match_id == match.id,
                Place.status.in_([PlaceStatus.TAKEN, PlaceStatus.CONFIRMED]),
                Volunteer.status == VolunteerStatus.ACTIVE,
            )
            .order_by(Place.number)
            .options(joinedload(Volunteer.user))
        )
    )


def set_attendees(session: VolunteerSession, actor: User, volunteer_ids: list[int]) -> list:
    """Put exactly these volunteers on the session (each must hold a place on its match).
    Returns the volunteers newly put on it, who are emailed."""
    match = session.match
    _live(match)
    _party(match, actor)
    if session.status is not SessionStatus.SCHEDULED:
        raise Conflict("This session has been cancelled")
    eligible = {v.id: v for v in eligible_volunteers(match)}
    wanted = set(volunteer_ids)
    if wanted - eligible.keys():
        raise FieldError("volunteers", "Choose volunteers who hold a place on this match")
    current = {a.volunteer_id: a for a in session.attendees}
    for volunteer_id, attendee in current.items():
        if volunteer_id not in wanted:
            session.attendees.remove(attendee)
    added = [eligible[v] for v in sorted(wanted - current.keys())]
    for volunteer in added:
        session.attendees.append(SessionAttendee(volunteer=volunteer, added_by_id=actor.id))
    db.session.flush()
    for volunteer in added:
        _email(session, volunteer.user, "has been added to your volunteering", "New session")
    return added


# --- Telling the volunteers ---------------------------------------------------------------


def title_of(session: VolunteerSession) -> str:
    return f"Volunteering: {session.match.need.title}"


def where(session: VolunteerSession) -> str:
    if session.remote:
        return f"Online: {session.link}"
    ward = f" ({session.ward.name})" if session.ward else ""
    return f"{session.address}{ward}"


def ics_url(session: VolunteerSession) -> str:
    return site_url("volunteering.session_ics", match_id=session.match_id, session_id=session.id)


def _email(session: VolunteerSession, person: User, what: str, subject: str) -> None:
    if not person.active:
        return
    message = f"A session with {session.match.need.organisation.name} {what}"
    path = f"/matches/{session.match_id}/sessions"
    notify([person], message, path)
    queue_email(
        person.email,
        "volunteer_session",
        f"{subject}: {format_datetime(session.starts_at)}",
        user=person,
        message=message,
        session=session,
        when=format_datetime(session.starts_at),
        until=format_datetime(session.ends_at).rsplit(" at ", 1)[-1],
        place=where(session),
        cancelled=session.status is SessionStatus.CANCELLED,
        ics_link=ics_url(session),
        link=site_url("volunteering.sessions", match_id=session.match_id),
    )


def _tell_attendees(session: VolunteerSession, what: str, subject: str) -> None:
    for attendee in session.attendees:
        _email(session, attendee.volunteer.user, what, subject)


# --- Reading --------------------------------------------------------------------------------


def sessions_of(match: Match) -> list[VolunteerSession]:
    return list(
        db.session.scalars(
            select(VolunteerSession)
            .where(VolunteerSession.match_id == match.id)
            .order_by(VolunteerSession.starts_at, VolunteerSession.id)
            .options(
                joinedload(VolunteerSession.ward),
                selectinload(VolunteerSession.attendees)
                .joinedload(SessionAttendee.volunteer)
                .joinedload(Volunteer.user),
            )
        )
    )


def session_of(match: Match, session_id: int) -> VolunteerSession | None:
    session = db.session.get(VolunteerSession, session_id)
    return session if session is not None and session.match_id == match.id else None


def _attending(user: User):
    return (
        select(SessionAttendee.session_id)
        .join(Volunteer, Volunteer.id == SessionAttendee.volunteer_id)
        .where(Volunteer.user_id == user.id, Volunteer.status == VolunteerStatus.ACTIVE)
    )


def upcoming_for(user: User, now: datetime | None = None, limit: int = 20) -> list:
    """The scheduled sessions the person is on that have not ended, soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(VolunteerSession)
            .where(
                VolunteerSession.id.in_(_attending(user)),
                VolunteerSession.status == SessionStatus.SCHEDULED,
                VolunteerSession.ends_at > now,
            )
            .order_by(VolunteerSession.starts_at)
            .limit(limit)
            .options(
                joinedload(VolunteerSession.ward),
                joinedload(VolunteerSession.match)
                .joinedload(Match.need)
                .joinedload(Need.organisation),
            )
        )
    )


def feed_sessions(user: User, now: datetime | None = None, limit: int = 500) -> list:
    """What the person's calendar feed holds: sessions they are on, and sessions of the
    matches of organisations they are a member of (either side), from FEED_DAYS_BACK
    days ago; cancelled ones too, so calendars remove them."""
    now = now or utcnow()
    my_orgs = select(Membership.organisation_id).where(
        Membership.user_id == user.id, Membership.status == MembershipStatus.ACTIVE
    )
    my_matches = (
        select(Match.id)
        .join(Need, Need.id == Match.need_id)
        .join(Offer, Offer.id == Match.offer_id)
        .where(or_(Need.organisation_id.in_(my_orgs), Offer.organisation_id.in_(my_orgs)))
    )
    return list(
        db.session.scalars(
            select(VolunteerSession)
            .where(
                or_(
                    VolunteerSession.id.in_(_attending(user)),
                    VolunteerSession.match_id.in_(my_matches),
                ),
                VolunteerSession.ends_at > now - timedelta(days=FEED_DAYS_BACK),
            )
            .order_by(VolunteerSession.starts_at)
            .limit(limit)
            .options(
                joinedload(VolunteerSession.ward),
                joinedload(VolunteerSession.match)
                .joinedload(Match.need)
                .joinedload(Need.organisation),
            )
        )
    )
