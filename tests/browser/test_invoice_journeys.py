"""Pay by invoice in Chromium: a company's buyer chooses pay by invoice for a table and
sees the numbered invoice with the bank details; the team records the bank transfer;
the buyer's invoice then says paid and leads to the tickets. axe and the Nu HTML
checker on every page visited."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from brokerage.clock import london, today_in_leeds
from brokerage.extensions import db
from tests.helpers import emails_to, link_in
from tests.ticketing import factories as ticketing_make

pytestmark = pytest.mark.browser

BUYER = "ada@acme.example"


def test_a_company_pays_by_invoice_and_the_team_records_the_transfer(
    new_context, sign_in, check_page, make
):
    ball = ticketing_make.ball(capacity=40)
    ball.ticket_types[1].invoice_allowed = True
    db.session.commit()
    number = f"DCB-{london(ball.starts_at).year}-0001"
    make.team_member(name="Fin Office", email="fin@example.org")

    buyer = new_context().new_page()
    buyer.goto("/ball")
    buyer.get_by_role("link", name="pay by invoice").click()
    expect(buyer.get_by_role("heading", name="Pay by invoice")).to_be_visible()
    check_page(buyer)
    buyer.get_by_role("button", name="Get the invoice").click()
    expect(buyer.get_by_text("Choose at least one ticket").first).to_be_visible()
    check_page(buyer)
    buyer.get_by_label("Table of 10").fill("1")
    buyer.get_by_label("Company name").fill("Acme Software Ltd")
    buyer.get_by_label("Billing address").fill("1 Wellington Street\nLeeds LS1 4DL")
    buyer.get_by_label("Purchase order number (optional)").fill("PO-991")
    buyer.get_by_label("Your full name").fill("Ada Buyer")
    buyer.get_by_label("Your email address").fill(BUYER)
    buyer.get_by_role("button", name="Get the invoice").click()

    expect(buyer.get_by_role("heading", name=f"Invoice {number}")).to_be_visible()
    expect(buyer.locator("#invoice-status")).to_have_text("Unpaid")
    expect(buyer.locator("#invoice-total")).to_have_text("£900")
    expect(buyer.get_by_text("Acme Software Ltd")).to_be_visible()
    expect(buyer.get_by_role("button", name="Pay by card now")).to_be_visible()
    check_page(buyer)
    invoice_path = buyer.url.removeprefix("http://").partition("/")[2]
    [email] = emails_to(BUYER)
    assert link_in(email) == "/" + invoice_path

    team = new_context().new_page()
    sign_in(team, "fin@example.org")
    team.goto(f"/team/ball/{ball.id}")
    team.get_by_role("link", name="Invoices").click()
    expect(team.get_by_role("heading", name="Invoices")).to_be_visible()
    check_page(team)
    team.get_by_role("link", name=f"Record a transfer for {number}").click()
    check_page(team)
    team.get_by_label("Amount received").fill("450")
    today = today_in_leeds()
    team.get_by_label("Day").fill(str(today.day))
    team.get_by_label("Month").fill(str(today.month))
    team.get_by_label("Year").fill(str(today.year))
    team.get_by_label("Reference on the transfer").fill(number)
    team.get_by_role("button", name="Record the transfer").click()
    expect(team.get_by_text("The invoice is for £900").first).to_be_visible()
    check_page(team)
    team.get_by_label("Amount received").fill("900")
    team.get_by_role("button", name="Record the transfer").click()
    expect(team.get_by_text(f"Invoice {number} is paid")).to_be_visible()
    expect(team.get_by_role("cell", name="Paid Bank transfer", exact=False)).to_be_visible()
    check_page(team)

    buyer.reload()
    expect(buyer.locator("#invoice-status")).to_have_text("Paid")
    buyer.get_by_role("link", name="See your tickets and name your guests").click()
    expect(buyer.get_by_role("heading", name="Your order")).to_be_visible()
    expect(buyer.locator("main svg[role=img]")).to_have_count(10)
    check_page(buyer)
    assert [e.template for e in emails_to(BUYER)] == ["ball_invoice", "ball_confirmation"]
