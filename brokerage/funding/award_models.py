"""An award made from a grant round: its payment and the monitoring reports on what
it achieved."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
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
from brokerage.columns import TimestampMixin, UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db
from brokerage.funding.models import GrantApplication


class AwardStatus(enum.StrEnum):
    AWARDED = "awarded"  # decided, not yet paid
    PAID = "paid"
    CLOSED = "closed"  # every monitoring report accepted

    @property
    def label(self) -> str:
        return {"awarded": "Awarded, not paid", "paid": "Paid", "closed": "Closed"}[self.value]


class AwardAction(enum.StrEnum):
    RECORD_PAYMENT = "record_payment"
    CLOSE = "close"


AWARD_TRANSITIONS: dict[tuple[AwardStatus, AwardAction], AwardStatus] = {
    (AwardStatus.AWARDED, AwardAction.RECORD_PAYMENT): AwardStatus.PAID,
    (AwardStatus.PAID, AwardAction.CLOSE): AwardStatus.CLOSED,
}


def next_award_status(current: AwardStatus, action: AwardAction) -> AwardStatus:
    return transition(
        AWARD_TRANSITIONS,
        current,
        action,
        f"An award that is '{current.label.lower()}' cannot be "
        f"{'paid' if action is AwardAction.RECORD_PAYMENT else 'closed'}.",
    )


class Award(TimestampMixin, db.Model):
    __tablename__ = "award"
    __table_args__ = (CheckConstraint("amount_pence > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    status: Mapped[AwardStatus] = mapped_column(
        str_enum(AwardStatus), nullable=False, default=AwardStatus.AWARDED
    )
    amount_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    conditions: Mapped[str] = mapped_column(Text, nullable=False, default="")
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    awarded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    paid_on: Mapped[date | None] = mapped_column(Date)
    payment_reference: Mapped[str | None] = mapped_column(String(80))
    paid_recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    application: Mapped[GrantApplication] = relationship(back_populates="award")
    awarded_by: Mapped[User | None] = relationship(foreign_keys=[awarded_by_id])
    paid_recorded_by: Mapped[User | None] = relationship(foreign_keys=[paid_recorded_by_id])
    reports: Mapped[list[MonitoringReport]] = relationship(
        back_populates="award", order_by="MonitoringReport.due_on", cascade="all, delete-orphan"
    )


class ReportStatus(enum.StrEnum):
    DUE = "due"
    SUBMITTED = "submitted"
    MORE_REQUESTED = "more_requested"
    ACCEPTED = "accepted"

    @property
    def label(self) -> str:
        return {
            "due": "Due",
            "submitted": "Sent, waiting for the team",
            "more_requested": "More information asked for",
            "accepted": "Accepted",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "due": "yellow",
            "submitted": "blue",
            "more_requested": "orange",
            "accepted": "green",
        }[self.value]


class ReportAction(enum.StrEnum):
    SUBMIT = "submit"
    ACCEPT = "accept"
    ASK_FOR_MORE = "ask_for_more"


REPORT_TRANSITIONS: dict[tuple[ReportStatus, ReportAction], ReportStatus] = {
    (ReportStatus.DUE, ReportAction.SUBMIT): ReportStatus.SUBMITTED,
    (ReportStatus.MORE_REQUESTED, ReportAction.SUBMIT): ReportStatus.SUBMITTED,
    (ReportStatus.SUBMITTED, ReportAction.ACCEPT): ReportStatus.ACCEPTED,
    (ReportStatus.SUBMITTED, ReportAction.ASK_FOR_MORE): ReportStatus.MORE_REQUESTED,
}


def next_report_status(current: ReportStatus, action: ReportAction) -> ReportStatus:
    return transition(
        REPORT_TRANSITIONS,
        current,
        action,
        f"A report that is '{current.label.lower()}' cannot be {action.value.replace('_', ' ')}ed.",
    )


class MonitoringReport(db.Model):
    """What a grant achieved, reported on a date the team set."""

    __tablename__ = "monitoring_report"
    __table_args__ = (
        UniqueConstraint("award_id", "due_on"),
        Index("ix_monitoring_report_status_due_on", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(
        ForeignKey("award.id", ondelete="CASCADE"), nullable=False
    )
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus), nullable=False, default=ReportStatus.DUE
    )
    what_was_done: Mapped[str | None] = mapped_column(Text)
    people_reached: Mapped[int | None] = mapped_column(Integer)
    devices_given: Mapped[int | None] = mapped_column(Integer)
    support_hours: Mapped[int | None] = mapped_column(Integer)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    team_comment: Mapped[str | None] = mapped_column(Text)

    award: Mapped[Award] = relationship(back_populates="reports")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
