"""Other funders' opportunities in Chromium, with axe, the HTML checker and the console
on every page: the team posts one (after a mistake), and a charity it fits finds it
from its organisation's page and says it is not for them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.funding.opportunity_models import OpportunityDismissal

pytestmark = pytest.mark.browser


def test_the_team_posts_one_and_a_charity_sees_it_and_says_not_for_us(
    make, new_context, sign_in, check_page
):
    team = make.team_member(name="Tess Team", email="tess@example.org")
    owner = make.user(name="Olive Owner", email="olive@example.org")
    charity = make.organisation(owner, name="Armley Elders")
    deadline = today_in_leeds() + timedelta(days=20)

    page = new_context().new_page()
    sign_in(page, team.email)
    page.goto("/team/funding/opportunities")
    expect(page.get_by_role("heading", level=1)).to_have_text("Other funders' opportunities")
    check_page(page)
    page.get_by_role("button", name="Post an opportunity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post another funder's opportunity")
    check_page(page)

    page.get_by_label("Funder", exact=True).fill("Leeds Community Foundation")
    page.get_by_label("Title", exact=True).fill("Tablets for older people")
    page.get_by_label("What it funds").fill("Tablets and data for people over 65.")
    page.get_by_label("Most it gives, in pounds (optional)").fill("2,500")
    page.get_by_label("Day").fill(str(deadline.day))
    page.get_by_label("Month").fill(str(deadline.month))
    page.get_by_label("Year").fill(str(deadline.year))
    page.get_by_label("Older people").check()
    page.get_by_label("Link to the funder's page").fill("http://example.org/tablets")
    page.get_by_role("button", name="Post the opportunity").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a link that starts with https://"
    )
    assert page.title().startswith("Error: ")
    check_page(page)

    page.get_by_label("Link to the funder's page").fill("https://example.org/tablets")
    page.get_by_role("button", name="Post the opportunity").click()
    expect(page.get_by_text("Tablets for older people is posted")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Up to £2,500")
    check_page(page)

    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto("/notices")
    expect(page.get_by_text("A funding opportunity may suit Armley Elders")).to_be_visible()
    page.goto(f"/organisations/{charity.id}")
    page.get_by_role("link", name="Funding from other funders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Funding from other funders")
    expect(page.get_by_role("heading", name="Tablets for older people")).to_be_visible()
    expect(page.get_by_text("The soonest deadline comes first")).to_be_visible()
    check_page(page)

    page.get_by_role("button", name="Not for us").click()
    expect(page.get_by_text("is moved to 'Not for us'")).to_be_visible()
    expect(page.get_by_role("heading", name="Not for us", level=2)).to_be_visible()
    expect(page.get_by_text("There is no open opportunity for you at the moment")).to_be_visible()
    expect(page.get_by_role("button", name="Not for us")).to_have_count(0)
    check_page(page)
    dismissal = db.session.scalars(select(OpportunityDismissal)).one()
    assert dismissal.organisation_id == charity.id
