"""The email outbox (written in the transaction of the change it reports); in-app notices."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.extensions import db


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    # Claimed by a worker, committed before the SMTP conversation starts. A row still
    # "sending" after MAIL_CLAIM_TIMEOUT_S (its worker died mid-send) is tried again.
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS; kept for the team to see

    @property
    def tag_colour(self) -> str:
        return {"pending": "yellow", "sending": "blue", "sent": "green", "failed": "red"}[
            self.value
        ]


class OutboxEmail(db.Model):
    __tablename__ = "outbox_email"
    __table_args__ = (Index("ix_outbox_email_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254), nullable=False)
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    body_html: Mapped[str | None] = mapped_column(Text)
    # QR codes the HTML shows as images ("cid:..."): a JSON list of [content id, text].
    # The worker draws each as a PNG and sends it with the email.
    qr_images: Mapped[str | None] = mapped_column(Text)
    # What kind of message this is (e.g. "verify_email"), for the team and for tests.
    template: Mapped[str] = mapped_column(String(64), nullable=False)
    status: Mapped[OutboxStatus] = mapped_column(
        str_enum(OutboxStatus), nullable=False, default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The worker that claimed the row for its current attempt, and when.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a receiving server can drop a
        copy sent again after a worker died between sending and recording it."""
        return f"<outbox-{self.id}-{self.created_at:%Y%m%d%H%M%S}@brokerage>"


class Notice(db.Model):
    """An in-app notice for one person: what changed, and where to look."""

    __tablename__ = "notice"
    __table_args__ = (Index("ix_notice_user_id_created_at", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
    )
    message: Mapped[str] = mapped_column(String(300), nullable=False)
    path: Mapped[str] = mapped_column(String(300), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ReminderSent(db.Model):
    """A reminder that went: at most one per kind, thing and recipient. `recipient`
    is "user:<id>" or "order:<id>", never an address, so nothing here outlives an
    erasure."""

    __tablename__ = "reminder_sent"
    __table_args__ = (
        UniqueConstraint("kind", "thing_id", "recipient", name="uq_reminder_sent_once"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    thing_id: Mapped[int] = mapped_column(Integer, nullable=False)
    recipient: Mapped[str] = mapped_column(String(40), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
