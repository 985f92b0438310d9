"""Organisations: registration, the team's verification, membership and invitations."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from brokerage import history
from brokerage.accounts.models import User
from brokerage.accounts.services import normalise_email
from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, NotAllowed
from brokerage.exports import joined, stream
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Invitation,
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
    Ward,
    next_status,
    organisation_beneficiary_group,
    organisation_ward,
)
from brokerage.taxonomy import offered
from brokerage.text_search import containing, contains

# ---------------------------------------------------------------------------
# Shapes of registration numbers and postcodes

# Companies House prefixes followed by six digits (R is followed by seven).
COMPANIES_HOUSE_PREFIXES = frozenset(
    [
        "AC",
        "BR",
        "CE",
        "CS",
        "FC",
        "FE",
        "GE",
        "GN",
        "GS",
        "IC",
        "IP",
        "LP",
        "NA",
        "NC",
        "NF",
        "NI",
        "NL",
        "NO",
        "NP",
        "NR",
        "NV",
        "NZ",
        "OC",
        "PC",
        "RC",
        "RS",
        "SA",
        "SC",
        "SE",
        "SF",
        "SG",
        "SI",
        "SL",
        "SO",
        "SP",
        "SR",
        "SZ",
        "ZC",
    ]
)

REGISTRATION_HINTS = {
    RegistrationScheme.CHARITY_EW: "6 or 7 digits, like 1234567",
    RegistrationScheme.CHARITY_SC: "SC followed by 6 digits, like SC012345",
    RegistrationScheme.CHARITY_NI: "NIC followed by 6 digits, like NIC101234, or 6 digits from "
    "100000",
    RegistrationScheme.COMPANIES_HOUSE: "8 characters, like 01234567 or SC123456",
}


def normalise_registration_number(scheme: RegistrationScheme, raw: str | None) -> str | None:
    """The number in its stored form, or a DomainError saying what shape it should have."""
    value = re.sub(r"[\s\-.]", "", raw or "").upper()
    if scheme is RegistrationScheme.NONE:
        if value:
            raise DomainError("Remove the registration number, or choose who it is registered with")
        return None
    if not value:
        raise DomainError(f"Enter the registration number: {REGISTRATION_HINTS[scheme]}")
    ok = False
    if not value.isascii():
        pass  # \d and str.isdigit() also match other scripts' digits, which no register uses
    elif scheme is RegistrationScheme.CHARITY_EW:
        ok = re.fullmatch(r"\d{6,7}", value) is not None
    elif scheme is RegistrationScheme.CHARITY_SC:
        ok = re.fullmatch(r"SC0\d{5}", value) is not None
    elif scheme is RegistrationScheme.CHARITY_NI:
        ok = re.fullmatch(r"NIC\d{6}|[1-9]\d{5}", value) is not None
    elif scheme is RegistrationScheme.COMPANIES_HOUSE:
        if value.isdigit() and len(value) <= 8:
            value = value.zfill(8)  # people often drop the leading zeros
            ok = True
        elif re.fullmatch(r"R\d{7}", value):
            ok = True
        else:
            ok = (
                re.fullmatch(r"[A-Z]{2}\d{6}", value) is not None
                and value[:2] in COMPANIES_HOUSE_PREFIXES
            )
    if not ok:
        raise DomainError(
            f"Enter a {scheme.label} number in the right format: {REGISTRATION_HINTS[scheme]}"
        )
    return value


_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?|GIR) ?(\d[A-Z]{2})", re.ASCII)


def normalise_postcode(raw: str | None) -> str:
    value = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.fullmatch(value)
    if not match:
        raise DomainError("Enter a real postcode, like LS1 1UR")
    return f"{match.group(1)} {match.group(2)}"


# A scheme is letters then a colon; "example.org:8080" is a host and port, not a scheme.
_SCHEME = re.compile(r"([a-z][a-z0-9+.-]*):(?!\d)", re.IGNORECASE)
_WEB_ADDRESS = re.compile(
    r"https?://[^\s/?#:@]+\.[^\s/?#:@.]+(?::\d{1,5})?(?:[/?#]\S*)?", re.IGNORECASE
)
WEBSITE_MAX_LENGTH = 300


def normalise_website(raw: str | None) -> str | None:
    """A website as people type it ("example.org") kept as a link that works
    ("https://example.org"). Only web addresses: a javascript: or data: link on an
    organisation's page would run or show whatever its author chose."""
    value = (raw or "").strip()
    if not value:
        return None
    scheme = _SCHEME.match(value)
    if scheme is None:
        value = "https://" + value.lstrip("/")
    elif scheme.group(1).lower() not in {"http", "https"}:
        raise DomainError(
            "Enter a website address starting with https://, like https://www.example.org"
        )
    if len(value) > WEBSITE_MAX_LENGTH:
        raise DomainError("Website must be 300 characters or fewer")
    if not _WEB_ADDRESS.fullmatch(value):
        raise DomainError("Enter a website address in the correct format, like www.example.org")
    return value


