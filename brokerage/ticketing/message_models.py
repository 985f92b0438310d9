"""The team's messages to the ball's guests: what was sent, by whom, to whom and how many."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.extensions import db
from brokerage.ticketing.models import TicketType


class Audience(enum.StrEnum):
    ALL = "all"  # every buyer with a valid ticket
    TICKET_TYPE = "ticket_type"  # buyers of one ticket type
    UNNAMED = "unnamed"  # buyers whose orders still have seats without a guest's name
    TABLE_HOSTS = "table_hosts"  # buyers of tables (a ticket type of more than one seat)


AUDIENCES = {
    Audience.ALL: "Every guest (the buyers of all paid orders)",
    Audience.TICKET_TYPE: "The buyers of one ticket type",
    Audience.UNNAMED: "Buyers with seats still to name",
    Audience.TABLE_HOSTS: "Table hosts (the buyers of tables)",
}


class GuestMessage(db.Model):
    """One message the team sent, kept with the ball's history. `send_key` is the compose
    form's one-time key: a double-submitted send finds the first and sends nothing more."""

    __tablename__ = "guest_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ball_id: Mapped[int] = mapped_column(
        ForeignKey("ball.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), nullable=False)
    ticket_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_type.id", ondelete="SET NULL")
    )
    subject: Mapped[str] = mapped_column(String(150), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    recipients: Mapped[int] = mapped_column(Integer, nullable=False)
    # Orders whose buyer's address was erased under the retention rules: not written to.
    skipped_erased: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    send_key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    actor: Mapped[User] = relationship()
    ticket_type: Mapped[TicketType | None] = relationship()

    @property
    def audience_words(self) -> str:
        if self.audience is Audience.TICKET_TYPE:
            name = self.ticket_type.name if self.ticket_type else "a ticket type since removed"
            return f"Buyers of {name}"
        return AUDIENCES[self.audience]
