"""The grant panel in Chromium, with axe, the HTML checker and the console on every
page: a panel member scores an application (a draft, then submitted, then the other
members' scores), and the team awards a grant from the ranking page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from brokerage.extensions import db
from brokerage.funding import panel
from brokerage.funding.models import ApplicationStatus, ReviewStatus, RoundStatus
from brokerage.funding.panel import Entry
from tests.funding import factories as funding_make

pytestmark = pytest.mark.browser


@pytest.fixture
def scoring(make):
    grant_round = funding_make.grant_round(
        name="Digital Inclusion Fund 2027",
        status=RoundStatus.SCORING,
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-30),
        pot_pence=1_000_000,
    )
    owner = make.user(name="Olive Owner")
    application = funding_make.application(
        grant_round,
        make.organisation(owner, name="Armley Digital"),
        status=ApplicationStatus.ELIGIBLE,
        title="Laptops and drop-ins in Armley",
    )
    pat = make.user(name="Pat Panel", email="pat@example.org")
    sam = make.user(name="Sam Scorer", email="sam@example.org")
    members = [funding_make.panel_member(grant_round, p) for p in (pat, sam)]
    criteria = grant_round.criteria
    panel.save_review(
        members[1],
        application,
        {criteria[0].id: Entry(2, "Few people reached"), criteria[1].id: Entry(3, "")},
        submit=True,
    )
    db.session.commit()
    return grant_round, application


def test_a_panel_member_saves_a_draft_submits_and_sees_the_others(
    scoring, new_context, sign_in, check_page
):
    grant_round, _ = scoring
    page = new_context().new_page()
    sign_in(page, "pat@example.org")
    page.goto("/panel")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your grant panels")
    check_page(page)

    page.get_by_role("link", name=grant_round.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications to score")
    check_page(page)

    page.get_by_role("link", name="Laptops and drop-ins in Armley").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Laptops and drop-ins in Armley")
    expect(page.get_by_text("Few people reached")).to_have_count(0)
    check_page(page)

    reach = page.get_by_role("group", name="Reach (weight 2)")
    reach.get_by_label("4").check()
    page.get_by_label("Comment on Reach").fill("Good reach in Armley")
    page.get_by_role("button", name="Submit your scores").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Score Value for money before you submit"
    )
    check_page(page)

    page.get_by_role("group", name="Value for money (weight 1)").get_by_label("5").check()
    page.get_by_role("button", name="Save as a draft").click()
    expect(page.get_by_text("Your scores are saved as a draft.")).to_be_visible()
    expect(page.get_by_role("group", name="Reach (weight 2)").get_by_label("4")).to_be_checked()
    check_page(page)

    page.get_by_role("button", name="Submit your scores").click()
    expect(page.get_by_text("Your scores are submitted")).to_be_visible()
    expect(page.get_by_role("heading", name="Sam Scorer")).to_be_visible()
    expect(page.get_by_text("Few people reached")).to_be_visible()
    check_page(page)
    db.session.expire_all()
    assert [r.status for r in grant_round.panel[0].reviews] == [ReviewStatus.SUBMITTED]


def test_the_team_awards_a_grant_from_the_ranking_page(
    scoring, make, new_context, sign_in, check_page
):
    grant_round, _ = scoring
    team = make.team_member(name="Tess Team", email="tess@example.org")
    page = new_context().new_page()
    sign_in(page, team.email)
    page.goto(f"/team/funding/rounds/{grant_round.id}/ranking")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ranked applications")
    check_page(page)

    page.get_by_role("link", name="Decide on Laptops and drop-ins in Armley").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Laptops and drop-ins in Armley")
    check_page(page)

    page.get_by_label("Amount to award, in pounds").fill("20000")
    page.get_by_role("button", name="Award the grant").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The award must be between £1,000 and £10,000"
    )
    check_page(page)

    page.get_by_label("Amount to award, in pounds").fill("4500")
    page.get_by_label("Conditions of the grant (optional)").fill("Report by June.")
    page.get_by_role("button", name="Award the grant").click()
    expect(page.get_by_text("Armley Digital is awarded a grant, and told.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ranked applications")
    check_page(page)

    page.get_by_role("button", name="Mark the round decided").click()
    expect(page.get_by_text(f"{grant_round.name} is decided.")).to_be_visible()
    check_page(page)
