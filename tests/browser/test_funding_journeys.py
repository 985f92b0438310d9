"""Grant rounds in Chromium, with axe, the HTML checker and the console on every page:
the team sets up and publishes a round; a charity applies (a draft, a refused send,
then a complete one); the team marks it eligible."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.funding.models import ApplicationStatus, GrantApplication, GrantRound, RoundStatus
from tests.funding import factories as funding_make

pytestmark = pytest.mark.browser


def _fill_when(page, legend: str, day: str, month: str, year: str, at: str) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(day)
    group.get_by_label("Month").fill(month)
    group.get_by_label("Year").fill(year)
    group.get_by_label("Time").fill(at)


def test_the_team_sets_up_and_publishes_a_round(make, new_context, sign_in, check_page):
    team = make.team_member(name="Tam Team")
    page = new_context().new_page()
    sign_in(page, team.email)
    page.goto("/team/funding")
    expect(page.get_by_text("No grant round yet.")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Set up a round").click()
    page.get_by_label("Name").fill("Spring grants 2027")
    page.get_by_label("Description").fill("Grants for digital skills in Leeds.")
    page.get_by_label("The pot").fill("40000")
    page.get_by_label("Smallest grant").fill("20000")
    page.get_by_label("Largest grant").fill("10000")
    _fill_when(page, "Opens", "1", "3", "2027", "9am")
    _fill_when(page, "Closes", "31", "3", "2027", "5pm")
    page.get_by_role("button", name="Save the round").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The largest grant must be at least the smallest grant"
    )
    check_page(page)
    page.get_by_label("Smallest grant").fill("1000")
    page.get_by_role("button", name="Save the round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring grants 2027")
    check_page(page)

    page.get_by_role("button", name="Publish the round").click()
    expect(page.get_by_text("Before publishing, add at least one question")).to_be_visible()
    page.get_by_label("Question", exact=True).fill("What will you do with the grant?")
    page.get_by_label("Long text").check()
    page.get_by_label("Word limit (optional)").fill("200")
    page.get_by_role("button", name="Add the question").click()
    page.get_by_label("Criterion").fill("Reach")
    page.get_by_label("Weight").fill("2")
    page.get_by_role("button", name="Add the criterion").click()
    expect(page.get_by_text("Reach, weight 2")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Publish the round").click()
    expect(page.get_by_text("Published the round.")).to_be_visible()
    (grant_round,) = db.session.scalars(select(GrantRound)).all()
    assert grant_round.status is RoundStatus.OPEN
    # British Summer Time from 28 March 2027: 5pm in Leeds is 4pm UTC.
    assert grant_round.closes_at.isoformat() == "2027-03-31T16:00:00+00:00"


def test_a_charity_applies_and_the_team_finds_it_eligible(make, new_context, sign_in, check_page):
    owner = make.user(name="Cara Charity")
    charity = make.organisation(owner, name="Armley Digital")
    grant_round = funding_make.grant_round(name="Spring grants 2027")
    page = new_context().new_page()
    sign_in(page, owner.email)
    page.goto("/funding")
    page.get_by_role("link", name="Spring grants 2027").click()
    expect(page.get_by_text("What will you do with the grant? (up to 50 words)")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Start an application for Armley Digital").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to Spring grants 2027")
    check_page(page)

    page.get_by_label("Project title").fill("Digital drop-ins")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    page.get_by_role("button", name="Send the application").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Describe your project in a few sentences"
    )
    check_page(page)

    page.get_by_label("About the project").fill("Weekly drop-ins at the library.")
    page.get_by_label("What will you do with the grant?").fill("Run twenty sessions.")
    page.get_by_role("group", name="Have you run this project before?").get_by_label("No").check()
    page.get_by_label("Amount you are asking for").fill("5000")
    page.get_by_label("Budget line 1: what it pays for").fill("Ten tablets")
    page.get_by_label("Budget line 1: cost").fill("5000")
    page.get_by_role("button", name="Send the application").click()
    expect(page.get_by_text("Your application has been sent.")).to_be_visible()
    expect(page.get_by_text("Ten tablets")).to_be_visible()
    check_page(page)

    team = make.team_member(name="Tam Team")
    team_page = new_context().new_page()
    sign_in(team_page, team.email)
    team_page.goto(f"/team/funding/rounds/{grant_round.id}")
    team_page.get_by_role("link", name="Digital drop-ins").click()
    team_page.get_by_label("Eligible: the panel will score it").check()
    team_page.get_by_role("button", name="Save the check").click()
    expect(team_page.get_by_text("The eligibility check is saved.")).to_be_visible()
    check_page(team_page)
    (application,) = db.session.scalars(select(GrantApplication)).all()
    db.session.refresh(application)
    assert application.status is ApplicationStatus.ELIGIBLE
    assert application.organisation_id == charity.id
