"""Organisation services without HTTP: registration and the team's decisions."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import utcnow
from brokerage.errors import DomainError, IllegalTransition, NotAllowed
from brokerage.extensions import db
from brokerage.organisations import services
from brokerage.organisations.models import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationAction,
    OrganisationEvent,
    OrganisationKind,
    OrganisationStatus,
    OrganisationType,
    RegistrationScheme,
)
from tests.helpers import emails_to, link_in

APPROVE = OrganisationAction.APPROVE
REJECT = OrganisationAction.REJECT
REQUEST_INFO = OrganisationAction.REQUEST_INFO


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def only_email(address: str, template: str):
    found = [e for e in emails_to(address) if e.template == template]
    assert len(found) == 1, f"{len(found)} {template!r} emails to {address}"
    return found[0]


# --- Registration ----------------------------------------------------------------------


def test_the_creator_owns_a_new_pending_organisation_and_is_told_it_was_received(make):
    owner = make.user(name="Dawn Okafor")
    org = services.create_organisation(
        owner,
        OrganisationKind.COMMUNITY,
        make.details(
            name="  Harehills Tech Hub ",
            registration_number="1 190 421",
            postcode="ls85aa",
            website="",
            ward_ids=[make.ward("armley").id, make.ward("gipton-and-harehills").id],
        ),
    )

    assert org.status is OrganisationStatus.PENDING
    assert org.submitted_at is not None
    assert org.name == "Harehills Tech Hub"
    assert org.registration_number == "1190421"
    assert org.postcode == "LS8 5AA"
    assert org.website is None
    assert {w.slug for w in org.wards} == {"armley", "gipton-and-harehills"}
    assert [g.slug for g in org.beneficiary_groups] == ["older-people"]

    [membership] = org.memberships
    assert membership.user is owner
    assert membership.role is MembershipRole.OWNER
    assert membership.status is MembershipStatus.ACTIVE
    assert org.owners == [owner]

    [event] = org.events
    assert event.action is OrganisationAction.CREATE
    assert event.actor is owner
    assert event.from_status is None
    assert event.to_status is OrganisationStatus.PENDING

    email = only_email(owner.email, "organisation_received")
    assert "Harehills Tech Hub" in email.subject
    assert link_in(email) == f"/organisations/{org.id}"


def test_a_company_is_registered_with_its_companies_house_number_padded(make):
    org = services.create_organisation(
        make.user(),
        OrganisationKind.COMPANY,
        make.details(OrganisationKind.COMPANY, registration_number="9876543"),
    )
    assert org.kind is OrganisationKind.COMPANY
    assert org.org_type is OrganisationType.PRIVATE_LIMITED
    assert org.registration_number == "09876543"


def test_an_unregistered_community_group_is_allowed_without_a_number(make):
    org = services.create_organisation(
        make.user(),
        OrganisationKind.COMMUNITY,
        make.details(
            org_type=OrganisationType.COMMUNITY_GROUP,
            registration_scheme=RegistrationScheme.NONE,
            registration_number="",
        ),
    )
    assert org.registration_scheme is RegistrationScheme.NONE
    assert org.registration_number is None


def test_someone_who_has_not_confirmed_their_email_cannot_register(make):
    person = make.user(verified=False)
    with pytest.raises(NotAllowed, match="Confirm your email address"):
        services.create_organisation(person, OrganisationKind.COMMUNITY, make.details())
    assert count(Organisation) == 0
    assert emails_to(person.email) == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            lambda make: {"ward_ids": [make.ward("leeds-wide").id, make.ward("armley").id]},
            "Choose Leeds-wide or particular wards, not both",
        ),
        (lambda make: {"ward_ids": []}, "Choose the wards you serve, or Leeds-wide"),
        (lambda make: {"ward_ids": [99999]}, "Choose the wards you serve, or Leeds-wide"),
        (lambda make: {"beneficiary_group_ids": []}, "Choose who your work is for"),
        (lambda make: {"beneficiary_group_ids": [99999]}, "Choose who your work is for"),
        (lambda make: {"postcode": "LS1"}, "Enter a real postcode"),
        (lambda make: {"registration_number": "12345"}, "6 or 7 digits"),
        (
            lambda make: {"org_type": OrganisationType.PRIVATE_LIMITED},
            "Choose a type of community organisation",
        ),
    ],
    ids=[
        "leeds-wide-and-a-ward",
        "no-wards",
        "unknown-ward",
        "no-groups",
        "unknown-group",
        "bad-postcode",
        "bad-number",
        "company-type-for-a-charity",
    ],
)
def test_bad_details_are_refused_and_nothing_is_saved(make, overrides, message):
    owner = make.user()
    with pytest.raises(DomainError, match=message):
        services.create_organisation(
            owner, OrganisationKind.COMMUNITY, make.details(**overrides(make))
        )
    db.session.rollback()
    assert count(Organisation) == 0
    assert count(Membership) == 0
    assert count(OrganisationEvent) == 0


def test_leeds_wide_on_its_own_is_accepted(make):
    org = services.create_organisation(
        make.user(), OrganisationKind.COMMUNITY, make.details(ward_ids=[make.ward("leeds-wide").id])
    )
    assert [w.slug for w in org.wards] == ["leeds-wide"]


# --- The team's decisions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "reason", "status", "template", "subject"),
    [
        (
            APPROVE,
            "Checked on the Charity Commission register.",
            "approved",
            "organisation_approved",
            "is verified",
        ),
        (
            REJECT,
            "This is not a Leeds organisation.",
            "rejected",
            "organisation_rejected",
            "was not approved",
        ),
        (
            REQUEST_INFO,
            "Which wards do your drop-ins run in?",
            "info_requested",
            "organisation_info_requested",
            "more information",
        ),
    ],
    ids=["approve", "reject", "request_info"],
)
def test_a_team_decision_is_recorded_and_the_owner_is_emailed(
    make, action, reason, status, template, subject
):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING, name="Armley Silver Surfers")
    team = make.team_member(name="Priya Shah")

    services.decide_organisation(org, team, action, f"  {reason}  ")

    assert org.status is OrganisationStatus(status)
    assert org.status_message == reason
    assert org.decided_at is not None
    assert utcnow() - org.decided_at < timedelta(minutes=1)
    event = org.events[-1]
    assert event.action is action
    assert event.actor is team
    assert event.from_status is OrganisationStatus.PENDING
    assert event.to_status is OrganisationStatus(status)
    assert event.reason == reason
    assert [e.action for e in org.events] == [OrganisationAction.CREATE, action]

    email = only_email(owner.email, template)
    assert "Armley Silver Surfers" in email.subject
    assert subject in email.subject
    if action is not APPROVE:  # an approval's note is for the history, not the email
        assert reason in email.body_text
    assert link_in(email) == f"/organisations/{org.id}"


def test_approving_needs_no_reason(make):
    org = make.organisation(status=OrganisationStatus.PENDING)
    services.decide_organisation(org, make.team_member(), APPROVE, "   ")
    assert org.status is OrganisationStatus.APPROVED
    assert org.status_message is None
    assert org.events[-1].reason is None


def test_every_owner_is_told_of_a_decision(make):
    first = make.user()
    org = make.organisation(first, status=OrganisationStatus.PENDING)
    second = make.member(org, role=MembershipRole.OWNER)
    ordinary = make.member(org)

    services.decide_organisation(org, make.team_member(), APPROVE, None)

    assert only_email(first.email, "organisation_approved")
    assert only_email(second.email, "organisation_approved")
    assert emails_to(ordinary.email) == []


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (REJECT, "Enter the reason for rejecting"),
        (REQUEST_INFO, "Enter what you need to know"),
    ],
)
@pytest.mark.parametrize("reason", [None, "", "   \n "])
def test_rejecting_or_asking_without_saying_why_is_refused(make, action, message, reason):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)

    with pytest.raises(DomainError, match=message):
        services.decide_organisation(org, make.team_member(), action, reason)

    assert org.status is OrganisationStatus.PENDING
    assert org.decided_at is None
    assert len(org.events) == 1
    assert [e.template for e in emails_to(owner.email)] == ["organisation_received"]


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (OrganisationStatus.APPROVED, APPROVE),
        (OrganisationStatus.APPROVED, REJECT),
        (OrganisationStatus.APPROVED, REQUEST_INFO),
        (OrganisationStatus.REJECTED, APPROVE),
        (OrganisationStatus.REJECTED, REJECT),
        (OrganisationStatus.REJECTED, REQUEST_INFO),
        (OrganisationStatus.INFO_REQUESTED, REQUEST_INFO),
    ],
)
def test_a_decision_the_status_does_not_allow_is_refused(make, start, action):
    owner = make.user()
    org = make.organisation(owner, status=start)
    events_before = len(org.events)
    emails_before = len(emails_to(owner.email))

    with pytest.raises(IllegalTransition):
        services.decide_organisation(org, make.team_member(), action, "A reason")

    assert org.status is start
    assert len(org.events) == events_before
    assert len(emails_to(owner.email)) == emails_before


@pytest.mark.parametrize("action", [OrganisationAction.CREATE, OrganisationAction.RESUBMIT])
def test_the_team_cannot_take_an_owners_action(make, action):
    org = make.organisation(status=OrganisationStatus.PENDING)
    with pytest.raises(DomainError, match="Choose approve, ask for more information, or reject"):
        services.decide_organisation(org, make.team_member(), action, "A reason")
    assert org.status is OrganisationStatus.PENDING


def test_only_the_team_can_decide(make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    with pytest.raises(NotAllowed):
        services.decide_organisation(org, owner, APPROVE, None)
    assert org.status is OrganisationStatus.PENDING


def test_an_answered_question_sends_the_organisation_to_the_back_of_the_queue(make):
    owner = make.user()
    asked = make.organisation(owner, status=OrganisationStatus.INFO_REQUESTED)
    asked.submitted_at = utcnow() - timedelta(days=10)
    waiting = make.organisation(status=OrganisationStatus.PENDING)
    waiting.submitted_at = utcnow() - timedelta(days=2)
    db.session.commit()

    services.resubmit_organisation(asked, owner)

    assert asked.status is OrganisationStatus.PENDING
    assert utcnow() - asked.submitted_at < timedelta(minutes=1)
    event = asked.events[-1]
    assert event.action is OrganisationAction.RESUBMIT
    assert event.actor is owner
    assert event.from_status is OrganisationStatus.INFO_REQUESTED
    assert event.to_status is OrganisationStatus.PENDING
    assert services.verification_queue() == [waiting, asked]


@pytest.mark.parametrize(
    "start",
    [OrganisationStatus.PENDING, OrganisationStatus.APPROVED, OrganisationStatus.REJECTED],
)
def test_only_an_organisation_asked_for_information_can_be_sent_back(make, start):
    owner = make.user()
    org = make.organisation(owner, status=start)
    with pytest.raises(IllegalTransition):
        services.resubmit_organisation(org, owner)
    assert org.status is start


def test_the_team_can_approve_or_reject_after_asking_a_question(make):
    team = make.team_member()
    approved = make.organisation(status=OrganisationStatus.INFO_REQUESTED)
    rejected = make.organisation(status=OrganisationStatus.INFO_REQUESTED)
    services.decide_organisation(approved, team, APPROVE, None)
    services.decide_organisation(rejected, team, REJECT, "Still no answer after a month.")
    assert approved.status is OrganisationStatus.APPROVED
    assert rejected.status is OrganisationStatus.REJECTED
    assert rejected.events[-1].from_status is OrganisationStatus.INFO_REQUESTED


def test_the_queue_holds_only_waiting_organisations_oldest_first(make):
    now = utcnow()
    middle = make.organisation(status=OrganisationStatus.PENDING)
    newest = make.organisation(status=OrganisationStatus.PENDING)
    oldest = make.organisation(status=OrganisationStatus.PENDING)
    make.organisation(status=OrganisationStatus.APPROVED)
    make.organisation(status=OrganisationStatus.REJECTED)
    make.organisation(status=OrganisationStatus.INFO_REQUESTED)
    middle.submitted_at = now - timedelta(days=3)
    newest.submitted_at = now - timedelta(hours=5)
    oldest.submitted_at = now - timedelta(days=9)
    db.session.commit()

    assert services.verification_queue() == [oldest, middle, newest]


# --- Editing -------------------------------------------------------------------------------


def test_a_verified_organisation_keeps_its_checked_details_but_the_rest_can_change(make):
    owner = make.user()
    org = make.organisation(owner, name="Aire Valley Software Ltd", kind=OrganisationKind.COMPANY)

    services.update_organisation(
        org,
        owner,
        make.details(
            OrganisationKind.COMPANY,
            name="Something Else Ltd",
            org_type=OrganisationType.LLP,
            registration_scheme=RegistrationScheme.COMPANIES_HOUSE,
            registration_number="SC123456",
            address_line_1="4 Wellington Place",
            postcode="ls14ap",
            description="We moved.",
            ward_ids=[make.ward("leeds-wide").id],
        ),
    )

    assert org.name == "Aire Valley Software Ltd"
    assert org.org_type is OrganisationType.PRIVATE_LIMITED
    assert org.registration_number == "01234567"
    assert org.address_line_1 == "4 Wellington Place"
    assert org.postcode == "LS1 4AP"
    assert org.description == "We moved."
    assert [w.slug for w in org.wards] == ["leeds-wide"]
    assert org.status is OrganisationStatus.APPROVED


@pytest.mark.parametrize("start", [OrganisationStatus.PENDING, OrganisationStatus.INFO_REQUESTED])
def test_before_verification_the_owner_can_correct_everything(make, start):
    owner = make.user()
    org = make.organisation(owner, status=start)

    services.update_organisation(
        org,
        owner,
        make.details(
            name="The Right Name",
            org_type=OrganisationType.CIO,
            registration_scheme=RegistrationScheme.CHARITY_SC,
            registration_number="sc012345",
        ),
    )

    assert org.name == "The Right Name"
    assert org.org_type is OrganisationType.CIO
    assert org.registration_scheme is RegistrationScheme.CHARITY_SC
    assert org.registration_number == "SC012345"
    assert org.status is start


def test_a_rejected_organisation_cannot_be_changed(make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.REJECTED, name="Old Name")
    with pytest.raises(NotAllowed):
        services.update_organisation(org, owner, make.details(name="New Name"))
    assert org.name == "Old Name"
