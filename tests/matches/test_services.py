"""Brokering rules without HTTP: allocations held and given back, both answers,
listings partly met and met by themselves, delivery, feedback, help offers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from brokerage.bank_holidays import working_days_between
from brokerage.errors import Conflict, DomainError, FieldError, IllegalTransition, NotAllowed
from brokerage.extensions import db
from brokerage.listings.models import ListingKind, ListingStatus, Offer
from brokerage.matches import services
from brokerage.matches.allocation import Allocation
from brokerage.matches.help_offers import close_help_offer, offer_help
from brokerage.matches.models import HelpOfferStatus, MatchAction, MatchStatus
from brokerage.matches.queries import brokering_queue, my_matches
from brokerage.notifications.models import Notice
from brokerage.organisations.models import OrganisationKind
from tests.helpers import emails_to
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

EQUIPMENT, VOLUNTEERING, SPONSORSHIP = (
    ListingKind.EQUIPMENT,
    ListingKind.VOLUNTEERING,
    ListingKind.SPONSORSHIP,
)


def _propose(need, offer, **allocation):
    match = services.propose(need, offer, Allocation(**allocation), listings_make.team_member())
    db.session.commit()
    return match


def test_a_proposal_holds_the_allocation_on_both_sides_and_asks_both():
    need = listings_make.need(kind=EQUIPMENT, quantity=25)
    offer = listings_make.offer(kind=EQUIPMENT, quantity=40)

    match = _propose(need, offer, quantity=10)

    assert match.status is MatchStatus.PROPOSED
    assert need.remaining_quantity == 15
    assert offer.remaining_quantity == 30
    for org in (need.organisation, offer.organisation):
        owner = org.owners[0]
        assert [e.subject for e in emails_to(owner.email)][-1].startswith("A match is proposed")
        about_matches = [
            n
            for n in db.session.query(Notice).filter_by(user_id=owner.id)
            if n.path.startswith("/matches/")
        ]
        assert len(about_matches) == 1
    assert [e.action for e in match.events] == [MatchAction.PROPOSE]


def test_nothing_is_allocated_beyond_what_remains_on_either_side():
    need = listings_make.need(kind=EQUIPMENT, quantity=25)
    offer = listings_make.offer(kind=EQUIPMENT, quantity=40)
    _propose(need, offer, quantity=20)

    with pytest.raises(FieldError, match="Only 5 devices remain on the need") as exc:
        _propose(need, listings_make.offer(kind=EQUIPMENT, quantity=40), quantity=6)
    assert exc.value.field == "quantity"
    db.session.rollback()
    small = listings_make.offer(kind=EQUIPMENT, quantity=3)
    with pytest.raises(FieldError, match="Only 3 devices remain on the offer"):
        _propose(listings_make.need(kind=EQUIPMENT, quantity=25), small, quantity=4)


def test_volunteer_hours_are_checked_as_people_and_as_hours():
    need = listings_make.need(kind=VOLUNTEERING, volunteers=3, hours_per_volunteer=4)  # 12 h
    offer = listings_make.offer(kind=VOLUNTEERING, volunteers=5, hours_per_volunteer=10)
    with pytest.raises(FieldError, match="Only 12 hours in all remain on the need"):
        _propose(need, offer, volunteers=2, hours_per_volunteer=7)
    db.session.rollback()
    match = _propose(need, offer, volunteers=2, hours_per_volunteer=6)
    assert (need.remaining_volunteers, need.remaining_hours) == (1, 0)
    assert (offer.remaining_volunteers, offer.remaining_hours) == (3, 38)
    assert match.total_hours == 12


def test_a_sponsorship_offer_can_pay_towards_an_equipment_need():
    need = listings_make.need(kind=EQUIPMENT, quantity=25)
    offer = listings_make.offer(kind=SPONSORSHIP, amount_pence=500_000)

    with pytest.raises(FieldError, match="Enter the amount"):
        _propose(need, offer, quantity=5)
    db.session.rollback()
    # The company gives money only: a number of devices is not the pairing's to give.
    match = _propose(need, offer, quantity=5, amount_pence=150_000)

    assert (match.quantity, match.amount_pence) == (None, 150_000)
    assert need.remaining_quantity == 25 and need.held_pence == 0
    assert offer.remaining_pence == 350_000


def test_kinds_that_cannot_meet_each_other_are_refused():
    need = listings_make.need(kind=SPONSORSHIP)
    offer = listings_make.offer(kind=EQUIPMENT)
    with pytest.raises(DomainError, match="cannot meet a need"):
        _propose(need, offer, quantity=1, amount_pence=100)


def test_only_the_team_proposes_and_only_open_listings():
    need = listings_make.need(kind=EQUIPMENT)
    offer = listings_make.offer(kind=EQUIPMENT)
    with pytest.raises(NotAllowed):
        services.propose(need, offer, Allocation(quantity=1), need.organisation.owners[0])
    draft = listings_make.offer(kind=EQUIPMENT, status=ListingStatus.DRAFT)
    with pytest.raises(Conflict, match="no longer open"):
        _propose(need, draft, quantity=1)
    assert draft.held_quantity == 0


def test_both_accept_then_the_need_is_partly_met_and_then_met():
    need = listings_make.need(kind=EQUIPMENT, quantity=10)
    offer = listings_make.offer(kind=EQUIPMENT, quantity=40)
    first = _propose(need, offer, quantity=4)
    charity, company = need.organisation.owners[0], offer.organisation.owners[0]

    services.answer(first, charity, accept=True)
    db.session.commit()
    assert first.status is MatchStatus.PROPOSED
    assert need.status is ListingStatus.PUBLISHED  # held, not yet agreed
    services.answer(first, company, accept=True)
    db.session.commit()
    assert first.status is MatchStatus.AGREED
    assert need.status is ListingStatus.PARTLY_MET
    assert offer.status is ListingStatus.PARTLY_MET

    second = _propose(need, offer, quantity=6)
    services.answer(second, company, accept=True)
    services.answer(second, charity, accept=True)
    db.session.commit()
    assert need.status is ListingStatus.MET
    assert need.remaining_quantity == 0
    assert [e.action for e in second.events] == [
        MatchAction.PROPOSE,
        MatchAction.ACCEPT,
        MatchAction.AGREE,
    ]


def test_a_decline_needs_a_reason_and_gives_the_allocation_back():
    match = brokering_make.proposed(EQUIPMENT, quantity=4)
    need, offer = match.need, match.offer
    company = offer.organisation.owners[0]

    with pytest.raises(DomainError, match="Enter why you are declining"):
        services.answer(match, company, accept=False, reason="  ")
    services.answer(match, company, accept=False, reason="Those laptops went elsewhere")
    db.session.commit()

    assert match.status is MatchStatus.DECLINED
    assert match.reason == "Those laptops went elsewhere"
    assert need.remaining_quantity == need.quantity
    assert offer.remaining_quantity == offer.quantity
    charity = need.organisation.owners[0]
    assert "declined" in emails_to(charity.email)[-1].subject
    with pytest.raises(Conflict):
        services.answer(match, charity, accept=True)


def test_cancelling_an_agreed_match_reopens_the_need():
    match = brokering_make.agreed(EQUIPMENT, quantity=10)  # the whole need: met
    assert match.need.status is ListingStatus.MET

    with pytest.raises(DomainError, match="Enter why it is cancelled"):
        services.cancel(match, listings_make.team_member(), "")
    services.cancel(match, listings_make.team_member(), "The company's plans changed")
    db.session.commit()

    assert match.status is MatchStatus.CANCELLED
    assert match.need.status is ListingStatus.PUBLISHED
    assert match.need.remaining_quantity == 10
    with pytest.raises(IllegalTransition):
        services.start(match, match.need.organisation.owners[0])


def test_only_the_charity_confirms_delivery_and_says_what_arrived():
    match = brokering_make.agreed(VOLUNTEERING)
    company = match.offer.organisation.owners[0]
    charity = match.need.organisation.owners[0]
    with pytest.raises(NotAllowed):
        services.complete(match, company, services.Delivery(hours=6, people_reached=3))
    with pytest.raises(FieldError, match="hours volunteers gave") as exc:
        services.complete(match, charity, services.Delivery(people_reached=3))
    assert exc.value.field == "hours"

    services.start(match, company)
    services.complete(match, charity, services.Delivery(hours=5, people_reached=14))
    db.session.commit()

    assert match.status is MatchStatus.COMPLETED
    assert (match.delivered_hours, match.people_reached) == (5, 14)
    assert match.delivered_devices is None


def test_feedback_once_per_side_after_completion():
    match = brokering_make.agreed()
    charity = match.need.organisation.owners[0]
    with pytest.raises(Conflict, match="Feedback opens"):
        services.leave_feedback(match, charity, 5, "Great")
    services.complete(match, charity, services.Delivery(devices=4, people_reached=4))
    with pytest.raises(DomainError, match="rating from 1 to 5"):
        services.leave_feedback(match, charity, 6, "Great")
    services.leave_feedback(match, charity, 5, "The laptops arrived set up")
    with pytest.raises(Conflict, match="already left feedback"):
        services.leave_feedback(match, charity, 4, "Again")
    services.leave_feedback(match, match.offer.organisation.owners[0], 4, "Smooth")
    db.session.commit()
    assert sorted(f.rating for f in match.feedback) == [4, 5]


def test_messages_notify_the_other_side_and_the_team_but_not_the_author(make):
    match = brokering_make.proposed()
    charity = match.need.organisation.owners[0]
    company = match.offer.organisation.owners[0]
    colleague = make.member(match.need.organisation)

    services.post_message(match, charity, "Can you deliver on a Tuesday?")
    db.session.commit()

    def notices(person):
        return [n.message for n in db.session.query(Notice).filter_by(user_id=person.id)]

    assert any("New message" in m for m in notices(company))
    assert any("New message" in m for m in notices(colleague))
    assert any("New message" in m for m in notices(match.proposed_by))
    assert not any("New message" in m for m in notices(charity))
    stranger = make.user()
    with pytest.raises(NotAllowed):
        services.post_message(match, stranger, "Hello")


def test_team_notes_are_for_the_team_only():
    match = brokering_make.proposed()
    with pytest.raises(NotAllowed):
        services.add_note(match, match.need.organisation.owners[0], "A note")
    note = services.add_note(match, listings_make.team_member(), "Called the charity")
    assert note.body == "Called the charity"


def test_a_company_says_it_can_help_once_and_the_team_answers(make):
    need = listings_make.need(kind=EQUIPMENT)
    company = make.organisation(kind=OrganisationKind.COMPANY)
    member = company.owners[0]
    team = listings_make.team_member()

    help_offer = offer_help(need, member, company, "We have 12 laptops")
    db.session.commit()
    assert help_offer.status is HelpOfferStatus.NEW
    assert any("can help" in e.subject for e in emails_to(team.email))
    with pytest.raises(Conflict, match="already said"):
        offer_help(need, member, company, "Again")
    charity_member = need.organisation.owners[0]
    with pytest.raises(NotAllowed):
        offer_help(need, charity_member, need.organisation, "Us too")

    close_help_offer(help_offer, team, "Thank you: the need is nearly met")
    db.session.commit()
    assert help_offer.status is HelpOfferStatus.CLOSED
    assert "About your offer of help" in emails_to(member.email)[-1].subject


def test_a_proposal_from_a_help_offer_marks_it_handled(make):
    need = listings_make.need(kind=EQUIPMENT)
    offer = listings_make.offer(kind=EQUIPMENT)
    help_offer = offer_help(need, offer.organisation.owners[0], offer.organisation, "Ours", offer)
    match = services.propose(
        need, offer, Allocation(quantity=2), listings_make.team_member(), None, help_offer
    )
    db.session.commit()
    assert help_offer.status is HelpOfferStatus.PROPOSED
    assert match.help_offer_id == help_offer.id


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [
        ("2026-11-16 09:00", "2026-11-16 17:00", 0),  # same Monday
        ("2026-11-16 09:00", "2026-11-20 09:00", 4),  # Monday to Friday
        ("2026-11-20 09:00", "2026-11-23 09:00", 1),  # Friday to Monday
        ("2026-11-16 09:00", "2026-11-24 09:00", 6),  # Monday to the next Tuesday
        ("2026-11-21 09:00", "2026-11-22 09:00", 0),  # Saturday to Sunday
        # Christmas Day (Friday) and Boxing Day's Monday are bank holidays.
        ("2026-12-24 09:00", "2026-12-29 09:00", 1),
        # Good Friday and Easter Monday 2027.
        ("2027-03-25 09:00", "2027-03-30 09:00", 1),
        # After midnight in Leeds in summer is still the day before in UTC.
        ("2027-05-28 09:00", "2027-05-31 23:30", 1),
    ],
)
def test_working_days_waited(start, end, days):
    def at(text):
        return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)

    assert working_days_between(at(start), at(end)) == days


def test_the_queue_flags_proposals_waiting_more_than_five_working_days(app):
    old = brokering_make.proposed()
    old.proposed_at = datetime(2026, 11, 9, 10, tzinfo=UTC)  # a Monday
    fresh = brokering_make.proposed()
    fresh.proposed_at = datetime(2026, 11, 18, 10, tzinfo=UTC)
    db.session.commit()

    waiting, _ = brokering_queue(now=datetime(2026, 11, 19, 12, tzinfo=UTC))

    assert [(w.match.id, w.flagged) for w in waiting] == [(old.id, True), (fresh.id, False)]
    assert waiting[0].working_days == 8
    app.config["PROPOSAL_FLAG_WORKING_DAYS"] = 10
    try:
        waiting, _ = brokering_queue(now=datetime(2026, 11, 19, 12, tzinfo=UTC))
        assert not waiting[0].flagged
    finally:
        app.config["PROPOSAL_FLAG_WORKING_DAYS"] = 5


def test_my_matches_lists_what_waits_for_me_first():
    done = brokering_make.agreed()
    charity_org = done.need.organisation
    waiting = brokering_make.proposed(need=listings_make.need(charity_org, kind=EQUIPMENT))
    charity = charity_org.owners[0]

    rows = my_matches(charity)

    assert [(r.match.id, r.action) for r in rows] == [
        (waiting.id, "Accept or decline"),
        (done.id, "Confirm what was delivered"),
    ]
    # The company has nothing to do on the agreed match; another one waits for it.
    company_org = done.offer.organisation
    asked = brokering_make.proposed(offer=listings_make.offer(company_org, kind=EQUIPMENT))
    rows = my_matches(company_org.owners[0])
    assert [(r.match.id, r.action) for r in rows] == [
        (asked.id, "Accept or decline"),
        (done.id, None),
    ]


def test_an_edit_cannot_ask_for_less_than_matches_hold():
    match = brokering_make.proposed(EQUIPMENT, quantity=8)
    need = match.need
    from brokerage.listings.services import update_need

    details = listings_make.need_details(EQUIPMENT, quantity=5)
    with pytest.raises(DomainError, match="Matches already hold 8 devices"):
        update_need(need, need.organisation.owners[0], details, submit=False)


def test_a_proposal_for_a_withdrawn_need_cannot_be_accepted_only_declined():
    from brokerage.listings import services as listings

    match = brokering_make.proposed()
    charity = match.need.organisation.owners[0]
    listings.withdraw(match.need, charity)
    db.session.commit()
    with pytest.raises(Conflict, match="is now withdrawn"):
        services.answer(match, match.offer.organisation.owners[0], accept=True)
    services.answer(match, charity, accept=False, reason="We found laptops elsewhere")
    db.session.commit()
    assert match.status is MatchStatus.DECLINED
    assert match.need.held_quantity == 0


def test_only_the_charity_can_let_its_comment_be_quoted():
    match = brokering_make.completed()
    charity = match.need.organisation.owners[0]
    company = match.offer.organisation.owners[0]
    mine = services.leave_feedback(match, charity, 5, "Life-changing", quote_allowed=True)
    theirs = services.leave_feedback(match, company, 5, "Lovely people", quote_allowed=True)
    assert mine.quote_allowed is True
    assert theirs.quote_allowed is False


def test_a_refused_hold_on_the_offer_gives_back_the_need_hold_at_once():
    need = listings_make.need(kind=EQUIPMENT, quantity=25)
    offer = listings_make.offer(kind=EQUIPMENT, quantity=10)
    # Another proposal takes the offer's devices after this one's numbers were checked
    # against what it had loaded (the UPDATE is the only check that counts).
    db.session.execute(
        update(Offer).where(Offer.id == offer.id).values(held_quantity=8),
        execution_options={"synchronize_session": False},
    )
    assert offer.held_quantity == 0
    with pytest.raises(FieldError, match="Only 2 devices remain on the offer"):
        services.propose(need, offer, Allocation(quantity=5), listings_make.team_member())
    db.session.refresh(need)
    assert need.held_quantity == 0  # in the same transaction, before any rollback


@pytest.mark.parametrize(
    ("year", "holidays"),
    [
        # gov.uk's lists for England and Wales (without one-off holidays).
        (2026, ["01-01", "04-03", "04-06", "05-04", "05-25", "08-31", "12-25", "12-28"]),
        (2027, ["01-01", "03-26", "03-29", "05-03", "05-31", "08-30", "12-27", "12-28"]),
        (2028, ["01-03", "04-14", "04-17", "05-01", "05-29", "08-28", "12-25", "12-26"]),
        (2021, ["01-01", "04-02", "04-05", "05-03", "05-31", "08-30", "12-27", "12-28"]),
    ],
)
def test_bank_holidays_in_england_and_wales(year, holidays):
    from brokerage.bank_holidays import bank_holidays

    assert sorted(d.strftime("%m-%d") for d in bank_holidays(year)) == holidays
