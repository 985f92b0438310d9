"""Brokering in Chromium, with axe and the console checked on every page and on each
form's error state.

The programme team proposes a match from a need's suggestions; the charity and the
company, each in a browser of its own, accept it and talk; the charity confirms what
was delivered and both leave feedback, which the team reads. Then a company declines
a proposal; a company member says "we can help" and the team answers; and the answer
form with the keyboard alone, and without JavaScript.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.matches.models import Feedback, HelpOffer, HelpOfferStatus, Match, MatchStatus
from brokerage.organisations.models import OrganisationKind
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

pytestmark = pytest.mark.browser

EQUIPMENT = ListingKind.EQUIPMENT
NEED = "Laptops for the homework club"
OFFER = "Twenty refurbished business laptops"


def _heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)


def _banner(page: Page, text: str) -> None:
    expect(page.locator(".govuk-notification-banner")).to_contain_text(text)


def _tag(page: Page, text: str) -> None:
    expect(page.locator("main .govuk-tag", has_text=text).first).to_be_visible()


def _submit_with_errors(page: Page, button: str, errors: dict[str, str], check) -> None:
    """Send the form as it stands: each error is in the summary and beside its field
    (`errors` maps the field's label, or its fieldset's legend, to the message)."""
    page.get_by_role("button", name=button, exact=True).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    for label, message in errors.items():
        expect(summary.get_by_role("link", name=message)).to_be_visible()
        expect(_field_group(page, label).locator(".govuk-error-message")).to_contain_text(message)
    assert page.title().startswith("Error: "), page.title()
    check(page)


def _field_group(page: Page, label: str):
    """The form group of the field labelled `label` (a text box, or a fieldset of radios)."""
    field = page.get_by_role("group", name=label).or_(page.get_by_label(label, exact=True))
    return page.locator(".govuk-form-group", has=field.first).last


def _nav(page: Page, name: str | re.Pattern) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()


def _open_match_from_my_matches(page: Page, title: str, check) -> None:
    """From any page: Matches in the navigation, then the match."""
    _nav(page, "Matches")
    _heading(page, "Your matches")
    check(page)
    page.get_by_role("link", name=title).click()
    expect(page.locator(".govuk-caption-l")).to_contain_text("Match ")
    check(page)


def _answer(page: Page, choice: str, banner: str, check, reason: str = "") -> None:
    """Answer a proposal on the match page; `banner` is what the page then says."""
    page.get_by_label(choice, exact=True).check()
    if reason:
        page.get_by_label("If you decline, why?").fill(reason)
    page.get_by_role("button", name="Send answer").click()
    _banner(page, banner)
    check(page)


def _leave_feedback(page: Page, rating: str, comment: str, check) -> None:
    page.get_by_role("group", name="How well did it go?").get_by_label(rating).check()
    page.get_by_label("Your comments").fill(comment)
    page.get_by_role("button", name="Send feedback").click()
    _banner(page, "your feedback is sent to the programme team")
    check(page)


def test_propose_accept_talk_deliver_and_give_feedback(
    page, new_context, make, sign_in, check_page
):
    charity_owner = make.user(name="Chloe Charity")
    charity = make.organisation(
        charity_owner, kind=OrganisationKind.COMMUNITY, name="Hunslet Homework Club"
    )
    company_owner = make.user(name="Kofi Company")
    company = make.organisation(company_owner, kind=OrganisationKind.COMPANY, name="Aire Tech Ltd")
    need = listings_make.need(charity, kind=EQUIPMENT, quantity=25, title=NEED)
    listings_make.offer(company, kind=EQUIPMENT, quantity=20, title=OFFER)
    team = make.team_member(name="Tess Team")
    note = "Twelve now; the rest when the next batch is wiped."

    # The team opens the need and its suggestions.
    sign_in(page, team.email)
    check_page(page)
    _nav(page, "Needs")
    _heading(page, "What community organisations need")
    check_page(page)
    page.get_by_role("link", name=NEED).click()
    _heading(page, NEED)
    check_page(page)
    page.get_by_role("link", name="Suggested matches for this need").click()
    _heading(page, f"Suggested offers for “{NEED}”")
    suggestion = page.locator(".app-results__item", has_text=OFFER)
    expect(suggestion).to_contain_text("covers 20 of 25 laptops")
    expect(suggestion).to_contain_text("same ward: Armley")
    check_page(page)

    # It proposes the match: too many first, then twelve with a note.
    suggestion.get_by_role("link", name=f"Propose this match with {OFFER}").click()
    _heading(page, "Propose a match")
    expect(page.get_by_label("Devices")).to_have_value("20")
    check_page(page)
    page.get_by_label("Devices").fill("21")
    _submit_with_errors(
        page,
        "Propose this match",
        {"Devices": "Only 20 devices remain on the offer"},
        check_page,
    )
    page.get_by_label("Devices").fill("12")
    page.get_by_label("Note for both organisations (optional)").fill(note)
    page.get_by_role("button", name="Propose this match").click()
    _banner(page, "The match is proposed")
    _heading(page, f"{company.name} for {charity.name}")
    _tag(page, "Waiting for answers")
    given = page.locator(".govuk-summary-list__row", has_text="What is given")
    expect(given).to_contain_text("12 \u00d7 laptop")
    check_page(page)
    match_url = page.url

    # The charity is told, opens the match from its list and accepts.
    chloe = new_context().new_page()
    sign_in(chloe, charity_owner.email)
    expect(chloe.get_by_role("link", name=re.compile(r"Notices \(\d+ new\)"))).to_be_visible()
    check_page(chloe)
    _open_match_from_my_matches(chloe, NEED, check_page)
    expect(chloe.locator(".govuk-inset-text", has_text="From the programme team")).to_contain_text(
        note
    )
    _answer(chloe, "Accept: we will go ahead", "We are waiting for the other", check_page)
    expect(chloe).to_have_url(match_url)

    # The company accepts too, and writes in the conversation (an empty message first).
    kofi = new_context().new_page()
    sign_in(kofi, company_owner.email)
    check_page(kofi)
    _open_match_from_my_matches(kofi, NEED, check_page)
    _answer(kofi, "Accept: we will go ahead", "the match is agreed", check_page)
    _tag(kofi, "Agreed")
    _submit_with_errors(kofi, "Send message", {"Your message": "Enter your message"}, check_page)
    message = "We can bring the laptops on Monday at 10."
    kofi.get_by_label("Your message").fill(message)
    kofi.get_by_role("button", name="Send message").click()
    _banner(kofi, "Your message is sent.")
    check_page(kofi)

    # The charity reads it and confirms what arrived (an empty form first).
    chloe.reload()
    conversation = chloe.locator(".app-message", has_text=message)
    expect(conversation).to_contain_text("Kofi Company")
    check_page(chloe)
    chloe.get_by_role("link", name="Confirm what was delivered").click()
    _heading(chloe, "Confirm what was delivered")
    expect(chloe.get_by_label("Devices received")).to_have_value("12")
    check_page(chloe)
    # Empty, then with only the devices missing: the form finds the people reached
    # missing on its own, the devices (which depend on the match's kinds) after that.
    chloe.get_by_label("Devices received").fill("")
    _submit_with_errors(
        chloe,
        "Confirm delivery",
        {"People it reached": "Enter how many people it reached"},
        check_page,
    )
    chloe.get_by_label("People it reached").fill("30")
    _submit_with_errors(
        chloe,
        "Confirm delivery",
        {"Devices received": "Enter how many devices you received"},
        check_page,
    )
    chloe.get_by_label("Devices received").fill("12")
    chloe.get_by_role("button", name="Confirm delivery").click()
    _banner(chloe, "the delivery is confirmed")
    _tag(chloe, "Completed")
    expect(chloe.get_by_text("12 devices received")).to_be_visible()
    expect(chloe.get_by_text("30 people reached")).to_be_visible()
    check_page(chloe)

    # Both leave feedback; the charity sends it empty first.
    _submit_with_errors(
        chloe,
        "Send feedback",
        {
            "How well did it go?": "Choose a rating from 1 to 5",
            "Your comments": "Enter a comment",
        },
        check_page,
    )
    _leave_feedback(chloe, "5: very well", "The laptops arrived wiped and ready.", check_page)
    kofi.reload()
    check_page(kofi)
    _leave_feedback(kofi, "4: well", "Easy to arrange; collection was quick.", check_page)

    # The team is told of the feedback, reads both ratings, and the need is partly met.
    page.reload()
    _nav(page, re.compile(r"^Notices \(\d+ new\)$"))
    _heading(page, "Notices")
    expect(page.locator("main li", has_text="Agreed by both")).to_contain_text("New")
    check_page(page)
    page.get_by_role("link", name=f"Feedback from {charity.name}: 5 of 5").click()
    expect(page).to_have_url(match_url)
    feedback = page.locator("main")
    expect(feedback).to_contain_text(
        f"{charity.name}: 5 of 5: “The laptops arrived wiped and ready.”"
    )
    expect(feedback).to_contain_text(f"{company.name}: 4 of 5: “Easy to arrange")
    check_page(page)
    page.get_by_role("link", name=NEED).click()
    _heading(page, NEED)
    _tag(page, "Partly met")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Still needed: 13 of 25")
    check_page(page)

    db.session.expire_all()
    match = db.session.scalars(select(Match).where(Match.need_id == need.id)).one()
    assert match.status is MatchStatus.COMPLETED
    assert (match.quantity, match.delivered_devices, match.people_reached) == (12, 12, 30)
    assert sorted(f.rating for f in db.session.scalars(select(Feedback))) == [4, 5]


def test_a_company_declines_with_a_reason(page, make, sign_in, check_page):
    company_owner = make.user(name="Dana Declines")
    company = make.organisation(company_owner, kind=OrganisationKind.COMPANY, name="Kirkgate IT")
    offer = listings_make.offer(company, kind=EQUIPMENT, quantity=10, title=OFFER)
    match = brokering_make.proposed(
        need=listings_make.need(kind=EQUIPMENT, title=NEED), offer=offer, quantity=4
    )
    reason = "Those laptops went to another charity last week."

    sign_in(page, company_owner.email)
    check_page(page)
    _open_match_from_my_matches(page, NEED, check_page)
    expect(page.locator(".govuk-inset-text")).to_contain_text("Your next step: accept or decline")
    page.get_by_label("Decline", exact=True).check()
    _submit_with_errors(
        page, "Send answer", {"If you decline, why?": "Enter why you are declining"}, check_page
    )
    # The choice is kept, so only the reason is missing.
    expect(page.get_by_label("Decline", exact=True)).to_be_checked()
    _answer(page, "Decline", "You declined the match.", check_page, reason)
    _tag(page, "Declined")
    reason_row = page.locator(".govuk-summary-list__row", has_text="Why it was declined")
    expect(reason_row).to_contain_text(reason)
    expect(page.get_by_role("button", name="Send answer")).to_have_count(0)

    # What the match held is the offer's again.
    page.get_by_role("link", name=OFFER).click()
    _heading(page, OFFER)
    expect(page.locator(".govuk-inset-text")).to_contain_text("Still available: 10 of 10")
    expect(page.locator("main")).not_to_contain_text("held in proposed matches")
    check_page(page)

    db.session.expire_all()
    assert db.session.get(Match, match.id).status is MatchStatus.DECLINED


def test_a_company_member_says_we_can_help_and_the_team_answers(
    page, new_context, make, sign_in, check_page
):
    company = make.organisation(kind=OrganisationKind.COMPANY, name="Holbeck Hardware")
    member = make.member(company, make.user(name="Hana Helper"))
    listings_make.offer(company, kind=EQUIPMENT, title=OFFER)
    listings_make.need(kind=EQUIPMENT, title=NEED)
    team = make.team_member(name="Theo Team")
    message = "We could give ten laptops in May."

    sign_in(page, member.email)
    check_page(page)
    _nav(page, "Needs")
    _heading(page, "What community organisations need")
    check_page(page)
    page.get_by_role("link", name=NEED).click()
    _heading(page, NEED)
    check_page(page)
    page.get_by_role("link", name="We can help").click()
    _heading(page, f"We can help with “{NEED}”")
    check_page(page)
    _submit_with_errors(
        page,
        "Tell the team we can help",
        {"Message for the programme team": "Enter a short message for the team"},
        check_page,
    )
    page.get_by_label("Which of your offers could meet it (optional)").select_option(
        label=f"{OFFER} ({company.name})"
    )
    page.get_by_label("Message for the programme team").fill(message)
    page.get_by_role("button", name="Tell the team we can help").click()
    _heading(page, NEED)
    _banner(page, "the programme team is told")
    check_page(page)

    # The team finds it in its brokering queue and answers it (empty first).
    team_page = new_context().new_page()
    sign_in(team_page, team.email)
    expect(team_page.get_by_role("link", name="Notices (1 new)")).to_be_visible()
    check_page(team_page)
    _nav(team_page, "Team")
    team_page.get_by_role("link", name="Brokering", exact=True).click()
    _heading(team_page, "Brokering")
    card = team_page.locator(".govuk-summary-card", has_text=f"{company.name} can help")
    expect(card).to_contain_text(message)
    expect(card).to_contain_text(OFFER)
    expect(card.get_by_role("link", name="Propose a match with this offer")).to_be_visible()
    check_page(team_page)
    _submit_with_errors(
        team_page,
        "Send answer and close",
        {"Answer to the company": "Enter your answer to the company"},
        check_page,
    )
    answer = "Thank you: the charity has laptops promised already, so we will keep yours in mind."
    team_page.get_by_label("Answer to the company").fill(answer)
    team_page.get_by_role("button", name="Send answer and close").click()
    _banner(team_page, f"Your answer is sent to {company.name}.")
    expect(team_page.get_by_text("No company is waiting for an answer.")).to_be_visible()
    check_page(team_page)

    # The member is told, in the notices.
    page.reload()
    _nav(page, "Notices (1 new)")
    _heading(page, "Notices")
    expect(page.locator("main li", has_text="The programme team answered")).to_contain_text("New")
    check_page(page)

    db.session.expire_all()
    (help_offer,) = db.session.scalars(select(HelpOffer))
    assert help_offer.status is HelpOfferStatus.CLOSED
    assert (help_offer.message, help_offer.answer) == (message, answer)


def _tab_to(page: Page, target, limit: int = 100) -> None:
    """Press Tab until `target` has the focus, as someone using a keyboard would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    pytest.fail(f"{target} never had the focus after {limit} presses of Tab")


