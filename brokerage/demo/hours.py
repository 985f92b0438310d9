"""The demo's volunteer hours: on the demo's regulated-activity match, each volunteer on
a past session logged the session's length; the charity confirmed the first session's
(correcting one, with its reason) and the second's wait for it. Does nothing until the
match has sessions that have ended, and nothing again once hours are logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from brokerage.clock import utcnow
from brokerage.demo.volunteering import NEED_TITLE
from brokerage.extensions import db
from brokerage.listings.models import Need
from brokerage.matches.models import Match
from brokerage.volunteering import hours
from brokerage.volunteering.models import HourLog, SessionStatus, VolunteerSession

CORRECTION = "The session finished half an hour early: the centre closed at 4pm."


def seed_hours(now: datetime | None = None) -> None:
    now = now or utcnow()
    match = db.session.scalar(
        select(Match).join(Need, Need.id == Match.need_id).where(Need.title == NEED_TITLE)
    )
    if match is None or db.session.scalar(select(HourLog.id).where(HourLog.match_id == match.id)):
        return
    past = db.session.scalars(
        select(VolunteerSession)
        .where(
            VolunteerSession.match_id == match.id,
            VolunteerSession.status == SessionStatus.SCHEDULED,
            VolunteerSession.ends_at <= now,
        )
        .order_by(VolunteerSession.starts_at)
    ).all()
    charity = match.need.organisation.owners[0]
    for number, session in enumerate(past[-2:]):
        for index, attendee in enumerate(session.attendees):
            if not attendee.volunteer.is_active:
                continue
            log = hours.log_hours(session, attendee.volunteer, session.minutes, now)
            if number == 0:  # the earlier session: confirmed, one of them corrected
                corrected = index == 0 and session.minutes > 30
                minutes = session.minutes - 30 if corrected else session.minutes
                hours.confirm_hours(log, charity, minutes, CORRECTION if corrected else None)
    db.session.flush()
