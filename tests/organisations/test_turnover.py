"""Staff turnover through the pages: an owner removes a member or hands ownership on,
a member leaves; an organisation always keeps an owner; the history names who, and
the person is told."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.notifications.models import Notice
from brokerage.organisations.models import (
    Membership,
    MembershipRole,
    MembershipStatus,
    OrganisationAction,
    OrganisationEvent,
)
from tests.helpers import emails_to, flashes, page_text, submit


@pytest.fixture
def org_people(make):
    owner = make.user(name="Olive Owner", email="olive@example.org")
    org = make.organisation(owner, name="Armley Digital")
    member = make.member(org, make.user(name="Mo Member", email="mo@example.org"))
    return org, owner, member


def _membership(org, person) -> Membership | None:
    db.session.expire_all()
    return db.session.scalars(
        select(Membership).where(
            Membership.organisation_id == org.id,
            Membership.user_id == person.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).first()


def _events(org) -> list[tuple]:
    return [
        (e.action, e.actor_id, e.member_id)
        for e in db.session.scalars(
            select(OrganisationEvent)
            .where(OrganisationEvent.organisation_id == org.id)
            .order_by(OrganisationEvent.id)
        )
    ]


def test_an_owner_removes_a_member_who_is_told(client, login, org_people):
    org, owner, member = org_people
    login(owner)
    membership = _membership(org, member)
    url = f"/organisations/{org.id}/members/{membership.id}/remove"
    assert "Remove Mo Member from Armley Digital" in page_text(client.get(url))

    response = submit(client, url)
    assert response.status_code == 302
    assert "Mo Member is no longer a member of Armley Digital." in flashes(
        client.get(response.headers["Location"])
    )
    assert _membership(org, member) is None
    assert _events(org)[-1] == (OrganisationAction.MEMBER_REMOVED, owner.id, member.id)
    assert [e.subject for e in emails_to("mo@example.org")] == [
        "You are no longer a member of Armley Digital"
    ]
    notice = db.session.scalars(select(Notice).where(Notice.user_id == member.id)).one()
    assert notice.message == "You are no longer a member of Armley Digital"
    # The history names who was removed.
    history = page_text(client.get(f"/organisations/{org.id}"))
    assert "Removed a member: Mo Member" in history


def test_the_last_owner_cannot_leave_and_is_told_what_to_do(client, login, org_people):
    org, owner, _ = org_people
    login(owner)
    response = submit(client, f"/organisations/{org.id}/leave")
    assert response.status_code == 409
    assert "You are the only owner of Armley Digital: make another member an owner" in page_text(
        response
    )
    assert _membership(org, owner) is not None


def test_a_member_leaves_and_the_owners_are_told_without_a_name(client, login, org_people):
    org, owner, member = org_people
    login(member)
    members_page = page_text(client.get(f"/organisations/{org.id}/members"))
    assert "Leave Armley Digital" in members_page
    assert "Make owner" not in members_page  # only owners change people

    response = submit(client, f"/organisations/{org.id}/leave")
    assert response.status_code == 302
    assert _membership(org, member) is None
    assert _events(org)[-1] == (OrganisationAction.MEMBER_LEFT, member.id, member.id)
    messages = db.session.scalars(select(Notice.message).where(Notice.user_id == owner.id))
    assert "A member left Armley Digital" in list(messages)
    # No longer inside: the members page is refused.
    assert client.get(f"/organisations/{org.id}/members").status_code == 403


def test_an_owner_hands_ownership_on_and_becomes_a_member(client, login, org_people):
    org, owner, member = org_people
    login(owner)
    membership = _membership(org, member)
    url = f"/organisations/{org.id}/members/{membership.id}/hand-over"
    assert "Make Mo Member an owner of Armley Digital" in page_text(client.get(url))

    assert submit(client, url).status_code == 302
    assert _membership(org, member).role is MembershipRole.OWNER
    assert _membership(org, owner).role is MembershipRole.MEMBER
    assert _events(org)[-1] == (OrganisationAction.OWNERSHIP_HANDED, owner.id, member.id)
    assert [e.subject for e in emails_to("mo@example.org")] == [
        "You are now an owner of Armley Digital"
    ]
    # Now the former owner may leave: someone else owns it.
    assert submit(client, f"/organisations/{org.id}/leave").status_code == 302


def test_an_owner_removes_another_owner_but_not_themselves(client, login, make, org_people):
    org, owner, _ = org_people
    second = make.member(org, make.user(name="Sam Second"), role=MembershipRole.OWNER)
    login(owner)
    mine = _membership(org, owner)
    response = submit(client, f"/organisations/{org.id}/members/{mine.id}/remove")
    assert response.status_code == 409
    assert "To take yourself out of the organisation, leave it instead" in page_text(response)
    assert _membership(org, owner) is not None

    theirs = _membership(org, second)
    assert submit(client, f"/organisations/{org.id}/members/{theirs.id}/remove").status_code == 302
    assert _membership(org, second) is None


def test_a_membership_of_another_organisation_is_a_404(client, login, make, org_people):
    org, owner, _ = org_people
    other = make.organisation(make.user(), name="Elsewhere")
    stranger = _membership(other, other.active_memberships[0].user)
    login(owner)
    url = f"/organisations/{org.id}/members/{stranger.id}/remove"
    assert client.get(url).status_code == 404
    assert submit(client, url, page=f"/organisations/{org.id}/members").status_code == 404
    assert _membership(other, stranger.user) is not None
