"""Gift Aid on the ball's donations: the declaration a buyer makes at checkout, and the
claims the team makes from HMRC with its Charities Online schedule.

A donation is eligible when its order was paid, the buyer ticked Gift Aid and gave the
details HMRC's schedule needs, and something of the donation is left after refunds (a
refund comes off the tickets first: Order.donation_kept_pence); a donation refunded in
full is left out.
A claim takes every eligible donation of its period that no claim holds yet in one
conditional UPDATE, under the ball's lock: each donation is claimed once even when two
team members claim at the same moment (the second waits for the first to commit, then
finds the donations taken; the UPDATE's condition alone would also hold on PostgreSQL,
where a second UPDATE waits for the first one's row locks and re-checks them).

The schedule's columns and formats are those of HMRC's Gift Aid schedule spreadsheet
(gov.uk: "Schedule spreadsheet to claim back tax on Gift Aid donations"): title at most
4 characters, first and last names at most 35 (a double-barrelled surname's hyphen as
a space), house name or number, postcode in capitals with a space, the aggregated and
sponsored columns left empty, the date as DD/MM/YY and the amount with two decimals and
no pound sign; at most 1,000 donations a schedule, so a larger claim comes as several
files in a zip.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P
from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import joinedload

from brokerage.accounts.models import User
from brokerage.clock import format_date, london, start_of, today_in_leeds, utcnow
from brokerage.columns import UTCDateTime
from brokerage.errors import FieldError, NotAllowed
from brokerage.extensions import db
from brokerage.money import pounds
from brokerage.ticketing.availability import lock_ball
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    GiftAidClaim,
    Order,
    OrderStatus,
    gift_aid_tax,
)

# The declaration the buyer ticks, word for word; kept with each order as they saw it.
DECLARATION = (
    "I want to Gift Aid my donation to {charity}. I am a UK taxpayer and understand that "
    "if I pay less Income Tax and/or Capital Gains Tax than the amount of Gift Aid "
    "claimed on all my donations in that tax year it is my responsibility to pay any "
    "difference."
)

TITLE_MAX, NAME_MAX, HOUSE_MAX, ADDRESS_MAX = 4, 35, 40, 500
# A UK postcode's shape: outward code, a space, inward code.
POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# Besides letters, what a name may hold: spaces, hyphens, apostrophes, full stops.
NAME_MARKS = set(" -'.\u2019")

# HMRC's schedule takes at most this many donations.
ROWS_PER_FILE = 1_000
SCHEDULE_COLUMNS = (
    "Title",
    "First name",
    "Last name",
    "House name or number",
    "Postcode",
    "Aggregated donations",
    "Sponsored event",
    "Donation date",
    "Amount",
)
ODS_TYPE = "application/vnd.oasis.opendocument.spreadsheet"


def declaration_text(charity: str) -> str:
    return DECLARATION.format(charity=charity)


def normal_postcode(text: str | None) -> str | None:
    """The postcode in capitals with one space (`ls15ab` -> `LS1 5AB`), or None when it
    is not a UK postcode's shape."""
    found = POSTCODE.match(re.sub(r"\s+", "", (text or "").upper()))
    return f"{found.group(1)} {found.group(2)}" if found else None


def _name_problem(value: str, what: str, limit: int) -> str | None:
    if len(value) > limit:
        return f"{what} must be {limit} characters or fewer"
    if not any(c.isalpha() for c in value) or not all(
        c.isalpha() or c in NAME_MARKS for c in value
    ):
        return f"{what} must be letters, with any spaces, hyphens or apostrophes"
    return None


@dataclass
class Declaration:
    """A buyer's Gift Aid declaration, checked and tidied: the Order columns it fills."""

    gift_aid_title: str | None
    gift_aid_first_name: str
    gift_aid_last_name: str
    gift_aid_house: str
    gift_aid_address: str
    gift_aid_postcode: str


