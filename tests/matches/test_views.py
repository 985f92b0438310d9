"""Brokering through the pages: the team proposes from suggestions, both organisations
answer, talk, the charity confirms delivery and both leave feedback; the decline path;
"we can help"; what each person may see; bad input on every form."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import today_in_leeds, utcnow
from brokerage.extensions import db
from brokerage.listings.models import ListingKind, ListingStatus
from brokerage.matches import services as brokering
from brokerage.matches.help_offers import offer_help
from brokerage.matches.models import (
    Feedback,
    HelpOffer,
    Match,
    MatchAction,
    MatchEvent,
    MatchMessage,
    MatchStatus,
)
from brokerage.organisations.models import OrganisationKind
from tests.helpers import (
    counted_statements,
    emails_to,
    field_errors,
    flashes,
    link_in,
    page_text,
    submit,
    table_rows,
)
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

EQUIPMENT = ListingKind.EQUIPMENT


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_the_whole_journey_through_the_pages(client, login, make):
    need = listings_make.need(kind=EQUIPMENT, quantity=25, title="Laptops for the job club")
    offer = listings_make.offer(kind=EQUIPMENT, quantity=20, title="Twenty refurbished laptops")
    charity, company = need.organisation.owners[0], offer.organisation.owners[0]
    team = listings_make.team_member()
    # The charity has read its notices so far (verified, published).
    charity.notices_seen_at = utcnow()
    db.session.commit()

    # The team finds the offer among the need's suggestions, with its reasons.
    login(team)
    page = client.get(f"/team/needs/{need.id}/suggestions")
    text = page_text(page)
    assert "Twenty refurbished laptops" in text
    assert "covers 20 of 25 laptops" in text
    propose_url = f"/team/matches/new?need={need.id}&offer={offer.id}"
    assert propose_url.replace("&", "&amp;") in page.get_data(as_text=True)
    # The form starts from the suggestion: all twenty.
    assert 'value="20"' in client.get(propose_url).get_data(as_text=True)

    response = submit(client, propose_url, {"quantity": "21"})
    assert response.status_code == 400
    assert field_errors(response) == {"quantity": "Only 20 devices remain on the offer"}
    assert count(Match) == 0

    response = submit(client, propose_url, {"quantity": "12", "note": "Collect on a Monday"})
    assert response.status_code == 302
    match = db.session.scalars(select(Match)).one()
    match_url = f"/matches/{match.id}"
    assert response.headers["Location"] == match_url

    # Both organisations hear of it, by email and in the app.
    email = [e for e in emails_to(charity.email) if e.template == "match_proposed"][-1]
    assert link_in(email) == match_url
    login(charity)
    assert "Notices (1 new)" in client.get("/matches").get_data(as_text=True)
    mine = client.get("/matches")
    assert table_rows(mine)[0][-1] == "Accept or decline"
    notices = client.get("/notices")
    assert "Proposed match" in page_text(notices)
    assert "Notices (1 new)" not in client.get("/matches").get_data(as_text=True)

    # The charity accepts; the company accepts: agreed, and the need is partly met.
    response = submit(client, f"{match_url}/answer", {"answer-answer": "accept"}, page=match_url)
    assert "waiting for the other organisation" in flashes(client.get(match_url))
    login(company)
    submit(client, f"{match_url}/answer", {"answer-answer": "accept"}, page=match_url)
    db.session.expire_all()
    assert match.status is MatchStatus.AGREED
    assert match.need.status is ListingStatus.PARTLY_MET
    assert "13 of 25" in page_text(client.get(f"/needs/{need.id}"))

    # They talk; the team's notes stay with the team.
    submit(client, f"{match_url}/messages", {"message-body": "Monday at 10?"}, page=match_url)
    login(team)
    submit(client, f"{match_url}/notes", {"note-body": "Company slow to reply"}, page=match_url)
    team_page = page_text(client.get(match_url))
    assert "Monday at 10?" in team_page and "Company slow to reply" in team_page
    for person in (charity, company):
        login(person)
        text = page_text(client.get(match_url))
        assert "Monday at 10?" in text
        assert "Company slow to reply" not in text and "Team notes" not in text

    # The charity confirms what arrived, then both leave feedback.
    login(charity)
    complete_url = f"{match_url}/complete"
    response = submit(client, complete_url, {"devices": "", "people_reached": "x"})
    assert response.status_code == 400
    assert field_errors(response) == {
        "devices": "Enter how many devices you received",
        "people_reached": "People it reached must be a whole number, like 12",
    }
    assert match.status is MatchStatus.AGREED
    submit(client, complete_url, {"devices": "12", "people_reached": "30"})
    db.session.expire_all()
    assert match.status is MatchStatus.COMPLETED
    assert (match.delivered_devices, match.people_reached) == (12, 30)

    feedback = {"feedback-rating": "5", "feedback-comment": "All twelve arrived set up"}
    response = submit(client, f"{match_url}/feedback", {"feedback-rating": "9"}, page=match_url)
    assert response.status_code == 400
    assert field_errors(response) == {
        "feedback-rating": "Choose a rating from 1 to 5",
        "feedback-comment": "Enter a comment",
    }
    submit(client, f"{match_url}/feedback", feedback, page=match_url)
    login(company)
    submit(
        client,
        f"{match_url}/feedback",
        {"feedback-rating": "4", "feedback-comment": "Good"},
        page=match_url,
    )
    assert count(Feedback) == 2
    login(team)
    assert "All twelve arrived set up" in page_text(client.get(match_url))


def test_a_decline_needs_a_reason_and_gives_the_laptops_back(client, login):
    match = brokering_make.proposed(EQUIPMENT, quantity=4)
    company = match.offer.organisation.owners[0]
    login(company)
    url = f"/matches/{match.id}"

    response = submit(client, f"{url}/answer", {"answer-answer": "decline"}, page=url)
    assert response.status_code == 400
    assert field_errors(response) == {"answer-reason": "Enter why you are declining"}
    assert match.status is MatchStatus.PROPOSED

    submit(
        client,
        f"{url}/answer",
        {"answer-answer": "decline", "answer-reason": "Gone to a school"},
        page=url,
    )
    db.session.expire_all()
    assert match.status is MatchStatus.DECLINED
    assert match.offer.held_quantity == 0
    assert "Gone to a school" in page_text(client.get(url))


def test_another_company_sees_nothing_of_a_match(client, login, make):
    match = brokering_make.proposed()
    stranger = make.organisation(kind=OrganisationKind.COMPANY).owners[0]
    login(stranger)
    url = f"/matches/{match.id}"
    assert client.get(url).status_code == 403
    assert (
        submit(client, f"{url}/messages", {"message-body": "Hi"}, page="/matches").status_code
        == 403
    )
    assert count(MatchMessage) == 0
    assert "Your organisations have no matches yet" in page_text(client.get("/matches"))


def test_a_company_says_we_can_help_and_the_team_sees_it(client, login, make):
    need = listings_make.need(kind=EQUIPMENT, title="Tablets for the lunch club")
    offer = listings_make.offer(kind=EQUIPMENT, title="Our spare tablets")
    company_member = offer.organisation.owners[0]
    login(company_member)
    page = client.get(f"/needs/{need.id}")
    assert "We can help" in page_text(page)
    url = f"/needs/{need.id}/help"

    response = submit(client, url, {"company": offer.organisation.id, "offer": "0", "message": ""})
    assert response.status_code == 400
    assert field_errors(response) == {"message": "Enter a short message for the team"}
    response = submit(
        client,
        url,
        {"company": offer.organisation.id, "offer": offer.id, "message": "We have 6 tablets"},
    )
    assert response.status_code == 302
    help_offer = db.session.scalars(select(HelpOffer)).one()
    assert help_offer.offer_id == offer.id

    login(listings_make.team_member())
    queue = client.get("/team/brokering")
    assert "We have 6 tablets" in page_text(queue)
    proposal = f"/team/matches/new?need={need.id}&amp;offer={offer.id}&amp;help={help_offer.id}"
    assert proposal in queue.get_data(as_text=True)


def test_the_team_answers_a_help_offer_without_a_match(client, login, make):
    need = listings_make.need(kind=EQUIPMENT)
    company = make.organisation(kind=OrganisationKind.COMPANY)
    help_offer = offer_help(need, company.owners[0], company, "We could help")
    db.session.commit()
    login(listings_make.team_member())
    url = f"/team/help/{help_offer.id}"
    response = submit(client, url, {f"help-{help_offer.id}-answer": ""}, page="/team/brokering")
    assert response.status_code == 400
    assert field_errors(response) == {
        f"help-{help_offer.id}-answer": "Enter your answer to the company"
    }
    submit(
        client, url, {f"help-{help_offer.id}-answer": "Met already, thanks"}, page="/team/brokering"
    )
    db.session.expire_all()
    assert help_offer.answer == "Met already, thanks"
    assert "No company is waiting for an answer" in page_text(client.get("/team/brokering"))


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"quantity": ""}, {"quantity": "Enter how many devices, 1 or more"}),
        ({}, {"quantity": "Enter how many devices, 1 or more"}),
        ({"quantity": "two"}, {"quantity": "Devices must be a whole number, like 12"}),
        ({"quantity": "0"}, {"quantity": "Devices must be 1 or more"}),
        (
            {"quantity": "3", "note": "x" * 5001},
            {"note": "The note must be 5,000 characters or fewer"},
        ),
    ],
)
def test_bad_allocations_are_refused_beside_the_field(client, login, data, errors):
    need = listings_make.need(kind=EQUIPMENT)
    offer = listings_make.offer(kind=EQUIPMENT)
    login(listings_make.team_member())
    response = submit(client, f"/team/matches/new?need={need.id}&offer={offer.id}", data)
    assert response.status_code == 400
    assert field_errors(response) == errors
    assert count(Match) == 0


def test_cancel_needs_a_reason(client, login):
    match = brokering_make.agreed()
    login(listings_make.team_member())
    url = f"/matches/{match.id}/cancel"
    # The page says what cancelling does before anything is done.
    text = page_text(client.get(url))
    assert "Cancelling cannot be undone" in text
    assert (
        f"What the match held (4 \u00d7 laptop) goes back to the need “{match.need.title}” "
        f"and the offer “{match.offer.title}”, for other matches."
    ) in text
    assert (
        f"{match.need.organisation.name}, {match.offer.organisation.name} and the programme "
        "team are told, with your reason."
    ) in text
    response = submit(client, url, {"reason": " "})
    assert response.status_code == 400
    assert field_errors(response) == {"reason": "Enter why it is cancelled"}
    submit(client, url, {"reason": "The charity closed"})
    db.session.expire_all()
    assert match.status is MatchStatus.CANCELLED
    assert match.need.status is ListingStatus.PUBLISHED


def test_an_empty_message_or_note_is_refused(client, login):
    match = brokering_make.proposed()
    login(listings_make.team_member())
    url = f"/matches/{match.id}"
    response = submit(client, f"{url}/messages", {"message-body": ""}, page=url)
    assert response.status_code == 400
    assert field_errors(response) == {"message-body": "Enter your message"}
    response = submit(client, f"{url}/notes", {"note-body": ""}, page=url)
    assert field_errors(response) == {"note-body": "Enter the note"}
    assert count(MatchMessage) == 0


def test_the_match_page_says_who_wrote_and_did_what_in_order(client, login, make):
    match = brokering_make.completed(EQUIPMENT)
    charity, company = match.need.organisation, match.offer.organisation
    team = listings_make.team_member()
    writer = make.member(charity, make.user("Dawn Okafor"))
    brokering.post_message(match, writer, "The laptops came on Monday.")
    brokering.post_message(match, team, "Thank you both.")
    brokering.post_message(match, company.owners[0], "Glad they arrived.")
    brokering.leave_feedback(match, writer, 5, "Set up and ready", quote_allowed=True)
    brokering.add_note(match, team, "Ask them for a photo for the newsletter")
    # A line of history no person wrote (the column allows it): the service's own.
    match.events.append(
        MatchEvent(
            action=MatchAction.COMPLETE,
            actor=None,
            from_status=MatchStatus.COMPLETED,
            to_status=MatchStatus.COMPLETED,
            comment="Closed on its own",
        )
    )
    db.session.commit()
    url = f"/matches/{match.id}"

    login(team)
    text = page_text(client.get(url))
    said = [
        f"Dawn Okafor, {charity.name}",
        "The laptops came on Monday.",
        f"{team.name}, programme team",
        "Thank you both.",
        f"{company.owners[0].name}, {company.name}",
        "Glad they arrived.",
    ]
    places = [text.index(part) for part in said]
    assert places == sorted(places), text
    assert f"{charity.name}: 5 of 5: “Set up and ready” (Dawn Okafor, " in text
    assert "may be quoted" in text
    assert f"{company.name}: no feedback yet" in text
    notes = text[text.index("Team notes") : text.index("History")]
    assert f"{team.name}, " in notes and "Ask them for a photo for the newsletter" in notes
    history = table_rows(client.get(url))
    assert [row[1] for row in history] == [
        "Proposed",
        "Accepted",
        "Accepted by both: agreed",
        "Delivery confirmed",
        "Delivery confirmed",
    ]
    assert history[0][2:] == [f"{team.name} (programme team)", ""]
    assert history[-2][2] == f"{charity.owners[0].name} ({charity.name})"
    assert history[-1][2:] == ["The service", "Closed on its own"]

    # Each side sees its own feedback, or is asked for it.
    login(writer)
    page = page_text(client.get(url))
    assert "You rated it 5 of 5: “Set up and ready”" in page
    assert "Team notes" not in page and "Ask them for a photo" not in page
    login(company.owners[0])
    page = page_text(client.get(url))
    assert "Your next step: leave feedback." in page
    assert "no feedback yet" not in page  # the team's summary only


def test_money_towards_laptops_asks_only_for_the_money_and_says_so(client, login):
    need = listings_make.need(kind=EQUIPMENT, quantity=10)
    offer = listings_make.offer(kind=ListingKind.SPONSORSHIP)
    team = listings_make.team_member()
    login(team)
    url = f"/team/matches/new?need={need.id}&offer={offer.id}"
    page = client.get(url)
    assert 'name="quantity"' not in page.get_data(as_text=True)
    response = submit(client, url, {"amount": ""})
    assert response.status_code == 400
    assert field_errors(response) == {"amount": "Enter the amount, £1 or more"}
    assert count(Match) == 0
    submit(client, url, {"amount": "1,200"})
    match = db.session.scalars(select(Match)).one()
    assert (match.quantity, match.amount_pence) == (None, 120_000)
    assert need.remaining_quantity == 10  # money is not laptops: the need still asks
    for person in (team, need.organisation.owners[0], offer.organisation.owners[0]):
        login(person)
        text = page_text(client.get(f"/matches/{match.id}"))
        assert "£1,200 of sponsorship towards laptops" in text
        assert "\u00d7 laptop" not in text

    # The charity confirms the money, and is not asked how many devices.
    brokering.answer(match, need.organisation.owners[0], accept=True)
    brokering.answer(match, offer.organisation.owners[0], accept=True)
    db.session.commit()
    login(need.organisation.owners[0])
    form = client.get(f"/matches/{match.id}/complete").get_data(as_text=True)
    assert 'name="devices"' not in form and 'name="money"' in form


def test_my_matches_and_the_queue_cost_the_same_queries_for_one_or_many(client, login):
    first = brokering_make.proposed()
    charity_org, company_org = first.need.organisation, first.offer.organisation
    charity = charity_org.owners[0]
    team = listings_make.team_member()

    def cost(person, url):
        login(person)
        client.get(url)  # warm up
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = (cost(charity, "/matches"), cost(team, "/team/brokering"))
    for _ in range(4):
        brokering_make.proposed(
            need=listings_make.need(charity_org, kind=EQUIPMENT),
            offer=listings_make.offer(company_org, kind=EQUIPMENT),
        )
    many = (cost(charity, "/matches"), cost(team, "/team/brokering"))
    assert many == few


def test_withdrawing_a_need_cancels_the_proposals_waiting_for_answers(client, login):
    need = listings_make.need(kind=EQUIPMENT, quantity=20)
    waiting = brokering_make.proposed(EQUIPMENT, need=need, quantity=4)
    promised = brokering_make.agreed(EQUIPMENT, need=need, quantity=6)
    login(need.organisation.owners[0])

    # First the page says what withdrawing will do to each match, before anything is done.
    confirm = page_text(client.get(f"/needs/{need.id}/withdraw"))
    assert (
        f"1 proposed match waiting for answers will be cancelled "
        f"{waiting.offer.title} from {waiting.offer.organisation.name}: 4 \u00d7 laptop "
        "It cannot come back."
    ) in confirm
    assert (
        f"1 agreed match goes on {promised.offer.title} from "
        f"{promised.offer.organisation.name}: 6 \u00d7 laptop"
    ) in confirm
    db.session.expire_all()
    assert waiting.status is MatchStatus.PROPOSED

    response = submit(client, f"/needs/{need.id}/withdraw")
    assert response.status_code == 302
    shown = flashes(client.get(response.location))
    assert "The need is withdrawn." in shown
    assert "The proposed match that was waiting for answers is cancelled: the other " in shown
    db.session.expire_all()
    assert need.status is ListingStatus.WITHDRAWN
    assert waiting.status is MatchStatus.CANCELLED
    assert waiting.reason == f"The need “{need.title}” was withdrawn."
    assert waiting.offer.held_quantity == 0  # the company's laptops are free again
    # The agreed match goes on: its help is promised.
    assert promised.status is MatchStatus.AGREED
    company = waiting.offer.organisation.owners[0]
    assert [e.subject for e in emails_to(company.email)][-1] == "Match cancelled"
    assert "was withdrawn" in page_text(client.get(f"/matches/{waiting.id}"))


def test_a_need_page_reads_its_matches_once(client, login):
    match = brokering_make.proposed(EQUIPMENT, quantity=4)
    login(match.need.organisation.owners[0])
    with counted_statements() as statements:
        page = client.get(f"/needs/{match.need_id}")
    assert page.status_code == 200
    assert f'href="/matches/{match.id}"' in page.get_data(as_text=True)
    reads = [s for s in statements if re.search(r'\bFROM "?match"?\s', s)]
    assert len(reads) == 1


def test_the_match_page_shows_what_was_typed_as_typed(client, login, make):
    need = listings_make.need(
        kind=EQUIPMENT,
        title="Laptops & <b>bags</b>",
        org=make.organisation(name="Armley <Drop-in> & Café"),
    )
    offer = listings_make.offer(kind=EQUIPMENT, title='Ten "spare" <laptops>')
    match = brokering_make.proposed(need=need, offer=offer)
    for person in (
        need.organisation.owners[0],
        offer.organisation.owners[0],
        listings_make.team_member(),
    ):
        login(person)
        text = page_text(client.get(f"/matches/{match.id}"))
        assert "Laptops & <b>bags</b>" in text
        assert 'Ten "spare" <laptops>' in text
        assert "Armley <Drop-in> & Café" in text
        assert "&amp;" not in text and "&lt;" not in text


def test_the_suggestions_page_says_which_rules_left_offers_out(client, login, make):
    today = today_in_leeds()
    VOLUNTEERING = ListingKind.VOLUNTEERING
    need = listings_make.need(
        kind=VOLUNTEERING,
        title="Help on our open days",
        starts_on=today + timedelta(days=20),
        deadline=today + timedelta(days=30),
    )
    for _ in range(3):
        listings_make.offer(kind=VOLUNTEERING, available_until=today + timedelta(days=10))
    listings_make.offer(kind=EQUIPMENT)
    listings_make.offer(kind=VOLUNTEERING, skill_ids=[listings_make.skill("web-development").id])
    listings_make.offer(kind=VOLUNTEERING, title="Two people for the open days")

    login(listings_make.team_member())
    text = page_text(client.get(f"/team/needs/{need.id}/suggestions"))
    assert "Two people for the open days" in text
    assert (
        "Why no other open offers are suggested "
        "3 offers end before this need starts "
        "1 offer is of another kind (only money can go towards a need of another kind) "
        "1 offer shares none of its skills"
    ) in text


def test_an_offer_with_no_suggestions_says_why(client, login, make):
    today = today_in_leeds()
    offer = listings_make.offer(
        kind=ListingKind.VOLUNTEERING, available_until=today + timedelta(days=10)
    )
    for _ in range(2):
        listings_make.need(
            kind=ListingKind.VOLUNTEERING,
            starts_on=today + timedelta(days=20),
            deadline=today + timedelta(days=30),
        )

    login(listings_make.team_member())
    text = page_text(client.get(f"/team/offers/{offer.id}/suggestions"))
    assert "No open need could meet it now." in text
    assert "Why no open needs are suggested 2 needs start after this offer ends" in text


def test_laptops_not_delivered_go_back_to_the_need_and_the_offer(client, login):
    need = listings_make.need(kind=EQUIPMENT, quantity=20, title="Twenty laptops")
    offer = listings_make.offer(kind=EQUIPMENT, quantity=20, title="Our old laptops")
    match = brokering_make.agreed(EQUIPMENT, need=need, offer=offer, quantity=20)
    assert need.status is ListingStatus.MET
    charity = need.organisation.owners[0]
    login(charity)

    response = submit(
        client, f"/matches/{match.id}/complete", {"devices": "18", "people_reached": "30"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert match.status is MatchStatus.COMPLETED
    assert need.status is ListingStatus.PARTLY_MET
    assert (need.remaining_quantity, offer.remaining_quantity) == (2, 2)
    need_page = page_text(client.get(f"/needs/{need.id}"))
    assert "Still needed: 2 of 20" in need_page
    assert "18 received; 2 not delivered, so back in what this need still asks for" in need_page
    login(offer.organisation.owners[0])
    offer_page = page_text(client.get(f"/offers/{offer.id}"))
    assert "18 received; 2 not delivered, so back in what this offer has left" in offer_page


def test_a_full_delivery_leaves_the_need_met(client, login):
    need = listings_make.need(kind=EQUIPMENT, quantity=4)
    match = brokering_make.completed(EQUIPMENT, need=need, quantity=4)
    db.session.expire_all()
    assert match.status is MatchStatus.COMPLETED
    assert need.status is ListingStatus.MET
    assert need.remaining_quantity == 0
