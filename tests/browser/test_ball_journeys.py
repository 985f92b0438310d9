"""The buyer's journey in Chromium, offline through the stand-in checkout: axe and the
console (a Content-Security-Policy refusal shows there) on every page and error state,
Gift Aid's declaration revealed by its checkbox, the QR codes on the order page, and the
whole journey again with JavaScript switched off."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from brokerage.extensions import db
from tests.helpers import emails_to, link_in
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy, latest_order

pytestmark = pytest.mark.browser


def test_no_ball_on_sale(page, check_page):
    page.goto("/ball")
    expect(page.get_by_text("There is no ball on sale at the moment")).to_be_visible()
    check_page(page)


def test_buying_naming_guests_and_the_error_states(page, check_page):
    ticketing_make.ball(capacity=40)
    page.goto("/ball")
    expect(page.get_by_role("heading", name="Digital Charity Ball 2027")).to_be_visible()
    check_page(page)

    # The sponsor code, wrong and then right.
    page.get_by_text("Have a sponsor code?").click()
    page.get_by_label("Sponsor code").fill("nope")
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_text("No tickets match the code")).to_be_visible()
    check_page(page)
    page.get_by_label("Sponsor code").fill("SPONSOR27")
    page.get_by_role("button", name="Use code").click()
    expect(page.get_by_label("Sponsor package")).to_be_visible()
    check_page(page)

    # Nothing chosen, Gift Aid without an address: every problem at once.
    address = page.get_by_label("Street and town")
    expect(address).to_be_hidden()
    page.get_by_label("Yes, add Gift Aid to my donation").check()
    expect(address).to_be_visible()
    page.get_by_label("Donation (optional)").fill("25")
    page.get_by_role("button", name="Continue to payment").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose at least one ticket")
    expect(summary).to_contain_text("Enter your street and town for Gift Aid")
    expect(summary).to_contain_text("Enter your email address")
    check_page(page)

    page.get_by_label("Single seat").fill("2")
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Buyer")
    page.get_by_label("House name or number").fill("1")
    address.fill("Park Row\nLeeds")
    page.get_by_label("Postcode").fill("ls1 5ab")
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_role("button", name="Continue to payment").click()

    # The stand-in checkout.
    expect(page.get_by_role("heading", name="Pay for your tickets")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Pay £215 (test)").click()
    expect(page.get_by_text("Payment received")).to_be_visible()
    check_page(page)

    page.get_by_role("link", name="Go to your order").click()
    expect(page.locator("main svg[role=img]")).to_have_count(2)
    expect(page.get_by_role("img", name="QR code for seat 1")).to_be_visible()
    check_page(page)

    # A name too long, then the guests named.
    page.get_by_label("Guest's full name").first.fill("x" * 121)
    page.get_by_role("button", name="Save guest details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Seat 1: the name must be")
    check_page(page)
    page.get_by_label("Guest's full name").first.fill("Grace Hopper")
    page.get_by_label("Dietary needs (optional)").first.fill("Vegetarian")
    page.get_by_role("button", name="Save guest details").click()
    expect(page.get_by_text("Guest details saved.")).to_be_visible()
    check_page(page)

    order = latest_order()
    assert order.tickets[0].guest_name == "Grace Hopper"
    assert [e.template for e in emails_to("ada@example.org")] == ["ball_confirmation"]


def test_a_buyer_who_lost_the_email_finds_the_tickets(page, check_page):
    ball = ticketing_make.ball(capacity=40)
    order = buy(ball, {ball.ticket_types[0].id: 2})
    page.goto("/ball")
    page.get_by_role("link", name="Find your tickets").click()
    expect(page.get_by_role("heading", name="Find your tickets")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Send me the links").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the email address you bought the tickets with"
    )
    check_page(page)
    page.get_by_label("Email address").fill("Ada@Example.org")
    page.get_by_role("button", name="Send me the links").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check_page(page)

    [email] = [e for e in emails_to("ada@example.org") if e.template == "ball_order_links"]
    page.goto(link_in(email))
    expect(page.get_by_role("img", name="QR code for seat 2")).to_be_visible()
    assert page.url.endswith(f"/ball/orders/{order.token}")


def test_the_order_page_prints_as_tickets(page):
    ball = ticketing_make.ball(capacity=40)
    order = buy(ball, {ball.ticket_types[1].id: 1})
    page.goto(f"/ball/orders/{order.token}")
    form = page.get_by_role("heading", name="Name your guests")
    expect(form).to_be_visible()
    page.emulate_media(media="print")
    # On paper: each seat's QR code, not the guests' form, the navigation or the footer.
    expect(page.get_by_role("img", name="QR code for seat 10")).to_be_visible()
    expect(form).to_be_hidden()
    expect(page.get_by_role("button", name="Save guest details")).to_be_hidden()
    expect(page.get_by_text("To bring your tickets on paper")).to_be_hidden()
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator("footer")).to_be_hidden()
    cards = page.locator(".govuk-summary-card")
    expect(cards).to_have_count(10)
    assert cards.first.evaluate("card => getComputedStyle(card).breakInside") == "avoid"


def test_cancelling_and_an_expired_checkout(page, check_page):
    ticketing_make.ball(capacity=40)
    page.goto("/ball")
    page.get_by_label("Table of 10").fill("1")
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_role("button", name="Continue to payment").click()
    stand_in = page.url
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Payment cancelled")).to_be_visible()
    check_page(page)
    page.goto(stand_in)
    expect(page.get_by_role("heading", name="This checkout has expired")).to_be_visible()
    check_page(page)
    # The seats went back: the next buyer sees them all.
    page.goto("/ball")
    expect(page.get_by_text("£95 each. 40 left")).to_be_visible()


def test_the_journey_works_without_javascript(new_context, base_url):
    ticketing_make.ball(capacity=40)
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/ball")
    # Without JavaScript Gift Aid's address is shown from the start.
    expect(page.get_by_label("Street and town")).to_be_visible()
    page.get_by_label("Single seat").fill("1")
    page.get_by_label("Full name").fill("Ada Buyer")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Pay £95 (test)").click()
    expect(page.get_by_text("Payment received")).to_be_visible()
    page.get_by_role("link", name="Go to your order").click()
    page.get_by_label("Guest's full name").fill("Alan Turing")
    page.get_by_role("button", name="Save guest details").click()
    expect(page.get_by_text("Guest details saved.")).to_be_visible()
    db.session.expire_all()
    assert latest_order().tickets[0].guest_name == "Alan Turing"
