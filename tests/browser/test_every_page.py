"""axe (and the console) on every page of the app, each form's error state, and the
403, 404 and 429 pages.

The pages come from the permission matrix: every GET endpoint is opened as a role
that may see it, in the world that the matrix tests use. Needs and offers add the
states one address per endpoint cannot show: filtered lists, a second page of
results, published items as the public or a charity sees them, and the form of
each kind. Brokering adds the match page in each status as the team and each
organisation see it, the delivery form, and the empty lists of matches and notices.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from brokerage import create_app
from brokerage.accounts import services as accounts
from brokerage.accounts.models import UserSession
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.listings import search
from brokerage.matches import queries
from brokerage.matches import services as brokering
from brokerage.matches.models import Match
from brokerage.organisations import services as organisations
from brokerage.organisations.models import Organisation
from tests.factories import PASSWORD
from tests.helpers import emails_to, link_in
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make
from tests.test_permissions import MATRIX, ROLES, World, fresh_world

pytestmark = pytest.mark.browser

# Downloads are files, not pages (their content is tested in tests/ticketing and beside
# each feature's pages): CSV files, and the Gift Aid schedule's spreadsheet.
DOWNLOADS = {
    "ticketing.team_orders_csv",
    "ticketing.team_guests_csv",
    "ticketing.team_gift_aid_schedule",
    "ticketing.team_waiting_list_csv",
    "ticketing.team_invoices_csv",
    "impact.organisation_csv",
    "organisations.team_list_csv",
    "needs.team_csv",
    "offers.team_csv",
    "matches.team_matches_csv",
    "privacy.download_own",
    "funding.team_applications_csv",
    "funding.team_rounds_csv",
    "funding.team_opportunities_csv",
    "funding.team_ranking_csv",
    "funding.team_awards_csv",
    "funding.team_giving360",
    "funding.giving360_csv",
    "volunteering.record_csv",
    "volunteering.report_csv",
    # Calendar files (.ics): parsed back in tests/volunteering/test_sessions.py.
    "volunteering.session_ics",
    "volunteering.calendar_feed",
}
# Pages only the world's volunteer opens (a person the matrix has no role for).
VOLUNTEER_PAGES = {"volunteering.hours_log"}
GET_ENDPOINTS = [
    endpoint
    for endpoint, methods in MATRIX.items()
    if "GET" in methods and endpoint not in DOWNLOADS | VOLUNTEER_PAGES
]

# Answers that are not HTML pages, so have nothing for axe to read.
NOT_PAGES = {"main.healthz"}


def _role_for(endpoint: str) -> str:
    """The first role, in the matrix's order, that may open the page."""
    return next(role for role in ROLES if role in MATRIX[endpoint]["GET"])


@pytest.fixture
def world(make) -> World:
    return fresh_world(make)


# Signed-in browser state (the session cookie) per user, and the id of the session it
# names on the server. The world comes back with the same ids and session tokens in every
# test, so one sign-in through the page serves all: each test empties the tables, so the
# session's row is put back as it was.
_SIGNED_IN: dict[str, tuple[dict, str]] = {}


def _keep_signed_in(user, session_id: str) -> None:
    found = db.session.get(UserSession, session_id)
    if found is not None and found.ended_at is not None:
        found.ended_at = None
        db.session.commit()
    elif found is None:
        now = utcnow()
        db.session.add(
            UserSession(
                id=session_id,
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                user_agent="Chrome on Linux",
            )
        )
        db.session.commit()


@pytest.fixture
def open_as(new_context, world, sign_in):
    """Open `url` in a new browser context, signed in as `role`; return the page and response."""

    def open_page(role: str, url: str):
        if role == "anonymous":
            context = new_context()
        else:
            user = world.user(role)
            if user.get_id() not in _SIGNED_IN:
                first = new_context()
                sign_in(first.new_page(), user.email, check=False)
                newest = db.session.scalars(
                    select(UserSession)
                    .where(UserSession.user_id == user.id)
                    .order_by(UserSession.created_at.desc())
                ).first()
                _SIGNED_IN[user.get_id()] = (first.storage_state(), newest.id)
                first.close()
            state, session_id = _SIGNED_IN[user.get_id()]
            _keep_signed_in(user, session_id)
            context = new_context(storage_state=state)
        page = context.new_page()
        return page, page.goto(url)

    return open_page


