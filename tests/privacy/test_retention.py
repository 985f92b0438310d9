"""Personal data is kept only as long as the privacy notice says: the retention job,
run with a fixed clock, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import start_of
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.privacy.retention import (
    ERASED_BODY,
    ERASED_NAME,
    accounting_cutoff,
    apply_retention,
)
from brokerage.ticketing import invoices
from brokerage.ticketing.checkout import Basket
from brokerage.ticketing.invoice_models import Invoice
from brokerage.ticketing.models import GIFT_AID_PERSONAL, Order, OrderStatus, Ticket
from tests.privacy.make import DECLARATION, make_order
from tests.ticketing import factories as ticketing_make

BALL_NIGHT = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)


@pytest.fixture
def ball():
    return ticketing_make.ball(
        starts_at=BALL_NIGHT,
        sales_open_at=BALL_NIGHT - timedelta(days=90),
        sales_close_at=BALL_NIGHT - timedelta(days=2),
        guest_changes_until=BALL_NIGHT - timedelta(days=3),
    )


def _tickets(order: Order) -> list[Ticket]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(Ticket).where(Ticket.order_id == order.id).order_by(Ticket.id))
    )


def test_guests_needs_go_thirty_days_after_the_ball_and_not_a_minute_before(app, ball):
    order = make_order(ball, made=BALL_NIGHT - timedelta(days=40), guests=("Ada", "Bo"))

    swept = apply_retention(app.config, now=BALL_NIGHT + timedelta(days=30, minutes=-1))
    assert swept.guest_needs == 0
    assert {t.dietary for t in _tickets(order)} == {"Vegetarian, no nuts"}

    swept = apply_retention(app.config, now=BALL_NIGHT + timedelta(days=30, minutes=1))
    assert swept.guest_needs == 2
    tickets = _tickets(order)
    assert {(t.dietary, t.access_needs) for t in tickets} == {(None, None)}
    # The names stay: they are accounting records, kept far longer.
    assert sorted(t.guest_name for t in tickets) == ["Ada", "Bo"]

    assert apply_retention(app.config, now=BALL_NIGHT + timedelta(days=31)).guest_needs == 0


def test_the_days_are_a_setting(app, ball, monkeypatch):
    order = make_order(ball, made=BALL_NIGHT - timedelta(days=40))
    monkeypatch.setitem(app.config, "RETAIN_GUEST_NEEDS_DAYS", 60)
    apply_retention(app.config, now=BALL_NIGHT + timedelta(days=45))
    assert _tickets(order)[0].dietary == "Vegetarian, no nuts"
    apply_retention(app.config, now=BALL_NIGHT + timedelta(days=61))
    assert _tickets(order)[0].dietary is None


@pytest.mark.parametrize(
    ("today", "years", "kept_until"),
    [
        # Made on or before 31 March 2020: that accounting year ended 31 March 2020,
        # so it is kept to 31 March 2026 and goes from 1 April 2026.
        (date(2026, 4, 1), 6, date(2020, 3, 31)),
        (date(2026, 3, 31), 6, date(2019, 3, 31)),
        (date(2026, 12, 3), 6, date(2020, 3, 31)),
        (date(2027, 4, 2), 6, date(2021, 3, 31)),
        (date(2026, 12, 3), 1, date(2025, 3, 31)),
    ],
)
def test_the_accounting_cutoff_counts_from_the_end_of_the_accounting_year(today, years, kept_until):
    assert accounting_cutoff(today, years, (3, 31)) == start_of(kept_until + timedelta(days=1))


def test_an_order_goes_six_years_after_the_end_of_its_accounting_year(app, ball):
    # Bought in November 2026: the accounting year ends 31 March 2027.
    order = make_order(ball, made=datetime(2026, 11, 1, 12, tzinfo=UTC))
    email = order.buyer_email

    swept = apply_retention(app.config, now=datetime(2033, 3, 31, 22, tzinfo=UTC))
    assert swept.orders == 0
    db.session.refresh(order)
    assert order.buyer_email == email

    swept = apply_retention(app.config, now=datetime(2033, 4, 1, 9, tzinfo=UTC))
    assert swept.orders == 1
    db.session.refresh(order)
    assert order.buyer_name == ERASED_NAME
    assert email not in order.buyer_email and order.buyer_email.endswith("@erased.invalid")
    assert order.note is None
    assert [t.guest_name for t in _tickets(order)] == [None]
    # What was sold and paid stays, for the accounts.
    assert (order.status, order.paid_pence, order.seats) == (OrderStatus.PAID, 9_500, 1)

    assert apply_retention(app.config, now=datetime(2033, 4, 2, tzinfo=UTC)).orders == 0


def test_a_gift_aid_declaration_keeps_its_order_until_its_own_time_is_up(app, ball, monkeypatch):
    monkeypatch.setitem(app.config, "RETAIN_ORDER_YEARS", 2)
    order = make_order(ball, made=datetime(2026, 11, 1, 12, tzinfo=UTC), gift_aid=True)

    apply_retention(app.config, now=datetime(2029, 6, 1, tzinfo=UTC))
    db.session.refresh(order)
    assert order.buyer_name == "Bea Buyer"
    assert _declaration(order) == {k: DECLARATION[k] for k in GIFT_AID_PERSONAL}

    swept = apply_retention(app.config, now=datetime(2033, 4, 1, 9, tzinfo=UTC))
    assert (swept.gift_aid, swept.orders) == (1, 1)
    db.session.refresh(order)
    assert order.buyer_name == ERASED_NAME
    # Every one of the donor's details goes: title, names, house, address, postcode.
    assert _declaration(order) == dict.fromkeys(GIFT_AID_PERSONAL)
    assert order.gift_aid is True  # that a declaration was made stays, for the accounts
    assert order.gift_aid_declaration == DECLARATION["gift_aid_declaration"]


def _declaration(order) -> dict:
    return {name: getattr(order, name) for name in GIFT_AID_PERSONAL}


def test_the_gift_aid_step_erases_a_declaration_that_has_only_a_name_left(app, ball):
    """Each of the donor's details is enough for the step to find the order."""
    order = make_order(ball, made=datetime(2026, 11, 1, 12, tzinfo=UTC), gift_aid=True)
    order.gift_aid_address = order.gift_aid_postcode = order.gift_aid_house = None
    order.gift_aid_title = order.gift_aid_first_name = None
    db.session.commit()

    swept = apply_retention(app.config, now=datetime(2033, 4, 1, 9, tzinfo=UTC))
    assert swept.gift_aid == 1
    db.session.refresh(order)
    assert order.gift_aid_last_name is None


