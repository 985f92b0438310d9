"""Keeping each kind of personal data only as long as the privacy notice says
(notice.py writes the notice from the same settings). Run by the worker every hour;
each step only touches what is due and not yet done, so running it again changes
nothing, and one row that cannot be changed never stops the rest.

- Ball guests' dietary and access needs: erased RETAIN_GUEST_NEEDS_DAYS after the ball.
- Ball orders (buyer's name and email, guests' names, the order's note): erased
  RETAIN_ORDER_YEARS after the end of the accounting year (ACCOUNTING_YEAR_END) in
  which the order was made; an order with a Gift Aid declaration not before the
  declaration's own time is up.
- Gift Aid declarations (the donor's title, names, house, home address and postcode):
  erased RETAIN_GIFT_AID_YEARS after the end of the accounting year of the donation
  (HMRC: 6 years). The declaration's wording and date stay, with the order.
- Accounts whose email address was never confirmed: deleted after
  RETAIN_UNCONFIRMED_ACCOUNT_DAYS.
- Emails in the outbox: their text (which may hold a sign-in link) is deleted
  RETAIN_EMAIL_BODY_DAYS after they were written, once sent or given up on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from brokerage.accounts.models import User
from brokerage.clock import start_of, today_in_leeds, utcnow
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.ticketing.invoice_models import Invoice
from brokerage.ticketing.models import GIFT_AID_PERSONAL, Ball, Order, Ticket

log = logging.getLogger(__name__)

ERASED_NAME = "(erased)"
ERASED_DOMAIN = "erased.invalid"  # .invalid can never be a real address (RFC 2606)
ERASED_BODY = "(The text of this email was deleted after the time we keep it.)"


def erased_email(order_id: int) -> str:
    return f"erased-{order_id}@{ERASED_DOMAIN}"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def accounting_cutoff(today: date, years: int, year_end: tuple[int, int]) -> datetime:
    """The moment before which records are due to go: a record made on day d is kept
    until `years` years after the end of d's accounting year (the first `year_end` on
    or after d). That time is up by `today` exactly when d is on or before the last
    year end before (today - years), so the cutoff is the start of the day after it."""
    month, day = year_end
    limit = _years_before(today, years)
    end = date(limit.year, month, day)
    if end >= limit:
        end = date(limit.year - 1, month, day)
    return start_of(end + timedelta(days=1))


@dataclass
class Swept:
    """What one run of the retention job did."""

    guest_needs: int = 0
    gift_aid: int = 0
    orders: int = 0
    accounts: int = 0
    accounts_kept: int = 0
    email_bodies: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str | None:
        parts = [
            f"{label} {count}"
            for label, count in (
                ("guests' needs erased", self.guest_needs),
                ("Gift Aid declarations erased", self.gift_aid),
                ("orders erased", self.orders),
                ("unconfirmed accounts deleted", self.accounts),
                ("email texts deleted", self.email_bodies),
            )
            if count
        ]
        return ", ".join(parts) or None


def erase_guest_needs(config: Mapping, now: datetime) -> int:
    """Dietary and access needs of the guests of every ball that ended long enough ago."""
    ended_before = now - timedelta(days=config["RETAIN_GUEST_NEEDS_DAYS"])
    balls = select(Ball.id).where(Ball.starts_at < ended_before)
    orders = select(Order.id).where(Order.ball_id.in_(balls))
    result = db.session.execute(
        update(Ticket)
        .where(
            Ticket.order_id.in_(orders),
            or_(Ticket.dietary.is_not(None), Ticket.access_needs.is_not(None)),
        )
        .values(dietary=None, access_needs=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def erase_gift_aid(config: Mapping, now: datetime) -> int:
    cutoff = accounting_cutoff(
        today_in_leeds(now), config["RETAIN_GIFT_AID_YEARS"], config["ACCOUNTING_YEAR_END"]
    )
    result = db.session.execute(
        update(Order)
        .where(
            Order.created_at < cutoff,
            or_(*(getattr(Order, name).is_not(None) for name in GIFT_AID_PERSONAL)),
        )
        .values(dict.fromkeys(GIFT_AID_PERSONAL))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def erase_order(order: Order) -> None:
    """Take the people out of an order: the buyer's name and email, the Gift Aid
    donor's details, the note, each guest's name and needs, and an invoice's billing
    address, purchase order number and bank transfer reference (each may name a person:
    "FAO Jane Smith", a payer's name on the transfer). What was sold, paid and refunded
    stays, for the accounts: an invoice keeps its number, the company, the amount and
    its dates."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.order_id == order.id))
    if invoice is not None:
        invoice.billing_address = ERASED_NAME
        invoice.po_number = None
        invoice.transfer_reference = None
    order.buyer_name = ERASED_NAME
    order.buyer_email = erased_email(order.id)
    for name in GIFT_AID_PERSONAL:
        setattr(order, name, None)
    order.note = None
    for ticket in order.tickets:
        ticket.guest_name = None
        ticket.guest_email = None
        ticket.guest_token_hash = None
        ticket.dietary = None
        ticket.access_needs = None


def erase_old_orders(config: Mapping, now: datetime, swept: Swept) -> int:
    today = today_in_leeds(now)
    year_end = config["ACCOUNTING_YEAR_END"]
    orders_cutoff = accounting_cutoff(today, config["RETAIN_ORDER_YEARS"], year_end)
    gift_aid_cutoff = accounting_cutoff(today, config["RETAIN_GIFT_AID_YEARS"], year_end)
    due = db.session.scalars(
        select(Order)
        .where(
            Order.created_at < orders_cutoff,
            or_(Order.gift_aid.is_(False), Order.created_at < gift_aid_cutoff),
            Order.buyer_email.not_like(f"%@{ERASED_DOMAIN}"),
        )
        .order_by(Order.id)
    ).all()
    erased = 0
    for order in due:
        try:
            with db.session.begin_nested():
                erase_order(order)
            erased += 1
        except Exception as exc:  # one order never stops the rest
            log.exception("retention: order %s could not be erased", order.id)
            swept.problems.append(f"order {order.id}: {exc.__class__.__name__}")
    return erased


def delete_unconfirmed_accounts(config: Mapping, now: datetime, swept: Swept) -> int:
    """Accounts never confirmed within the time: nothing else can point at them (an
    unconfirmed person can do nothing but confirm), but one that something does point
    at is kept and told in the log rather than stopping the job."""
    older_than = now - timedelta(days=config["RETAIN_UNCONFIRMED_ACCOUNT_DAYS"])
    ids = db.session.scalars(
        select(User.id)
        .where(
            User.email_verified_at.is_(None),
            User.is_team.is_(False),
            User.created_at < older_than,
        )
        .order_by(User.id)
    ).all()
    deleted = 0
    for user_id in ids:
        try:
            with db.session.begin_nested():
                db.session.execute(delete(User).where(User.id == user_id))
            deleted += 1
        except IntegrityError:
            swept.accounts_kept += 1
            log.warning("retention: unconfirmed account %s is used by other records", user_id)
    return deleted


def delete_email_bodies(config: Mapping, now: datetime) -> int:
    written_before = now - timedelta(days=config["RETAIN_EMAIL_BODY_DAYS"])
    result = db.session.execute(
        update(OutboxEmail)
        .where(
            OutboxEmail.created_at < written_before,
            OutboxEmail.status.in_([OutboxStatus.SENT, OutboxStatus.FAILED]),
            OutboxEmail.body_text != ERASED_BODY,
        )
        .values(body_text=ERASED_BODY, body_html=None, qr_images=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def apply_retention(config: Mapping, now: datetime | None = None) -> Swept:
    """Every retention rule, each committed as it finishes (a database failure part way
    leaves the earlier ones done; the worker tries again). Run again, it finds nothing
    more to do."""
    now = now or utcnow()
    swept = Swept()
    steps = (
        ("guest_needs", lambda: erase_guest_needs(config, now)),
        ("gift_aid", lambda: erase_gift_aid(config, now)),
        ("orders", lambda: erase_old_orders(config, now, swept)),
        ("accounts", lambda: delete_unconfirmed_accounts(config, now, swept)),
        ("email_bodies", lambda: delete_email_bodies(config, now)),
    )
    for name, step in steps:
        setattr(swept, name, step())
        db.session.commit()
    return swept