def test_answer_a_proposal_with_the_keyboard_alone(page, sign_in, check_page):
    """Send the answer form empty, follow the error summary's link to the radios,
    choose with Space, and send: no mouse."""
    match = brokering_make.proposed(need=listings_make.need(kind=EQUIPMENT, title=NEED))
    sign_in(page, match.need.organisation.owners[0].email)
    page.goto(f"/matches/{match.id}")
    check_page(page)

    _tab_to(page, page.get_by_role("button", name="Send answer"))
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose accept or decline")
    # GOV.UK Frontend moves the focus to the summary, so it is read out first.
    expect(summary).to_be_focused()
    check_page(page)
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name="Choose accept or decline")).to_be_focused()
    page.keyboard.press("Enter")
    accept = page.get_by_label("Accept: we will go ahead")
    expect(accept).to_be_focused()
    page.keyboard.press("Space")
    expect(accept).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Send answer"))
    page.keyboard.press("Enter")
    _banner(page, "You accepted.")
    check_page(page)


def test_answer_a_proposal_without_javascript(new_context, sign_in, check_page):
    """The answer form is a plain POST form: its errors and the decline work with
    JavaScript off. axe needs JavaScript, so only the console is checked here; the
    other journeys run axe on the same pages."""
    match = brokering_make.proposed(need=listings_make.need(kind=EQUIPMENT, title=NEED))
    page = new_context(java_script_enabled=False).new_page()

    def check(page):
        check_page(page, axe=False)

    sign_in(page, match.need.organisation.owners[0].email, check=check)
    assert not page.evaluate("document.body.classList.contains('js-enabled')")
    _open_match_from_my_matches(page, NEED, check)
    _submit_with_errors(page, "Send answer", {"Your answer": "Choose accept or decline"}, check)
    page.get_by_label("Decline", exact=True).check()
    _submit_with_errors(
        page, "Send answer", {"If you decline, why?": "Enter why you are declining"}, check
    )
    _answer(page, "Decline", "You declined the match.", check, "We have found laptops elsewhere.")
    _tag(page, "Declined")
    expect(page.locator("main")).to_contain_text("We have found laptops elsewhere.")
