"""The demo's sign-ins, one for each role, their organisations, and the needs,
offers and matches that the README's walk-through follows.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.accounts.services import find_user_by_email, hash_password
from brokerage.clock import today_in_leeds, utcnow
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    Condition,
    DeviceType,
    ListingAction,
    ListingKind,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
    WipeMethod,
)
from brokerage.listings.services import NeedDetails, OfferDetails, create_need, create_offer
from brokerage.matches import services as brokering
from brokerage.matches.allocation import Allocation
from brokerage.matches.models import Match
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
    ("Grants panel member (no organisation)", "panel@example.org", "Grace Mensah", False),
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
            registration_number="1990421",
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
            registration_number="99876543",
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


# A year of realistic needs and offers, spread across wards and kinds. Dates are
# relative to the day the demo is loaded so they stay open.
NEEDS = [
    dict(
        org="Harehills Community Tech Hub",
        kind="volunteering",
        title="Digital champions for Saturday drop-ins",
        description="Our Saturday drop-in helps 30 to 40 people a week with phones, the NHS App and Universal Credit journals. We need patient volunteers who can sit with people one to one.",
        skills=["digital-skills-teaching-and-digital-champions", "it-support"],
        volunteers=4,
        hours_per_volunteer=12,
        location_mode="on_site",
        safeguarding="vulnerable_adults",
        wards=["gipton-and-harehills"],
        groups=["older-people", "people-who-speak-little-english"],
        days=60,
        publish=True,
    ),
    dict(
        org="Harehills Community Tech Hub",
        kind="equipment",
        title="Laptops for our job club",
        description="Job seekers book a laptop for an hour to write CVs and apply for work. Ours are ten years old.",
        device="laptop",
        quantity=25,
        condition="refurbished",
        purpose="Job searching, CVs and online applications",
        minimum_spec="8 GB memory, webcam, a working battery",
        wards=["gipton-and-harehills", "burmantofts-and-richmond-hill"],
        groups=["jobseekers", "people-on-low-incomes"],
        days=45,
        publish=True,
    ),
    dict(
        org="Harehills Community Tech Hub",
        kind="sponsorship",
        title="A year of mobile data for our tablet lending scheme",
        description="We lend tablets to older residents for twelve weeks at a time. Most have no broadband at home.",
        amount_pence=240000,
        pays_for="Twelve months of data SIMs for 20 lending tablets",
        wards=["gipton-and-harehills"],
        groups=["older-people"],
        days=90,
        publish=True,
    ),
    dict(
        org="Harehills Community Tech Hub",
        kind="volunteering",
        title="Help moving our bookings to Microsoft 365",
        description="We want to move room bookings and shared files from a single laptop to Microsoft 365 for charities.",
        skills=["cloud-and-microsoft-365-administration"],
        volunteers=1,
        hours_per_volunteer=10,
        location_mode="either",
        safeguarding="none",
        wards=["gipton-and-harehills"],
        groups=["people-on-low-incomes"],
        days=30,
        publish=False,
    ),
]

OFFERS = [
    dict(
        org="Aire Valley Software Ltd",
        kind="volunteering",
        title="IT support volunteers for community drop-ins",
        description="Our service desk team can run drop-in sessions helping people with phones, tablets and online accounts.",
        skills=["it-support", "digital-skills-teaching-and-digital-champions"],
        volunteers=3,
        hours_per_volunteer=8,
        location_mode="on_site",
        wards=["leeds-wide"],
        groups=["older-people", "people-on-low-incomes"],
        days=100,
        publish=True,
    ),
    dict(
        org="Aire Valley Software Ltd",
        kind="volunteering",
        title="Web developers for a charity website sprint",
        description="Two of our developers can give two days each to rebuild or fix a small charity's website.",
        skills=["web-development", "ux-and-accessibility"],
        volunteers=2,
        hours_per_volunteer=14,
        location_mode="remote",
        wards=["leeds-wide"],
        groups=["young-people"],
        days=120,
        publish=True,
    ),
    dict(
        org="Aire Valley Software Ltd",
        kind="equipment",
        title="40 refurbished ThinkPad laptops",
        description="Three-year-old ThinkPad T14s from our refresh, with chargers. Wiped with certified software.",
        device="laptop",
        quantity=40,
        condition="refurbished",
        wipe_method="nist_800_88",
        certificate=True,
        wards=["leeds-wide"],
        groups=["people-on-low-incomes", "jobseekers"],
        days=75,
        publish=True,
    ),
    dict(
        org="Aire Valley Software Ltd",
        kind="sponsorship",
        title="Sponsorship for digital inclusion projects",
        description="Our charity committee has a budget for digital inclusion work in Leeds this year.",
        amount_pence=500000,
        wards=["leeds-wide"],
        groups=["older-people", "young-people"],
        days=150,
        publish=True,
    ),
]


HUB, COMPANY = "Harehills Community Tech Hub", "Aire Valley Software Ltd"


def _by_slug(model, slugs: list[str]) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.slug.in_(slugs))))


def seed_sign_ins() -> list[tuple[str, str]]:
    """Create the demo people, their organisations, needs, offers and matches if
    missing. Returns (role, email) pairs."""
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
    _seed_listings(users, team_member)
    _seed_matches(team_member)
    return [(role, email) for role, email, _name, _team in PEOPLE]


def _seed_listings(users: dict[str, User], team_member: User) -> None:
    today = today_in_leeds()
    for specs, model, create, details_class, closes in (
        (NEEDS, Need, create_need, NeedDetails, "deadline"),
        (OFFERS, Offer, create_offer, OfferDetails, "available_until"),
    ):
        for spec in specs:
            if db.session.scalar(
                select(model.id).where(
                    model.title == spec["title"], model.organisation.has(name=spec["org"])
                )
            ):
                continue
            org = db.session.scalars(
                select(Organisation).where(Organisation.name == spec["org"])
            ).one()
            author = org.owners[0]
            kind = ListingKind(spec["kind"])
            values = dict(
                kind=kind,
                title=spec["title"],
                description=spec["description"],
                ward_ids=_by_slug(Ward, spec["wards"]),
                beneficiary_group_ids=_by_slug(BeneficiaryGroup, spec["groups"]),
                skill_ids=_by_slug(Skill, spec.get("skills", [])),
                volunteers=spec.get("volunteers"),
                hours_per_volunteer=spec.get("hours_per_volunteer"),
                location_mode=LocationMode(spec["location_mode"])
                if "location_mode" in spec
                else None,
                device_type_id=(_by_slug(DeviceType, [spec["device"]]) or [None])[0]
                if "device" in spec
                else None,
                quantity=spec.get("quantity"),
                condition=Condition(spec["condition"]) if "condition" in spec else None,
                amount_pence=spec.get("amount_pence"),
                **{closes: today + timedelta(days=spec["days"])},
            )
            if model is Need:
                values.update(
                    safeguarding=Safeguarding(spec["safeguarding"])
                    if "safeguarding" in spec
                    else None,
                    minimum_spec=spec.get("minimum_spec"),
                    purpose=spec.get("purpose"),
                    pays_for=spec.get("pays_for"),
                )
            else:
                values.update(
                    wipe_method=WipeMethod(spec["wipe_method"]) if "wipe_method" in spec else None,
                    certificate_per_serial=spec.get("certificate"),
                )
            item = create(org, author, details_class(**values), submit=True)
            if spec["publish"]:
                listings.moderate(item, team_member, ListingAction.PUBLISH, None)


# Matches in each state, so every brokering page has something to show:
# (need title, offer title, allocation, how far it has gone).
MATCHES = [
    (
        "Digital champions for Saturday drop-ins",
        "IT support volunteers for community drop-ins",
        dict(volunteers=2, hours_per_volunteer=8),
        "completed",
    ),
    ("Laptops for our job club", "40 refurbished ThinkPad laptops", dict(quantity=15), "agreed"),
    (
        "A year of mobile data for our tablet lending scheme",
        "Sponsorship for digital inclusion projects",
        dict(amount_pence=120_000),
        "half-accepted",
    ),
]


def _seed_matches(team_member: User) -> None:
    for need_title, offer_title, allocation, stage in MATCHES:
        # The generated programme has needs and offers of the same titles: look these
        # up in the sign-ins' own organisations.
        need = db.session.scalars(
            select(Need).where(Need.title == need_title, Need.organisation.has(name=HUB))
        ).one()
        offer = db.session.scalars(
            select(Offer).where(Offer.title == offer_title, Offer.organisation.has(name=COMPANY))
        ).one()
        if db.session.scalar(
            select(Match.id).where(Match.need_id == need.id, Match.offer_id == offer.id)
        ):
            continue
        match = brokering.propose(
            need,
            offer,
            Allocation(**allocation),
            team_member,
            "You both work with older people in east Leeds: a good fit.",
        )
        charity, company = need.organisation.owners[0], offer.organisation.owners[0]
        brokering.answer(match, charity, accept=True)
        if stage == "half-accepted":
            continue
        brokering.answer(match, company, accept=True)
        brokering.post_message(match, company, "We can bring them to you on a weekday morning.")
        brokering.post_message(match, charity, "Tuesday mornings suit us best. Thank you!")
        brokering.add_note(match, team_member, "Both keen. Check in after the first session.")
        if stage == "completed":
            brokering.start(match, company)
            brokering.complete(match, charity, brokering.Delivery(hours=16, people_reached=38))
            brokering.leave_feedback(
                match,
                charity,
                5,
                "Patient, friendly volunteers. People asked when they are back.",
                quote_allowed=True,
            )
            brokering.leave_feedback(match, company, 4, "Well organised. Parking was tricky.")
