"""Pay by invoice: the due date (never past the ball), the invoice page and email, a
bank transfer recorded by the team fulfilling the order once (also against a card
payment), a wrong amount refused, the overdue invoice cancelled with its seats offered
on, the reminder sent once, the numbering under two invoices at once, and the finance
office's list and CSV. On SQLite and PostgreSQL alike."""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event, func, select

from brokerage.clock import london, today_in_leeds, utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.extensions import db
from brokerage.notifications.reminders import send_reminders
from brokerage.ticketing import availability, invoices
from brokerage.ticketing.checkout import Basket, Payment, fulfil
from brokerage.ticketing.invoice_models import Invoice
from brokerage.ticketing.models import Ball, Order, OrderStatus, Ticket, WaitingStatus
from tests.helpers import emails_to, field_errors, link_in, submit
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import post_event, stand_in_path

COMPANY = invoices.Company("Acme Software Ltd", "1 Wellington Street\nLeeds LS1 4DL", "PO-991")


def invoice_ball(**overrides) -> Ball:
    """A ball whose tables (not single seats) may be paid for by invoice."""
    ball = ticketing_make.ball(**overrides)
    ball.ticket_types[1].invoice_allowed = True
    ball.ticket_types[2].invoice_allowed = True
    db.session.commit()
    return ball


def invoiced(ball: Ball, tables: int = 1, email: str = "ada@acme.example", **kw) -> Invoice:
    table = ball.ticket_types[1]
    basket = Basket({table.id: tables}, "Ada Buyer", email, **kw)
    invoice = invoices.order_by_invoice(ball, basket, COMPANY)
    db.session.commit()
    return invoice


def test_an_invoice_is_due_in_14_days_or_5_days_before_the_ball_never_past_it(app):
    now = utcnow()
    far = invoice_ball(open_for_days=60)
    assert invoices.due_date(far, now) == now + timedelta(days=14)
    near = invoice_ball(open_for_days=1, starts_at=now + timedelta(days=10))
    assert invoices.due_date(near, now) == near.starts_at - timedelta(days=5)
    # Fewer than 3 days would be left to pay: not offered (pay by card instead).
    close = invoice_ball(open_for_days=1, starts_at=now + timedelta(days=7))
    assert invoices.due_date(close, now) is None
    with pytest.raises(DomainError, match="Pay by invoice is closed"):
        invoiced(close)
    for days in range(1, 40):
        ball = db.session.get(Ball, far.id)
        ball.starts_at = now + timedelta(days=days)
        due = invoices.due_date(ball, now)
        assert due is None or due < ball.starts_at


def test_an_invoice_holds_the_seats_until_it_is_due_and_is_emailed(app):
    ball = invoice_ball(capacity=30)
    invoice = invoiced(ball, donation_pence=5_000)
    order = invoice.order
    assert invoice.number == f"DCB-{london(ball.starts_at).year}-0001"
    assert invoice.amount_pence == 95_000
    assert order.status is OrderStatus.PENDING and order.hold_expires_at == invoice.due_at
    assert order.gift_aid is False
    # Counted as held the whole time, like a checkout hold.
    assert availability.seats_taken(ball, invoice.due_at - timedelta(minutes=1)) == 10
    assert availability.seats_taken(ball, invoice.due_at) == 0
    [email] = emails_to("ada@acme.example")
    assert email.template == "ball_invoice"
    assert invoice.number in email.subject
    for words in ("Acme Software Ltd", "PO-991", "£950", "Reference: " + invoice.number):
        assert words in email.body_text
    assert link_in(email) == f"/ball/invoice/{order.token}"


def test_only_types_the_team_allows_can_be_invoiced_and_gift_aid_is_refused(app):
    ball = invoice_ball()
    single = ball.ticket_types[0]
    with pytest.raises(FieldError, match="paid for by invoice"):
        invoices.order_by_invoice(ball, Basket({single.id: 2}, "Ada", "a@x.example"), COMPANY)
    db.session.rollback()
    with pytest.raises(FieldError, match="Gift Aid does not apply"):
        invoiced(ball, donation_pence=1_000, gift_aid=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Order.id))) == 0


def test_a_recorded_transfer_fulfils_the_order_once(app, make):
    team = make.team_member(name="Fin Office")
    ball = invoice_ball()
    invoice = invoiced(ball)
    today = today_in_leeds()
    invoices.record_transfer(invoice, 90_000, today, "DCB ACME", team)
    db.session.commit()
    order = db.session.get(Order, invoice.order_id)
    assert order.status is OrderStatus.PAID and order.paid_pence == 90_000
    assert len(order.tickets) == 10
    assert [e.template for e in emails_to("ada@acme.example")] == [
        "ball_invoice",
        "ball_confirmation",
    ]
    # The team presses again: refused, nothing issued twice.
    with pytest.raises(Conflict, match="paid already"):
        invoices.record_transfer(invoice, 90_000, today, "DCB ACME", team)
    db.session.rollback()
    # A card payment for the same order arrives too: no second set of tickets.
    order.stripe_session_id = "cs_test_late_card"
    db.session.commit()
    fulfil(Payment("cs_test_late_card", 90_000, "gbp", "pi_test_second", True))
    db.session.commit()
    assert db.session.scalar(select(func.count(Ticket.id))) == 10
    assert "refund the second payment" in db.session.get(Order, order.id).note
    assert len(emails_to("ada@acme.example")) == 2


