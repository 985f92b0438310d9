"""Named volunteers in Chromium, with axe, the HTML checker and the console on every page:
the CSR lead invites an employee, who signs in from the emailed link and joins; the lead
opens the places of an agreed match and the volunteer signs up for one; the charity
records the check and confirms them."""

from __future__ import annotations

import re
from datetime import timedelta

import icalendar
import pytest
from playwright.sync_api import expect

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.volunteering import places
from brokerage.volunteering.models import PlaceStatus
from tests.helpers import emails_to, link_in
from tests.volunteering import make as volunteering_make

pytestmark = pytest.mark.browser

EMAIL = "nia.newjoiner@bytes.example"


def test_the_lead_invites_an_employee_who_joins(make, new_context, sign_in, check_page):
    org, lead = volunteering_make.company()
    make.user(name="Nia Newjoiner", email=EMAIL)

    page = new_context().new_page()
    sign_in(page, lead.email)
    page.goto(f"/organisations/{org.id}")
    page.get_by_role("link", name="Volunteers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Volunteers")
    check_page(page)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the employee's email")
    check_page(page)
    page.get_by_label("Employee's work email address").fill(EMAIL)
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"We have emailed an invitation to {EMAIL}")).to_be_visible()
    check_page(page)

    (email,) = [e for e in emails_to(EMAIL) if e.template == "volunteer_invitation"]
    link = link_in(email)
    employee = new_context().new_page()
    employee.goto(link)
    expect(employee.get_by_role("heading", level=1)).to_have_text("Volunteer with Bytes Ltd")
    check_page(employee)
    employee.get_by_role("link", name="sign in", exact=True).click()
    employee.get_by_label("Email address").fill(EMAIL)
    employee.get_by_label("Password", exact=True).fill("correct horse battery")
    employee.get_by_role("button", name="Sign in", exact=True).click()
    employee.get_by_role("button", name="Accept and volunteer with Bytes Ltd").click()
    expect(employee.get_by_text("You are now a volunteer of Bytes Ltd")).to_be_visible()
    expect(employee.get_by_role("heading", level=1)).to_have_text("Your volunteering")
    check_page(employee)

    page.reload()
    expect(page.get_by_role("table")).to_contain_text("Nia Newjoiner")


def test_a_volunteer_signs_up_for_a_place_the_charity_checks_and_confirms(
    new_context, sign_in, check_page
):
    org, lead = volunteering_make.company()
    volunteer = volunteering_make.volunteer(org, name="Bo Bright", email=EMAIL)
    match = volunteering_make.agreed_match(org, 2, regulated=True)
    charity = match.need.organisation.owners[0]
    url = f"/matches/{match.id}/volunteers"

    page = new_context().new_page()
    sign_in(page, lead.email)
    page.goto(f"/matches/{match.id}")
    page.get_by_role("link", name="Volunteers named for this match").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Volunteers for")
    check_page(page)
    page.get_by_role("button", name="Open 2 unfilled places for sign-up").click()
    expect(page.get_by_text("2 places are open")).to_be_visible()
    check_page(page)

    mine = new_context().new_page()
    sign_in(mine, EMAIL)
    mine.goto("/volunteering")
    check_page(mine)
    mine.get_by_role("link", name=match.need.title).click()
    mine.get_by_role("button", name="Sign up for a place").click()
    expect(mine.get_by_text("You have place 1. The charity will confirm it.")).to_be_visible()
    expect(mine.get_by_role("table")).to_contain_text("Waiting for the charity")
    check_page(mine)

    theirs = new_context().new_page()
    sign_in(theirs, charity.email)
    theirs.goto(url)
    theirs.get_by_role("button", name="Confirm Bo Bright").click()
    expect(theirs.get_by_text("Bo Bright cannot be confirmed for place 1 yet")).to_be_visible()
    check_page(theirs)
    theirs.get_by_role("link", name="Record a check for Bo Bright").click()
    theirs.get_by_role("button", name="Record the check").click()
    expect(theirs.locator(".govuk-error-summary")).to_contain_text("Choose the level")
    check_page(theirs)
    day = today_in_leeds() - timedelta(days=60)
    theirs.get_by_label("Enhanced with barred list check").check()
    theirs.get_by_label("Day").fill(str(day.day))
    theirs.get_by_label("Month").fill(str(day.month))
    theirs.get_by_label("Year").fill(str(day.year))
    theirs.get_by_role("button", name="Record the check").click()
    expect(theirs.get_by_text("The check for Bo Bright is recorded")).to_be_visible()
    theirs.get_by_role("button", name="Confirm Bo Bright").click()
    expect(theirs.get_by_text("Bo Bright is confirmed")).to_be_visible()
    check_page(theirs)
    [first, _second] = places.places_of(match)
    db.session.refresh(first)
    assert first.status is PlaceStatus.CONFIRMED and first.volunteer_id == volunteer.id


def test_the_charity_adds_a_session_and_the_volunteer_downloads_its_calendar_file(
    new_context, sign_in, check_page
):
    """Add a session: the charity's member adds one and puts the volunteer holding a
    place on it; the volunteer sees it in My volunteering and downloads its .ics."""
    org, lead = volunteering_make.company()
    volunteer = volunteering_make.volunteer(org, name="Bo Bright", email=EMAIL)
    match = volunteering_make.agreed_match(org, 2)
    places.assign(places.places_of(match)[0], volunteer, lead)
    db.session.commit()
    charity = match.need.organisation.owners[0]
    day = today_in_leeds() + timedelta(days=10)

    page = new_context().new_page()
    sign_in(page, charity.email)
    page.goto(f"/matches/{match.id}")
    page.get_by_role("link", name="Sessions for this match").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sessions for")
    check_page(page)
    page.get_by_role("button", name="Add a session").click()
    check_page(page)
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Time", exact=True).fill("10am")
    page.get_by_label("What time does it end?").fill("9am")
    page.get_by_label("At an address in Leeds").check()
    page.get_by_role("button", name="Save the session").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The end time must be after the start time")
    check_page(page)
    page.get_by_label("What time does it end?").fill("12:30pm")
    page.get_by_label("Address (if at an address)").fill("Harehills Library, Roundhay Road")
    page.get_by_label("Ward the address is in (if at an address)").select_option(
        label="Gipton and Harehills"
    )
    page.get_by_role("button", name="Save the session").click()
    expect(page.get_by_text("The session is added")).to_be_visible()
    check_page(page)
    page.get_by_label("Bo Bright").check()
    page.get_by_role("button", name="Save who is on it").click()
    expect(page.get_by_text("Saved who is on the session")).to_be_visible()
    expect(page.get_by_role("table")).to_contain_text("Bo Bright")
    check_page(page)

    mine = new_context().new_page()
    sign_in(mine, EMAIL)
    mine.goto("/volunteering")
    upcoming = mine.locator("#sessions + ul")
    expect(upcoming).to_contain_text(f"{day.day} {day:%B %Y} at 10:00am to 12:30pm")
    expect(upcoming).to_contain_text("Harehills Library, Roundhay Road (Gipton and Harehills)")
    check_page(mine)
    with mine.expect_download() as download:
        mine.get_by_role("link", name="Calendar file").first.click()
    body = download.value.path().read_bytes()
    (event,) = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert (event.start.hour, event.end.hour, event.end.minute) == (10, 12, 30)
    assert event.start.date() == day
    mine.get_by_role("link", name="Add all your sessions to your calendar").click()
    expect(mine.get_by_label("Your calendar address")).to_have_value(re.compile(r"/calendar/"))
    check_page(mine)
