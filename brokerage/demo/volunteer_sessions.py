"""The demo's volunteering sessions: on the regulated-activity match of the demo's named
volunteers (`volunteering`), two past Wednesday-afternoon sessions at the children's
centre and one next week, with the demo volunteers on them. The hours of the past
sessions are another module's to log: `seed_volunteer_sessions` returns the sessions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from brokerage.clock import LONDON, today_in_leeds
from brokerage.demo.volunteering import NEED_TITLE, VOLUNTEERS
from brokerage.extensions import db
from brokerage.listings.models import Need
from brokerage.matches.models import Match
from brokerage.organisations.models import Ward
from brokerage.volunteering import sessions
from brokerage.volunteering.models import Volunteer, VolunteerSession
from brokerage.volunteering.sessions import SessionDetails

ADDRESS = "Harehills Children's Centre, 1 Demo Lane, Leeds LS9 0AA"
# (days from today, who is on it: indexes into VOLUNTEERS)
PLAN = [(-14, (0, 1)), (-7, (0, 1)), (7, (0, 2))]


def _leeds(day, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def seed_volunteer_sessions() -> list[VolunteerSession]:
    """Make the sessions if the match has none (idempotent); return the match's sessions."""
    match = db.session.scalar(select(Match).join(Need).where(Need.title == NEED_TITLE))
    if match is None:
        return []
    found = sessions.sessions_of(match)
    if found:
        return found
    charity = match.need.organisation.owners[0]
    ward = db.session.scalar(select(Ward.id).where(Ward.slug == "gipton-and-harehills"))
    volunteers = {
        v.user.email: v
        for v in db.session.scalars(
            select(Volunteer).where(Volunteer.organisation_id == match.offer.organisation_id)
        )
    }
    today = today_in_leeds()
    for days, who in PLAN:
        day = today + timedelta(days=days)
        starts, ends = _leeds(day, time(13, 30)), _leeds(day, time(15, 30))
        details = SessionDetails(
            starts,
            ends,
            remote=False,
            address=ADDRESS,
            ward_id=ward,
            notes="Bring a charged laptop; tablets are provided for the families.",
        )
        # Arranged a fortnight before it happened, as the charity would have.
        session = sessions.add_session(match, charity, details, now=starts - timedelta(days=14))
        ids = [volunteers[VOLUNTEERS[i][0]].id for i in who]
        sessions.set_attendees(session, charity, ids)
    return sessions.sessions_of(match)