# ---------------------------------------------------------------------------
# Reference data


def all_wards() -> list[Ward]:
    return offered(Ward)


def all_beneficiary_groups() -> list[BeneficiaryGroup]:
    return offered(BeneficiaryGroup)


# ---------------------------------------------------------------------------
# Registration and editing


@dataclass
class OrganisationDetails:
    """What an owner says about their organisation, as plain values."""

    org_type: OrganisationType
    name: str
    registration_scheme: RegistrationScheme
    registration_number: str | None
    address_line_1: str
    town: str
    postcode: str
    description: str
    address_line_2: str | None = None
    website: str | None = None
    ward_ids: list[int] = field(default_factory=list)
    beneficiary_group_ids: list[int] = field(default_factory=list)


# Fields the team verified: an owner cannot change them once the organisation is verified.
VERIFIED_FIELDS = ("name", "org_type", "registration_scheme", "registration_number")


def _record(
    org: Organisation,
    actor: User | None,
    action: OrganisationAction,
    from_status: OrganisationStatus | None,
    reason: str | None = None,
) -> OrganisationEvent:
    return history.record(
        OrganisationEvent(
            organisation=org,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=org.status,
            reason=reason,
        )
    )


def _apply_details(org: Organisation, details: OrganisationDetails, *, locked: bool) -> None:
    number = normalise_registration_number(details.registration_scheme, details.registration_number)
    wards = _load_all(Ward, details.ward_ids, "Choose the wards you serve, or Leeds-wide")
    groups = _load_all(
        BeneficiaryGroup, details.beneficiary_group_ids, "Choose who your work is for"
    )
    if any(w.is_citywide for w in wards) and len(wards) > 1:
        raise DomainError("Choose Leeds-wide or particular wards, not both")
    if not locked:
        if details.org_type.kind is not org.kind:
            raise DomainError(f"Choose a type of {org.kind.label.lower()}")
        org.org_type = details.org_type
        org.name = details.name.strip()
        org.registration_scheme = details.registration_scheme
        org.registration_number = number
    org.address_line_1 = details.address_line_1.strip()
    org.address_line_2 = (details.address_line_2 or "").strip() or None
    org.town = details.town.strip()
    org.postcode = normalise_postcode(details.postcode)
    org.description = details.description.strip()
    org.website = normalise_website(details.website)
    org.wards = wards
    org.beneficiary_groups = groups


def _load_all(model, ids: list[int], empty_message: str):
    ids = sorted(set(ids))
    if not ids:
        raise DomainError(empty_message)
    rows = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    if len(rows) != len(ids):
        raise DomainError(empty_message)
    return rows


def create_organisation(
    owner: User, kind: OrganisationKind, details: OrganisationDetails
) -> Organisation:
    if not owner.is_verified:
        raise NotAllowed("Confirm your email address before you register an organisation")
    org = Organisation(kind=kind, status=OrganisationStatus.PENDING, submitted_at=utcnow())
    _apply_details(org, details, locked=False)
    db.session.add(org)
    db.session.add(
        Membership(
            organisation=org,
            user=owner,
            role=MembershipRole.OWNER,
            status=MembershipStatus.ACTIVE,
            decided_at=utcnow(),
        )
    )
    db.session.flush()
    _record(org, owner, OrganisationAction.CREATE, None)
    queue_email(
        owner.email,
        "organisation_received",
        f"We have received {org.name}'s registration",
        user=owner,
        org=org,
        link=site_url("organisations.show", org_id=org.id),
    )
    db.session.flush()
    return org


def update_organisation(org: Organisation, actor: User, details: OrganisationDetails) -> None:
    if org.status is OrganisationStatus.REJECTED:
        raise NotAllowed("This organisation was not approved, so it cannot be changed")
    _apply_details(org, details, locked=org.status is OrganisationStatus.APPROVED)
    db.session.flush()


def resubmit_organisation(org: Organisation, actor: User) -> None:
    """The owner has answered the team's question: back into the queue."""
    before = org.status
    org.status = next_status(before, OrganisationAction.RESUBMIT)
    org.submitted_at = utcnow()
    _record(org, actor, OrganisationAction.RESUBMIT, before)
    db.session.flush()


DECISION_EMAILS = {
    OrganisationAction.APPROVE: ("organisation_approved", "{name} is verified"),
    OrganisationAction.REJECT: ("organisation_rejected", "{name} was not approved"),
    OrganisationAction.REQUEST_INFO: (
        "organisation_info_requested",
        "We need more information about {name}",
    ),
}