# The same pages as other people see them, where that changes what is on the page.
OTHER_VIEWS = [
    ("main.home", "owner"),  # signed in, with organisations
    ("main.home", "team"),  # the count of organisations waiting for the team
    ("accounts.account", "unverified"),  # the banner and the send-the-link-again form
    ("organisations.index", "unverified"),
    ("organisations.show", "other"),  # the public profile, with "Ask to join"
    ("organisations.invitation", "other"),  # the invited person, signed in: "Accept"
    ("privacy.delete_account", "member"),  # not an only owner: the form
]

VIEWS = [pytest.param(endpoint, _role_for(endpoint), id=endpoint) for endpoint in GET_ENDPOINTS]
VIEWS += [
    pytest.param(endpoint, role, id=f"{endpoint}-as-{role}") for endpoint, role in OTHER_VIEWS
]


@pytest.mark.parametrize(("endpoint", "role"), VIEWS)
def test_every_page(endpoint, role, open_as, world, check_page):
    assert role in MATRIX[endpoint]["GET"]
    url = world.url(endpoint)
    page, response = open_as(role, url)
    assert response.status not in (403, 429) and response.status < 500, (role, url, response.status)
    assert "/account/sign-in" not in page.url or endpoint == "accounts.sign_in", page.url
    if endpoint in NOT_PAGES:
        assert response.headers["content-type"].startswith("application/json")
        return
    check_page(page)


def test_the_account_page_lists_other_devices_and_signs_them_out(open_as, world, check_page):
    owner = world.user("owner")
    an_hour_ago = utcnow() - timedelta(hours=1)
    db.session.add(
        UserSession(
            id="f" * 64,
            user_id=owner.id,
            created_at=an_hour_ago,
            last_seen_at=an_hour_ago,
            user_agent="Safari on iPhone",
        )
    )
    db.session.commit()

    page, _ = open_as("owner", "/account/")
    table = page.get_by_role("table", name="Where you are signed in")
    expect(table).to_contain_text("This device")
    expect(table).to_contain_text("Safari on iPhone")
    check_page(page)

    page.get_by_role("button", name="Sign out everywhere else").click()
    expect(page.get_by_text("You have signed out of 1 other device.")).to_be_visible()
    expect(table).not_to_contain_text("Safari on iPhone")
    check_page(page)


# Needs and offers in the states the matrix's world does not show by endpoint alone:
# name -> (role, the page's address in the world). The matrix opens the drafts, the
# volunteering forms and the unfiltered lists; these are the rest.
FILTERS = (
    "kind=volunteering&skill=it-support&ward=armley&group=older-people&closing=92&sort=closing"
)
LISTING_PAGES = {
    "needs-filtered": ("anonymous", lambda w: f"/needs?{FILTERS}&q=published"),
    "offers-filtered": ("owner", lambda w: f"/offers?{FILTERS}&q=published"),
    # What the public sees of a published need, and a charity of a published offer.
    "need-published-as-anonymous": ("anonymous", lambda w: f"/needs/{w.needs['published']}"),
    "offer-published-as-owner": ("owner", lambda w: f"/offers/{w.offers['published']}"),
    # Changing something published warns that it goes back to review.
    "need-edit-published": ("owner", lambda w: f"/needs/{w.needs['published']}/edit"),
}


@pytest.mark.parametrize("name", list(LISTING_PAGES))
def test_listing_pages(name, open_as, world, check_page):
    role, url = LISTING_PAGES[name]
    page, response = open_as(role, url(world))
    assert response.status == 200, (name, page.url, response.status)
    if "filtered" in name:
        # Every filter at once still finds the world's published item.
        expect(page.locator(".app-results li")).to_have_count(1)
    check_page(page)