def test_a_card_payment_first_then_the_transfer_is_refused(app, client, make):
    team = make.team_member()
    invoice = invoiced(invoice_ball())
    page = f"/ball/invoice/{invoice.order.token}"
    response = submit(client, page + "/pay", page=page)
    assert response.status_code == 303
    paid = submit(client, stand_in_path(response), {"pay": "Pay (test)"})
    assert paid.status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, invoice.order_id).status is OrderStatus.PAID
    with pytest.raises(Conflict):
        invoices.record_transfer(invoice, 90_000, today_in_leeds(), "x", team)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Ticket.id))) == 10


def test_cancelling_the_card_payment_keeps_the_invoice(app, client):
    invoice = invoiced(invoice_ball())
    page = f"/ball/invoice/{invoice.order.token}"
    response = submit(client, page + "/pay", page=page)
    cancelled = submit(client, stand_in_path(response), {"cancel": "Cancel"})
    assert client.get(cancelled.headers["Location"]).headers["Location"].endswith(page)
    db.session.expire_all()
    assert db.session.get(Order, invoice.order_id).status is OrderStatus.PENDING


def test_an_invoices_card_session_expiring_keeps_the_invoice(app, client, fake_stripe):
    invoice = invoiced(invoice_ball())
    page = f"/ball/invoice/{invoice.order.token}"
    submit(client, page + "/pay", page=page)
    db.session.expire_all()
    session_id = db.session.get(Order, invoice.order_id).stripe_session_id
    event = {
        "id": "evt_test_invoice_expired",
        "type": "checkout.session.expired",
        "data": {"object": {"id": session_id, "object": "checkout.session"}},
    }
    assert post_event(client, event).get_json()["outcome"] == "expired"
    db.session.expire_all()
    order = db.session.get(Order, invoice.order_id)
    assert order.status is OrderStatus.PENDING and order.hold_expires_at == invoice.due_at


@pytest.mark.parametrize(
    "amount, day, field, message",
    [
        ("90", None, "amount", "The invoice is for £900"),
        ("899.99", None, "amount", "The invoice is for £900"),
        ("-5", None, "amount", "Enter the amount in pounds"),
        ("lots", None, "amount", "Enter the amount in pounds"),
        ("", None, "amount", "Enter the amount received"),
        ("900", "future", "received_on", "cannot be in the future"),
        ("900", ("31", "2", "2027"), "received_on", "must be a real date"),
        ("900", ("x" * 100_000, "1", "2027"), "received_on", "must be a real date"),
    ],
)
def test_a_wrong_transfer_is_refused_beside_its_field(
    app, client, team, amount, day, field, message
):
    ball = invoice_ball()
    ball.ticket_types[1].price_pence = 90_000
    invoice = invoiced(ball)
    if day is None:
        day = (str(d) for d in reversed(today_in_leeds().timetuple()[:3]))
    elif day == "future":
        tomorrow = today_in_leeds() + timedelta(days=2)
        day = (str(tomorrow.day), str(tomorrow.month), str(tomorrow.year))
    d, m, y = day
    url = f"/team/ball/{ball.id}/invoices/{invoice.id}/transfer"
    data = {"amount": amount, "received_on": [d, m, y], "reference": "DCB"}
    response = submit(client, url, data)
    assert response.status_code == 400
    assert message in field_errors(response)[field]
    db.session.expire_all()
    assert db.session.get(Order, invoice.order_id).status is OrderStatus.PENDING
    assert db.session.get(Invoice, invoice.id).transfer_date is None


def test_an_overdue_invoice_is_cancelled_and_its_seats_offered_on(app, clock):
    ball = invoice_ball(capacity=10)
    invoice = invoiced(ball)
    entry = ticketing_make.waiting_entry(ball.ticket_types[0], "Wes Wait", "wes@example.org", 2)
    clock(invoice.due_at - timedelta(minutes=1))
    assert invoices.cancel_overdue() == 0
    clock(invoice.due_at + timedelta(minutes=1))
    assert invoices.cancel_overdue() == 1
    db.session.commit()
    order = db.session.get(Order, invoice.order_id)
    assert order.status is OrderStatus.EXPIRED
    assert db.session.get(Invoice, invoice.id).status_label == "Cancelled"
    assert emails_to("ada@acme.example")[-1].template == "ball_invoice_cancelled"
    db.session.expire_all()
    assert db.session.get(type(entry), entry.id).status is WaitingStatus.OFFERED
    assert invoices.cancel_overdue() == 0  # once


