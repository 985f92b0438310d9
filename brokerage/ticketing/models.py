"""The Digital Charity Ball: the event, ticket types, orders, tickets, check-in, refunds.

Seats are never counted by a stored counter: what is available is derived from
the paid tickets and the holds that are still live (pending orders whose
`hold_expires_at` is in the future). Every decision that takes seats first locks
the ball's row (`ticketing.availability.lock_ball`), so two buyers are decided one
after the other on PostgreSQL and on SQLite alike.
"""

from __future__ import annotations

import base64
import enum
import re
import secrets
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
    case,
    false,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import TimestampMixin, UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db


class Ball(TimestampMixin, db.Model):
    """One year's ball: when and where, when tickets sell, how many seats in all."""

    __tablename__ = "ball"
    __table_args__ = (CheckConstraint("capacity >= 0", name="capacity_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    venue: Mapped[str] = mapped_column(String(300), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sales_open_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sales_close_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    # Guests' names and needs may be changed by buyers until then.
    guest_changes_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every decision that takes seats: the UPDATE is the ball's row lock.
    lock_version: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    ticket_types: Mapped[list[TicketType]] = relationship(
        back_populates="ball", order_by="TicketType.position, TicketType.id"
    )


class TicketType(db.Model):
    """What is on sale: a single seat, a table of 10, a sponsor package ..."""

    __tablename__ = "ticket_type"
    __table_args__ = (
        CheckConstraint("price_pence >= 0", name="price_not_negative"),
        CheckConstraint("seats_per_ticket >= 1", name="seats_positive"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("per_order_limit >= 1", name="limit_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ball_id: Mapped[int] = mapped_column(
        ForeignKey("ball.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    price_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    seats_per_ticket: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)  # how many of this type
    per_order_limit: Mapped[int] = mapped_column(Integer, nullable=False, default=10)
    on_sale_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    on_sale_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Hidden types (sponsor packages) are reachable only with their code.
    hidden: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    access_code: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    ball: Mapped[Ball] = relationship(back_populates="ticket_types")


class OrderStatus(enum.StrEnum):
    PENDING = "pending"  # seats held while the buyer pays
    PAID = "paid"
    EXPIRED = "expired"  # the hold ran out, or the buyer gave up
    REFUNDED = "refunded"  # every ticket refunded
    PARTLY_REFUNDED = "partly_refunded"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for payment",
            "paid": "Paid",
            "expired": "Not paid",
            "refunded": "Refunded",
            "partly_refunded": "Partly refunded",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "pending": "yellow",
            "paid": "green",
            "expired": "grey",
            "refunded": "red",
            "partly_refunded": "orange",
        }[self.value]


class OrderAction(enum.StrEnum):
    PAY = "pay"
    EXPIRE = "expire"
    REFUND_ALL = "refund_all"
    REFUND_PART = "refund_part"


_O, _A = OrderStatus, OrderAction
ORDER_TRANSITIONS: dict[tuple[OrderStatus, OrderAction], OrderStatus] = {
    (_O.PENDING, _A.PAY): _O.PAID,
    # Paid after the hold expired: the late payment rule decides (checkout.fulfil).
    (_O.EXPIRED, _A.PAY): _O.PAID,
    (_O.PENDING, _A.EXPIRE): _O.EXPIRED,
    (_O.PAID, _A.REFUND_ALL): _O.REFUNDED,
    (_O.PARTLY_REFUNDED, _A.REFUND_ALL): _O.REFUNDED,
    (_O.PAID, _A.REFUND_PART): _O.PARTLY_REFUNDED,
    (_O.PARTLY_REFUNDED, _A.REFUND_PART): _O.PARTLY_REFUNDED,
}


def next_order_status(current: OrderStatus, action: OrderAction) -> OrderStatus:
    return transition(
        ORDER_TRANSITIONS,
        current,
        action,
        f"An order that is '{current.label.lower()}' cannot {action.value.replace('_', ' ')}",
    )


# An order with money in it and seats to show: paid, or refunded in part.
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED)


def new_token() -> str:
    """An order's key to its page."""
    return secrets.token_urlsafe(32)


def new_ticket_code() -> str:
    """160 random bits in base32 (32 characters, no padding): unguessable, and easy to
    read out or type at the door."""
    return base64.b32encode(secrets.token_bytes(20)).decode().rstrip("=")


def normalise_code(text: str) -> str:
    return re.sub(r"[^A-Z2-7]", "", (text or "").upper())


# The donor's own details on a Gift Aid declaration: kept, and erased, together (privacy/
# retention.py and erasure.py). The declaration's wording and date are not personal.
GIFT_AID_PERSONAL = (
    "gift_aid_title",
    "gift_aid_first_name",
    "gift_aid_last_name",
    "gift_aid_house",
    "gift_aid_address",
    "gift_aid_postcode",
)


class Order(db.Model):
    """One buyer's purchase, from the hold to payment (and any refunds)."""

    __tablename__ = "ticket_order"
    __table_args__ = (
        Index("ix_ticket_order_ball_id_status", "ball_id", "status"),
        CheckConstraint("donation_pence >= 0", name="donation_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ball_id: Mapped[int] = mapped_column(ForeignKey("ball.id"), nullable=False)
    # The buyer's key to the order page: unguessable, never an id.
    token: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    status: Mapped[OrderStatus] = mapped_column(
        str_enum(OrderStatus), nullable=False, default=OrderStatus.PENDING
    )
    buyer_name: Mapped[str] = mapped_column(String(120), nullable=False)
    buyer_email: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    tickets_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    donation_pence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Gift Aid covers the donation only (ticket prices are not eligible).
    gift_aid: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # What HMRC's claim schedule needs of the donor (ticketing/gift_aid.py), the rest of
    # the address, and the declaration as the donor saw it, with when it was made.
    gift_aid_title: Mapped[str | None] = mapped_column(String(4))
    gift_aid_first_name: Mapped[str | None] = mapped_column(String(35))
    gift_aid_last_name: Mapped[str | None] = mapped_column(String(35))
    gift_aid_house: Mapped[str | None] = mapped_column(String(40))
    gift_aid_address: Mapped[str | None] = mapped_column(Text)
    gift_aid_postcode: Mapped[str | None] = mapped_column(String(10))
    gift_aid_declaration: Mapped[str | None] = mapped_column(Text)
    gift_aid_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The claim that holds this donation (claimed once), and the amount it claimed.
    gift_aid_claim_id: Mapped[int | None] = mapped_column(
        ForeignKey("gift_aid_claim.id"), index=True
    )
    gift_aid_claimed_pence: Mapped[int | None] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer, nullable=False)
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    complimentary: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    checkout_attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_pence: Mapped[int | None] = mapped_column(Integer)
    refunded_pence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    note: Mapped[str | None] = mapped_column(Text)  # e.g. what the late-payment rule did
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    ball: Mapped[Ball] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    tickets: Mapped[list[Ticket]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Ticket.id"
    )
    refunds: Mapped[list[Refund]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="Refund.id"
    )

    @property
    def total_pence(self) -> int:
        return self.tickets_pence + self.donation_pence

    @property
    def gift_aid_donor(self) -> str:
        """The donor as the declaration names them: 'Dr Ada Lovelace'."""
        parts = (self.gift_aid_title, self.gift_aid_first_name, self.gift_aid_last_name)
        return " ".join(p for p in parts if p)

    @property
    def gift_aid_home(self) -> str:
        """The donor's home address on one line: '1 Park Row, Leeds LS1 5AB'."""
        parts = (self.gift_aid_house, self.gift_aid_address, self.gift_aid_postcode)
        return " ".join(" ".join(p.split()) for p in parts if p)

    # A refund comes off the order's ticket money first and off its donation only for
    # what is beyond that (setup.sales, and the Gift Aid claimed on the donation).
    @hybrid_property
    def donation_refunded_pence(self) -> int:
        return self.refunded_pence - min(self.refunded_pence, self.tickets_pence)

    @donation_refunded_pence.inplace.expression
    @classmethod
    def _donation_refunded_pence(cls):
        return cls.refunded_pence - case(
            (cls.refunded_pence < cls.tickets_pence, cls.refunded_pence),
            else_=cls.tickets_pence,
        )

    @hybrid_property
    def donation_kept_pence(self) -> int:
        """The donation less what of it was refunded."""
        return self.donation_pence - self.donation_refunded_pence

    @donation_kept_pence.inplace.expression
    @classmethod
    def _donation_kept_pence(cls):
        return cls.donation_pence - cls.donation_refunded_pence


class OrderLine(db.Model):
    """So many of one ticket type, at the price of the moment the seats were held."""

    __tablename__ = "ticket_order_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ticket_type_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_type.id"), nullable=False, index=True
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)
    unit_price_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    seats_per_ticket: Mapped[int] = mapped_column(Integer, nullable=False)

    order: Mapped[Order] = relationship(back_populates="lines")
    ticket_type: Mapped[TicketType] = relationship()


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"  # refunded


class Ticket(db.Model):
    """One seat: a guest's name and needs, and the code shown as a QR code."""

    __tablename__ = "ticket"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_order_line.id", ondelete="CASCADE"), nullable=False
    )
    ticket_type_id: Mapped[int] = mapped_column(ForeignKey("ticket_type.id"), nullable=False)
    # 160 random bits, base32: unguessable and easy to type at the door.
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    # The code's QR code as inline SVG, drawn when issued (brokerage.qr); older tickets
    # have none and are drawn when shown. Only the order page and the email show it:
    # lists of tickets leave it unread.
    qr_svg: Mapped[str | None] = mapped_column(Text, deferred=True)
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus), nullable=False, default=TicketStatus.VALID
    )
    guest_name: Mapped[str | None] = mapped_column(String(120), index=True)
    dietary: Mapped[str | None] = mapped_column(Text)
    access_needs: Mapped[str | None] = mapped_column(Text)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_refund.id"))

    order: Mapped[Order] = relationship(back_populates="tickets")
    ticket_type: Mapped[TicketType] = relationship()
    checked_in_by: Mapped[User | None] = relationship()


