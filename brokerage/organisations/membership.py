"""Membership of an organisation: asking to join and the owners' answer, and
invitations by email."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.accounts.services import normalise_email
from brokerage.clock import utcnow
from brokerage.errors import Conflict, NotAllowed
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import (
    Invitation,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationStatus,
)


def _existing_membership(org: Organisation, user: User) -> Membership | None:
    return db.session.scalar(
        select(Membership).where(
            Membership.organisation_id == org.id, Membership.user_id == user.id
        )
    )


def request_to_join(org: Organisation, user: User, message: str | None) -> Membership:
    if not user.is_verified:
        raise NotAllowed("Confirm your email address before you ask to join")
    if org.status is not OrganisationStatus.APPROVED:
        raise NotAllowed("You can only ask to join a verified organisation")
    membership = _existing_membership(org, user)
    if membership is not None and membership.status is MembershipStatus.ACTIVE:
        raise Conflict(f"You are already a member of {org.name}")
    if membership is not None and membership.status is MembershipStatus.REQUESTED:
        raise Conflict(f"You have already asked to join {org.name}")
    if membership is None:
        membership = Membership(organisation=org, user=user, role=MembershipRole.MEMBER)
        db.session.add(membership)
    membership.status = MembershipStatus.REQUESTED
    membership.role = MembershipRole.MEMBER
    membership.message = (message or "").strip() or None
    membership.decided_at = None
    membership.decided_by = None
    db.session.flush()
    link = site_url("organisations.members", org_id=org.id)
    # The notice names no one: it outlives the requester's account.
    notify(org.owners, f"A new request to join {org.name}", f"/organisations/{org.id}/members")
    for owner in org.owners:
        queue_email(
            owner.email,
            "join_requested",
            f"{user.name} has asked to join {org.name}",
            user=owner,
            requester=user,
            org=org,
            message=membership.message,
            link=link,
        )
    db.session.flush()
    return membership


def decide_join_request(membership: Membership, owner: User, accept: bool) -> None:
    org = membership.organisation
    if membership.status is not MembershipStatus.REQUESTED:
        raise Conflict("This request has already been answered")
    membership.status = MembershipStatus.ACTIVE if accept else MembershipStatus.DECLINED
    membership.decided_by = owner
    membership.decided_at = utcnow()
    queue_email(
        membership.user.email,
        "join_accepted" if accept else "join_declined",
        f"You are now a member of {org.name}"
        if accept
        else f"Your request to join {org.name} was declined",
        user=membership.user,
        org=org,
        link=site_url("organisations.show", org_id=org.id),
    )
    notify(
        [membership.user],
        f"You are now a member of {org.name}"
        if accept
        else f"Your request to join {org.name} was declined",
        f"/organisations/{org.id}",
    )
    db.session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite(org: Organisation, owner: User, email: str) -> Invitation:
    email = normalise_email(email)
    if org.status is OrganisationStatus.REJECTED:
        raise NotAllowed("This organisation was not approved, so no one can be invited")
    if any(m.user.email == email for m in org.active_memberships):
        raise Conflict(f"{email} is already a member")
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        organisation=org,
        email=email,
        token_hash=_token_hash(token),
        invited_by_id=owner.id,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_email(
        email,
        "invitation",
        f"{owner.name} has invited you to join {org.name}",
        inviter=owner,
        org=org,
        days=current_app.config["INVITATION_MAX_AGE_DAYS"],
        link=site_url("organisations.invitation", token=token),
    )
    return invitation


def open_invitations(org: Organisation, now: datetime | None = None) -> list[Invitation]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == org.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.created_at)
        )
    )


def find_invitation(token: str) -> Invitation | None:
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == _token_hash(token)))


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    if not invitation.is_open(utcnow()):
        raise Conflict("This invitation has expired or has already been used")
    if user.email != invitation.email:
        raise NotAllowed(
            f"This invitation was sent to {invitation.email}. Sign in with that address to "
            "accept it."
        )
    if not user.is_verified:
        raise NotAllowed("Confirm your email address before you accept the invitation")
    org = invitation.organisation
    membership = _existing_membership(org, user)
    if membership is None:
        membership = Membership(organisation=org, user=user, role=MembershipRole.MEMBER)
        db.session.add(membership)
    if membership.status is not MembershipStatus.ACTIVE:
        membership.status = MembershipStatus.ACTIVE
        membership.role = MembershipRole.MEMBER
    membership.decided_by_id = invitation.invited_by_id
    membership.decided_at = utcnow()
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    db.session.flush()
    return membership
