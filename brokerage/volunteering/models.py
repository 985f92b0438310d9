"""Named volunteers: a company's volunteers and its invitations to them, the places on an
agreed volunteering match, their history, and the disclosure checks recorded for them.

A volunteer is a person with a volunteer role in a company, not a member of it: they
take places on the company's agreed matches and can do nothing for the company.
A match has as many places as its allocation has volunteers; a place moves through
one transition table (PLACE_TRANSITIONS). A disclosure check records the level, the
certificate's date and who checked it, never the certificate's number or a copy.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db
from brokerage.listings.models import ListingSide
from brokerage.matches.models import Match
from brokerage.organisations.models import Organisation, Ward

# --- Volunteers --------------------------------------------------------------------


class VolunteerStatus(enum.StrEnum):
    ACTIVE = "active"
    LEFT = "left"  # removed by the company when they left it; their rows stay

    @property
    def label(self) -> str:
        return {"active": "Volunteer", "left": "Left the company"}[self.value]


class VolunteerAction(enum.StrEnum):
    JOIN = "join"
    LEAVE = "leave"


VOLUNTEER_TRANSITIONS: dict[tuple[VolunteerStatus, VolunteerAction], VolunteerStatus] = {
    (VolunteerStatus.ACTIVE, VolunteerAction.LEAVE): VolunteerStatus.LEFT,
    (VolunteerStatus.LEFT, VolunteerAction.JOIN): VolunteerStatus.ACTIVE,
}


def next_volunteer_status(current: VolunteerStatus, action: VolunteerAction) -> VolunteerStatus:
    return transition(
        VOLUNTEER_TRANSITIONS,
        current,
        action,
        "This person has already left the company"
        if action is VolunteerAction.LEAVE
        else "This person is already a volunteer of the company",
    )


class Volunteer(db.Model):
    """A person's volunteer role in a company."""

    __tablename__ = "volunteer"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[VolunteerStatus] = mapped_column(
        str_enum(VolunteerStatus), nullable=False, default=VolunteerStatus.ACTIVE
    )
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])
    removed_by: Mapped[User | None] = relationship(foreign_keys=[removed_by_id])

    @property
    def is_active(self) -> bool:
        return self.status is VolunteerStatus.ACTIVE

    def __repr__(self) -> str:
        return f"<Volunteer {self.id} user={self.user_id} org={self.organisation_id}>"


class VolunteerInvitation(db.Model):
    """A company's invitation for an employee's email address to volunteer with it."""

    __tablename__ = "volunteer_invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    # Only a hash of the emailed token is kept, so a database leak opens no invitation.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and now < self.expires_at


# --- Places on a match ---------------------------------------------------------------


class PlaceStatus(enum.StrEnum):
    UNFILLED = "unfilled"  # the company's lead fills it
    OPEN = "open"  # open for the company's volunteers to sign up, first come
    TAKEN = "taken"  # a volunteer is on it, waiting for the charity to confirm
    CONFIRMED = "confirmed"  # the charity confirmed the volunteer

    @property
    def label(self) -> str:
        return {
            "unfilled": "Not filled",
            "open": "Open for sign-up",
            "taken": "Waiting for the charity",
            "confirmed": "Confirmed",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "unfilled": "grey",
            "open": "blue",
            "taken": "yellow",
            "confirmed": "green",
        }[self.value]

    @property
    def is_filled(self) -> bool:
        return self in (PlaceStatus.TAKEN, PlaceStatus.CONFIRMED)


class PlaceAction(enum.StrEnum):
    OPEN_UP = "open_up"
    ASSIGN = "assign"
    SIGN_UP = "sign_up"
    CONFIRM = "confirm"
    WITHDRAW = "withdraw"

    @property
    def past_tense(self) -> str:
        return {
            "open_up": "Opened for sign-up",
            "assign": "Assigned",
            "sign_up": "Signed up",
            "confirm": "Confirmed",
            "withdraw": "Withdrawn",
        }[self.value]


_P, _Y = PlaceStatus, PlaceAction
# The only moves a place can make. Withdrawing frees the place (the history keeps who).
PLACE_TRANSITIONS: dict[tuple[PlaceStatus, PlaceAction], PlaceStatus] = {
    (_P.UNFILLED, _Y.OPEN_UP): _P.OPEN,
    (_P.UNFILLED, _Y.ASSIGN): _P.TAKEN,
    (_P.OPEN, _Y.ASSIGN): _P.TAKEN,
    (_P.OPEN, _Y.SIGN_UP): _P.TAKEN,
    (_P.TAKEN, _Y.CONFIRM): _P.CONFIRMED,
    (_P.TAKEN, _Y.WITHDRAW): _P.UNFILLED,
    (_P.CONFIRMED, _Y.WITHDRAW): _P.UNFILLED,
}


