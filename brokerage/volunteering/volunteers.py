"""A company's volunteers: the lead's invitations by email, an employee joining, the
list, and removing someone who left (their rows stay, with status "left")."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from brokerage.accounts.models import User
from brokerage.accounts.services import normalise_email
from brokerage.clock import utcnow
from brokerage.errors import Conflict, NotAllowed
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.matches.models import Match
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from brokerage.volunteering.models import (
    HourLog,
    Place,
    PlaceAction,
    Volunteer,
    VolunteerAction,
    VolunteerInvitation,
    VolunteerStatus,
    next_volunteer_status,
)
from brokerage.volunteering.places import LIVE_STATUSES, move


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def volunteer_of(org: Organisation, user: User) -> Volunteer | None:
    """The person's volunteer row in the company, whatever its status."""
    return db.session.scalar(
        select(Volunteer).where(Volunteer.organisation_id == org.id, Volunteer.user_id == user.id)
    )


def invite(org: Organisation, lead: User, email: str) -> VolunteerInvitation:
    """The lead invites an employee's address to volunteer with the company."""
    email = normalise_email(email)
    if org.kind is not OrganisationKind.COMPANY or org.status is not OrganisationStatus.APPROVED:
        raise NotAllowed("Only a verified company invites volunteers")
    if db.session.scalar(
        select(Volunteer.id)
        .join(User, User.id == Volunteer.user_id)
        .where(
            Volunteer.organisation_id == org.id,
            Volunteer.status == VolunteerStatus.ACTIVE,
            User.email == email,
        )
    ):
        raise Conflict(f"{email} is already a volunteer of {org.name}")
    days = current_app.config["INVITATION_MAX_AGE_DAYS"]
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = VolunteerInvitation(
        organisation=org,
        email=email,
        token_hash=_token_hash(token),
        invited_by_id=lead.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    queue_email(
        email,
        "volunteer_invitation",
        f"{lead.name} has invited you to volunteer with {org.name}",
        inviter=lead,
        org=org,
        days=days,
        link=site_url("volunteering.invitation", token=token),
    )
    return invitation


def find_invitation(token: str) -> VolunteerInvitation | None:
    return db.session.scalar(
        select(VolunteerInvitation).where(VolunteerInvitation.token_hash == _token_hash(token))
    )


def open_invitations(org: Organisation, now: datetime | None = None) -> list[VolunteerInvitation]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(VolunteerInvitation)
            .where(
                VolunteerInvitation.organisation_id == org.id,
                VolunteerInvitation.accepted_at.is_(None),
                VolunteerInvitation.expires_at > now,
            )
            .order_by(VolunteerInvitation.created_at)
        )
    )


def accept_invitation(invitation: VolunteerInvitation, user: User) -> Volunteer:
    """The invited person joins as a volunteer: a volunteer role, not a membership."""
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
    volunteer = volunteer_of(org, user)
    now = utcnow()
    if volunteer is None:
        volunteer = Volunteer(organisation=org, user=user, status=VolunteerStatus.ACTIVE)
        db.session.add(volunteer)
    elif volunteer.status is not VolunteerStatus.ACTIVE:
        volunteer.status = next_volunteer_status(volunteer.status, VolunteerAction.JOIN)
        volunteer.left_at = None
        volunteer.removed_by_id = None
    volunteer.invited_by_id = invitation.invited_by_id
    volunteer.joined_at = now
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    db.session.flush()
    return volunteer


def volunteers_of(org: Organisation) -> list[Volunteer]:
    """The company's volunteers, those still with it first, by name."""
    found = db.session.scalars(
        select(Volunteer)
        .join(User, User.id == Volunteer.user_id)
        .where(Volunteer.organisation_id == org.id)
        .options(joinedload(Volunteer.user))
        .order_by(Volunteer.status, User.name, Volunteer.id)
    )
    return list(found)


def active_volunteers(org: Organisation) -> list[Volunteer]:
    return [v for v in volunteers_of(org) if v.is_active]


def remove(volunteer: Volunteer, lead: User) -> list[Place]:
    """The lead removes a volunteer who left the company: status "left", their rows
    stay; the places they held on matches still to be delivered are freed."""
    volunteer.status = next_volunteer_status(volunteer.status, VolunteerAction.LEAVE)
    volunteer.left_at = utcnow()
    volunteer.removed_by_id = lead.id
    freed = list(
        db.session.scalars(
            select(Place)
            .join(Match, Match.id == Place.match_id)
            .where(Place.volunteer_id == volunteer.id, Match.status.in_(LIVE_STATUSES))
        )
    )
    for place in freed:
        move(place, PlaceAction.WITHDRAW, lead, f"{volunteer.user.name} left the company")
    notify(
        [volunteer.user],
        f"{lead.name} removed you from {volunteer.organisation.name}'s volunteers",
        "/volunteering",
    )
    db.session.flush()
    return freed


def leave_everywhere(user: User) -> list[Place]:
    """A volunteer deleted their account: they leave every company they volunteer for,
    and the places they held on matches still to be delivered are freed (their
    confirmed past places stay, under the neutral name the account now has); their
    hour logs stay counted, without a link to them."""
    freed: list[Place] = []
    for volunteer in db.session.scalars(
        select(Volunteer).where(
            Volunteer.user_id == user.id, Volunteer.status == VolunteerStatus.ACTIVE
        )
    ):
        volunteer.status = next_volunteer_status(volunteer.status, VolunteerAction.LEAVE)
        volunteer.left_at = utcnow()
        places = db.session.scalars(
            select(Place)
            .join(Match, Match.id == Place.match_id)
            .where(Place.volunteer_id == volunteer.id, Match.status.in_(LIVE_STATUSES))
        ).all()
        for place in places:
            move(place, PlaceAction.WITHDRAW, user, "The volunteer is no longer available")
        freed.extend(places)
    # Their hours stay in the companies' figures and reports, without a name: the logs
    # keep their match and company and lose the link to the person.
    db.session.execute(
        update(HourLog)
        .where(HourLog.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id)))
        .values(volunteer_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return freed