@pytest.mark.parametrize(("side", "role"), [("needs", "anonymous"), ("offers", "owner")])
def test_a_second_page_of_results(side, role, open_as, world, monkeypatch, check_page):
    """Three open items, one to a page: page 2 has a previous and a next link."""
    monkeypatch.setattr(search, "PAGE_SIZE", 1)
    for n in range(2):
        if side == "needs":
            listings_make.need(db.session.get(Organisation, world.org_a), title=f"Need {n}")
        else:
            listings_make.offer(db.session.get(Organisation, world.org_b), title=f"Offer {n}")
    page, response = open_as(role, f"/{side}?page=2")
    assert response.status == 200
    expect(page.get_by_role("link", name="Previous")).to_be_visible()
    expect(page.get_by_role("link", name="Next")).to_be_visible()
    expect(page.locator(".app-results li")).to_have_count(1)
    check_page(page)


def test_a_second_page_of_the_teams_organisations(open_as, world, monkeypatch, check_page):
    """One organisation to a page: page 2 says where it is and links both ways."""
    monkeypatch.setattr(organisations, "ORGANISATIONS_PER_PAGE", 1)
    page, response = open_as("team", "/team/organisations/all?page=2")
    assert response.status == 200
    expect(page.get_by_text(re.compile(r"by name\. This is page 2 of"))).to_be_visible()
    expect(page.get_by_role("link", name="Previous")).to_be_visible()
    expect(page.get_by_role("link", name="Next")).to_be_visible()
    expect(page.locator("tbody tr")).to_have_count(1)
    check_page(page)


def test_more_matches_than_are_counted(open_as, world, monkeypatch, check_page):
    """Past COUNT_LIMIT a filtered list says "more than" and lists the first ones."""
    monkeypatch.setattr(search, "PAGE_SIZE", 1)
    monkeypatch.setattr(search, "COUNT_LIMIT", 2)
    for n in range(3):
        listings_make.need(db.session.get(Organisation, world.org_a), title=f"Laptop drive {n}")
    page, response = open_as("anonymous", "/needs?q=laptop")
    assert response.status == 200
    expect(
        page.get_by_role("heading", name="More than 2 open needs match your filters")
    ).to_be_visible()
    expect(page.get_by_text("The first 2, in the order chosen, are listed here.")).to_be_visible()
    expect(page.get_by_role("link", name="Next")).to_be_visible()
    check_page(page)


# Pages with a form whose error state the test shows: endpoint -> (role, button, fill).
# `button` is the button's name, or a function that finds it where names repeat.
# `fill(page)` puts the form into a state that fails validation; None submits it empty.
def _clear_details(page):
    for label in ("Address line 1", "Postcode"):
        page.get_by_label(label, exact=True).fill("")


def _too_long_message(page):
    page.get_by_label("Message to the owner (optional)").fill("x" * 1001)


def _clear_title(page):
    page.get_by_label("Title", exact=True).fill("")


def _clear_volunteers(page):
    page.get_by_label("Volunteers", exact=True).fill("")


def _add_button(vocab: str):
    """The vocabularies page has an "Add" form under each list."""

    def button(page):
        form = page.locator("form", has=page.get_by_label(f"Add to {vocab}"))
        return form.get_by_role("button", name="Add", exact=True)

    return button


def _place_first_booking(page):
    return page.get_by_role("button", name=re.compile(r"^Place order \d+ booking 1$")).first


def _correct_without_reason(page):
    page.get_by_label("Hours to confirm").fill("1")


