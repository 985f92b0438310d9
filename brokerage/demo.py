"""Demo data for `make run`: fictional organisations and one person for each role.

Idempotent: each record is looked up by a natural key before it is created,
so running it twice changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.accounts.services import find_user_by_email, hash_password
from brokerage.columns import utcnow
from brokerage.extensions import db
from brokerage.organisations import services as organisations
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Organisation,
    OrganisationAction,
    OrganisationKind,
    OrganisationStatus,
    OrganisationType,
    RegistrationScheme,
    Ward,
)

DEMO_PASSWORD = "leeds-demo-password"  # noqa: S105  demo only: seed-demo refuses production

PEOPLE = [
    # (role shown on the console, email, name, team?)
    ("Programme team", "team@example.org", "Priya Shah", True),
    ("Charity member (owner)", "charity@example.org", "Dawn Okafor", False),
    ("Company member (owner)", "company@example.org", "Tom Whitaker", False),
    ("Charity member, waiting for check", "newgroup@example.org", "Sam Lee", False),
]

ORGANISATIONS = [
    {
        "owner": "charity@example.org",
        "kind": OrganisationKind.COMMUNITY,
        "status": OrganisationStatus.APPROVED,
        "details": dict(
            org_type=OrganisationType.CIO,
            name="Harehills Community Tech Hub",
            registration_scheme=RegistrationScheme.CHARITY_EW,
            registration_number="1190421",
            address_line_1="12 Roundhay Road",
            town="Leeds",
            postcode="LS8 5AA",
            description="A drop-in hub where volunteers help local people get online: "
            "setting up phones, using the NHS App, applying for jobs and Universal Credit.",
            website="https://harehills-tech-hub.example.org",
        ),
        "wards": ["gipton-and-harehills", "burmantofts-and-richmond-hill"],
        "groups": ["older-people", "refugees-and-asylum-seekers", "people-on-low-incomes"],
    },
    {
        "owner": "company@example.org",
        "kind": OrganisationKind.COMPANY,
        "status": OrganisationStatus.APPROVED,
        "details": dict(
            org_type=OrganisationType.PRIVATE_LIMITED,
            name="Aire Valley Software Ltd",
            registration_scheme=RegistrationScheme.COMPANIES_HOUSE,
            registration_number="09876543",
            address_line_1="4 Wellington Place",
            town="Leeds",
            postcode="LS1 4AP",
            description="A 120-person software consultancy. Our people volunteer two days a "
            "year and we refresh our laptops every three years.",
            website="https://airevalley.example.com",
        ),
        "wards": ["leeds-wide"],
        "groups": ["young-people", "people-on-low-incomes"],
    },
    {
        "owner": "newgroup@example.org",
        "kind": OrganisationKind.COMMUNITY,
        "status": OrganisationStatus.PENDING,
        "details": dict(
            org_type=OrganisationType.COMMUNITY_GROUP,
            name="Seacroft Silver Surfers",
            registration_scheme=RegistrationScheme.NONE,
            registration_number=None,
            address_line_1="Seacroft Library, The Green",
            town="Leeds",
            postcode="LS14 6JA",
            description="A weekly coffee morning where older residents learn to video call "
            "family, shop online safely and spot scams.",
        ),
        "wards": ["killingbeck-and-seacroft"],
        "groups": ["older-people", "disabled-people"],
    },
]


def _by_slug(model, slugs: list[str]) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.slug.in_(slugs))))


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo people and organisations if missing. Returns (role, email) pairs."""
    users: dict[str, User] = {}
    for _role, email, name, team in PEOPLE:
        user = find_user_by_email(email)
        if user is None:
            user = User(
                email=email,
                name=name,
                password_hash=hash_password(DEMO_PASSWORD),
                is_team=team,
                email_verified_at=utcnow(),
            )
            db.session.add(user)
            db.session.flush()
        users[email] = user
    team_member = users["team@example.org"]

    for spec in ORGANISATIONS:
        name = spec["details"]["name"]
        if db.session.scalar(select(Organisation.id).where(Organisation.name == name)):
            continue
        details = organisations.OrganisationDetails(
            **spec["details"],
            ward_ids=_by_slug(Ward, spec["wards"]),
            beneficiary_group_ids=_by_slug(BeneficiaryGroup, spec["groups"]),
        )
        org = organisations.create_organisation(users[spec["owner"]], spec["kind"], details)
        if spec["status"] is OrganisationStatus.APPROVED:
            organisations.decide_organisation(
                org, team_member, OrganisationAction.APPROVE, "Checked against the register."
            )
    db.session.flush()
    return [(role, email) for role, email, _name, _team in PEOPLE]
