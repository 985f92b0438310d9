"""People who sign in: charity staff, CSR leads and the programme team."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.columns import TimestampMixin, UTCDateTime
from brokerage.extensions import db

if TYPE_CHECKING:
    from brokerage.organisations.models import Membership


def new_session_token() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Stored lower-cased so look-ups and the unique index agree.
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_team: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Changes whenever the password does, which signs out every other session
    # and spends any password-reset link issued before.
    session_token: Mapped[str] = mapped_column(
        String(64), default=new_session_token, nullable=False
    )
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Reminders (brokerage/notifications/reminders.py) turned off; service emails still go.
    reminders_off: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    # One email a day listing their notices, instead of an email for each
    # (notifications/digest.py); digest_sent_at is when the last one went.
    daily_digest: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false(), nullable=False
    )
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When they last opened their notices: newer ones are "new since your last visit".
    notices_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", foreign_keys="Membership.user_id"
    )

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class UserSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its hash is kept,
    and a session whose row is ended (signed out, or ended from another device or by a
    password change) no longer signs anyone in, even with a copy of the cookie."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_id_ended_at", "user_id", "ended_at"),)

    # SHA-256 of the token in the cookie, in hex.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Refreshed at most once a minute, so a busy page costs no extra writes.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # "Firefox on Windows": enough to recognise a device, not the full header.
    user_agent: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    def __repr__(self) -> str:
        return f"<UserSession {self.id[:8]} user={self.user_id}>"
