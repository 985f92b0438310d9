"""The record of what the team did with a person's data on request: who, what, why."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
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
