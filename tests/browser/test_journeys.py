"""The journeys people take, in Chromium, with axe and the console checked on every page.

Sign up, confirm the email address, sign in and register a community organisation;
a programme team member, in a browser of their own, approves it; the owner sees it
verified. Then the sign-in page by keyboard alone, and registering without JavaScript.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.organisations.models import Organisation, OrganisationStatus
from tests.helpers import emails_to, link_in

pytestmark = pytest.mark.browser

NAME = "Amina Okafor"
EMAIL = "amina@example.org"
PASSWORD = "violet kestrel harbour"
ORGANISATION = "Armley Tech Hub"


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _register_community_organisation(page: Page, check) -> None:
    """From the home page of a verified person to their new organisation's page."""
    page.get_by_role("link", name="Register an organisation").click()
    _heading(page, "What kind of organisation are you registering?")
    check(page)
    page.get_by_role("link", name="A community organisation").click()
    _heading(page, "Register a community organisation")
    check(page)

    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the organisation's name")
    check(page)

    page.get_by_label("Registered charity", exact=True).check()
    page.get_by_label("Organisation name").fill(ORGANISATION)
    page.get_by_label("Charity Commission for England and Wales").check()
    page.get_by_label("Registration number").fill("1234567")
    page.get_by_label("Address line 1").fill("12 Town Street")
    page.get_by_label("Postcode").fill("ls12 3ab")
    page.get_by_label("Armley", exact=True).check()
    page.get_by_label("Older people", exact=True).check()
    page.get_by_label("What does the organisation do?").fill(
        "Weekly drop-in sessions where volunteers help people get online."
    )
    page.get_by_role("button", name="Register", exact=True).click()
    _heading(page, ORGANISATION)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is registered")
    expect(page.locator(".govuk-tag", has_text="Waiting for verification")).to_be_visible()
    check(page)


def test_sign_up_register_and_be_verified(page, new_context, make, sign_in, check_page):
    # A visitor creates an account.
    page.goto("/")
    check_page(page)
    page.get_by_role("link", name="Create an account").first.click()
    _heading(page, "Create an account")
    check_page(page)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your full name")
    check_page(page)
    page.get_by_label("Full name").fill(NAME)
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/account/check-your-email"))
    expect(page.get_by_text(EMAIL).first).to_be_visible()
    check_page(page)

    # The link from the verification email, as the outbox holds it.
    (email,) = [e for e in emails_to(EMAIL) if e.template == "verify_email"]
    page.goto(link_in(email))
    expect(page).to_have_url(re.compile(r"/account/sign-in$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("email address is confirmed")
    check_page(page)

    # Sign in, then register the organisation.
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    _heading(page, f"Hello, {NAME}")
    check_page(page)
    _register_community_organisation(page, check_page)
    org_url = page.url

    # A programme team member, in a browser of their own, approves it.
    team = make.team_member(name="Tariq Team")
    team_page = new_context().new_page()
    sign_in(team_page, team.email)
    expect(team_page.get_by_text("1 organisation waiting for verification")).to_be_visible()
    check_page(team_page)
    team_page.get_by_role("navigation", name="Menu").get_by_role("link", name="Team").click()
    check_page(team_page)
    team_page.get_by_role("link", name="Verify organisations").click()
    _heading(team_page, "Organisations waiting for verification")
    check_page(team_page)
    team_page.get_by_role("link", name=ORGANISATION).click()
    _heading(team_page, ORGANISATION)
    check_page(team_page)
    team_page.get_by_role("button", name="Save decision").click()
    expect(team_page.locator(".govuk-error-summary")).to_be_visible()
    check_page(team_page)
    team_page.get_by_label("Approve: the organisation is verified").check()
    team_page.get_by_role("button", name="Save decision").click()
    _heading(team_page, "Organisations waiting for verification")
    expect(team_page.locator(".govuk-notification-banner")).to_contain_text(
        f"{ORGANISATION}: approved"
    )
    check_page(team_page)

    # The owner, still in the first browser, sees it verified.
    page.reload()
    assert page.url == org_url
    expect(page.locator(".govuk-tag", has_text="Verified")).to_be_visible()
    check_page(page)
    org = db.session.scalars(select(Organisation).filter_by(name=ORGANISATION)).one()
    assert org.status is OrganisationStatus.APPROVED
    assert [e.template for e in emails_to(EMAIL)] == [
        "verify_email",
        "organisation_received",
        "organisation_approved",
    ]


def test_sign_in_with_the_keyboard_alone(page, make, check_page):
    person = make.user(name="Kit Keyboard")
    page.goto("/account/sign-in")
    check_page(page)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Email address")).to_be_focused()
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(make.PASSWORD)
    page.keyboard.press("Enter")

    _heading(page, "Hello, Kit Keyboard")
    check_page(page)


def test_sign_in_and_register_without_javascript(new_context, make, sign_in, check_page):
    """Pages must work without JavaScript. axe needs it to run, so here only the console
    is checked; the same pages pass axe in the tests above."""
    page = new_context(java_script_enabled=False).new_page()
    person = make.user(name="Nell No-Script")

    def check(page):
        check_page(page, axe=False)

    sign_in(page, person.email, check=check)
    check(page)
    assert not page.evaluate("document.body.classList.contains('js-enabled')")
    _heading(page, "Hello, Nell No-Script")
    _register_community_organisation(page, check)
    org = db.session.scalars(select(Organisation).filter_by(name=ORGANISATION)).one()
    assert org.status is OrganisationStatus.PENDING
    assert [o.name for o in org.owners] == ["Nell No-Script"]