def declaration_problems(
    *, title=None, first_name=None, last_name=None, house=None, address=None, postcode=None
) -> dict[str, str]:
    """What is wrong with a declaration, by the checkout form's field names (nothing:
    it is complete)."""
    title, first_name, last_name, house, address = (
        (v or "").strip() for v in (title, first_name, last_name, house, address)
    )
    problems: dict[str, str] = {}
    if title:
        if len(title) > TITLE_MAX:
            problems["gift_aid_title"] = "Title must be 4 characters or fewer, like Mrs or Prof"
        elif not all(c.isalpha() or c == "." for c in title):
            problems["gift_aid_title"] = "Title must be letters only, like Dr"
    for field, value, what in (
        ("gift_aid_first_name", first_name, "First name"),
        ("gift_aid_last_name", last_name, "Last name"),
    ):
        problem = _name_problem(value, what, NAME_MAX) if value else None
        if not value:
            problem = f"Enter your {what.lower()} for Gift Aid"
        if problem:
            problems[field] = problem
    if not house:
        problems["gift_aid_house"] = "Enter your house name or number for Gift Aid"
    elif len(house) > HOUSE_MAX:
        problems["gift_aid_house"] = "House name or number must be 40 characters or fewer"
    if not address:
        problems["gift_aid_address"] = "Enter your street and town for Gift Aid"
    elif len(address) > ADDRESS_MAX:
        problems["gift_aid_address"] = "Street and town must be 500 characters or fewer"
    if not (postcode or "").strip():
        problems["gift_aid_postcode"] = "Enter your postcode for Gift Aid"
    elif normal_postcode(postcode) is None:
        problems["gift_aid_postcode"] = "Enter a real postcode, like LS1 1PJ"
    return problems


def check_declaration(**given) -> Declaration:
    """The declaration tidied (spaces trimmed, the postcode in capitals with a space), or
    a FieldError naming its first problem. Takes declaration_problems's keywords."""
    problems = declaration_problems(**given)
    if problems:
        field, message = next(iter(problems.items()))
        raise FieldError(field, message)
    return Declaration(
        gift_aid_title=(given.get("title") or "").strip() or None,
        gift_aid_first_name=given["first_name"].strip(),
        gift_aid_last_name=given["last_name"].strip(),
        gift_aid_house=given["house"].strip(),
        gift_aid_address=given["address"].strip(),
        gift_aid_postcode=normal_postcode(given["postcode"]),
    )


# --- Claims ------------------------------------------------------------------------------

# Orders that were paid: a refunded one may have kept some of its donation (a refund of
# every seat at their price leaves the donation).
PAID = (*PAID_STATUSES, OrderStatus.REFUNDED)
# The details without which HMRC's schedule has no row (older orders, or erased ones).
_COMPLETE = and_(
    Order.gift_aid_first_name.is_not(None),
    Order.gift_aid_last_name.is_not(None),
    Order.gift_aid_house.is_not(None),
    Order.gift_aid_postcode.is_not(None),
)


def _unclaimed(ball_id: int) -> list:
    """Gift Aided donations of the ball with money left in them, not claimed yet."""
    return [
        Order.ball_id == ball_id,
        Order.gift_aid.is_(True),
        Order.status.in_(PAID),
        Order.paid_at.is_not(None),
        Order.donation_kept_pence > 0,
        Order.gift_aid_claim_id.is_(None),
    ]


@dataclass
class Waiting:
    """The donations waiting to be claimed, and those that cannot be."""

    donations: int
    total_pence: int
    first: datetime | None  # when the earliest and latest of them were received
    last: datetime | None
    incomplete: int  # Gift Aided, but without the donor's name, house or postcode