def next_place_status(current: PlaceStatus, action: PlaceAction) -> PlaceStatus:
    """The status after `action`, or IllegalTransition if the move is not allowed."""
    return transition(
        PLACE_TRANSITIONS,
        current,
        action,
        f"A place that is '{current.label.lower()}' cannot be {action.past_tense.lower()}.",
    )


class Place(db.Model):
    """One of the volunteers a match agreed: numbered 1 to the match's volunteers."""

    __tablename__ = "volunteer_place"
    __table_args__ = (
        # One row per place number: two set-ups at once cannot make a place twice.
        UniqueConstraint("match_id", "number", name="uq_volunteer_place_number"),
        # A person holds at most one place on a match.
        UniqueConstraint("match_id", "volunteer_id", name="uq_volunteer_place_volunteer"),
        CheckConstraint("number > 0", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[PlaceStatus] = mapped_column(
        str_enum(PlaceStatus), nullable=False, default=PlaceStatus.UNFILLED
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL"), index=True
    )
    filled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    match: Mapped[Match] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    confirmed_by: Mapped[User | None] = relationship()
    checks: Mapped[list[DisclosureCheck]] = relationship(
        back_populates="place", order_by="DisclosureCheck.id", cascade="all, delete-orphan"
    )


class PlaceEvent(db.Model):
    """One line of a place's history: who moved it, for which volunteer, when."""

    __tablename__ = "volunteer_place_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_place.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL")
    )
    action: Mapped[PlaceAction] = mapped_column(str_enum(PlaceAction), nullable=False)
    from_status: Mapped[PlaceStatus] = mapped_column(str_enum(PlaceStatus), nullable=False)
    to_status: Mapped[PlaceStatus] = mapped_column(str_enum(PlaceStatus), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    volunteer: Mapped[Volunteer | None] = relationship()


# --- Disclosure checks -----------------------------------------------------------------


class CheckLevel(enum.StrEnum):
    BASIC = "basic"
    STANDARD = "standard"
    ENHANCED = "enhanced"
    ENHANCED_BARRED = "enhanced_barred"

    @property
    def label(self) -> str:
        return {
            "basic": "Basic",
            "standard": "Standard",
            "enhanced": "Enhanced",
            "enhanced_barred": "Enhanced with barred list check",
        }[self.value]


# Regulated activity with children or adults at risk needs an enhanced check with a
# check of the barred list for that work (the Disclosure and Barring Service's rule).
LEVEL_FOR_REGULATED_ACTIVITY = CheckLevel.ENHANCED_BARRED


class CheckArrangement(db.Model):
    """Who checks the volunteers of a match: the charity chooses, itself by default
    (no row), or the company."""

    __tablename__ = "volunteer_check_arrangement"

    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), primary_key=True
    )
    checked_by: Mapped[ListingSide] = mapped_column(str_enum(ListingSide), nullable=False)
    chosen_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class DisclosureCheck(db.Model):
    """A disclosure check seen for the volunteer on a place: no certificate number, no
    copy (data minimisation), only what the charity needs to rely on it."""

    __tablename__ = "disclosure_check"
    __table_args__ = (
        Index("ix_disclosure_check_place_id_volunteer_id", "place_id", "volunteer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_place.id", ondelete="CASCADE"), nullable=False
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), nullable=False
    )
    level: Mapped[CheckLevel] = mapped_column(str_enum(CheckLevel), nullable=False)
    certificate_date: Mapped[date] = mapped_column(Date, nullable=False)
    # Which side of the match checked the certificate: the charity or the company.
    checked_by: Mapped[ListingSide] = mapped_column(str_enum(ListingSide), nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    place: Mapped[Place] = relationship(back_populates="checks")
    volunteer: Mapped[Volunteer] = relationship()
    recorded_by: Mapped[User | None] = relationship()


# --- Sessions and hours ------------------------------------------------------------------


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"scheduled": "Scheduled", "cancelled": "Cancelled"}[self.value]

    @property
    def tag_colour(self) -> str:
        return {"scheduled": "blue", "cancelled": "grey"}[self.value]


class SessionAction(enum.StrEnum):
    CANCEL = "cancel"


SESSION_TRANSITIONS: dict[tuple[SessionStatus, SessionAction], SessionStatus] = {
    (SessionStatus.SCHEDULED, SessionAction.CANCEL): SessionStatus.CANCELLED,
}


def next_session_status(current: SessionStatus, action: SessionAction) -> SessionStatus:
    return transition(
        SESSION_TRANSITIONS, current, action, "This session has already been cancelled."
    )


