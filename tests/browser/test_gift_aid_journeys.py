"""Gift Aid in Chromium, with axe, the HTML checker and the console on every page: a
buyer ticks Gift Aid and makes the declaration HMRC's schedule needs (a title too long
is refused beside its box); the team makes a claim and downloads its schedule, which
holds the donation in HMRC's formats."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from brokerage.clock import today_in_leeds
from tests.ticketing import factories as ticketing_make
from tests.ticketing.schedules import ods_rows

pytestmark = pytest.mark.browser


def test_a_buyer_declares_gift_aid_and_the_team_claims_it(new_context, sign_in, check_page, make):
    ball = ticketing_make.ball(capacity=40)
    make.team_member(name="Tess Team", email="tess@example.org")

    # The buyer: the declaration's wording beside the box, its boxes revealed by it.
    buyer = new_context().new_page()
    buyer.goto("/ball")
    expect(buyer.get_by_text("I want to Gift Aid my donation to")).to_be_visible()
    first_name = buyer.get_by_label("First name")
    expect(first_name).to_be_hidden()
    buyer.get_by_label("Single seat").fill("1")
    buyer.get_by_label("Donation (optional)").fill("30.50")
    buyer.get_by_label("Yes, add Gift Aid to my donation").check()
    expect(first_name).to_be_visible()
    check_page(buyer)
    buyer.get_by_label("Title (optional)").fill("Professor")
    first_name.fill("Ada")
    buyer.get_by_label("Last name").fill("Lovelace-Byron")
    buyer.get_by_label("House name or number").fill("Rose Cottage")
    buyer.get_by_label("Street and town").fill("Park Row\nLeeds")
    buyer.get_by_label("Postcode").fill("ls15ab")
    buyer.get_by_label("Full name").fill("Ada Lovelace")
    buyer.get_by_label("Email address").fill("ada@example.org")
    buyer.get_by_role("button", name="Continue to payment").click()
    summary = buyer.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Title must be 4 characters or fewer, like Mrs or Prof")
    check_page(buyer)
    buyer.get_by_role("link", name="Title must be 4 characters or fewer").click()
    expect(buyer.get_by_label("Title (optional)")).to_be_focused()
    buyer.get_by_label("Title (optional)").fill("Prof")
    buyer.get_by_role("button", name="Continue to payment").click()

    expect(buyer.get_by_role("heading", name="Pay for your tickets")).to_be_visible()
    check_page(buyer)
    buyer.get_by_role("button", name="Pay £125.50 (test)").click()
    expect(buyer.get_by_text("Payment received")).to_be_visible()
    buyer.get_by_role("link", name="Go to your order").click()
    gift_aid = buyer.locator("xpath=//dt[normalize-space()='Gift Aid']/following-sibling::dd[1]")
    expect(gift_aid).to_contain_text("Prof Ada Lovelace-Byron")
    expect(gift_aid).to_contain_text("Rose Cottage Park Row Leeds LS1 5AB")
    check_page(buyer)

    # The team: from the ball's page to the claim, then its schedule.
    team = new_context().new_page()
    sign_in(team, "tess@example.org")
    team.goto(f"/team/ball/{ball.id}")
    team.get_by_role("link", name="Claim Gift Aid on donations").click()
    expect(team.get_by_role("heading", name="Gift Aid", exact=True)).to_be_visible()
    expect(team.get_by_text("1 donation worth £30.50")).to_be_visible()
    check_page(team)

    # A period that ends before it starts is refused beside its box.
    period_to = team.get_by_role("group", name="To", exact=True)
    period_to.get_by_label("Year").fill("2000")
    team.get_by_role("button", name="Make the claim").click()
    expect(team.locator(".govuk-error-summary")).to_contain_text(
        "The end of the period must be on or after its start"
    )
    check_page(team)
    today = today_in_leeds()
    period_to.get_by_label("Day").fill(str(today.day))
    period_to.get_by_label("Month").fill(str(today.month))
    period_to.get_by_label("Year").fill(str(today.year))
    team.get_by_role("button", name="Make the claim").click()
    expect(team.get_by_text("is made: 1 donation, £30.50")).to_be_visible()
    expect(team.get_by_text("No donations are waiting to be claimed.")).to_be_visible()
    check_page(team)

    with team.expect_download() as info:
        team.get_by_role("link", name="Download the schedule of claim").click()
    download = info.value
    assert download.suggested_filename.endswith(".ods")
    rows = ods_rows(Path(download.path()).read_bytes())
    assert rows[1] == [
        "Prof",
        "Ada",
        "Lovelace Byron",
        "Rose Cottage",
        "LS1 5AB",
        "",
        "",
        f"{today:%d/%m/%y}",
        "30.50",
    ]