def decide_organisation(
    org: Organisation, team_member: User, action: OrganisationAction, reason: str | None
) -> None:
    """The team approves, rejects (with a reason) or asks a question (with the question)."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team can verify organisations")
    if action not in DECISION_EMAILS:
        raise DomainError("Choose approve, ask for more information, or reject")
    reason = (reason or "").strip() or None
    if action is not OrganisationAction.APPROVE and not reason:
        raise DomainError(
            "Enter the reason for rejecting"
            if action is OrganisationAction.REJECT
            else "Enter what you need to know"
        )
    before = org.status
    org.status = next_status(before, action)
    org.decided_at = utcnow()
    org.status_message = reason
    _record(org, team_member, action, before, reason)
    template, subject = DECISION_EMAILS[action]
    link = site_url("organisations.show", org_id=org.id)
    for owner in org.owners:
        queue_email(
            owner.email,
            template,
            subject.format(name=org.name),
            user=owner,
            org=org,
            reason=reason,
            link=link,
        )
    db.session.flush()


def verification_queue() -> list[Organisation]:
    """Organisations waiting for the team, the longest-waiting first."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.status == OrganisationStatus.PENDING)
            .order_by(Organisation.submitted_at, Organisation.id)
            .options(selectinload(Organisation.wards))
        )
    )


def organisations_by_status(status: OrganisationStatus | None) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.name)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    return list(db.session.scalars(stmt))


ORGANISATION_COLUMNS = [
    "Organisation ID",
    "Name",
    "Kind",
    "Type",
    "Status",
    "Registered with",
    "Registration number",
    "Address line 1",
    "Address line 2",
    "Town",
    "Postcode",
    "Wards",
    "Helps",
    "Website",
    "Owners",
    "Owners' emails",
    "Members",
    "Registered (UK time)",
    "Sent for verification (UK time)",
    "Decided (UK time)",
]


def organisation_rows(status: OrganisationStatus | None) -> Iterator[list]:
    """Every organisation (of `status`, if given) in the team's list order, as CSV rows:
    one query, whatever their number."""
    owners = (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == Organisation.id,
            Membership.role == MembershipRole.OWNER,
            Membership.status == MembershipStatus.ACTIVE,
        )
    )
    ward_links, group_links = organisation_ward.c, organisation_beneficiary_group.c
    statement = select(
        Organisation.id,
        Organisation.name,
        Organisation.kind,
        Organisation.org_type,
        Organisation.status,
        Organisation.registration_scheme,
        Organisation.registration_number,
        Organisation.address_line_1,
        Organisation.address_line_2,
        Organisation.town,
        Organisation.postcode,
        joined(
            select(Ward.name)
            .join(organisation_ward, ward_links.ward_id == Ward.id)
            .where(ward_links.organisation_id == Organisation.id),
            Ward.position,
            Organisation,
        ),
        joined(
            select(BeneficiaryGroup.name)
            .join(
                organisation_beneficiary_group,
                group_links.beneficiary_group_id == BeneficiaryGroup.id,
            )
            .where(group_links.organisation_id == Organisation.id),
            BeneficiaryGroup.position,
            Organisation,
        ),
        Organisation.website,
        joined(owners.with_only_columns(User.name), Membership.id, Organisation, "; "),
        joined(owners.with_only_columns(User.email), Membership.id, Organisation, "; "),
        select(func.count(Membership.id))
        .where(
            Membership.organisation_id == Organisation.id,
            Membership.status == MembershipStatus.ACTIVE,
        )
        .scalar_subquery(),
        Organisation.created_at,
        Organisation.submitted_at,
        Organisation.decided_at,
    ).order_by(Organisation.name, Organisation.id)
    if status is not None:
        statement = statement.where(Organisation.status == status)
    return (list(row) for row in stream(statement))


def status_counts() -> dict[OrganisationStatus, int]:
    rows = db.session.execute(
        select(Organisation.status, func.count()).group_by(Organisation.status)
    ).all()
    counts = dict.fromkeys(OrganisationStatus, 0)
    counts.update({status: n for status, n in rows})
    return counts


def memberships_of(user: User) -> list[Membership]:
    return list(
        db.session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id)
            .where(Membership.status.in_([MembershipStatus.ACTIVE, MembershipStatus.REQUESTED]))
            .options(selectinload(Membership.organisation))
            .order_by(Membership.created_at)
        )
    )


def directory(query: str | None, kind: OrganisationKind | None) -> list[Organisation]:
    """Verified organisations, for people looking for theirs to join."""
    stmt = (
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.APPROVED)
        .order_by(Organisation.name)
        .limit(200)
    )
    if query:
        stmt = stmt.where(contains(Organisation.name, containing(query.strip())))
    if kind is not None:
        stmt = stmt.where(Organisation.kind == kind)
    return list(db.session.scalars(stmt))


# ---------------------------------------------------------------------------
# Membership: asking to join, and invitations


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
