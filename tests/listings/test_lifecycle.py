"""The one lifecycle of needs and offers: the transition table, history, moderation,
edits, expiry and the team's review queue (services, without HTTP)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from brokerage.errors import DomainError, IllegalTransition, NotAllowed
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    LISTING_TRANSITIONS,
    ListingAction,
    ListingKind,
    ListingStatus,
    Need,
    Offer,
    next_listing_status,
)
from brokerage.listings.search import Filters, open_listings
from brokerage.listings.services import create_need, create_offer, update_need, update_offer
from brokerage.organisations.models import MembershipRole, OrganisationKind
from tests.helpers import emails_to
from tests.listings import factories as lm

S, A = ListingStatus, ListingAction
LIVE = (S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED, S.PUBLISHED, S.PARTLY_MET)
CLOSED = (S.MET, S.REJECTED, S.WITHDRAWN, S.EXPIRED)

# The lifecycle as DESIGN.md tells it, written out by hand: the table must say exactly this.
EXPECTED_MOVES = {
    (S.DRAFT, A.SUBMIT): S.SUBMITTED,
    (S.CHANGES_REQUESTED, A.SUBMIT): S.SUBMITTED,
    (S.SUBMITTED, A.PUBLISH): S.PUBLISHED,
    (S.SUBMITTED, A.REQUEST_CHANGES): S.CHANGES_REQUESTED,
    (S.SUBMITTED, A.REJECT): S.REJECTED,
    (S.PUBLISHED, A.EDIT_PUBLISHED): S.SUBMITTED,
    (S.PARTLY_MET, A.EDIT_PUBLISHED): S.SUBMITTED,
    (S.PUBLISHED, A.PARTLY_MEET): S.PARTLY_MET,
    (S.PUBLISHED, A.MEET): S.MET,
    (S.PARTLY_MET, A.MEET): S.MET,
    (S.PARTLY_MET, A.REOPEN): S.PUBLISHED,
    (S.MET, A.REOPEN): S.PUBLISHED,
    **{(status, A.WITHDRAW): S.WITHDRAWN for status in LIVE},
    **{(status, A.EXPIRE): S.EXPIRED for status in LIVE},
}

SIDES = [
    pytest.param(lm.need, Need, id="need"),
    pytest.param(lm.offer, Offer, id="offer"),
]


def _open(model) -> list:
    return open_listings(model, Filters(), listings.today_in_leeds()).items


def _listing_emails(address: str) -> list:
    """Emails about needs and offers (the organisation's own emails are left out)."""
    return [e for e in emails_to(address) if e.template.startswith("listing_")]


def _events(item) -> list[tuple]:
    return [(e.action, e.from_status, e.to_status, e.actor_id, e.comment) for e in item.events]


# --- The transition table -----------------------------------------------------------


def test_the_table_holds_exactly_the_designed_moves():
    assert LISTING_TRANSITIONS == EXPECTED_MOVES


def test_every_legal_move():
    for (status, action), after in EXPECTED_MOVES.items():
        assert next_listing_status(status, action) is after, (status, action)


ILLEGAL_SAMPLE = [
    (S.DRAFT, A.PUBLISH),
    (S.DRAFT, A.REJECT),
    (S.PUBLISHED, A.SUBMIT),
    (S.PUBLISHED, A.PUBLISH),
    (S.SUBMITTED, A.SUBMIT),
    (S.WITHDRAWN, A.WITHDRAW),
    (S.DRAFT, A.MEET),
    (S.MET, A.WITHDRAW),
    (S.MET, A.EDIT_PUBLISHED),
    (S.CHANGES_REQUESTED, A.PUBLISH),
]


def test_sample_of_illegal_moves():
    for status, action in ILLEGAL_SAMPLE:
        with pytest.raises(IllegalTransition):
            next_listing_status(status, action)


def test_nothing_leaves_a_final_status():
    for status in (S.REJECTED, S.EXPIRED, S.WITHDRAWN):
        for action in ListingAction:
            with pytest.raises(IllegalTransition) as refused:
                next_listing_status(status, action)
            assert status.label.lower() in str(refused.value)


def test_every_other_pair_is_refused():
    for status in ListingStatus:
        for action in ListingAction:
            if (status, action) not in EXPECTED_MOVES:
                with pytest.raises(IllegalTransition):
                    next_listing_status(status, action)


@pytest.mark.parametrize(("factory", "model"), SIDES)
def test_moderating_a_draft_is_refused_and_changes_nothing(factory, model):
    item = factory(status=S.DRAFT)
    owner = item.organisation.owners[0]
    with pytest.raises(IllegalTransition):
        listings.moderate(item, lm.team_member(), A.PUBLISH, None)
    db.session.rollback()
    assert item.status is S.DRAFT
    assert [e.action for e in item.events] == [A.CREATE]
    assert _listing_emails(owner.email) == []


@pytest.mark.parametrize(("factory", "model"), SIDES)
def test_submitting_a_published_item_or_withdrawing_twice_is_refused(factory, model):
    item = factory()
    with pytest.raises(IllegalTransition):
        listings.submit(item, item.created_by)
    db.session.rollback()
    listings.withdraw(item, item.created_by)
    with pytest.raises(IllegalTransition):
        listings.withdraw(item, item.created_by)


# --- History ------------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "model"), SIDES)
def test_submit_moderate_and_withdraw_write_the_history(factory, model):
    item = factory(status=S.DRAFT)
    author = item.created_by
    team = lm.team_member()
    assert item.submitted_at is None and item.published_at is None

    listings.submit(item, author)
    assert item.submitted_at is not None
    listings.moderate(item, team, A.REQUEST_CHANGES, "  Add the hours.  ")
    assert item.review_comment == "Add the hours."
    listings.submit(item, author)
    assert item.review_comment is None
    listings.moderate(item, team, A.PUBLISH, None)
    assert item.published_at is not None
    listings.withdraw(item, author)
    db.session.commit()
    db.session.expire_all()

    item = db.session.get(model, item.id)
    assert item.status is S.WITHDRAWN
    assert _events(item) == [
        (A.CREATE, None, S.DRAFT, author.id, None),
        (A.SUBMIT, S.DRAFT, S.SUBMITTED, author.id, None),
        (A.REQUEST_CHANGES, S.SUBMITTED, S.CHANGES_REQUESTED, team.id, "Add the hours."),
        (A.SUBMIT, S.CHANGES_REQUESTED, S.SUBMITTED, author.id, None),
        (A.PUBLISH, S.SUBMITTED, S.PUBLISHED, team.id, None),
        (A.WITHDRAW, S.PUBLISHED, S.WITHDRAWN, author.id, None),
    ]
    assert all(e.created_at is not None for e in item.events)
    assert item.events[0].actor.id == author.id


@pytest.mark.parametrize(("factory", "model"), SIDES)
def test_rejection_records_the_reason(factory, model):
    item = factory(status=S.SUBMITTED)
    team = lm.team_member()
    listings.moderate(item, team, A.REJECT, "Not digital inclusion.")
    db.session.commit()
    assert item.status is S.REJECTED
    assert item.review_comment == "Not digital inclusion."
    assert _events(item)[-1] == (
        A.REJECT,
        S.SUBMITTED,
        S.REJECTED,
        team.id,
        "Not digital inclusion.",
    )


def test_withdraw_from_any_live_status(make):
    org = make.organisation()
    for status in LIVE:
        item = lm.need(org, status=status)
        listings.withdraw(item, item.created_by)
        assert item.status is S.WITHDRAWN
        assert _events(item)[-1][:4] == (A.WITHDRAW, status, S.WITHDRAWN, item.created_by.id)


# --- Moderation ---------------------------------------------------------------------


@pytest.mark.parametrize(("factory", "model"), SIDES)
def test_asking_for_changes_or_rejecting_needs_a_comment(factory, model):
    item = factory(status=S.SUBMITTED)
    for action in (A.REQUEST_CHANGES, A.REJECT):
        for comment in (None, "", "   \n "):
            with pytest.raises(DomainError):
                listings.moderate(item, lm.team_member(), action, comment)
    assert item.status is S.SUBMITTED
    assert [e.action for e in item.events] == [A.CREATE, A.SUBMIT]
    assert _listing_emails(item.created_by.email) == []


def test_publishing_needs_no_comment_but_keeps_one():
    item = lm.need(status=S.SUBMITTED)
    listings.moderate(item, lm.team_member(), A.PUBLISH, "Lovely, thank you.")
    assert item.status is S.PUBLISHED
    assert item.events[-1].comment == "Lovely, thank you."


def test_moderation_is_only_publish_changes_or_reject():
    item = lm.need(status=S.SUBMITTED)
    for action in (A.WITHDRAW, A.SUBMIT, A.EXPIRE, A.MEET, A.CREATE):
        with pytest.raises(DomainError) as refused:
            listings.moderate(item, lm.team_member(), action, "A comment")
        assert not isinstance(refused.value, IllegalTransition), action
    assert item.status is S.SUBMITTED
    assert [e.action for e in item.events] == [A.CREATE, A.SUBMIT]


@pytest.mark.parametrize(("factory", "model"), SIDES)
def test_only_the_team_moderates(factory, model, make):
    item = factory(status=S.SUBMITTED)
    for person in (item.created_by, make.member(item.organisation), make.user()):
        with pytest.raises(NotAllowed):
            listings.moderate(item, person, A.PUBLISH, None)
    assert item.status is S.SUBMITTED
    assert item.published_at is None


def test_publishing_after_the_closing_date_is_refused():
    item = lm.need(status=S.SUBMITTED)
    item.deadline = listings.today_in_leeds() - timedelta(days=1)
    with pytest.raises(DomainError):
        listings.moderate(item, lm.team_member(), A.PUBLISH, None)
    assert item.status is S.SUBMITTED
    # Asking for changes is still possible, so the poster can fix the date.
    listings.moderate(item, lm.team_member(), A.REQUEST_CHANGES, "Change the date, please.")
    assert item.status is S.CHANGES_REQUESTED


@pytest.mark.parametrize(
    ("action", "comment", "subject_has"),
    [
        (A.PUBLISH, None, "is published"),
        (A.REQUEST_CHANGES, "Please say how many hours each volunteer gives.", "Please change"),
        (A.REJECT, "We only broker digital inclusion work.", "was not accepted"),
    ],
)
def test_moderation_emails_the_author_and_the_owners(make, action, comment, subject_has):
    for side, org_kind, factory in (
        ("need", OrganisationKind.COMMUNITY, lm.need),
        ("offer", OrganisationKind.COMPANY, lm.offer),
    ):
        first_owner = make.user()
        org = make.organisation(first_owner, kind=org_kind)
        second_owner = make.member(org, role=MembershipRole.OWNER)
        author = make.member(org)
        bystander = make.member(org)
        item = factory(org, status=S.SUBMITTED, author=author, title="Laptops for the library")

        listings.moderate(item, lm.team_member(), action, comment)
        db.session.commit()

        for person in (author, first_owner, second_owner):
            [email] = _listing_emails(person.email)
            assert subject_has in email.subject
            assert "Laptops for the library" in email.subject
            if comment:
                assert comment in email.body_text
            assert f"/{side}s/{item.id}" in email.body_text
        assert _listing_emails(bystander.email) == []


def test_an_owner_who_is_also_the_author_gets_one_email(make):
    owner = make.user()
    item = lm.need(make.organisation(owner), status=S.SUBMITTED)
    assert item.created_by.id == owner.id
    listings.moderate(item, lm.team_member(), A.REJECT, "Out of scope.")
    assert len(_listing_emails(owner.email)) == 1


# --- Editing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("factory", "model", "update", "details"),
    [
        pytest.param(lm.need, Need, update_need, lm.need_details, id="need"),
        pytest.param(lm.offer, Offer, update_offer, lm.offer_details, id="offer"),
    ],
)
@pytest.mark.parametrize("status", [S.PUBLISHED, S.PARTLY_MET])
def test_editing_a_live_item_sends_it_back_for_review(factory, model, update, details, status):
    item = factory(status=status)
    assert [i.id for i in _open(model)] == [item.id]
    author = item.created_by

    update(item, author, details(title="A clearer title"), submit=False)
    db.session.commit()

    assert item.status is S.SUBMITTED
    assert item.title == "A clearer title"
    assert _events(item)[-1] == (A.EDIT_PUBLISHED, status, S.SUBMITTED, author.id, None)
    assert _open(model) == []
    assert item in listings.review_queue()


