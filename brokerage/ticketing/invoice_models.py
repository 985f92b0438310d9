"""Invoices for companies that pay for tables or sponsor packages by bank transfer.

An invoiced order is a pending order whose hold lasts until the invoice is due
(`Order.hold_expires_at` is the due date), so availability counts its seats as it
counts any live hold, and the order's own status (next_order_status) says whether the
invoice is unpaid, paid or cancelled: the invoice keeps no status of its own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime
from brokerage.extensions import db
from brokerage.ticketing.models import Order, OrderStatus


class InvoiceCounter(db.Model):
    """The last invoice number given in a year: taken with an UPDATE, which holds the
    row's lock until the transaction ends, so two invoices never get the same number,
    and a rolled-back invoice gives its number back (none is skipped or reused)."""

    __tablename__ = "invoice_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class Invoice(db.Model):
    """The company's details on an invoiced order, its number, when it is due, and the
    bank transfer the team recorded (a card payment is the order's own)."""

    __tablename__ = "invoice"
    __table_args__ = (CheckConstraint("amount_pence >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    number: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    company: Mapped[str] = mapped_column(String(160), nullable=False)
    billing_address: Mapped[str] = mapped_column(Text, nullable=False)
    po_number: Mapped[str | None] = mapped_column(String(60))
    amount_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    # A bank transfer the team saw arrive: its day, the reference it carried, who said so.
    transfer_date: Mapped[date | None] = mapped_column(Date)
    transfer_reference: Mapped[str | None] = mapped_column(String(120))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def status_label(self) -> str:
        status = self.order.status
        if status is OrderStatus.PENDING:
            return "Unpaid"
        if status is OrderStatus.EXPIRED:
            return "Cancelled"
        return status.label

    @property
    def tag_colour(self) -> str:
        return {"Unpaid": "yellow", "Cancelled": "grey"}.get(
            self.status_label, self.order.status.tag_colour
        )

    @property
    def paid_by(self) -> str:
        """How it was paid: by bank transfer, by card, or not (yet)."""
        if self.order.paid_at is None:
            return ""
        return "Bank transfer" if self.transfer_date else "Card"
