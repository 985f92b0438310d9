"""The demo's named volunteers: the demo company has three volunteers, and an agreed
match for regulated activity with children has their places and disclosure checks
(one confirmed, one whose certificate is out of date, one signed up and waiting)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.accounts.services import find_user_by_email
from brokerage.clock import today_in_leeds, utcnow
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    ListingAction,
    ListingKind,
    LocationMode,
    Need,
    Safeguarding,
    Skill,
)
from brokerage.listings.services import NeedDetails, OfferDetails, create_need, create_offer
from brokerage.matches import services as brokering
from brokerage.matches.allocation import Allocation
from brokerage.matches.models import Match
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward
from brokerage.volunteering import checks, places
from brokerage.volunteering.models import CheckLevel, Volunteer, VolunteerStatus

COMPANY, HUB = "Aire Valley Software Ltd", "Harehills Community Tech Hub"
VOLUNTEERS = [
    ("asha@example.org", "Asha Patel"),
    ("ben@example.org", "Ben Hughes"),
    ("chloe@example.org", "Chloe Nowak"),
]
NEED_TITLE = "Digital skills sessions at the children's centre"
OFFER_TITLE = "Volunteers for family digital skills sessions"


def _org(name: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.name == name)).one()


def _ids(model, slugs: list[str]) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.slug.in_(slugs))))


def seed_volunteering(team: User, password: str) -> None:
    """Make the volunteers, the listings and the match if missing (idempotent)."""
    company, hub = _org(COMPANY), _org(HUB)
    people = [_volunteer(company, email, name, password) for email, name in VOLUNTEERS]
    if db.session.scalar(select(Need.id).where(Need.title == NEED_TITLE)):
        return
    match = _agreed_match(hub, company, team)
    places.ensure_places(match)
    first, second, third = places.places_of(match)
    lead, charity = company.owners[0], hub.owners[0]
    places.assign(first, people[0], lead)
    places.assign(second, people[1], lead)
    today = today_in_leeds()
    checks.record_check(first, charity, CheckLevel.ENHANCED_BARRED, today - timedelta(days=200))
    # Older than VOLUNTEER_CHECK_MAX_AGE_DAYS (three years by default): flagged.
    checks.record_check(
        second, charity, CheckLevel.ENHANCED_BARRED, today - timedelta(days=3 * 365 + 40)
    )
    places.confirm(first, charity)
    places.open_places(match, lead)
    places.sign_up(match, people[2])
    db.session.flush()
    assert third.number == 3


def _volunteer(company: Organisation, email: str, name: str, password: str) -> Volunteer:
    user = find_user_by_email(email)
    if user is None:
        user = User(email=email, name=name, password_hash=password, email_verified_at=utcnow())
        db.session.add(user)
        db.session.flush()
    found = db.session.scalar(
        select(Volunteer).where(
            Volunteer.organisation_id == company.id, Volunteer.user_id == user.id
        )
    )
    if found is None:
        found = Volunteer(
            organisation=company,
            user=user,
            status=VolunteerStatus.ACTIVE,
            invited_by_id=company.owners[0].id,
        )
        db.session.add(found)
        db.session.flush()
    return found


def _agreed_match(hub: Organisation, company: Organisation, team: User) -> Match:
    today = today_in_leeds()
    common = dict(
        kind=ListingKind.VOLUNTEERING,
        ward_ids=_ids(Ward, ["gipton-and-harehills"]),
        beneficiary_group_ids=_ids(BeneficiaryGroup, ["young-people"]),
        skill_ids=_ids(Skill, ["digital-skills-teaching-and-digital-champions"]),
        volunteers=3,
        hours_per_volunteer=6,
        location_mode=LocationMode.ON_SITE,
    )
    need = create_need(
        hub,
        hub.owners[0],
        NeedDetails(
            title=NEED_TITLE,
            description="Parents and their children learn to use a tablet safely together, "
            "on Wednesday afternoons at the children's centre.",
            deadline=today + timedelta(days=45),
            safeguarding=Safeguarding.CHILDREN,
            **common,
        ),
        submit=True,
    )
    offer = create_offer(
        company,
        company.owners[0],
        OfferDetails(
            title=OFFER_TITLE,
            description="Three of our developers, trained as digital champions, for "
            "afternoon sessions with families.",
            available_until=today + timedelta(days=90),
            **common,
        ),
        submit=True,
    )
    for item in (need, offer):
        listings.moderate(item, team, ListingAction.PUBLISH, None)
    match = brokering.propose(need, offer, Allocation(3, 6), team, "Families in Harehills.")
    brokering.answer(match, hub.owners[0], accept=True)
    brokering.answer(match, company.owners[0], accept=True)
    return match