@pytest.mark.parametrize(
    ("factory", "update", "details"),
    [
        pytest.param(lm.need, update_need, lm.need_details, id="need"),
        pytest.param(lm.offer, update_offer, lm.offer_details, id="offer"),
    ],
)
def test_editing_a_draft_keeps_it_a_draft_unless_sent(factory, update, details):
    item = factory(status=S.DRAFT)
    update(item, item.created_by, details(title="Still drafting"), submit=False)
    assert item.status is S.DRAFT
    assert [e.action for e in item.events] == [A.CREATE]

    update(item, item.created_by, details(title="Ready now"), submit=True)
    assert item.status is S.SUBMITTED
    assert [e.action for e in item.events] == [A.CREATE, A.SUBMIT]


def test_editing_after_changes_were_asked_for_and_sending_it_again():
    item = lm.need(status=S.CHANGES_REQUESTED)
    update_need(item, item.created_by, lm.need_details(volunteers=4), submit=False)
    assert item.status is S.CHANGES_REQUESTED
    update_need(item, item.created_by, lm.need_details(volunteers=4), submit=True)
    assert item.status is S.SUBMITTED
    assert item.volunteers == 4


def test_editing_while_waiting_for_review_keeps_it_waiting():
    item = lm.offer(status=S.SUBMITTED)
    update_offer(item, item.created_by, lm.offer_details(title="Better"), submit=True)
    assert item.status is S.SUBMITTED
    assert [e.action for e in item.events] == [A.CREATE, A.SUBMIT]


