"""An award's history: who recorded its payment, set its report dates, sent each report
and answered it, when, and what the team said (a comment asking for more is kept even
after the report is sent again and accepted)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.extensions import db
from brokerage.funding.award_models import Award, MonitoringReport


class AwardEventKind(enum.StrEnum):
    PAID = "paid"
    DATES_SET = "dates_set"
    REPORT_SENT = "report_sent"
    REPORT_ACCEPTED = "report_accepted"
    MORE_ASKED = "more_asked"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return {
            "paid": "Payment recorded",
            "dates_set": "Report dates set",
            "report_sent": "Report sent",
            "report_accepted": "Report accepted",
            "more_asked": "More information asked for",
            "closed": "Award closed",
        }[self.value]


class AwardEvent(db.Model):
    """One line of an award's history."""

    __tablename__ = "award_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    award_id: Mapped[int] = mapped_column(
        ForeignKey("award.id", ondelete="CASCADE"), nullable=False, index=True
    )
    report_id: Mapped[int | None] = mapped_column(
        ForeignKey("monitoring_report.id", ondelete="SET NULL")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    kind: Mapped[AwardEventKind] = mapped_column(str_enum(AwardEventKind), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    award: Mapped[Award] = relationship()
    report: Mapped[MonitoringReport | None] = relationship()
    actor: Mapped[User | None] = relationship()
