"""Membership without HTTP: asking to join and the owner's answer, and invitations."""

import re
from datetime import timedelta

import pytest

from brokerage.clock import utcnow
from brokerage.errors import Conflict, NotAllowed
from brokerage.extensions import db
from brokerage.organisations import membership as memberships
from brokerage.organisations.models import (
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    OrganisationStatus,
)
from tests.helpers import emails_to, link_in
from tests.organisations.test_services import count, only_email

# --- Asking to join ------------------------------------------------------------------------


def test_asking_to_join_tells_the_owner_who_is_asking(make):
    owner = make.user()
    org = make.organisation(owner, name="Harehills Tech Hub")
    asker = make.user(name="Sam Lee", email="sam@example.org")

    membership = memberships.request_to_join(org, asker, "  I run the Tuesday sessions.  ")

    assert membership.status is MembershipStatus.REQUESTED
    assert membership.role is MembershipRole.MEMBER
    assert membership.message == "I run the Tuesday sessions."
    assert org.join_requests == [membership]
    email = only_email(owner.email, "join_requested")
    assert email.subject == "Sam Lee has asked to join Harehills Tech Hub"
    assert "sam@example.org" in email.body_text
    assert "I run the Tuesday sessions." in email.body_text
    assert link_in(email) == f"/organisations/{org.id}/members"


def test_asking_twice_is_refused(make):
    org = make.organisation()
    asker = make.user()
    memberships.request_to_join(org, asker, None)
    with pytest.raises(Conflict, match="already asked"):
        memberships.request_to_join(org, asker, None)
    assert count(Membership) == 2  # the owner's and one request


def test_a_member_cannot_ask_to_join_again(make):
    org = make.organisation()
    person = make.member(org)
    with pytest.raises(Conflict, match="already a member"):
        memberships.request_to_join(org, person, None)


@pytest.mark.parametrize(
    "status",
    [
        OrganisationStatus.PENDING,
        OrganisationStatus.INFO_REQUESTED,
        OrganisationStatus.REJECTED,
    ],
)
def test_no_one_can_ask_to_join_an_organisation_that_is_not_verified(make, status):
    owner = make.user()
    org = make.organisation(owner, status=status)
    emails_before = len(emails_to(owner.email))
    with pytest.raises(NotAllowed, match="verified organisation"):
        memberships.request_to_join(org, make.user(), None)
    assert org.join_requests == []
    assert len(emails_to(owner.email)) == emails_before


def test_someone_who_has_not_confirmed_their_email_cannot_ask_to_join(make):
    org = make.organisation()
    with pytest.raises(NotAllowed, match="Confirm your email address"):
        memberships.request_to_join(org, make.user(verified=False), None)
    assert org.join_requests == []


def test_the_owner_accepts_a_request_and_the_asker_is_told(make):
    owner = make.user()
    org = make.organisation(owner, name="Harehills Tech Hub")
    asker = make.user()
    membership = memberships.request_to_join(org, asker, None)

    memberships.decide_join_request(membership, owner, accept=True)

    assert membership.status is MembershipStatus.ACTIVE
    assert membership.role is MembershipRole.MEMBER
    assert membership.decided_by is owner
    assert membership.decided_at is not None
    assert asker in [m.user for m in org.active_memberships]
    assert org.owners == [owner]
    email = only_email(asker.email, "join_accepted")
    assert email.subject == "You are now a member of Harehills Tech Hub"
    assert link_in(email) == f"/organisations/{org.id}"


def test_the_owner_declines_a_request_and_the_asker_is_told_and_may_ask_again(make):
    owner = make.user()
    org = make.organisation(owner, name="Harehills Tech Hub")
    asker = make.user()
    membership = memberships.request_to_join(org, asker, None)

    memberships.decide_join_request(membership, owner, accept=False)

    assert membership.status is MembershipStatus.DECLINED
    assert asker not in [m.user for m in org.active_memberships]
    email = only_email(asker.email, "join_declined")
    assert email.subject == "Your request to join Harehills Tech Hub was declined"

    again = memberships.request_to_join(org, asker, "It really is me.")
    assert again.id == membership.id
    assert again.status is MembershipStatus.REQUESTED
    assert again.decided_by is None


def test_a_request_can_only_be_answered_once(make):
    owner = make.user()
    org = make.organisation(owner)
    asker = make.user()
    membership = memberships.request_to_join(org, asker, None)
    memberships.decide_join_request(membership, owner, accept=True)

    with pytest.raises(Conflict, match="already been answered"):
        memberships.decide_join_request(membership, owner, accept=False)

    assert membership.status is MembershipStatus.ACTIVE
    assert [e.template for e in emails_to(asker.email)] == ["join_accepted"]


# --- Invitations ---------------------------------------------------------------------------


def invitation_from_email(address: str) -> tuple[Invitation, str]:
    """The invitation an email to `address` carries, and its link's token."""
    email = [e for e in emails_to(address) if e.template == "invitation"][-1]
    path = link_in(email)
    assert path.startswith("/invitations/")
    token = path.removeprefix("/invitations/")
    found = memberships.find_invitation(token)
    assert found is not None
    return found, token