def test_a_refused_edit_leaves_a_published_item_published():
    item = lm.need()
    with pytest.raises(DomainError):
        update_need(item, item.created_by, lm.need_details(volunteers=0), submit=False)
    db.session.rollback()
    assert item.status is S.PUBLISHED
    assert item.volunteers == 2


@pytest.mark.parametrize(
    ("factory", "update", "details"),
    [
        pytest.param(lm.need, update_need, lm.need_details, id="need"),
        pytest.param(lm.offer, update_offer, lm.offer_details, id="offer"),
    ],
)
def test_closed_items_cannot_be_edited(factory, update, details):
    org = factory().organisation
    for status in CLOSED:
        item = factory(org, status=status)
        with pytest.raises(NotAllowed):
            listings.edit_outcome(item)
        with pytest.raises(NotAllowed):
            update(item, item.created_by, details(title="Sneaky change"), submit=False)
        db.session.rollback()
        assert item.status is status
        assert item.title != "Sneaky change"


# --- Closing dates ------------------------------------------------------------------


def test_submit_refuses_a_past_closing_date(make):
    yesterday = listings.today_in_leeds() - timedelta(days=1)
    org = make.organisation()
    with pytest.raises(DomainError):
        create_need(org, org.owners[0], lm.need_details(deadline=yesterday), submit=True)
    db.session.rollback()

    draft = create_need(org, org.owners[0], lm.need_details(deadline=yesterday), submit=False)
    with pytest.raises(DomainError):
        listings.submit(draft, org.owners[0])
    assert draft.status is S.DRAFT

    company = make.organisation(kind=OrganisationKind.COMPANY)
    offer_draft = create_offer(
        company, company.owners[0], lm.offer_details(available_until=yesterday), submit=False
    )
    with pytest.raises(DomainError):
        listings.submit(offer_draft, company.owners[0])
    assert offer_draft.status is S.DRAFT