def waiting(ball: Ball) -> Waiting:
    """What the next claim could hold, in one query."""
    complete = case((_COMPLETE, 1), else_=0)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(complete), 0),
            func.coalesce(func.sum(case((_COMPLETE, Order.donation_kept_pence), else_=0)), 0),
            func.min(case((_COMPLETE, Order.paid_at)), type_=UTCDateTime),
            func.max(case((_COMPLETE, Order.paid_at)), type_=UTCDateTime),
            func.coalesce(func.sum(1 - complete), 0),
        ).where(*_unclaimed(ball.id))
    ).one()
    return Waiting(int(row[0]), int(row[1]), row[2], row[3], int(row[4]))


@dataclass
class Overclaimed:
    """Donations refunded after a claim held them, not yet taken off a later claim."""

    donations: int
    refunded_pence: int

    @property
    def tax_pence(self) -> int:
        return gift_aid_tax(self.refunded_pence)


def overclaimed(ball: Ball) -> Overclaimed:
    """What the next claim must take off: the claimed donations refunded since (each
    claim recorded what it held), less what earlier claims already took off."""
    refunded = Order.gift_aid_claimed_pence - Order.donation_kept_pence
    count, total = db.session.execute(
        select(func.count(Order.id), func.coalesce(func.sum(refunded), 0)).where(
            Order.ball_id == ball.id,
            Order.gift_aid_claim_id.is_not(None),
            Order.donation_kept_pence < Order.gift_aid_claimed_pence,
        )
    ).one()
    taken_off = db.session.scalar(
        select(func.coalesce(func.sum(GiftAidClaim.adjustment_pence), 0)).where(
            GiftAidClaim.ball_id == ball.id
        )
    )
    return Overclaimed(int(count), max(int(total) - int(taken_off), 0))


def suggested_period(waiting: Waiting) -> dict[str, date]:
    """The claim form's days before the team changes them: from the earliest donation
    waiting (or today) to today."""
    today = today_in_leeds()
    start = min(today_in_leeds(waiting.first), today) if waiting.first else today
    return {"period_from": start, "period_to": today}


def check_period(period_from: date, period_to: date, today: date) -> None:
    if period_to < period_from:
        raise FieldError("period_to", "The end of the period must be on or after its start")
    if period_from > today:
        raise FieldError("period_from", "The period must start today or before")


def make_claim(ball: Ball, period_from: date, period_to: date, team_member: User) -> GiftAidClaim:
    """Claim every eligible donation received between the two days (Leeds time, both
    included) that no claim holds yet. Refused when there is none."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team claims Gift Aid")
    check_period(period_from, period_to, today_in_leeds())
    lock_ball(ball)  # claims of one ball are decided one after the other
    claim = GiftAidClaim(
        ball_id=ball.id,
        period_from=period_from,
        period_to=period_to,
        made_by_id=team_member.id,
        made_at=utcnow(),
    )
    db.session.add(claim)
    db.session.flush()
    db.session.execute(
        update(Order)
        .where(
            *_unclaimed(ball.id),
            _COMPLETE,
            Order.paid_at >= start_of(period_from),
            Order.paid_at < start_of(period_to + timedelta(days=1)),
        )
        .values(gift_aid_claim_id=claim.id, gift_aid_claimed_pence=Order.donation_kept_pence)
        .execution_options(synchronize_session=False)
    )
    claimed = func.coalesce(func.sum(Order.gift_aid_claimed_pence), 0)
    count, total = db.session.execute(
        select(func.count(Order.id), claimed).where(Order.gift_aid_claim_id == claim.id)
    ).one()
    if not count:
        raise FieldError(
            "period_from",
            f"No Gift Aid donations received from {format_date(period_from)} to "
            f"{format_date(period_to)} are waiting to be claimed",
        )
    claim.donations, claim.total_pence = int(count), int(total)
    claim.adjustment_pence = overclaimed(ball).refunded_pence
    db.session.flush()
    return claim


def made_message(claim: GiftAidClaim) -> str:
    """What the team is told when a claim is made."""
    plural = "s" if claim.donations != 1 else ""
    said = (
        f"Claim {claim.id} is made: {claim.donations:,} donation{plural}, "
        f"{pounds(claim.total_pence)}. Download its schedule below."
    )
    if claim.adjustment_pence:
        said += (
            f" Enter {pounds(claim.adjustment_tax_pence)} as the adjustment on HMRC's claim "
            "form: tax already claimed on donations refunded since."
        )
    return said


def claims(ball: Ball) -> list[GiftAidClaim]:
    """The ball's claims, newest first, with who made each."""
    return list(
        db.session.scalars(
            select(GiftAidClaim)
            .where(GiftAidClaim.ball_id == ball.id)
            .options(joinedload(GiftAidClaim.made_by))
            .order_by(GiftAidClaim.made_at.desc(), GiftAidClaim.id.desc())
        )
    )


