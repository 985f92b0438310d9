"""Seating in Chromium, with axe and the HTML checker on every page: the team adds a
table and seats a table-of-10 booking and a single guest without JavaScript, then
prints the table plan and the place cards; a buyer emails a guest a link and the guest
fills in their own details."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from brokerage.extensions import db
from brokerage.ticketing import seating
from tests.helpers import emails_to, link_in
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

pytestmark = pytest.mark.browser


def test_the_team_seats_a_table_booking_and_a_single_guest_without_javascript(
    new_context, sign_in, check_page, make
):
    ball = ticketing_make.ball()
    make.team_member(name="Dee Door", email="dee@example.org")
    single, table_of_10, _ = ball.ticket_types
    company = buy(ball, {table_of_10.id: 1}, name="Aire Valley Software", email="a@avs.example")
    company.tickets[0].guest_name = "Asha Aire"
    sam = buy(ball, {single.id: 1}, name="Sam Single", email="sam@example.org")
    sam.tickets[0].guest_name = "Sam Single"
    seating.set_wishes(sam, "With Aire Valley Software, please")
    db.session.commit()
    order_ids = [company.id, sam.id]
    # No transaction of the test's stays open while the live server writes (SQLite).
    db.session.commit()

    # Without JavaScript, so axe (which runs inside the page) cannot: the HTML checker
    # still reads every page here, and test_every_page runs axe on each of them.
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, "dee@example.org", check=lambda signing_in: check_page(signing_in, axe=False))
    page.goto(f"/team/ball/{ball.id}")
    page.get_by_role("link", name="Tables and seating").click()
    page.get_by_role("link", name="Set up the tables").click()
    check_page(page, axe=False)
    page.get_by_label("Table number or name").fill("Top table")
    page.get_by_label("Seats").fill("11")
    page.get_by_role("button", name="Add table").click()
    expect(page.get_by_text("Table Top table added, with 11 seats.")).to_be_visible()
    check_page(page, axe=False)

    page.get_by_role("link", name="seat the guests").click()
    expect(page.get_by_text("Seating wishes: With Aire Valley Software, please")).to_be_visible()
    check_page(page, axe=False)
    for order_id, free in zip(order_ids, ("11", "1"), strict=True):
        page.get_by_label(f"Table for order {order_id}, booking 1").select_option(
            label=f"Table Top table ({free} free of 11)"
        )
        page.get_by_role("button", name=f"Place order {order_id} booking 1").click()
        check_page(page, axe=False)
    expect(page.get_by_text("Table Top table: 11 of 11 seats taken")).to_be_visible()
    expect(page.get_by_text("Everyone with a ticket has a table.")).to_be_visible()

    page.get_by_role("link", name="Print the table plan").click()
    check_page(page, axe=False)
    expect(page.get_by_role("heading", name="Table Top table")).to_be_visible()
    expect(page.get_by_text("Guest of Aire Valley Software").first).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator(".govuk-footer")).to_be_hidden()
    expect(page.get_by_text("Sam Single")).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Seating").click()
    page.get_by_role("link", name="Print the place cards").click()
    check_page(page, axe=False)
    cards = page.locator(".app-place-card")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="Sam Single")).to_contain_text("Table Top table")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="Place cards")).to_be_hidden()
    expect(cards.first).to_be_visible()


def test_a_guest_fills_in_their_own_details_through_the_buyers_link(new_context, check_page):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2}, name="Ada Buyer")
    first_id = order.tickets[0].id
    # No transaction of the test's stays open while the live server writes (SQLite).
    db.session.commit()

    buyer = new_context().new_page()
    buyer.goto(f"/ball/orders/{order.token}")
    buyer.get_by_role("link", name="Ask your guests to fill in their own details").click()
    check_page(buyer)
    buyer.locator(f"#email-{first_id}").fill("grace@example.org")
    buyer.get_by_role("button", name="Email the link for seat 1").click()
    expect(buyer.get_by_text("We emailed the link to grace@example.org.")).to_be_visible()
    check_page(buyer)

    guest = new_context().new_page()
    link = link_in(emails_to("grace@example.org")[0])
    db.session.commit()
    guest.goto(link)
    expect(guest.get_by_text("Single seat, booked by Ada Buyer")).to_be_visible()
    check_page(guest)
    guest.get_by_role("button", name="Save my details").click()
    expect(guest.locator(".govuk-error-summary")).to_contain_text("Enter your full name")
    check_page(guest)
    guest.get_by_label("Your full name").fill("Grace Hopper")
    guest.get_by_label("Dietary needs (optional)").fill("Vegetarian")
    guest.get_by_role("button", name="Save my details").click()
    expect(guest.get_by_text("Thank you: your details are saved.")).to_be_visible()
    check_page(guest)

    buyer.reload()
    expect(buyer.get_by_text("Filled in by the guest on")).to_be_visible()
    expect(buyer.get_by_text("Grace Hopper")).to_be_visible()