def test_a_transfer_for_a_cancelled_invoice_stands_only_while_seats_are_free(app, clock, make):
    team = make.team_member()
    ball = invoice_ball(capacity=10)
    invoice = invoiced(ball)
    clock(invoice.due_at + timedelta(hours=1))
    invoices.cancel_overdue()
    db.session.commit()
    other = invoiced(ball, email="bo@other.example")  # the seats went to someone else
    with pytest.raises(Conflict, match="seats have gone"):
        invoices.record_transfer(invoice, 90_000, today_in_leeds(), "late", team)
    db.session.rollback()
    assert other.order.status is OrderStatus.PENDING


def test_an_unpaid_invoice_is_reminded_once_before_it_is_due(app, clock):
    invoice = invoiced(invoice_ball())
    config = app.config
    clock(invoice.due_at - timedelta(days=4))
    assert send_reminders(config).invoices == 0
    clock(invoice.due_at - timedelta(days=2))
    assert send_reminders(config).invoices == 1
    assert send_reminders(config).invoices == 0
    reminders = [e for e in emails_to("ada@acme.example") if e.template == "reminder_invoice"]
    assert len(reminders) == 1 and invoice.number in reminders[0].subject


def test_two_invoices_at_once_get_the_next_two_numbers(app):
    balls = [invoice_ball(), invoice_ball()]
    ids = [b.id for b in balls]
    table_ids = [b.ticket_types[1].id for b in balls]
    postgres = db.engine.dialect.name == "postgresql"
    db.session.remove()
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE INVOICE_COUNTER") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    numbers: list[str] = []

    def issue(n: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                ball = db.session.get(Ball, ids[n])
                basket = Basket({table_ids[n]: 1}, "Ada", f"buyer{n}@x.example")
                numbers.append(invoices.order_by_invoice(ball, basket, COMPANY).number)
                db.session.commit()
            finally:
                db.session.remove()

    if postgres:  # on SQLite the ball's lock is the database's: they queue before this
        event.listen(db.engine, "before_cursor_execute", meet)
    try:
        threads = [threading.Thread(target=issue, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        if postgres:
            event.remove(db.engine, "before_cursor_execute", meet)
    year = london(balls[0].starts_at).year
    assert sorted(numbers) == [f"DCB-{year}-0001", f"DCB-{year}-0002"]
    assert db.session.scalar(select(func.count(Invoice.id))) == 2


def test_the_team_lists_invoices_and_downloads_them_for_finance(app, client, team):
    ball = invoice_ball()
    invoice = invoiced(ball)
    invoices.record_transfer(invoice, 90_000, date.today(), "DCB ACME", team)
    db.session.commit()
    unpaid = invoiced(ball, email="bo@other.example")
    page = client.get(f"/team/ball/{ball.id}/invoices")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert invoice.number in text and unpaid.number in text and "Record a transfer" in text
    response = client.get(f"/team/ball/{ball.id}/invoices.csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))
    assert rows[0] == list(invoices.INVOICE_COLUMNS)
    assert rows[1][0] == invoice.number and rows[1][1] == "Acme Software Ltd"
    assert rows[1][2] == "PO-991" and rows[1][3] == "900.00" and rows[1][6] == "Paid"
    assert rows[1][8] == "Bank transfer" and rows[1][9] == "DCB ACME"
    assert rows[2][6] == "Unpaid" and rows[2][7] == ""


def test_a_buyer_orders_by_invoice_on_the_page(app, client):
    ball = invoice_ball()
    table = ball.ticket_types[1]
    assert "pay by invoice" in client.get("/ball").get_data(as_text=True)
    page = client.get("/ball/invoice").get_data(as_text=True)
    assert "Gift Aid" in page and 'name="gift_aid"' not in page
    assert f"quantity_{ball.ticket_types[0].id}" not in page  # single seats: card only
    data = {
        f"quantity_{table.id}": "1",
        "company": "Acme Software Ltd",
        "billing_address": "1 Wellington Street, Leeds",
        "buyer_name": "Ada Buyer",
        "buyer_email": "ada@acme.example",
    }
    bad = submit(client, "/ball/invoice", {**data, "company": "", f"quantity_{table.id}": "x"})
    assert bad.status_code == 400
    assert field_errors(bad)["company"] == "Enter the company's name"
    assert db.session.scalar(select(func.count(Order.id))) == 0
    response = submit(client, "/ball/invoice", data)
    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    invoice = db.session.scalars(select(Invoice)).one()
    assert invoice.number in shown and "£900" in shown and "Sort code" in shown