def test_closing_today_can_still_be_submitted(make):
    org = make.organisation()
    need = create_need(
        org, org.owners[0], lm.need_details(deadline=listings.today_in_leeds()), submit=True
    )
    assert need.status is S.SUBMITTED


def _close_yesterday(item) -> None:
    yesterday = listings.today_in_leeds() - timedelta(days=1)
    if isinstance(item, Need):
        item.deadline = yesterday
    else:
        item.available_until = yesterday


@pytest.mark.parametrize(
    ("factory", "model", "live", "closed"),
    [
        pytest.param(lm.need, Need, LIVE, CLOSED, id="need"),
        # The rule is shared: a sample is enough for offers.
        pytest.param(
            lm.offer, Offer, (S.SUBMITTED, S.PARTLY_MET), (S.MET, S.WITHDRAWN), id="offer"
        ),
    ],
)
def test_expire_overdue_expires_live_items_whose_date_passed(factory, model, live, closed, make):
    org = make.organisation(
        kind=OrganisationKind.COMMUNITY if model is Need else OrganisationKind.COMPANY
    )
    overdue = {status: factory(org, status=status) for status in live}
    closed = {status: factory(org, status=status) for status in closed}
    current = factory(org)
    for item in [*overdue.values(), *closed.values()]:
        _close_yesterday(item)
    db.session.commit()
    before = {item.id: len(item.events) for item in closed.values()}

    assert listings.expire_overdue() == len(live)
    db.session.commit()
    db.session.expire_all()

    for status, item in overdue.items():
        assert item.status is S.EXPIRED
        assert _events(item)[-1] == (A.EXPIRE, status, S.EXPIRED, None, None)
    for status, item in closed.items():
        assert item.status is status
        assert len(item.events) == before[item.id]
    assert current.status is S.PUBLISHED
    # Running it again finds nothing more to do.
    assert listings.expire_overdue() == 0


