"""What the privacy notice says about each kind of personal data: what it is, why it is
held, the lawful basis, who sees it and how long it is kept. The "kept" column is
written from the same settings the retention job (retention.py) uses, so the page can
never promise something the code does not do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from brokerage.clock import format_date


@dataclass(frozen=True)
class KindOfData:
    what: str
    why: str
    basis: str
    seen_by: str
    kept: str


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def _years(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


def accounting_year_end(config: Mapping) -> str:
    """'31 March', as the notice says it (any year: only the day and month count)."""
    month, day = config["ACCOUNTING_YEAR_END"]
    return format_date(date(2000, month, day)).removesuffix(" 2000")


def kinds_of_data(config: Mapping) -> list[KindOfData]:
    """The rows of the privacy notice's table, in the order the page shows them."""
    year_end = accounting_year_end(config)
    return [
        KindOfData(
            what="Your account: name, email address and a scrambled (hashed) password",
            why="To let you sign in and to tell you when something needs your attention",
            basis="Public task (the council's digital inclusion programme)",
            seen_by="The programme team; the organisations you belong to see your name",
            kept=(
                "While you use the service; you can delete your account from your account page. "
                "An account whose email address is never confirmed is deleted after "
                f"{_days(config['RETAIN_UNCONFIRMED_ACCOUNT_DAYS'])}."
            ),
        ),
        KindOfData(
            what="What you post and write: needs, offers, messages, feedback and decisions",
            why="To match organisations and to report the programme's impact (as totals)",
            basis="Public task",
            seen_by=(
                "The programme team; the other organisation of a match; published needs "
                "and offers are public"
            ),
            kept=(
                "With your organisation's records for as long as the programme runs; if "
                "you delete your account it stays without your name"
            ),
        ),
        KindOfData(
            what="Emails we send you",
            why="To show that we sent them, and to send them again if they fail",
            basis="Public task",
            seen_by="The programme team",
            kept=(
                "The address and subject while the programme runs; the text of each email "
                f"(which may hold a sign-in link) is deleted after "
                f"{_days(config['RETAIN_EMAIL_BODY_DAYS'])}"
            ),
        ),
        KindOfData(
            what="Ball guests' dietary and access needs",
            why="So the venue can serve and welcome each guest",
            basis=(
                "Explicit consent, given when the buyer or guest types them (this can be "
                "health information: special category data)"
            ),
            seen_by="The programme team and the venue's catering and access staff",
            kept=f"{_days(config['RETAIN_GUEST_NEEDS_DAYS'])} after the ball, then deleted",
        ),
        KindOfData(
            what=(
                "Ball orders: the buyer's name and email address, guests' names (and "
                "email addresses, when the buyer sends a guest a link to fill in their own), "
                "and for an order paid by invoice the billing address, purchase order "
                "number and the bank transfer's reference"
            ),
            why="To issue tickets, check guests in at the door and keep the accounts",
            basis="Contract (the ticket purchase) and legal obligation (accounting records)",
            seen_by="The programme team; the door staff see guests' names on the night",
            kept=(
                f"{_years(config['RETAIN_ORDER_YEARS'])} after the end of the accounting year "
                f"(which ends on {year_end}) in which the order was made, then deleted; "
                "an invoice's number, company name, amount and dates stay with the accounts"
            ),
        ),
        KindOfData(
            what="Gift Aid declarations: the donor's name and home address",
            why="To claim Gift Aid on donations from HM Revenue and Customs",
            basis="Legal obligation (HMRC's record-keeping rules)",
            seen_by="The programme team and HMRC",
            kept=(
                f"{_years(config['RETAIN_GIFT_AID_YEARS'])} after the end of the accounting "
                f"year (which ends on {year_end}) in which the donation was made, then deleted"
            ),
        ),
    ]
