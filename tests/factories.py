"""Factories for tests: each writes committed rows through the real models and services."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.accounts.services import hash_password
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.organisations import services as organisations
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationAction,
    OrganisationKind,
    OrganisationStatus,
    OrganisationType,
    RegistrationScheme,
    Ward,
)
from brokerage.volunteering.models import SessionAttendee, VolunteerSession

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def user(
    name: str | None = None,
    email: str | None = None,
    *,
    verified: bool = True,
    team: bool = False,
    password: str = PASSWORD,
) -> User:
    n = next(_numbers)
    person = User(
        name=name or f"Person {n}",
        email=(email or f"person{n}@example.org").lower(),
        password_hash=hash_password(password),
        email_verified_at=utcnow() if verified else None,
        is_team=team,
    )
    db.session.add(person)
    db.session.commit()
    return person


def team_member(**kwargs) -> User:
    return user(team=True, **kwargs)


def ward(slug: str) -> Ward:
    return db.session.scalars(select(Ward).where(Ward.slug == slug)).one()


def group(slug: str) -> BeneficiaryGroup:
    return db.session.scalars(select(BeneficiaryGroup).where(BeneficiaryGroup.slug == slug)).one()


def details(kind: OrganisationKind = OrganisationKind.COMMUNITY, **overrides):
    """Valid registration details, with any field overridden."""
    values = dict(
        org_type=OrganisationType.REGISTERED_CHARITY
        if kind is OrganisationKind.COMMUNITY
        else OrganisationType.PRIVATE_LIMITED,
        name=f"Organisation {next(_numbers)}",
        registration_scheme=RegistrationScheme.CHARITY_EW
        if kind is OrganisationKind.COMMUNITY
        else RegistrationScheme.COMPANIES_HOUSE,
        registration_number="1234567" if kind is OrganisationKind.COMMUNITY else "01234567",
        address_line_1="1 Park Row",
        town="Leeds",
        postcode="LS1 5AB",
        description="We help people in Leeds get online.",
        ward_ids=[ward("armley").id],
        beneficiary_group_ids=[group("older-people").id],
    )
    values.update(overrides)
    return organisations.OrganisationDetails(**values)


def organisation(
    owner: User | None = None,
    *,
    kind: OrganisationKind = OrganisationKind.COMMUNITY,
    status: OrganisationStatus = OrganisationStatus.APPROVED,
    **overrides,
) -> Organisation:
    """An organisation registered by `owner` (made if not given), then taken to `status`
    by a team member, through the services."""
    owner = owner or user()
    org = organisations.create_organisation(owner, kind, details(kind, **overrides))
    if status is not OrganisationStatus.PENDING:
        decider = team_member()
        action = {
            OrganisationStatus.APPROVED: OrganisationAction.APPROVE,
            OrganisationStatus.REJECTED: OrganisationAction.REJECT,
            OrganisationStatus.INFO_REQUESTED: OrganisationAction.REQUEST_INFO,
        }[status]
        organisations.decide_organisation(org, decider, action, "Because the test says so.")
    db.session.commit()
    return org


def member(org: Organisation, person: User | None = None, role=MembershipRole.MEMBER) -> User:
    person = person or user()
    db.session.add(
        Membership(organisation=org, user=person, role=role, status=MembershipStatus.ACTIVE)
    )
    db.session.commit()
    return person


def make_session(match, volunteers=(), *, starts_in=None, minutes: int = 120):
    """A volunteering session on `match` (two hours, ended a day ago unless `starts_in`
    says when it starts), with `volunteers` on it; committed. The sessions helper's
    services make real ones; hours tests need only the rows."""
    starts = utcnow() + (starts_in if starts_in is not None else timedelta(days=-1))
    session = VolunteerSession(
        match_id=match.id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        remote=True,
        link="https://meet.example.org/session",
    )
    db.session.add(session)
    db.session.flush()
    for volunteer in volunteers:
        db.session.add(SessionAttendee(session_id=session.id, volunteer_id=volunteer.id))
    db.session.commit()
    return session
