"""Needs and offers in Chromium, with axe and the console checked on every page.

A charity member posts a need through the real form; the programme team, in a
browser of its own, asks for changes; the member changes it and sends it back;
the team publishes it; a signed-out visitor finds it with a filter and with a
search, and opens it. Then the same for an offer, found by a charity member on
/offers. Last, the /needs filters without JavaScript.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.listings.models import ListingKind, ListingStatus, Need, Offer
from brokerage.organisations.models import OrganisationKind
from tests.helpers import emails_to
from tests.listings import factories as listings_make

pytestmark = pytest.mark.browser

NEED = "Volunteers for Friday laptop clinics"
OFFER = "Twenty refurbished laptops with certified wiping"


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _banner(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _fill_date(page: Page, legend: str, day: date) -> None:
    group = page.get_by_role("group", name=legend, exact=True)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def _submit_empty(page: Page, button: str, first_error: str, check) -> None:
    """Send the form as it stands: the error summary lists what is missing."""
    page.get_by_role("button", name=button, exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(first_error)
    assert page.title().startswith("Error: "), page.title()
    check(page)


def _chosen(page: Page) -> dict[str, str]:
    """The filters in the page's address, leaving out the empty ones and the sort order."""
    query = parse_qs(urlsplit(page.url).query)
    return {name: value for name, (value,) in query.items() if name != "sort"}


def _results(page: Page):
    return page.locator(".app-results")