FORMS = {
    "accounts.sign_up": ("anonymous", "Create account", None),
    "accounts.sign_in": ("anonymous", "Sign in", None),
    "accounts.forgot_password": ("anonymous", "Send reset link", None),
    "accounts.change_password": ("owner", "Change password", None),
    "organisations.create": ("owner", "Register", None),
    "organisations.edit": ("owner", "Save changes", _clear_details),
    # The message is optional: the only way to get it wrong is to write too much.
    "organisations.join": ("other", "Ask to join", _too_long_message),
    # The invite form lives on the members page and posts to organisations.invite.
    "organisations.members": ("owner", "Send invitation", None),
    "organisations.review": ("team", "Save decision", None),
    # Needs and offers: the volunteering forms (the other kinds are below), a draft
    # changed to have no title, the team's decision on one waiting for review.
    "needs.create": ("owner", "Send for review", None),
    "offers.create": ("other", "Send for review", None),
    "needs.edit": ("owner", "Send for review", _clear_title),
    "offers.edit": ("other", "Save as draft", _clear_title),
    "needs.review": ("team", "Save decision", None),
    "offers.review": ("team", "Save decision", None),
    "listings.vocabularies": ("team", _add_button("skills"), None),
    # Brokering: the world's match is proposed. The propose form starts from the
    # suggestion, so a number is taken out; the queue's answer form is the help offer's.
    "matches.propose": ("team", "Propose this match", _clear_volunteers),
    "matches.queue": ("team", "Send answer and close", None),
    "matches.cancel": ("owner", "Cancel the match", None),
    "matches.offer_help": ("other", "Tell the team we can help", None),
    "ticketing.find_tickets": ("anonymous", "Send me the links", None),
    # Pay by invoice: the company's form sent empty; the team's transfer form likewise.
    "ticketing.invoice_order": ("anonymous", "Get the invoice", None),
    "ticketing.team_invoice_transfer": ("team", "Record the transfer", None),
    # Seating: a table with no name or seats; the world's unseated booking placed with
    # no table chosen; a guest link sent to no address; a guest's own form left empty.
    "ticketing.team_tables": ("team", "Add table", None),
    "ticketing.seating_page": ("team", _place_first_booking, None),
    "ticketing.guest_details_invite": ("anonymous", "Email the link for seat 1", None),
    "ticketing.guest_details": ("anonymous", "Save my details", None),
    # Named volunteers: B's invitation form; A's check of the volunteer on the regulated
    # match's first place; A's request for a change on the places page.
    "volunteering.company_volunteers": ("other", "Send invitation", None),
    "volunteering.record_check": ("owner", "Record the check", None),
    "volunteering.places": ("owner", "Ask for a change", None),
    # Hours: A corrects the volunteer's logged hours without saying why.
    "volunteering.hours_confirm": ("owner", "Confirm the hours", _correct_without_reason),
    # Sessions: A adds one to the volunteering match with nothing filled in.
    "volunteering.add_session": ("owner", "Save the session", None),
    "funding.team_opportunity_new": ("team", "Post the opportunity", None),
    # Awards: the world's award is not paid yet and its report is due.
    "funding.team_award": ("team", "Record the payment", None),
    "funding.report": ("owner", "Send the report", None),
}


@pytest.mark.parametrize("endpoint", sorted(VOLUNTEER_PAGES))
def test_the_volunteers_own_pages_and_their_error_states(endpoint, open_as, world, check_page):
    page, response = open_as("volunteer", world.url(endpoint))
    assert response.status == 200, (endpoint, response.status)
    check_page(page)
    page.get_by_label("Hours").fill("lots")
    page.get_by_role("button", name="Save your hours").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("must be a number")
    check_page(page)


