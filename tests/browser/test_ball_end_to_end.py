"""The ball from end to end in Chromium, as the people do it: a buyer with no account
buys two single seats and a table through the stand-in checkout and names the guests;
the confirmation email links to the order; the team checks a guest in at the door, is
warned at the second scan, refunds a seat (the buyer is emailed, the door refuses its
code) and sees the sales figures follow. axe and the console on every page visited."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.helpers import emails_to, link_in
from tests.ticketing import factories as ticketing_make

pytestmark = pytest.mark.browser

BUYER = "ada@example.org"
# A ticket code as the pages show it: 32 letters and digits in groups of four.
CODE = re.compile(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}")
# "8:14pm" on the night; the full date too if midnight passed between the two scans.
DOOR_TIME = r"(\d{1,2} \w+ \d{4} at )?(\d{1,2}:\d{2}[ap]m|midday|midnight)"
CHANGE = re.compile(r"^Change")


def summary_value(page: Page, key: str) -> Locator:
    """The value beside `key` (matched whole) in a summary list."""
    return page.locator(f"xpath=//dt[normalize-space()='{key}']/following-sibling::dd[1]")


def seat_card(page: Page, number: int, ticket_type: str) -> Locator:
    heading = page.get_by_role("heading", name=f"Seat {number}: {ticket_type}", exact=True)
    return page.locator(".govuk-summary-card", has=heading)


def check_in(page: Page, code: str) -> Locator:
    page.get_by_label("Ticket code").fill(code)
    page.get_by_role("button", name="Check in", exact=True).click()
    return page.get_by_role("alert")


def test_buy_name_check_in_and_refund(new_context, sign_in, check_page, make):
    ticketing_make.ball(capacity=40)
    make.team_member(name="Dee Door", email="dee@example.org")

    # 1. The buyer, with no account, from the home page to the paid order.
    buyer = new_context().new_page()
    buyer.goto("/")
    check_page(buyer)
    buyer.get_by_role("navigation", name="Menu").get_by_role("link", name="Charity Ball").click()
    expect(buyer.get_by_role("heading", name="Digital Charity Ball 2027")).to_be_visible()
    check_page(buyer)
    buyer.get_by_label("Single seat").fill("2")
    buyer.get_by_label("Table of 10").fill("1")
    buyer.get_by_label("Donation (optional)").fill("20")
    buyer.get_by_label("Yes, add Gift Aid to my donation").check()
    buyer.get_by_label("First name").fill("Ada")
    buyer.get_by_label("Last name").fill("Buyer")
    buyer.get_by_label("House name or number").fill("1")
    buyer.get_by_label("Street and town").fill("Park Row\nLeeds")
    buyer.get_by_label("Postcode").fill("LS1 5AB")
    buyer.get_by_label("Full name").fill("Ada Buyer")
    buyer.get_by_label("Email address").fill(BUYER)
    buyer.get_by_role("button", name="Continue to payment").click()

    expect(buyer.get_by_role("heading", name="Pay for your tickets")).to_be_visible()
    expect(summary_value(buyer, "Donation")).to_have_text("£20, with Gift Aid")
    check_page(buyer)
    buyer.get_by_role("button", name="Pay £1,110 (test)").click()
    expect(buyer.get_by_text("Payment received")).to_be_visible()
    check_page(buyer)

    buyer.get_by_role("link", name="Go to your order").click()
    expect(buyer.get_by_role("heading", name="Your order")).to_be_visible()
    expect(buyer.locator("main svg[role=img]")).to_have_count(12)
    codes = []
    for number in range(1, 13):
        card = seat_card(buyer, number, "Single seat" if number <= 2 else "Table of 10")
        expect(card.get_by_role("img", name=f"QR code for seat {number}")).to_be_visible()
        code = summary_value(card, "Ticket code")
        expect(code).to_have_text(CODE)
        codes.append(code.inner_text())
    assert len(set(codes)) == 12
    check_page(buyer)

    first = buyer.get_by_role("group", name="Seat 1: Single seat")
    first.get_by_label("Guest's full name").fill("Grace Hopper")
    first.get_by_label("Dietary needs (optional)").fill("Vegetarian")
    second = buyer.get_by_role("group", name="Seat 2: Single seat")
    second.get_by_label("Guest's full name").fill("Alan Turing")
    second.get_by_label("Access needs (optional)").fill("Step-free access")
    buyer.get_by_role("button", name="Save guest details").click()
    expect(buyer.get_by_text("Guest details saved.")).to_be_visible()
    first_card, second_card = seat_card(buyer, 1, "Single seat"), seat_card(buyer, 2, "Single seat")
    expect(summary_value(first_card, "Guest")).to_have_text("Grace Hopper")
    expect(summary_value(first_card, "Dietary needs")).to_have_text("Vegetarian")
    expect(summary_value(second_card, "Guest")).to_have_text("Alan Turing")
    expect(summary_value(second_card, "Access needs")).to_have_text("Step-free access")
    expect(summary_value(seat_card(buyer, 3, "Table of 10"), "Guest")).to_have_text("Not named yet")
    check_page(buyer)
    order_path = urlsplit(buyer.url).path
    grace_code, alan_code = codes[0], codes[1]

    # 2. The confirmation email links to the order page by its token, with every code.
    [confirmation] = emails_to(BUYER)
    assert confirmation.template == "ball_confirmation"
    assert link_in(confirmation) == order_path
    assert re.fullmatch(r"/ball/orders/[\w-]{20,}", order_path)
    assert all(code in confirmation.body_text for code in codes)

    # 3. The team: the ball's sales, then the door, twice with the same code.
    team = new_context().new_page()
    sign_in(team, "dee@example.org")
    check_page(team)
    team.get_by_role("navigation", name="Menu").get_by_role("link", name="Team").click()
    team.get_by_role("link", name="Ball", exact=True).click()
    check_page(team)
    team.get_by_role("link", name="Digital Charity Ball 2027").click()
    expect(summary_value(team, "Seats")).to_have_text(
        "12 sold, 0 held while buyers pay, 28 free, of 40"
    )
    expect(summary_value(team, "Raised in all")).to_have_text("£1,110")
    expect(summary_value(team, "From tickets")).to_have_text("£1,090")
    expect(summary_value(team, "From donations")).to_have_text("£20")
    check_page(team)
    team.get_by_role("link", name="Check guests in at the door").click()
    expect(team.get_by_label("Ticket code")).to_be_focused()
    check_page(team)

    answer = check_in(team, grace_code)
    expect(answer).to_contain_text("Admitted: Grace Hopper")
    expect(answer).to_contain_text("Dietary needs: Vegetarian")
    check_page(team)
    # A scanner types the code and Enter into the box, which is focused after an answer.
    expect(team.get_by_label("Ticket code")).to_be_focused()
    team.keyboard.type(grace_code)
    team.keyboard.press("Enter")
    expect(team.get_by_role("heading", name="Warning: do not admit twice")).to_be_visible()
    expect(team.get_by_role("alert")).to_contain_text(
        re.compile(f"Already admitted at {DOOR_TIME} by Dee Door")
    )
    check_page(team)

    # 4. The team finds the order by the buyer's email and refunds Alan's seat.
    team.get_by_role("link", name="Digital Charity Ball 2027").click()
    check_page(team)
    team.get_by_role("link", name="Orders", exact=True).click()
    check_page(team)
    team.get_by_label("Buyer's or guest's name, email, ticket code or order number").fill(BUYER)
    team.get_by_role("button", name="Search").click()
    expect(team.get_by_role("heading", name="1 order matches")).to_be_visible()
    check_page(team)
    team.get_by_role("link", name=re.compile(r"^#\d+$")).click()
    expect(team.locator("main")).to_contain_text(re.compile(f"Checked in {DOOR_TIME}.* by Dee"))
    check_page(team)
    team.get_by_label("Refund the seat of Alan Turing").check()
    team.get_by_role("button", name="Refund the chosen tickets").click()
    expect(team.get_by_role("heading", name="Refund 1 seat")).to_be_visible()
    expect(team.get_by_label("Amount to refund")).to_have_value("95")
    check_page(team)
    team.get_by_label("Reason").fill("Alan cannot come")
    team.get_by_role("button", name="Refund", exact=True).click()
    expect(
        team.get_by_text("Refunded £95. 1 seat is released and Ada Buyer is emailed.")
    ).to_be_visible()
    expect(team.locator("main .govuk-tag").first).to_have_text("Partly refunded")
    alan_row = team.get_by_role("row").filter(has_text="Alan Turing")
    expect(alan_row.get_by_role("cell").nth(3)).to_have_text("Refunded")
    expect(team.get_by_label("Refund the seat of Alan Turing")).to_have_count(0)
    refund_row = team.get_by_role("row").filter(has_text="Alan cannot come")
    expect(refund_row).to_contain_text("£95")
    expect(refund_row).to_contain_text("Dee Door")
    check_page(team)

    confirmation, refund = emails_to(BUYER)
    assert refund.template == "ball_refund"
    assert "We have refunded £95" in refund.body_text
    assert "Reason: Alan cannot come" in refund.body_text
    assert f"Single seat for Alan Turing: {alan_code}" in refund.body_text
    assert link_in(refund) == order_path

    # The buyer's order page, from the refund email's link.
    buyer.goto(link_in(refund))
    expect(buyer.get_by_text("Partly refunded", exact=True)).to_be_visible()
    expect(summary_value(seat_card(buyer, 2, "Single seat"), "Ticket")).to_contain_text("Refunded")
    expect(buyer.locator("main svg[role=img]")).to_have_count(11)
    check_page(buyer)

    # At the door, the refunded seat's code no longer works.
    team.get_by_role("link", name="Orders", exact=True).click()
    check_page(team)
    team.get_by_role("link", name="Digital Charity Ball 2027").click()
    check_page(team)
    team.get_by_role("link", name="Check guests in at the door").click()
    check_page(team)
    answer = check_in(team, alan_code)
    expect(answer).to_contain_text("Not valid: refunded")
    expect(answer).to_contain_text("Alan Turing")
    check_page(team)

    # 5. The sales figures: a seat back on sale, its price off the tickets, the donation kept.
    team.get_by_role("link", name="Digital Charity Ball 2027").click()
    expect(summary_value(team, "Seats")).to_have_text(
        "11 sold, 0 held while buyers pay, 29 free, of 40"
    )
    expect(summary_value(team, "Raised in all")).to_have_text("£1,015")
    expect(summary_value(team, "From tickets")).to_have_text("£995 (£1,090 paid, £95 refunded)")
    expect(summary_value(team, "From donations")).to_have_text("£20")
    expect(summary_value(team, "Donations eligible for Gift Aid")).to_have_text("£20")
    expect(summary_value(team, "Orders")).to_have_text(
        "1 paid, of which 0 complimentary (0 seats); 0 refunded in full"
    )
    single = team.get_by_role("row").filter(has=team.get_by_role("rowheader", name="Single seat"))
    expect(single.get_by_role("cell")).to_have_text(["£95", "1", "1", "0", "39 of 40", CHANGE])
    table = team.get_by_role("row").filter(has=team.get_by_role("rowheader", name="Table of 10"))
    expect(table.get_by_role("cell")).to_have_text(["£900", "10", "1", "0", "19 of 20", CHANGE])
    check_page(team)