def test_unconfirmed_accounts_go_after_seven_days(app, make, clock):
    made_at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    clock(made_at)
    unconfirmed = make.user(email="never.clicked@example.org", verified=False)
    confirmed = make.user(email="clicked@example.org")
    team = make.team_member(email="team.person@example.org", verified=False)
    ids = {unconfirmed.id, confirmed.id, team.id}

    assert apply_retention(app.config, now=made_at + timedelta(days=6)).accounts == 0
    swept = apply_retention(app.config, now=made_at + timedelta(days=7, minutes=1))
    assert swept.accounts == 1
    left = set(db.session.scalars(select(User.email).where(User.id.in_(ids))))
    assert left == {"clicked@example.org", "team.person@example.org"}


def test_an_unconfirmed_account_something_points_at_is_kept_and_the_rest_still_go(app, make, clock):
    made_at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    clock(made_at)
    pointed_at = make.user(email="member@example.org", verified=False)
    org = make.organisation(name="Holbeck Computer Club")
    make.member(org, pointed_at)
    plain = make.user(email="plain@example.org", verified=False)
    plain_id = plain.id

    swept = apply_retention(app.config, now=made_at + timedelta(days=8))
    assert (swept.accounts, swept.accounts_kept) == (1, 1)
    assert db.session.get(User, plain_id) is None
    assert db.session.get(User, pointed_at.id) is not None


def _email(status: OutboxStatus, written: datetime) -> OutboxEmail:
    email = OutboxEmail(
        to_address="someone@example.org",
        subject="Reset your password",
        body_text="Reset it: https://example.org/account/reset/secret-token",
        body_html="<a href='https://example.org/account/reset/secret-token'>Reset</a>",
        template="reset_password",
        status=status,
        created_at=written,
        next_attempt_at=written,
    )
    db.session.add(email)
    db.session.commit()
    return email


def test_the_text_of_sent_emails_goes_after_thirty_days(app):
    written = datetime(2026, 10, 1, 9, tzinfo=UTC)
    sent = _email(OutboxStatus.SENT, written)
    failed = _email(OutboxStatus.FAILED, written)
    waiting = _email(OutboxStatus.PENDING, written)
    recent = _email(OutboxStatus.SENT, written + timedelta(days=10))

    swept = apply_retention(app.config, now=written + timedelta(days=30, hours=1))
    assert swept.email_bodies == 2
    for email in (sent, failed, waiting, recent):
        db.session.refresh(email)
    assert (sent.body_text, sent.body_html) == (ERASED_BODY, None)
    assert failed.body_text == ERASED_BODY
    assert "secret-token" in waiting.body_text  # not sent yet: still needed
    assert "secret-token" in recent.body_text
    # Who was written to, and about what, stays.
    assert (sent.to_address, sent.subject) == ("someone@example.org", "Reset your password")
    assert apply_retention(app.config, now=written + timedelta(days=31)).email_bodies == 0


def test_the_job_says_what_it_did(app, ball):
    make_order(ball, made=BALL_NIGHT - timedelta(days=40))
    swept = apply_retention(app.config, now=BALL_NIGHT + timedelta(days=31))
    assert swept.summary() == "guests' needs erased 1"
    assert apply_retention(app.config, now=BALL_NIGHT + timedelta(days=32)).summary() is None


def test_an_invoice_keeps_its_number_and_amount_but_not_who_it_was_addressed_to(app):
    """The billing address and purchase order may name a person ("FAO Jane Smith"), and
    so may the bank transfer's reference: they go with the order's people. The invoice's
    number, company, amount and dates stay with the accounts."""
    ball = ticketing_make.ball()
    ball.ticket_types[1].invoice_allowed = True
    db.session.commit()
    basket = Basket({ball.ticket_types[1].id: 1}, "Ada Buyer", "ada@acme.example")
    company = invoices.Company("Acme Software Ltd", "FAO Jane Smith\n1 Wellington St", "PO-991")
    invoice = invoices.order_by_invoice(ball, basket, company)
    invoice.transfer_reference = "J SMITH ACME"
    db.session.commit()
    number, amount, made = invoice.number, invoice.amount_pence, invoice.order.created_at
    # Kept until six years after the end of the accounting year of the order.
    year_end = date(made.year + (made.month > 3), 3, 31)
    last_day = datetime(year_end.year + 6, 3, 31, 22, tzinfo=UTC)

    apply_retention(app.config, now=last_day)
    db.session.expire_all()
    assert db.session.get(Invoice, invoice.id).po_number == "PO-991"

    assert apply_retention(app.config, now=last_day + timedelta(days=1)).orders == 1
    db.session.expire_all()
    kept = db.session.get(Invoice, invoice.id)
    assert "Jane Smith" not in kept.billing_address
    assert (kept.po_number, kept.transfer_reference) == (None, None)
    assert (kept.number, kept.company, kept.amount_pence) == (number, "Acme Software Ltd", amount)
