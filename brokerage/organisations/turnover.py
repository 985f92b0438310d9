"""Staff turnover: an owner removes a member or hands ownership to another, and any
member leaves. An organisation always keeps at least one owner. Each change is in the
organisation's history (naming the member by their account) and the person is told."""

from __future__ import annotations

from sqlalchemy import func, select

from brokerage import history
from brokerage.accounts.models import User
from brokerage.errors import Conflict, DomainError
from brokerage.extensions import db
from brokerage.notifications.services import notify
from brokerage.organisations.models import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationAction,
    OrganisationEvent,
)


def active_membership(org: Organisation, membership_id: int) -> Membership | None:
    """An active membership of `org` by its id, or None."""
    membership = db.session.get(Membership, membership_id)
    if (
        membership is None
        or membership.organisation_id != org.id
        or membership.status is not MembershipStatus.ACTIVE
    ):
        return None
    return membership


def membership_of(org: Organisation, user: User) -> Membership | None:
    return db.session.scalars(
        select(Membership).where(
            Membership.organisation_id == org.id,
            Membership.user_id == user.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
    ).first()


def owner_count(org: Organisation) -> int:
    return (
        db.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.organisation_id == org.id,
                Membership.role == MembershipRole.OWNER,
                Membership.status == MembershipStatus.ACTIVE,
            )
        )
        or 0
    )


def _record(org: Organisation, actor: User, action: OrganisationAction, member: User) -> None:
    history.record(
        OrganisationEvent(
            organisation=org,
            actor=actor,
            action=action,
            from_status=org.status,
            to_status=org.status,
            member_id=member.id,
        )
    )


def _members_page(org: Organisation) -> str:
    return f"/organisations/{org.id}/members"


def remove_member(org: Organisation, owner: User, membership: Membership) -> None:
    """The owner takes someone out of the organisation. Not themselves (they leave),
    and never the last owner."""
    person = membership.user
    if person.id == owner.id:
        raise DomainError("To take yourself out of the organisation, leave it instead")
    if membership.role is MembershipRole.OWNER and owner_count(org) <= 1:
        raise Conflict(f"{org.name} must keep at least one owner")
    db.session.delete(membership)
    _record(org, owner, OrganisationAction.MEMBER_REMOVED, person)
    notify(
        [person],
        f"You are no longer a member of {org.name}",
        f"/organisations/{org.id}",
        email=("member_removed", f"You are no longer a member of {org.name}"),
        org=org,
    )
    db.session.flush()


def leave(org: Organisation, user: User) -> None:
    """A member leaves. The only owner cannot: they hand ownership on first."""
    membership = membership_of(org, user)
    if membership is None:
        raise DomainError(f"You are not a member of {org.name}")
    if membership.role is MembershipRole.OWNER and owner_count(org) <= 1:
        raise Conflict(
            f"You are the only owner of {org.name}: make another member an owner before you leave"
        )
    db.session.delete(membership)
    _record(org, user, OrganisationAction.MEMBER_LEFT, user)
    owners = [
        m.user
        for m in org.active_memberships
        if m.role is MembershipRole.OWNER and m.id != membership.id
    ]
    # The notice names no one: it outlives the person's account.
    notify(owners, f"A member left {org.name}", _members_page(org))
    db.session.flush()


def hand_over(org: Organisation, owner: User, membership: Membership) -> None:
    """The owner makes another member the owner and becomes a member themselves."""
    person = membership.user
    if person.id == owner.id:
        raise DomainError("Choose another member to hand ownership to")
    if membership.role is MembershipRole.OWNER:
        raise Conflict(f"{person.name} is already an owner")
    giver = membership_of(org, owner)
    membership.role = MembershipRole.OWNER
    if giver is not None:
        giver.role = MembershipRole.MEMBER
    _record(org, owner, OrganisationAction.OWNERSHIP_HANDED, person)
    notify(
        [person],
        f"You are now an owner of {org.name}",
        _members_page(org),
        email=("ownership_handed", f"You are now an owner of {org.name}"),
        org=org,
    )
    db.session.flush()
