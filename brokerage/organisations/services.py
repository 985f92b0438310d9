"""Organisations: registration, editing and the team's verification, the directory and
the reference data (wards and beneficiary groups)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from brokerage import history
from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import DomainError, NotAllowed
from brokerage.exports import joined, stream
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import (
    BeneficiaryGroup,
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
from brokerage.organisations.registration import (
    normalise_postcode,
    normalise_registration_number,
    normalise_website,
)
from brokerage.pagination import Page, paginate
from brokerage.taxonomy import offered
from brokerage.text_search import containing, contains

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
    notify(org.owners, subject.format(name=org.name), f"/organisations/{org.id}")
    db.session.flush()


# How many the team's verification page lists: those waiting longest (every one is on
# the list of organisations, filtered to those waiting).
VERIFICATION_SHOWN = 50


def verification_queue() -> list[Organisation]:
    """The VERIFICATION_SHOWN organisations waiting longest for the team."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.status == OrganisationStatus.PENDING)
            .order_by(Organisation.submitted_at, Organisation.id)
            .limit(VERIFICATION_SHOWN)
            .options(selectinload(Organisation.wards))
        )
    )


ORGANISATIONS_PER_PAGE = 50


def organisations_by_status(
    status: OrganisationStatus | None, page: int, counts: dict[OrganisationStatus, int]
) -> Page:
    """One page of the organisations of `status` (or all of them), by name; `counts`
    (status_counts, which the page shows anyway) says how many there are."""
    stmt = select(Organisation).order_by(Organisation.name, Organisation.id)
    if status is not None:
        stmt = stmt.where(Organisation.status == status)
    total = counts[status] if status is not None else sum(counts.values())
    return paginate(stmt, total=total, page=page, per_page=ORGANISATIONS_PER_PAGE)


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