@pytest.mark.parametrize("endpoint", list(FORMS))
def test_every_form_error_state(endpoint, open_as, world, check_page):
    role, button, fill = FORMS[endpoint]
    assert role in MATRIX[endpoint]["GET"]
    page, _ = open_as(role, world.url(endpoint))
    if fill:
        fill(page)
    if callable(button):
        button(page).click()
    else:
        page.get_by_role("button", name=button, exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    assert page.title().startswith("Error: "), page.title()
    check_page(page)


@pytest.mark.parametrize(
    ("side", "role", "kind"),
    [
        (side, role, kind)
        for side, role in (("needs", "owner"), ("offers", "other"))
        for kind in ("equipment", "sponsorship")
    ],
)
def test_each_kind_of_listing_form_and_its_error_state(
    side, role, kind, open_as, world, check_page
):
    org_id = world.org_a if side == "needs" else world.org_b
    page, response = open_as(role, f"/organisations/{org_id}/{side}/new/{kind}")
    assert response.status == 200
    check_page(page)
    page.get_by_role("button", name="Send for review", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("There is a problem")
    assert page.title().startswith("Error: "), page.title()
    check_page(page)


# The world's match, taken on through the services: name -> steps from "proposed".
def _agree(match: Match, world: World) -> None:
    brokering.answer(match, world.user("owner"), accept=True)
    brokering.answer(match, world.user("other"), accept=True)


def _start(match: Match, world: World) -> None:
    _agree(match, world)
    brokering.start(match, world.user("team"))


def _complete(match: Match, world: World) -> None:
    _agree(match, world)
    brokering.complete(match, world.user("owner"), brokering.Delivery(hours=2, people_reached=9))


def _decline(match: Match, world: World) -> None:
    brokering.answer(match, world.user("other"), accept=False, reason="No one is free in May.")


def _cancel(match: Match, world: World) -> None:
    _agree(match, world)
    brokering.cancel(match, world.user("team"), "The charity found volunteers elsewhere.")


MATCH_STATES = {
    "proposed": None,
    "agreed": _agree,
    "in_progress": _start,
    "completed": _complete,
    "declined": _decline,
    "cancelled": _cancel,
}


def _match_in(world: World, state: str) -> str:
    """Take the world's match to `state`; return its address."""
    match = db.session.get(Match, world.match_id)
    if MATCH_STATES[state]:
        MATCH_STATES[state](match, world)
        db.session.commit()
    assert match.status.value == state
    return f"/matches/{match.id}"


# name -> (role, the match's state, what the page shows in that state)
MATCH_PAGES = {
    f"{state}-as-{role}": (role, state, shows)
    for state, shows in (
        ("proposed", "Waiting for answers"),
        ("agreed", "Mark as in progress"),
        ("completed", "Feedback"),
    )
    for role in ("team", "owner", "other")
}
MATCH_PAGES.update(
    {
        # In progress the charity's next step is to confirm delivery; a declined or
        # cancelled match says why.
        "in_progress-as-owner": ("owner", "in_progress", "Confirm what was delivered"),
        "declined-as-team": ("team", "declined", "Why it was declined"),
        "cancelled-as-owner": ("owner", "cancelled", "Why it was cancelled"),
    }
)


@pytest.mark.parametrize("name", list(MATCH_PAGES))
def test_the_match_page_in_each_state(name, open_as, world, check_page):
    role, state, shows = MATCH_PAGES[name]
    page, response = open_as(role, _match_in(world, state))
    assert response.status == 200, (name, page.url, response.status)
    expect(page.locator("main")).to_contain_text(shows)
    if state == "completed":
        # The organisations have the feedback form, the team what each said.
        feedback = page.get_by_role("button", name="Send feedback")
        expect(feedback).to_have_count(0 if role == "team" else 1)
    check_page(page)


# Brokering pages beyond the matrix's: name -> (role, match state, address, what it shows).
BROKERING_PAGES = {
    "complete-form": ("owner", "agreed", "/matches/{match}/complete", "Hours volunteers gave"),
    "cancel-form-as-team": ("team", "agreed", "/matches/{match}/cancel", "Why is it cancelled?"),
    "my-matches-empty": ("team", "proposed", "/matches", "no matches yet"),
    "my-matches-waiting": ("other", "proposed", "/matches", "Accept or decline"),
    "notices-empty": ("unverified", "proposed", "/notices", "No notices yet"),
    "notices-new": ("other", "proposed", "/notices", re.compile(r"\d+ new since your last visit")),
}


@pytest.mark.parametrize("name", list(BROKERING_PAGES))
def test_brokering_pages(name, open_as, world, check_page):
    role, state, url, shows = BROKERING_PAGES[name]
    _match_in(world, state)
    page, response = open_as(role, url.format(match=world.match_id))
    assert response.status == 200, (name, page.url, response.status)
    expect(page.locator("main")).to_contain_text(shows)
    check_page(page)


def test_the_brokering_queue_with_more_waiting_than_it_lists(
    open_as, world, monkeypatch, check_page
):
    """Three proposals waiting, two listed: the page says so and links to them all."""
    monkeypatch.setattr(queries, "QUEUE_SHOWN", 2)
    _match_in(world, "proposed")
    for _ in range(2):
        brokering_make.proposed()
    page, response = open_as("team", "/team/brokering")
    assert response.status == 200
    expect(page.locator("main")).to_contain_text(
        "3 proposals are waiting: these are the 2 waiting longest."
    )
    expect(page.locator("tbody tr")).to_have_count(2)
    check_page(page)
    page.get_by_role("link", name="See every proposal waiting").click()
    expect(page.locator("main")).to_contain_text("Matches")
    check_page(page)


# The match page's forms, and the delivery form, in their error states:
# name -> (role, match state, address, button, fill).
def _choose_decline(page):
    page.get_by_label("Decline", exact=True).check()


def _clear_hours(page):
    page.get_by_label("Hours volunteers gave in all").fill("")


MATCH_FORMS = {
    "answer": ("owner", "proposed", "", "Send answer", None),
    "answer-decline-without-reason": ("other", "proposed", "", "Send answer", _choose_decline),
    "message": ("other", "agreed", "", "Send message", None),
    "note": ("team", "proposed", "", "Add note", None),
    "feedback": ("owner", "completed", "", "Send feedback", None),
    "complete": ("owner", "in_progress", "/complete", "Confirm delivery", _clear_hours),
}


@pytest.mark.parametrize("name", list(MATCH_FORMS))
def test_the_match_forms_error_states(name, open_as, world, check_page):
    role, state, suffix, button, fill = MATCH_FORMS[name]
    page, _ = open_as(role, _match_in(world, state) + suffix)
    if fill:
        fill(page)
    page.get_by_role("button", name=button, exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    assert page.title().startswith("Error: "), page.title()
    check_page(page)


def test_reset_password_page_and_its_error_state(page, world, check_page):
    """The reset form only shows for a good link: make one as the forgot-password page would."""
    owner = world.user("owner")
    accounts.request_password_reset(owner.email)
    db.session.commit()
    (email,) = [e for e in emails_to(owner.email) if e.template == "reset_password"]
    page.goto(link_in(email))
    expect(page.get_by_label("New password")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Save new password").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    check_page(page)


def test_the_403_page(open_as, world, check_page):
    page, response = open_as("other", f"/organisations/{world.org_a}/members")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You do not have access to this page")
    check_page(page)


def test_the_404_page(page, check_page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_page(page)


def test_the_429_page(page, world, check_page):
    """Sign-in allows 10 tries a minute: the 11th gets the too-many-attempts page."""
    page.goto("/account/sign-in")
    token = page.locator("input[name=csrf_token]").input_value()
    form = {"csrf_token": token, "email": world.user("owner").email, "password": "wrong" + PASSWORD}
    for _ in range(10):
        assert page.request.post("/account/sign-in", form=form).status == 200
    page.get_by_label("Email address").fill(form["email"])
    page.get_by_label("Password", exact=True).fill(form["password"])
    with page.expect_response(re.compile(r"/account/sign-in$")) as answer:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert answer.value.status == 429
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    check_page(page)


def test_the_503_page(page, check_page, tmp_path):
    """A database that cannot be reached: the busy page, served by an app whose
    database file cannot be opened."""
    broken = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/brokerage.db",
            "SERVER_NAME": None,
        }
    )
    server = make_server("127.0.0.1", 0, broken, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = page.goto(f"http://127.0.0.1:{server.server_port}/needs")
        assert response.status == 503
        assert response.headers["retry-after"] == "60"
        expect(page.get_by_role("heading", level=1)).to_have_text("Sorry, the service is busy")
        expect(page.locator("main")).to_contain_text("Try again in a minute")
        check_page(page)
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def test_check_page_catches_what_the_content_security_policy_refuses(page, check_page):
    """The console check is what finds inline script or style: prove it does."""
    page.goto("/accessibility")
    page.evaluate(
        """document.querySelector("main").insertAdjacentHTML(
            "beforeend", '<p class="govuk-body" style="color: #0b0c0c">Inline style</p>')"""
    )
    with pytest.raises(AssertionError, match="Content Security Policy"):
        check_page(page)
