"""Matches between a need and an offer: the allocation, both answers, the delivery.

A *match* gives part of an offer to part of a need. The team proposes it with
an allocation in units (volunteers x hours, devices, pence); both organisations
answer; once agreed it goes ahead, and the charity confirms what was delivered.

Allocations are held on the need and the offer as soon as they are proposed
(`held_*` columns on the listing), so two proposals can never promise the same
laptop twice; a decline or a cancellation gives them back.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db
from brokerage.listings.models import ListingSide, Need, Offer
from brokerage.organisations.models import Organisation


class MatchStatus(enum.StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "proposed": "Waiting for answers",
            "agreed": "Agreed",
            "in_progress": "In progress",
            "completed": "Completed",
            "declined": "Declined",
            "cancelled": "Cancelled",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "proposed": "yellow",
            "agreed": "turquoise",
            "in_progress": "blue",
            "completed": "green",
            "declined": "red",
            "cancelled": "grey",
        }[self.value]


# Statuses whose allocation counts against the need and the offer.
HOLDING_STATUSES = frozenset(
    {MatchStatus.PROPOSED, MatchStatus.AGREED, MatchStatus.IN_PROGRESS, MatchStatus.COMPLETED}
)
# Statuses whose allocation is promised by both sides (what makes a need partly met or met).
AGREED_STATUSES = frozenset({MatchStatus.AGREED, MatchStatus.IN_PROGRESS, MatchStatus.COMPLETED})


class MatchAction(enum.StrEnum):
    PROPOSE = "propose"
    ACCEPT = "accept"  # one side says yes; the match stays proposed until both have
    AGREE = "agree"  # the second yes
    DECLINE = "decline"
    START = "start"
    COMPLETE = "complete"
    CANCEL = "cancel"

    @property
    def past_tense(self) -> str:
        return {
            "propose": "Proposed",
            "accept": "Accepted",
            "agree": "Accepted by both: agreed",
            "decline": "Declined",
            "start": "Started",
            "complete": "Delivery confirmed",
            "cancel": "Cancelled",
        }[self.value]


_M, _X = MatchStatus, MatchAction

# The only moves a match can make.
MATCH_TRANSITIONS: dict[tuple[MatchStatus, MatchAction], MatchStatus] = {
    (_M.PROPOSED, _X.ACCEPT): _M.PROPOSED,
    (_M.PROPOSED, _X.AGREE): _M.AGREED,
    (_M.PROPOSED, _X.DECLINE): _M.DECLINED,
    (_M.AGREED, _X.START): _M.IN_PROGRESS,
    (_M.AGREED, _X.COMPLETE): _M.COMPLETED,
    (_M.IN_PROGRESS, _X.COMPLETE): _M.COMPLETED,
    (_M.PROPOSED, _X.CANCEL): _M.CANCELLED,
    (_M.AGREED, _X.CANCEL): _M.CANCELLED,
    (_M.IN_PROGRESS, _X.CANCEL): _M.CANCELLED,
}


def next_match_status(current: MatchStatus, action: MatchAction) -> MatchStatus:
    """The status after `action`, or IllegalTransition if the move is not allowed."""
    return transition(
        MATCH_TRANSITIONS,
        current,
        action,
        f"A match that is '{current.label.lower()}' cannot be {action.past_tense.lower()}.",
    )


class HelpOfferStatus(enum.StrEnum):
    NEW = "new"
    PROPOSED = "proposed"  # the team proposed a match from it
    CLOSED = "closed"  # the team looked at it and answered without a match

    @property
    def label(self) -> str:
        return {"new": "New", "proposed": "Match proposed", "closed": "Answered"}[self.value]


class HelpOffer(db.Model):
    """A company's "we can help" on a published need: it lands in the team's queue."""

    __tablename__ = "help_offer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), nullable=False, index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("offer.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[HelpOfferStatus] = mapped_column(
        str_enum(HelpOfferStatus), nullable=False, default=HelpOfferStatus.NEW, index=True
    )
    answer: Mapped[str | None] = mapped_column(Text)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    need: Mapped[Need] = relationship()
    organisation: Mapped[Organisation] = relationship()
    offer: Mapped[Offer | None] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    handled_by: Mapped[User | None] = relationship(foreign_keys=[handled_by_id])


class Match(db.Model):
    """Part of an offer given to part of a need, from proposal to delivery."""

    __tablename__ = "match"
    __table_args__ = (
        Index("ix_match_status_proposed_at", "status", "proposed_at"),
        # The impact summary recomputes a month's completed matches (impact/summary.py).
        Index("ix_match_closed_at", "closed_at"),
        CheckConstraint("volunteers IS NULL OR volunteers > 0", name="volunteers_positive"),
        CheckConstraint(
            "hours_per_volunteer IS NULL OR hours_per_volunteer > 0", name="hours_positive"
        ),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
        CheckConstraint("amount_pence IS NULL OR amount_pence > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id"), nullable=False, index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offer.id"), nullable=False, index=True)
    help_offer_id: Mapped[int | None] = mapped_column(ForeignKey("help_offer.id"))
    status: Mapped[MatchStatus] = mapped_column(
        str_enum(MatchStatus), nullable=False, default=MatchStatus.PROPOSED
    )
    # The allocation, in the units of each side's kind: volunteers x hours each,
    # devices, pence. A sponsorship offer can pay towards a need of another kind:
    # then the pence come off the offer and the need's own units off the need.
    volunteers: Mapped[int | None] = mapped_column(Integer)
    hours_per_volunteer: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int | None] = mapped_column(Integer)
    amount_pence: Mapped[int | None] = mapped_column(Integer)
    note_to_parties: Mapped[str | None] = mapped_column(Text)

    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    need_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    need_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    offer_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_side: Mapped[ListingSide | None] = mapped_column(str_enum(ListingSide))
    reason: Mapped[str | None] = mapped_column(Text)  # why it was declined or cancelled
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the charity confirms was delivered.
    delivered_hours: Mapped[int | None] = mapped_column(Integer)
    delivered_devices: Mapped[int | None] = mapped_column(Integer)
    delivered_pence: Mapped[int | None] = mapped_column(Integer)
    people_reached: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    need: Mapped[Need] = relationship()
    offer: Mapped[Offer] = relationship()
    help_offer: Mapped[HelpOffer | None] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    events: Mapped[list[MatchEvent]] = relationship(
        order_by="MatchEvent.id", cascade="all, delete-orphan", back_populates="match"
    )
    messages: Mapped[list[MatchMessage]] = relationship(
        order_by="MatchMessage.id", cascade="all, delete-orphan", back_populates="match"
    )
    notes: Mapped[list[TeamNote]] = relationship(
        order_by="TeamNote.id", cascade="all, delete-orphan", back_populates="match"
    )
    feedback: Mapped[list[Feedback]] = relationship(
        order_by="Feedback.id", cascade="all, delete-orphan", back_populates="match"
    )

    @property
    def total_hours(self) -> int | None:
        if self.volunteers is None or self.hours_per_volunteer is None:
            return None
        return self.volunteers * self.hours_per_volunteer

    @property
    def undelivered_devices(self) -> int:
        """Devices allocated but, as the charity confirmed, not received."""
        if self.status is not MatchStatus.COMPLETED or self.delivered_devices is None:
            return 0
        return max(0, (self.quantity or 0) - self.delivered_devices)

    @property
    def undelivered_pence(self) -> int:
        """Money allocated but, as the charity confirmed, not received."""
        if self.status is not MatchStatus.COMPLETED or self.delivered_pence is None:
            return 0
        return max(0, (self.amount_pence or 0) - self.delivered_pence)

    def accepted_at(self, side: ListingSide) -> datetime | None:
        return self.need_accepted_at if side is ListingSide.NEED else self.offer_accepted_at

    def organisation_of(self, side: ListingSide) -> Organisation:
        return self.need.organisation if side is ListingSide.NEED else self.offer.organisation

    def feedback_from(self, side: ListingSide) -> Feedback | None:
        return next((f for f in self.feedback if f.side is side), None)

    def __repr__(self) -> str:
        return f"<Match {self.id} need={self.need_id} offer={self.offer_id} {self.status.value}>"


class MatchEvent(db.Model):
    """One line of a match's history: who moved it, when, and why."""

    __tablename__ = "match_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    side: Mapped[ListingSide | None] = mapped_column(str_enum(ListingSide))  # None: the team
    action: Mapped[MatchAction] = mapped_column(str_enum(MatchAction), nullable=False)
    from_status: Mapped[MatchStatus | None] = mapped_column(str_enum(MatchStatus))
    to_status: Mapped[MatchStatus] = mapped_column(str_enum(MatchStatus), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    match: Mapped[Match] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class MatchMessage(db.Model):
    """The conversation between the two organisations and the team."""

    __tablename__ = "match_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    side: Mapped[ListingSide | None] = mapped_column(str_enum(ListingSide))  # None: the team
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    match: Mapped[Match] = relationship(back_populates="messages")
    author: Mapped[User] = relationship()


class TeamNote(db.Model):
    """The team's private notes on a match: a table of their own, so no page for the
    organisations can show one by mistake."""

    __tablename__ = "match_team_note"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    match: Mapped[Match] = relationship(back_populates="notes")
    author: Mapped[User] = relationship()


class Feedback(db.Model):
    """After completion, each side's 1-5 rating and comment, for the team."""

    __tablename__ = "match_feedback"
    __table_args__ = (
        UniqueConstraint("match_id", "side"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(
        ForeignKey("match.id", ondelete="CASCADE"), nullable=False
    )
    side: Mapped[ListingSide] = mapped_column(str_enum(ListingSide), nullable=False)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    rating: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False)
    # The charity's consent to quote the comment in the company's impact statement.
    quote_allowed: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    match: Mapped[Match] = relationship(back_populates="feedback")
    author: Mapped[User] = relationship()


Listing = Need | Offer