def _open_review(page: Page, title: str, check) -> None:
    """As the team, from any page: the team's dashboard, the review queue, then the item."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Team").click()
    page.get_by_role("link", name="Review posts").click()
    _heading(page, "Needs and offers to review")
    check(page)
    page.get_by_role("link", name=title).click()
    _heading(page, title)
    check(page)


def _decide(page: Page, title: str, decision: str, check, comment: str = "") -> None:
    """On the review page: the decision, then back to the queue."""
    page.get_by_label(decision, exact=True).check()
    if comment:
        page.get_by_label("Comment for the poster").fill(comment)
    page.get_by_role("button", name="Save decision").click()
    _heading(page, "Needs and offers to review")
    _banner(page, f"{title}: ")
    check(page)


def test_post_a_need_have_it_changed_published_and_found(
    page, new_context, make, sign_in, check_page
):
    owner = make.user(name="Grace Owner")
    charity = make.organisation(owner, kind=OrganisationKind.COMMUNITY, name="Bramley Digital Hub")
    member = make.member(charity, make.user(name="Dev Member"))
    # Something else that is open, which the filters and the search must leave out.
    listings_make.need(kind=ListingKind.EQUIPMENT, title="Tablets for a homework club")
    team = make.team_member(name="Tess Team")
    deadline = date.today() + timedelta(days=45)

    # The member posts a need from the home page.
    sign_in(page, member.email)
    _heading(page, "Hello, Dev Member")
    check_page(page)
    page.get_by_role("link", name="Post a new need for Bramley Digital Hub").click()
    _heading(page, "What do you need?")
    check_page(page)
    page.get_by_role("link", name="Skilled volunteers").click()
    _heading(page, "Skilled volunteering: a new need")
    check_page(page)
    _submit_empty(page, "Send for review", "Enter a title", check_page)

    page.get_by_label("Title", exact=True).fill(NEED)
    page.get_by_label("What do you need, and why?").fill(
        "People bring their laptops to our Friday drop-in; we need help fixing and setting them up."
    )
    page.get_by_label("IT support", exact=True).check()
    page.get_by_label("How many volunteers").fill("2")
    page.get_by_label("Hours for each volunteer").fill("6")
    page.get_by_label("On site", exact=True).check()
    page.get_by_label("No regulated activity").check()
    page.get_by_label("Bramley and Stanningley").check()
    page.get_by_label("Older people").check()
    _fill_date(page, "Needed by", deadline)
    page.get_by_role("button", name="Send for review").click()
    _heading(page, NEED)
    _banner(page, "Sent to the programme team for review")
    expect(page.locator(".govuk-tag", has_text="Waiting for review")).to_be_visible()
    check_page(page)
    need_url = page.url

    # The team, in a browser of its own, asks for a change; the error state first.
    team_page = new_context().new_page()
    sign_in(team_page, team.email)
    check_page(team_page)
    _open_review(team_page, NEED, check_page)
    _submit_empty(team_page, "Save decision", "Choose publish, ask for changes", check_page)
    comment = "Please say how many hours each volunteer would give over the three months."
    _decide(team_page, NEED, "Ask for changes", check_page, comment)

    # The member sees the comment, changes the need and sends it back.
    page.reload()
    assert page.url == need_url
    expect(page.locator(".govuk-tag", has_text="Changes requested")).to_be_visible()
    expect(page.get_by_text(comment).first).to_be_visible()
    check_page(page)
    page.get_by_role("link", name="Change it").click()
    _heading(page, f"Change {NEED}")
    expect(page.get_by_label("How many volunteers")).to_have_value("2")
    check_page(page)
    page.get_by_label("Title", exact=True).fill("")
    _submit_empty(page, "Send for review", "Enter a title", check_page)
    page.get_by_label("Title", exact=True).fill(NEED)
    page.get_by_label("Hours for each volunteer").fill("12")
    page.get_by_role("button", name="Send for review").click()
    _heading(page, NEED)
    _banner(page, "sent back to the programme team")
    expect(page.locator(".govuk-tag", has_text="Waiting for review")).to_be_visible()
    check_page(page)

    # The team publishes it.
    _open_review(team_page, NEED, check_page)
    _decide(team_page, NEED, "Publish", check_page)

    # A signed-out visitor finds it with filters, then with a search, and opens it.
    visitor = new_context().new_page()
    visitor.goto("/needs")
    _heading(visitor, "What community organisations need")
    expect(_results(visitor)).to_contain_text("Tablets for a homework club")
    check_page(visitor)
    visitor.get_by_label("Skill", exact=True).select_option(label="IT support")
    visitor.get_by_label("Ward", exact=True).select_option(label="Bramley and Stanningley")
    visitor.get_by_role("button", name="Apply filters").click()
    expect(visitor.locator("#results")).to_have_text(re.compile(r"^1 open need\b"))
    expect(_results(visitor)).to_contain_text(NEED)
    expect(_results(visitor)).not_to_contain_text("Tablets")
    # The filters are in the address, so the result can be bookmarked or shared.
    assert _chosen(visitor) == {"skill": "it-support", "ward": "bramley-and-stanningley"}
    check_page(visitor)
    visitor.get_by_label("Skill", exact=True).select_option(label="Any")
    visitor.get_by_label("Ward", exact=True).select_option(label="Any")
    visitor.get_by_label("Search").fill("laptop clinics")
    visitor.get_by_role("button", name="Apply filters").click()
    expect(_results(visitor)).to_contain_text(NEED)
    expect(_results(visitor)).not_to_contain_text("Tablets")
    assert _chosen(visitor) == {"q": "laptop clinics"}
    check_page(visitor)
    visitor.get_by_role("link", name=NEED).click()
    _heading(visitor, NEED)
    expect(visitor.locator(".govuk-tag", has_text="Published")).to_be_visible()
    expect(visitor.get_by_text("12 hours each")).to_be_visible()
    # The team's comments are for the poster and the team, not the public.
    expect(visitor.get_by_text(comment)).to_have_count(0)
    check_page(visitor)

    need = db.session.scalars(select(Need).filter_by(title=NEED)).one()
    assert need.status is ListingStatus.PUBLISHED
    assert need.hours_per_volunteer == 12
    assert [e.template for e in emails_to(member.email)] == [
        "listing_changes_requested",
        "listing_published",
    ]


def test_post_an_offer_have_it_published_and_found_by_a_charity(
    page, new_context, make, sign_in, check_page
):
    company_owner = make.user(name="Priya Company")
    company = make.organisation(
        company_owner, kind=OrganisationKind.COMPANY, name="Kirkstall Cloud"
    )
    charity_member = make.member(make.organisation(kind=OrganisationKind.COMMUNITY))
    listings_make.offer(title="Two volunteers for a website refresh")
    team = make.team_member(name="Tom Team")
    until = date.today() + timedelta(days=90)

    # The company posts an offer of laptops.
    sign_in(page, company_owner.email)
    check_page(page)
    page.get_by_role("link", name=f"Post a new offer for {company.name}").click()
    _heading(page, "What can you offer?")
    check_page(page)
    page.get_by_role("link", name="Equipment").click()
    _heading(page, "Equipment: a new offer")
    check_page(page)
    _submit_empty(page, "Send for review", "Enter a title", check_page)
    page.get_by_label("Title", exact=True).fill(OFFER)
    page.get_by_label("What can you give?").fill(
        "Business laptops from our last refresh, wiped and with chargers."
    )
    page.get_by_label("Laptop", exact=True).check()
    page.get_by_label("How many", exact=True).fill("20")
    page.get_by_label("Refurbished", exact=True).check()
    page.get_by_label("Certified erasure software (NIST 800-88)").check()
    page.get_by_role(
        "group", name="Does a wiping certificate come with each serial number?"
    ).get_by_label("Yes", exact=True).check()
    page.get_by_label("Leeds-wide", exact=True).check()
    page.get_by_label("People on low incomes").check()
    _fill_date(page, "Available until", until)
    page.get_by_role("button", name="Send for review").click()
    _heading(page, OFFER)
    expect(page.locator(".govuk-tag", has_text="Waiting for review")).to_be_visible()
    check_page(page)

    # The team publishes it.
    team_page = new_context().new_page()
    sign_in(team_page, team.email)
    check_page(team_page)
    _open_review(team_page, OFFER, check_page)
    _decide(team_page, OFFER, "Publish", check_page)

    # A charity member finds it with filters and with a search, and opens it.
    charity = new_context().new_page()
    sign_in(charity, charity_member.email)
    check_page(charity)
    charity.get_by_role("link", name="Offers", exact=True).click()
    _heading(charity, "What companies offer")
    expect(_results(charity)).to_contain_text("website refresh")
    check_page(charity)
    charity.get_by_label("Kind", exact=True).select_option(label="Equipment")
    charity.get_by_label("Device", exact=True).select_option(label="Laptop")
    charity.get_by_role("button", name="Apply filters").click()
    expect(charity.locator("#results")).to_have_text(re.compile(r"^1 open offer\b"))
    expect(_results(charity)).to_contain_text(OFFER)
    expect(_results(charity)).not_to_contain_text("website refresh")
    check_page(charity)
    charity.get_by_label("Kind", exact=True).select_option(label="Any")
    charity.get_by_label("Device", exact=True).select_option(label="Any")
    charity.get_by_label("Search").fill("certified")
    charity.get_by_role("button", name="Apply filters").click()
    expect(_results(charity)).to_contain_text(OFFER)
    expect(_results(charity)).not_to_contain_text("website refresh")
    assert _chosen(charity) == {"q": "certified"}
    check_page(charity)
    charity.get_by_role("link", name=OFFER).click()
    _heading(charity, OFFER)
    expect(charity.locator(".govuk-tag", has_text="Published")).to_be_visible()
    expect(charity.get_by_text("Certified erasure software (NIST 800-88)")).to_be_visible()
    check_page(charity)

    offer = db.session.scalars(select(Offer).filter_by(title=OFFER)).one()
    assert offer.status is ListingStatus.PUBLISHED
    assert offer.quantity == 20


def test_filter_needs_without_javascript(new_context, check_page):
    """The filters are a plain GET form: they work with JavaScript off. axe needs
    JavaScript, so only the console is checked here; the journeys above run axe."""
    listings_make.need(kind=ListingKind.EQUIPMENT, title="Tablets for a homework club")
    listings_make.need(kind=ListingKind.SPONSORSHIP, title="Broadband for the drop-in")
    page = new_context(java_script_enabled=False).new_page()

    def check(page):
        check_page(page, axe=False)

    page.goto("/needs")
    check(page)
    assert not page.evaluate("document.body.classList.contains('js-enabled')")
    expect(_results(page)).to_contain_text("Tablets for a homework club")
    expect(_results(page)).to_contain_text("Broadband for the drop-in")
    page.get_by_label("Kind", exact=True).select_option(label="Sponsorship or funding")
    page.get_by_label("Search").fill("broadband")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"/needs\?"))
    assert _chosen(page) == {"kind": "sponsorship", "q": "broadband"}
    expect(page.locator("#results")).to_have_text(re.compile(r"^1 open need\b"))
    expect(_results(page)).to_contain_text("Broadband for the drop-in")
    expect(_results(page)).not_to_contain_text("Tablets")
    check(page)
