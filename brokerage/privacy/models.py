"""The record of what the team did with a person's data on request: who, what, why."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db


class PrivacyActionKind(enum.StrEnum):
    DOWNLOADED = "downloaded"  # the team downloaded what is held about an address
    ERASED_ORDER = "erased_order"  # a ball buyer's details, on request
    ERASED_GUEST = "erased_guest"  # one guest's name and needs, on request
    DELETED_ACCOUNT = "deleted_account"  # a person deleted their own account

    @property
    def label(self) -> str:
        return {
            "downloaded": "Downloaded the data held",
            "erased_order": "Erased a ball buyer's details",
            "erased_guest": "Erased a guest's details",
            "deleted_account": "Account deleted by its holder",
        }[self.value]


class PrivacyAction(db.Model):
    """One action on a person's data. It never holds the person's name or email (that
    would undo an erasure): `subject` says what was acted on ("order 12")."""

    __tablename__ = "privacy_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[PrivacyActionKind] = mapped_column(str_enum(PrivacyActionKind), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    subject: Mapped[str] = mapped_column(String(120), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, nullable=False, index=True
    )

    actor: Mapped[User | None] = relationship()


class DataExportStatus(enum.StrEnum):
    QUEUED = "queued"  # asked for; the worker makes the file
    READY = "ready"  # made; the emailed link works once, until expires_at
    DOWNLOADED = "downloaded"  # the link was used: the file is gone
    EXPIRED = "expired"  # the link ran out unused: the file is gone

    @property
    def label(self) -> str:
        return {
            "queued": "Being prepared",
            "ready": "Ready: we emailed you a link",
            "downloaded": "Downloaded",
            "expired": "Link expired",
        }[self.value]


_D = DataExportStatus
# The only moves a copy makes (the worker's bulk expiry checks status = ready itself).
COPY_TRANSITIONS = {
    (_D.QUEUED, "make"): _D.READY,
    (_D.READY, "fetch"): _D.DOWNLOADED,
    (_D.READY, "expire"): _D.EXPIRED,
}


def next_copy_status(current: DataExportStatus, action: str) -> DataExportStatus:
    return transition(
        COPY_TRANSITIONS, current, action, f"A copy that is {current} cannot {action}"
    )


class DataExport(db.Model):
    """A large account's copy of its data, made by the worker: the zip is kept only
    until its one-time link is used or runs out."""

    __tablename__ = "data_export"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[DataExportStatus] = mapped_column(
        str_enum(DataExportStatus), nullable=False, default=DataExportStatus.QUEUED
    )
    # Only a hash of the emailed token is kept, so a database leak opens no file.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()