def test_expire_overdue_covers_needs_and_offers_together():
    need, offer = lm.need(), lm.offer()
    _close_yesterday(need)
    _close_yesterday(offer)
    db.session.commit()
    assert listings.expire_overdue() == 2
    assert need.status is offer.status is S.EXPIRED


def test_expiry_goes_by_the_date_in_leeds():
    # Half past midnight on 1 July in Leeds is still 30 June in UTC.
    year = listings.today_in_leeds().year + 2
    now = datetime(year, 6, 30, 23, 30, tzinfo=UTC)
    closed_30_june = lm.need(deadline=date(year, 6, 30))
    open_1_july = lm.offer(available_until=date(year, 7, 1))

    assert listings.expire_overdue(now) == 1
    assert closed_30_june.status is S.EXPIRED
    assert closed_30_june.events[-1].created_at == now
    assert open_1_july.status is S.PUBLISHED
    assert listings.expire_overdue(now - timedelta(hours=1)) == 0


# --- The review queue ---------------------------------------------------------------


def test_review_queue_is_oldest_first_across_needs_and_offers(make):
    community = make.organisation()
    company = make.organisation(kind=OrganisationKind.COMPANY)
    newest_need = lm.need(community, status=S.SUBMITTED)
    oldest_offer = lm.offer(company, status=S.SUBMITTED)
    middle_need = lm.need(community, status=S.SUBMITTED)
    middle_offer = lm.offer(company, status=S.SUBMITTED)
    lm.need(community, status=S.DRAFT)
    lm.offer(company, status=S.PUBLISHED)
    lm.need(community, status=S.CHANGES_REQUESTED)
    lm.offer(company, status=S.REJECTED)

    now = datetime.now(UTC)
    for hours, item in [(1, newest_need), (9, oldest_offer), (5, middle_need), (3, middle_offer)]:
        item.submitted_at = now - timedelta(hours=hours)
    db.session.commit()

    assert listings.review_queue() == [oldest_offer, middle_need, middle_offer, newest_need]


def test_review_queue_is_empty_when_nothing_waits():
    lm.need()
    lm.offer(status=S.DRAFT)
    assert listings.review_queue() == []


def test_a_resubmitted_item_waits_from_when_it_was_sent_again():
    first = lm.need(status=S.SUBMITTED)
    second = lm.offer(status=S.SUBMITTED)
    first.submitted_at = datetime.now(UTC) - timedelta(days=2)
    second.submitted_at = datetime.now(UTC) - timedelta(days=1)
    db.session.commit()
    assert listings.review_queue() == [first, second]

    listings.moderate(first, lm.team_member(), A.REQUEST_CHANGES, "Add a date.")
    listings.submit(first, first.created_by)
    db.session.commit()
    assert listings.review_queue() == [second, first]


def test_a_volunteering_need_cannot_start_after_the_date_it_is_needed_by(make):
    with pytest.raises(DomainError, match="start date must be on or before"):
        lm.need(
            kind=ListingKind.VOLUNTEERING,
            deadline=date(2030, 3, 1),
            starts_on=date(2030, 3, 2),
            ends_on=date(2030, 4, 1),
        )