def test_an_invitation_is_emailed_to_the_colleague_and_only_a_hash_is_kept(make):
    owner = make.user(name="Dawn Okafor")
    org = make.organisation(owner, name="Harehills Tech Hub")

    invitation = memberships.invite(org, owner, "  Colleague@Example.org ")

    assert invitation.email == "colleague@example.org"
    email = only_email("colleague@example.org", "invitation")
    assert email.subject == "Dawn Okafor has invited you to join Harehills Tech Hub"
    assert "14 days" in email.body_text
    found, token = invitation_from_email("colleague@example.org")
    assert found is invitation
    assert token not in invitation.token_hash
    assert utcnow() + timedelta(days=13) < invitation.expires_at <= utcnow() + timedelta(days=14)
    assert memberships.open_invitations(org) == [invitation]


def test_the_invited_person_accepts_and_becomes_a_member(make):
    owner = make.user()
    org = make.organisation(owner)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")
    colleague = make.user(email="colleague@example.org")

    membership = memberships.accept_invitation(invitation, colleague)

    assert membership.user is colleague
    assert membership.status is MembershipStatus.ACTIVE
    assert membership.role is MembershipRole.MEMBER
    assert membership.decided_by_id == owner.id
    assert invitation.accepted_at is not None
    assert invitation.accepted_by_id == colleague.id
    assert memberships.open_invitations(org) == []


def test_an_invitation_works_for_a_pending_organisation_too(make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.PENDING)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")
    colleague = make.user(email="colleague@example.org")
    memberships.accept_invitation(invitation, colleague)
    assert colleague in [m.user for m in org.active_memberships]


def test_someone_else_cannot_use_the_invitation(make):
    owner = make.user()
    org = make.organisation(owner)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")
    stranger = make.user(email="stranger@example.org")

    with pytest.raises(
        NotAllowed, match=re.escape("This invitation was sent to colleague@example.org")
    ):
        memberships.accept_invitation(invitation, stranger)

    assert stranger not in [m.user for m in org.memberships]
    assert invitation.accepted_at is None


def test_an_expired_invitation_is_refused(make):
    owner = make.user()
    org = make.organisation(owner)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    colleague = make.user(email="colleague@example.org")

    with pytest.raises(Conflict, match="expired"):
        memberships.accept_invitation(invitation, colleague)

    assert colleague not in [m.user for m in org.memberships]
    assert memberships.open_invitations(org) == []


def test_an_invitation_works_only_once(make):
    owner = make.user()
    org = make.organisation(owner)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")
    colleague = make.user(email="colleague@example.org")
    memberships.accept_invitation(invitation, colleague)
    # Had the colleague left, the same link must not let them back in.
    colleague_membership = next(m for m in org.memberships if m.user is colleague)
    colleague_membership.status = MembershipStatus.DECLINED
    db.session.commit()

    with pytest.raises(Conflict, match="already been used"):
        memberships.accept_invitation(invitation, colleague)

    assert colleague_membership.status is MembershipStatus.DECLINED


def test_accepting_an_invitation_answers_an_earlier_request_to_join(make):
    owner = make.user()
    org = make.organisation(owner)
    colleague = make.user(email="colleague@example.org")
    requested = memberships.request_to_join(org, colleague, None)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")

    membership = memberships.accept_invitation(invitation, colleague)

    assert membership.id == requested.id
    assert membership.status is MembershipStatus.ACTIVE
    assert org.join_requests == []
    assert count(Membership) == 2


def test_someone_who_has_not_confirmed_their_email_cannot_accept(make):
    owner = make.user()
    org = make.organisation(owner)
    memberships.invite(org, owner, "colleague@example.org")
    invitation, _ = invitation_from_email("colleague@example.org")
    colleague = make.user(email="colleague@example.org", verified=False)

    with pytest.raises(NotAllowed, match="Confirm your email address"):
        memberships.accept_invitation(invitation, colleague)
    assert invitation.accepted_at is None


def test_an_unknown_token_finds_no_invitation(make):
    owner = make.user()
    memberships.invite(make.organisation(owner), owner, "colleague@example.org")
    _, token = invitation_from_email("colleague@example.org")
    assert memberships.find_invitation(token[:-1]) is None
    assert memberships.find_invitation("") is None


def test_inviting_someone_already_in_the_organisation_is_refused(make):
    owner = make.user()
    org = make.organisation(owner)
    make.member(org, make.user(email="colleague@example.org"))
    with pytest.raises(Conflict, match=re.escape("colleague@example.org is already a member")):
        memberships.invite(org, owner, "Colleague@example.org")
    assert count(Invitation) == 0
    assert emails_to("colleague@example.org") == []


def test_a_rejected_organisation_cannot_invite(make):
    owner = make.user()
    org = make.organisation(owner, status=OrganisationStatus.REJECTED)
    with pytest.raises(NotAllowed):
        memberships.invite(org, owner, "colleague@example.org")
    assert count(Invitation) == 0