# --- The schedule ------------------------------------------------------------------------


def surname(text: str | None) -> str:
    """A last name as HMRC's schedule wants it: a double-barrelled one's hyphen becomes
    a space (House-Martin -> House Martin)."""
    return " ".join((text or "").replace("-", " ").split())[:NAME_MAX]


def amount(pence: int) -> str:
    """Two decimals, no pound sign: 2000 -> '20.00'."""
    return f"{pence // 100}.{pence % 100:02d}"


def schedule_row(order: Order) -> list[str]:
    """One donation as a row of HMRC's schedule."""
    return [
        (order.gift_aid_title or "")[:TITLE_MAX],
        " ".join((order.gift_aid_first_name or "").split())[:NAME_MAX],
        surname(order.gift_aid_last_name),
        (order.gift_aid_house or "").strip()[:HOUSE_MAX],
        normal_postcode(order.gift_aid_postcode) or "",
        "",
        "",
        f"{london(order.paid_at):%d/%m/%y}",
        amount(order.gift_aid_claimed_pence or 0),
    ]


def schedule_rows(claim: GiftAidClaim) -> list[list[str]]:
    """The claim's donations as schedule rows, in the order they were received."""
    orders = db.session.scalars(
        select(Order).where(Order.gift_aid_claim_id == claim.id).order_by(Order.paid_at, Order.id)
    )
    return [schedule_row(order) for order in orders]


def _cell(value: str, number: bool = False) -> TableCell:
    if not value:
        return TableCell()
    # The amount is a number to the spreadsheet, shown with its two decimals.
    cell = TableCell(valuetype="float", value=value) if number else TableCell(valuetype="string")
    cell.addElement(P(text=value))
    return cell


def _row(values: list[str], number_last: bool) -> TableRow:
    row = TableRow()
    for index, value in enumerate(values):
        row.addElement(_cell(value, number=number_last and index == len(values) - 1))
    return row


def ods(rows: list[list[str]]) -> bytes:
    """One schedule: a header row, then a row per donation."""
    document = OpenDocumentSpreadsheet()
    table = Table(name="Gift Aid donations")
    table.addElement(_row(list(SCHEDULE_COLUMNS), number_last=False))
    for values in rows:
        table.addElement(_row(values, number_last=True))
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


@dataclass
class ScheduleFile:
    name: str
    content: bytes
    mimetype: str


def schedule_file(claim: GiftAidClaim, slug: str) -> ScheduleFile:
    """The claim's schedule: one ODS file, or a zip of several of at most 1,000 rows."""
    rows = schedule_rows(claim)
    base = f"{slug}-gift-aid-claim-{claim.id}"
    if len(rows) <= ROWS_PER_FILE:
        return ScheduleFile(f"{base}.ods", ods(rows), ODS_TYPE)
    parts = [rows[i : i + ROWS_PER_FILE] for i in range(0, len(rows), ROWS_PER_FILE)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, part in enumerate(parts, 1):
            archive.writestr(f"{base}-part-{number}-of-{len(parts)}.ods", ods(part))
    return ScheduleFile(f"{base}.zip", buffer.getvalue(), "application/zip")
