"""A grant after the decision, in Chromium with axe, the HTML checker and the console on
every page: the team records the payment and sets the report dates; the organisation
sends its report; the team asks for more, then accepts it. Each form is sent wrong
first: the error summary says what to fix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.funding.award_models import AwardStatus, ReportStatus
from brokerage.funding.models import RoundStatus
from tests.funding import factories as funding_make

pytestmark = pytest.mark.browser


@pytest.fixture
def award(make):
    owner = make.user(name="Olive Owner", email="olive@example.org")
    org = make.organisation(owner, name="Armley Digital")
    grant_round = funding_make.grant_round(
        name="Digital Inclusion Fund 2027",
        status=RoundStatus.DECIDED,
        opens_in=timedelta(days=-90),
        closes_in=timedelta(days=-60),
    )
    made = funding_make.award(funding_make.application(grant_round, org, amount_pence=750_000))
    make.team_member(name="Tess Team", email="tess@example.org")
    return made


def _fill_date(page: Page, legend: str, day) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _errors(page: Page, first: str, check_page) -> None:
    expect(page.locator(".govuk-error-summary")).to_contain_text(first)
    check_page(page)


def test_the_team_pays_the_organisation_reports_and_the_team_accepts(
    award, new_context, sign_in, check_page
):
    team = new_context().new_page()
    sign_in(team, "tess@example.org")
    team.goto("/team/funding/awards")
    check_page(team)
    team.get_by_role("link", name="Armley Digital").click()
    expect(team.get_by_role("heading", level=1)).to_have_text("Armley Digital: £7,500")
    check_page(team)

    team.get_by_role("button", name="Record the payment").click()
    _errors(team, "Enter the date the grant was paid", check_page)
    _fill_date(team, "Date paid", today_in_leeds())
    team.get_by_label("Payment reference").fill("BACS 4471")
    team.get_by_role("button", name="Record the payment").click()
    expect(team.locator(".govuk-notification-banner")).to_contain_text("£7,500 is recorded")
    expect(team.locator("#payment-status")).to_contain_text("reference BACS 4471")

    # The dates offered are 6 and 12 months after the award: saved as they are.
    _fill_date(team, "Second report due (optional)", today_in_leeds() - timedelta(days=400))
    team.get_by_role("button", name="Save the dates").click()
    _errors(team, "The date must be after the award", check_page)
    team.get_by_role("group", name="Second report due (optional)").get_by_label("Day").fill("")
    team.get_by_role("group", name="Second report due (optional)").get_by_label("Month").fill("")
    team.get_by_role("group", name="Second report due (optional)").get_by_label("Year").fill("")
    team.get_by_role("button", name="Save the dates").click()
    expect(team.locator(".govuk-notification-banner")).to_contain_text("report dates are saved")
    check_page(team)
    db.session.expire_all()
    (report,) = award.reports

    olive = new_context().new_page()
    sign_in(olive, "olive@example.org")
    olive.goto(f"/funding/reports/{report.id}")
    expect(olive.get_by_role("heading", level=1)).to_contain_text("Monitoring report due")
    check_page(olive)
    olive.get_by_label("People reached").fill("lots")
    olive.get_by_role("button", name="Send the report").click()
    _errors(olive, "Enter what the grant has done so far", check_page)
    expect(olive.locator(".govuk-error-summary")).to_contain_text(
        "People reached must be a whole number"
    )
    olive.get_by_label("What has the grant done so far?").fill("Twelve drop-in sessions.")
    olive.get_by_label("People reached").fill("140")
    olive.get_by_label("Devices given").fill("0")
    olive.get_by_label("Hours of support").fill("300")
    olive.get_by_role("button", name="Send the report").click()
    expect(olive.locator(".govuk-notification-banner")).to_contain_text("your report is sent")
    expect(olive.locator("main .govuk-tag")).to_have_text("Sent, waiting for the team")
    check_page(olive)

    team.goto(f"/team/funding/awards/{award.id}")
    team.get_by_role("link", name="Read and answer").click()
    expect(team.get_by_role("heading", level=1)).to_contain_text("Report from Armley Digital")
    check_page(team)
    team.get_by_label("Ask for more information").check()
    team.get_by_role("button", name="Send answer").click()
    _errors(team, "Enter what more you need to know", check_page)
    team.get_by_label("Accept the report").check()
    team.get_by_role("button", name="Send answer").click()
    expect(team.locator(".govuk-notification-banner")).to_contain_text("sent to the organisation")
    expect(team.get_by_text("Every report is accepted: the award is closed.")).to_be_visible()
    check_page(team)

    db.session.expire_all()
    assert award.status is AwardStatus.CLOSED
    assert report.status is ReportStatus.ACCEPTED
    olive.reload()
    expect(olive.locator("main .govuk-tag")).to_have_text("Accepted")
    check_page(olive)
