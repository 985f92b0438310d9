"""Volunteers' hours in Chromium, with axe, the HTML checker and the console on every
page: a volunteer logs their hours after a session, the charity corrects them with a
reason, and the volunteer sees the correction and the month's total; the record prints
and the company sees its report."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from brokerage.clock import today_in_leeds
from tests.factories import make_session
from tests.volunteering import make as volunteering_make

pytestmark = pytest.mark.browser


def test_log_and_confirm_hours(new_context, sign_in, check_page):
    org, lead = volunteering_make.company()
    asha = volunteering_make.volunteer(org, name="Asha Able")
    match = volunteering_make.agreed_match(org, 1)
    session = make_session(match, [asha], minutes=150)
    charity = match.need.organisation
    charity_owner = charity.owners[0].email

    volunteer = new_context().new_page()
    sign_in(volunteer, asha.user.email)
    volunteer.goto("/volunteering")
    check_page(volunteer)
    volunteer.get_by_role("link", name="Log your hours for").click()
    expect(volunteer.get_by_label("Hours")).to_have_value("2.5")
    volunteer.get_by_label("Hours").fill("30")
    volunteer.get_by_role("button", name="Save your hours").click()
    expect(volunteer.locator(".govuk-error-summary")).to_contain_text("24 or fewer")
    check_page(volunteer)
    volunteer.get_by_label("Hours").fill("2.5")
    volunteer.get_by_role("button", name="Save your hours").click()
    expect(volunteer.get_by_text("Your 2 hours 30 minutes are saved")).to_be_visible()
    expect(volunteer.get_by_text("Waiting for the charity to confirm")).to_be_visible()
    check_page(volunteer)

    staff = new_context().new_page()
    sign_in(staff, charity_owner)
    staff.goto(f"/matches/{match.id}/hours")
    check_page(staff)
    staff.get_by_role("link", name="Confirm or correct").click()
    check_page(staff)
    staff.get_by_label("Hours to confirm").fill("2")
    staff.get_by_role("button", name="Confirm the hours").click()
    expect(staff.locator(".govuk-error-summary")).to_contain_text("Enter why you changed")
    check_page(staff)
    staff.get_by_label("If you change the hours, why?").fill("We finished at 4pm.")
    staff.get_by_role("button", name="Confirm the hours").click()
    expect(staff.get_by_text("2 hours confirmed.")).to_be_visible()
    expect(staff.get_by_role("table")).to_contain_text("Corrected: We finished at 4pm.")
    check_page(staff)

    volunteer.goto("/volunteering")
    expect(volunteer.get_by_text("Their reason: “We finished at 4pm.”")).to_be_visible()
    month = f"{today_in_leeds(session.starts_at):%B %Y}"
    expect(volunteer.get_by_role("row", name=f"{month} 2 hours")).to_be_visible()
    check_page(volunteer)
    volunteer.get_by_role("link", name="Your volunteering record").click()
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("Volunteering record: Asha Able")
    expect(volunteer.get_by_role("table")).to_contain_text(charity.name)
    check_page(volunteer)

    company = new_context().new_page()
    sign_in(company, lead.email)
    company.goto(f"/organisations/{org.id}")
    company.get_by_role("link", name="Volunteering report").click()
    expect(company.locator("#people")).to_contain_text("Asha Able")
    expect(company.get_by_text("1 of 1 (100%)")).to_be_visible()
    check_page(company)