class CheckInEvent(db.Model):
    """Every admission at the door, and every undo: who, when."""

    __tablename__ = "check_in_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), nullable=False, index=True
    )
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # admit | undo
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    actor: Mapped[User] = relationship()


class Refund(db.Model):
    """Money given back through Stripe, for some or all of an order's tickets."""

    __tablename__ = "ticket_refund"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_order.id", ondelete="CASCADE"), nullable=False, index=True
    )
    amount_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    reason: Mapped[str | None] = mapped_column(Text)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    order: Mapped[Order] = relationship(back_populates="refunds")


class BallChange(db.Model):
    """Who set up or changed the ball or one of its ticket types, when, and what
    changed (each field's old and new value, in words)."""

    __tablename__ = "ball_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ball_id: Mapped[int] = mapped_column(
        ForeignKey("ball.id", ondelete="CASCADE"), nullable=False, index=True
    )
    ticket_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket_type.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    what: Mapped[str] = mapped_column(String(200), nullable=False)
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    actor: Mapped[User] = relationship()


class GiftAidClaim(db.Model):
    """The donations of one period claimed from HMRC: each is claimed by one claim only
    (Order.gift_aid_claim_id), so the next schedule never repeats it."""

    __tablename__ = "gift_aid_claim"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ball_id: Mapped[int] = mapped_column(
        ForeignKey("ball.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # Days in Leeds time, both included: the donations received in between.
    period_from: Mapped[date] = mapped_column(Date, nullable=False)
    period_to: Mapped[date] = mapped_column(Date, nullable=False)
    made_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    donations: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_pence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Donations refunded after an earlier claim held them: HMRC wants the tax on them
    # taken off the next claim (the claim form's adjustment), so this claim records it.
    adjustment_pence: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )

    ball: Mapped[Ball] = relationship()
    made_by: Mapped[User] = relationship()

    @property
    def adjustment_tax_pence(self) -> int:
        return gift_aid_tax(self.adjustment_pence)


def gift_aid_tax(donation_pence: int) -> int:
    """The tax Gift Aid reclaims on a donation at the basic rate of 20%: 25p per pound
    given (the donation is 80% of the gross), rounded to the penny."""
    return (donation_pence * 25 + 50) // 100


class StripeEvent(db.Model):
    """Each webhook event handled, by Stripe's id: a replay is recognised and skipped."""

    __tablename__ = "stripe_event"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(120), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class WaitingStatus(enum.StrEnum):
    WAITING = "waiting"  # in the queue
    OFFERED = "offered"  # seats held for them (their order), until the offer ends
    BOUGHT = "bought"  # they paid through the offer
    LAPSED = "lapsed"  # the offer ended unpaid: the seats went to the next
    REMOVED = "removed"  # taken off the list by the team

    @property
    def label(self) -> str:
        return {
            "waiting": "Waiting",
            "offered": "Offered",
            "bought": "Bought",
            "lapsed": "Offer lapsed",
            "removed": "Removed",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "waiting": "blue",
            "offered": "yellow",
            "bought": "green",
            "lapsed": "grey",
            "removed": "red",
        }[self.value]


class WaitingAction(enum.StrEnum):
    OFFER = "offer"
    BUY = "buy"
    LAPSE = "lapse"
    REMOVE = "remove"


_W, _WA = WaitingStatus, WaitingAction
WAITING_TRANSITIONS: dict[tuple[WaitingStatus, WaitingAction], WaitingStatus] = {
    (_W.WAITING, _WA.OFFER): _W.OFFERED,
    (_W.OFFERED, _WA.BUY): _W.BOUGHT,
    (_W.OFFERED, _WA.LAPSE): _W.LAPSED,
    (_W.WAITING, _WA.REMOVE): _W.REMOVED,
    (_W.OFFERED, _WA.REMOVE): _W.REMOVED,
}

# Entries still in line or holding an offer: one of these per email and ticket type.
ACTIVE_WAITING = (WaitingStatus.WAITING, WaitingStatus.OFFERED)


def next_waiting_status(current: WaitingStatus, action: WaitingAction) -> WaitingStatus:
    return transition(
        WAITING_TRANSITIONS,
        current,
        action,
        f"A place on the waiting list that is '{current.label.lower()}' cannot {action.value}",
    )


class WaitingEntry(db.Model):
    """One person on a ticket type's waiting list: how many they want, and the offer
    made to them (its order holds the seats, as a buyer's checkout hold does)."""

    __tablename__ = "waiting_entry"
    __table_args__ = (
        Index("ix_waiting_entry_ball_id_status", "ball_id", "status"),
        Index("ix_waiting_entry_ticket_type_id_email", "ticket_type_id", "email"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ball_id: Mapped[int] = mapped_column(ForeignKey("ball.id", ondelete="CASCADE"), nullable=False)
    ticket_type_id: Mapped[int] = mapped_column(
        ForeignKey("ticket_type.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    quantity: Mapped[int] = mapped_column(Integer, nullable=False)  # tickets of the type
    status: Mapped[WaitingStatus] = mapped_column(
        str_enum(WaitingStatus), nullable=False, default=WaitingStatus.WAITING
    )
    # The offer link's key: unguessable, made when the seats are offered.
    token: Mapped[str | None] = mapped_column(String(64), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_order.id"))
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # bought, lapsed, removed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    ball: Mapped[Ball] = relationship()
    ticket_type: Mapped[TicketType] = relationship()
    order: Mapped[Order | None] = relationship()
    offered_by: Mapped[User | None] = relationship()
