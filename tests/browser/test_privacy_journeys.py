"""People's data in Chromium, with axe, the HTML checker and the console on every page:
a member downloads their data and deletes their account; the team finds what is held
about an address and erases a guest's details."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.organisations.models import MembershipRole
from brokerage.ticketing.models import Ticket
from tests.privacy.make import make_order
from tests.ticketing import factories as ticketing_make

pytestmark = pytest.mark.browser

NAME = "Zebedee Quartermaine"
EMAIL = "zebedee.quartermaine@example.org"


@pytest.fixture
def zeb(make):
    owner = make.user(name="Olive Owner")
    org = make.organisation(owner, name="Armley Digital")
    person = make.user(name=NAME, email=EMAIL)
    make.member(org, person, role=MembershipRole.MEMBER)
    make_order(ticketing_make.ball(), buyer_name=NAME, buyer_email=EMAIL, guests=("Guest Two",))
    return person


def test_a_member_downloads_their_data_then_deletes_their_account(
    zeb, new_context, sign_in, check_page
):
    page = new_context().new_page()
    sign_in(page, EMAIL)
    page.goto("/account/")
    expect(page.get_by_role("heading", name="Your data")).to_be_visible()
    check_page(page)

    with page.expect_download() as info:
        page.get_by_role("link", name="Download your data").click()
    download = info.value
    assert download.suggested_filename.startswith("your-data-")
    with zipfile.ZipFile(download.path()) as archive:
        held = json.loads(archive.read("everything.json"))["held"]
    assert held["Your account"][0]["name"] == NAME

    page.get_by_role("link", name="Delete your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    check_page(page)

    page.get_by_label("Your password").fill("not the password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("The password is not right")
    check_page(page)

    page.get_by_label("Your password").fill("correct horse battery")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_role("heading", name="Your account has been deleted")).to_be_visible()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    check_page(page)
    assert db.session.scalars(select(User).where(User.email == EMAIL)).first() is None


def test_the_team_finds_what_is_held_and_erases_a_guest(
    zeb, make, new_context, sign_in, check_page
):
    team = make.team_member(name="Tess Team", email="tess@example.org")
    page = new_context().new_page()
    sign_in(page, team.email)
    page.goto("/team/dashboard")
    page.get_by_role("link", name="Personal data requests").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data requests")
    check_page(page)

    page.get_by_role("button", name="Find what we hold").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the email address")
    check_page(page)

    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_role("button", name="Find what we hold").click()
    expect(page.get_by_role("heading", name=f"Held about {EMAIL}")).to_be_visible()
    expect(page.get_by_role("table", name="What is held")).to_contain_text("Your ball orders")
    check_page(page)

    page.get_by_role("link", name="Erase the details of guest 1 on order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase a guest's details")
    check_page(page)
    page.get_by_role("button", name="Erase these details").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why, for the record")
    check_page(page)
    page.get_by_label("Why (for the record)").fill("The guest asked by email")
    page.get_by_role("button", name="Erase these details").click()
    expect(page.get_by_text("have been erased")).to_be_visible()
    expect(page.get_by_role("table").last).to_contain_text("The guest asked by email")
    check_page(page)
    assert list(db.session.scalars(select(Ticket.guest_name))) == [None]


def test_a_member_turns_reminders_off_and_chooses_one_email_a_day(
    zeb, new_context, sign_in, check_page
):
    page = new_context().new_page()
    sign_in(page, EMAIL)
    page.goto("/account/")
    expect(page.get_by_text("Reminders are on")).to_be_visible()
    page.get_by_role("button", name="Turn reminders off").click()
    expect(page.get_by_text("Reminders are off.")).to_be_visible()
    expect(page.get_by_role("button", name="Turn reminders on")).to_be_visible()
    check_page(page)

    page.get_by_role("button", name="Email me once a day instead").click()
    expect(page.get_by_text("You will get one email a day listing your notices.")).to_be_visible()
    expect(page.get_by_role("button", name="Email me about each notice")).to_be_visible()
    check_page(page)
    person = db.session.scalars(select(User).where(User.email == EMAIL)).one()
    db.session.refresh(person)
    assert (person.reminders_off, person.daily_digest) == (True, True)
