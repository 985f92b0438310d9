"""The ball's waiting list in Chromium, with axe, the HTML checker and the console on
every page: someone joins the list of a sold-out ticket type, a seat is refunded and
they are offered it by email, and they buy it through the offer link (the stand-in
checkout); the team sees the list and its outcome."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing import refunds
from brokerage.ticketing.models import Order, OrderStatus, WaitingEntry
from tests.helpers import emails_to, link_in
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

pytestmark = pytest.mark.browser

EMAIL = "wendy.wait@example.org"


def test_join_when_sold_out_then_buy_through_the_offer_after_a_refund(
    make, new_context, sign_in, check_page
):
    team = make.team_member(name="Tess Team", email="tess@example.org")
    ball = ticketing_make.ball(capacity=2)
    single = ball.ticket_types[0]
    sold = buy(ball, {single.id: 2}, name="Sam Sold", email="sam@example.org")

    page = new_context().new_page()
    page.goto("/ball")
    expect(page.get_by_text("All the tickets are sold out")).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Join the waiting list for Single seat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting list for Single seat")
    check_page(page)

    page.get_by_role("button", name="Join the waiting list").click()  # nothing filled in
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your full name")
    check_page(page)
    page.get_by_label("Full name").fill("Wendy Wait")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("How many Single seat tickets").fill("1")
    page.get_by_role("button", name="Join the waiting list").click()
    expect(page.get_by_role("heading", name="You are on the waiting list")).to_be_visible()
    check_page(page)
    assert [e.template for e in emails_to(EMAIL)] == ["ball_waiting_joined"]

    # The team refunds one of Sam's seats: Wendy, first in line, is offered it.
    refunds.refund_tickets(sold, [sold.tickets[0].id], team, "Cannot come", 9_500)
    db.session.commit()
    (offer,) = [e for e in emails_to(EMAIL) if e.template == "ball_waiting_offer"]

    page.goto(link_in(offer))
    expect(page.get_by_role("heading", level=1)).to_have_text("Seats held for you")
    expect(page.get_by_text("Wendy Wait", exact=True)).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Pay £95").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pay for your tickets")
    check_page(page)
    page.get_by_role("button", name=re.compile(r"^Pay £95(\.00)? \(test\)$")).click()
    expect(page.get_by_text("Payment received")).to_be_visible()
    check_page(page)
    entry = db.session.scalar(select(WaitingEntry).where(WaitingEntry.email == EMAIL))
    db.session.refresh(entry.order)
    assert entry.order.status is OrderStatus.PAID

    team_page = new_context().new_page()
    sign_in(team_page, team.email)
    team_page.goto(f"/team/ball/{ball.id}")
    team_page.get_by_role("link", name="Waiting list").click()
    expect(team_page.get_by_role("heading", level=1)).to_have_text("Waiting list")
    row = team_page.get_by_role("row").filter(has_text="Wendy Wait")
    expect(row).to_contain_text("Bought")
    check_page(team_page)
    assert db.session.get(Order, sold.id).status is OrderStatus.PARTLY_REFUNDED


def test_a_buyer_beaten_to_the_last_seat_is_told_and_offered_the_waiting_list(
    new_context, check_page
):
    ball = ticketing_make.ball(capacity=1)
    single = ball.ticket_types[0]
    page = new_context().new_page()
    page.goto("/ball")
    page.get_by_label("Single seat").fill("1")
    page.get_by_label("Full name").fill("Lena Late")
    page.get_by_label("Email address").fill("lena@example.org")
    buy(ball, {single.id: 1}, name="Quinn Quick", email="quinn@example.org")  # meanwhile

    page.get_by_role("button", name="Continue to payment").click()
    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("The last tickets went while you were choosing.")
    expect(banner).to_contain_text("No seats are held for you and nothing was charged.")
    expect(page.get_by_text("All the tickets are sold out")).to_be_visible()
    expect(page.get_by_role("button", name="Continue to payment")).to_have_count(0)
    check_page(page)
    page.get_by_role("link", name="Join the waiting list for Single seat").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waiting list for Single seat")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1  # Quinn's alone