class VolunteerSession(db.Model):
    """A time the volunteers of a match meet the charity: in Leeds at an address in a
    ward, or remote with a link. Times are stored in UTC and shown in Leeds time;
    `sequence` counts the changes, for calendar programs (RFC 5545 SEQUENCE)."""

    __tablename__ = "volunteer_session"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_volunteer_session_match_id_starts_at", "match_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    remote: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    address: Mapped[str | None] = mapped_column(Text)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id", ondelete="SET NULL"))
    link: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[SessionStatus] = mapped_column(
        str_enum(SessionStatus), nullable=False, default=SessionStatus.SCHEDULED
    )
    sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    match: Mapped[Match] = relationship()
    ward: Mapped[Ward | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    attendees: Mapped[list[SessionAttendee]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionAttendee.id"
    )

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class SessionAttendee(db.Model):
    """A volunteer put on a session (by the company or the charity)."""

    __tablename__ = "volunteer_session_attendee"
    __table_args__ = (UniqueConstraint("session_id", "volunteer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer_session.id", ondelete="CASCADE"), nullable=False
    )
    volunteer_id: Mapped[int] = mapped_column(
        ForeignKey("volunteer.id", ondelete="CASCADE"), nullable=False, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    session: Mapped[VolunteerSession] = relationship(back_populates="attendees")
    volunteer: Mapped[Volunteer] = relationship()


class HourStatus(enum.StrEnum):
    LOGGED = "logged"  # the volunteer logged them; waiting for the charity
    CONFIRMED = "confirmed"  # the charity confirmed them (as logged, or corrected)

    @property
    def label(self) -> str:
        return {"logged": "Waiting for the charity", "confirmed": "Confirmed"}[self.value]

    @property
    def tag_colour(self) -> str:
        return {"logged": "yellow", "confirmed": "green"}[self.value]


class HourAction(enum.StrEnum):
    AMEND = "amend"  # the volunteer changes what they logged, before it is confirmed
    CONFIRM = "confirm"  # the charity confirms (confirmed_minutes may differ: a correction)
    REOPEN = "reopen"  # the charity takes back a confirmation


HOUR_TRANSITIONS: dict[tuple[HourStatus, HourAction], HourStatus] = {
    (HourStatus.LOGGED, HourAction.AMEND): HourStatus.LOGGED,
    (HourStatus.LOGGED, HourAction.CONFIRM): HourStatus.CONFIRMED,
    (HourStatus.CONFIRMED, HourAction.REOPEN): HourStatus.LOGGED,
}


def next_hour_status(current: HourStatus, action: HourAction) -> HourStatus:
    return transition(
        HOUR_TRANSITIONS,
        current,
        action,
        "These hours are already confirmed."
        if current is HourStatus.CONFIRMED
        else "These hours are not confirmed yet.",
    )


class HourLog(db.Model):
    """A volunteer's time at one session, in whole minutes: logged by the volunteer,
    confirmed or corrected by the charity. Confirmed minutes are what the impact figures
    and the company's report count. The company and match are kept on the row so that
    the hours stay in the figures (without a name) after the person deletes their account."""

    __tablename__ = "volunteer_hour_log"
    __table_args__ = (
        UniqueConstraint("session_id", "volunteer_id", name="uq_volunteer_hour_log_once"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        CheckConstraint("confirmed_minutes >= 0", name="confirmed_minutes_not_negative"),
        Index("ix_volunteer_hour_log_organisation_id_status", "organisation_id", "status"),
        Index("ix_volunteer_hour_log_match_id_status", "match_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer_session.id", ondelete="SET NULL")
    )
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
    )
    volunteer_id: Mapped[int | None] = mapped_column(
        ForeignKey("volunteer.id", ondelete="SET NULL"), index=True
    )
    worked_on: Mapped[date] = mapped_column(Date, nullable=False)  # the session's Leeds date
    minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[HourStatus] = mapped_column(
        str_enum(HourStatus), nullable=False, default=HourStatus.LOGGED
    )
    confirmed_minutes: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)  # the charity's reason for a correction
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    session: Mapped[VolunteerSession | None] = relationship()
    match: Mapped[Match] = relationship()
    organisation: Mapped[Organisation] = relationship()
    volunteer: Mapped[Volunteer | None] = relationship()
    confirmed_by: Mapped[User | None] = relationship()

    @property
    def is_corrected(self) -> bool:
        return self.status is HourStatus.CONFIRMED and self.confirmed_minutes != self.minutes


class CalendarFeed(db.Model):
    """The version of a person's calendar feed address: the address is a token signed
    with the app's secret key over (user id, version), so nothing secret is stored;
    resetting the address moves the version on and every older address stops working.
    No row: version 0."""

    __tablename__ = "calendar_feed"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    reset_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
