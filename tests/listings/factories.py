"""Factories for needs and offers: valid details for each kind, and committed
listings made through the real services.

    from tests.listings import factories as listings_make

    details = listings_make.need_details(ListingKind.EQUIPMENT, quantity=5)
    item = listings_make.need(kind=ListingKind.SPONSORSHIP)            # published
    draft = listings_make.offer(org, status=ListingStatus.DRAFT, title="Laptops")

`need()` and `offer()` accept any field of NeedDetails / OfferDetails as a
keyword override, plus `author` (default: the organisation's first owner).
With `org=None` a verified organisation of the right kind is made. Every
status can be asked for; the listing is taken there through the services
(submit, moderate, withdraw) or, for the moves the matching work makes
(partly met, met, expired), by `listings.record` with the team member or None.
Changes requested and rejected carry a team comment; every moderation emails
the author and owners, as the real flow does.

Defaults: title "A <kind> need|offer", the Armley ward, older people; a need
closes in 30 days, an offer is available for 60. Volunteering: IT support,
2 volunteers x 6 hours, on site (needs: no regulated activity). Equipment: 10
refurbished laptops (needs: a purpose; offers: NIST wipe with certificates).
Sponsorship: GBP 2,500 as 250_000 pence (needs: what it pays for).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    Condition,
    DeviceType,
    ListingAction,
    ListingKind,
    ListingStatus,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
    WipeMethod,
)
from brokerage.listings.services import NeedDetails, OfferDetails, create_need, create_offer
from brokerage.organisations.models import Organisation, OrganisationKind
from tests import factories

__all__ = ["device", "need", "need_details", "offer", "offer_details", "skill", "team_member"]


def skill(slug: str = "it-support") -> Skill:
    return db.session.scalars(select(Skill).where(Skill.slug == slug)).one()


def device(slug: str = "laptop") -> DeviceType:
    return db.session.scalars(select(DeviceType).where(DeviceType.slug == slug)).one()


def team_member() -> User:
    """A team member already in the database (so one test shares one), or a new one."""
    existing = db.session.scalars(
        select(User).where(User.is_team.is_(True)).order_by(User.id).limit(1)
    ).first()
    return existing or factories.team_member()


def _common(kind: ListingKind, side: str) -> dict:
    values = dict(
        kind=kind,
        title=f"A {kind.value} {side}",
        description=f"A {kind.value} {side} described in enough words.",
        ward_ids=[factories.ward("armley").id],
        beneficiary_group_ids=[factories.group("older-people").id],
    )
    if kind is ListingKind.VOLUNTEERING:
        values.update(
            skill_ids=[skill("it-support").id],
            volunteers=2,
            hours_per_volunteer=6,
            location_mode=LocationMode.ON_SITE,
        )
    elif kind is ListingKind.EQUIPMENT:
        values.update(device_type_id=device("laptop").id, quantity=10)
    else:
        values.update(amount_pence=250_000)
    return values


def need_details(kind: ListingKind = ListingKind.VOLUNTEERING, **overrides) -> NeedDetails:
    """Valid NeedDetails for `kind` (deadline 30 days ahead), with any field overridden."""
    values = _common(kind, "need")
    values["deadline"] = today_in_leeds() + timedelta(days=30)
    if kind is ListingKind.VOLUNTEERING:
        values["safeguarding"] = Safeguarding.NONE
    elif kind is ListingKind.EQUIPMENT:
        values.update(condition=Condition.REFURBISHED, purpose="Loans to older learners")
    else:
        values["pays_for"] = "A year of broadband for the drop-in"
    values.update(overrides)
    return NeedDetails(**values)


def offer_details(kind: ListingKind = ListingKind.VOLUNTEERING, **overrides) -> OfferDetails:
    """Valid OfferDetails for `kind` (available for 60 days), with any field overridden."""
    values = _common(kind, "offer")
    values["available_until"] = today_in_leeds() + timedelta(days=60)
    if kind is ListingKind.EQUIPMENT:
        values.update(
            condition=Condition.REFURBISHED,
            wipe_method=WipeMethod.NIST,
            certificate_per_serial=True,
        )
    values.update(overrides)
    return OfferDetails(**values)


# How to reach each status after "submitted": (team decision, comment) or a recorded move.
_MODERATED = {
    ListingStatus.PUBLISHED: (ListingAction.PUBLISH, None),
    ListingStatus.CHANGES_REQUESTED: (ListingAction.REQUEST_CHANGES, "Please add the hours."),
    ListingStatus.REJECTED: (ListingAction.REJECT, "This is outside the programme."),
}


def _take_to(item: Need | Offer, status: ListingStatus, author: User) -> None:
    if status is ListingStatus.DRAFT or status is ListingStatus.SUBMITTED:
        return
    if status is ListingStatus.WITHDRAWN:
        listings.withdraw(item, author)
        return
    if status is ListingStatus.EXPIRED:
        listings.record(item, ListingAction.EXPIRE, None)
        return
    action, comment = _MODERATED.get(status, _MODERATED[ListingStatus.PUBLISHED])
    listings.moderate(item, team_member(), action, comment)
    if status is ListingStatus.PARTLY_MET:
        listings.record(item, ListingAction.PARTLY_MEET, team_member())
    elif status is ListingStatus.MET:
        listings.record(item, ListingAction.MEET, team_member())


def _post(create, details, org, author, status):
    author = author or org.owners[0]
    item = create(org, author, details, submit=status is not ListingStatus.DRAFT)
    _take_to(item, status, author)
    db.session.commit()
    return item


def need(
    org: Organisation | None = None,
    kind: ListingKind = ListingKind.VOLUNTEERING,
    status: ListingStatus = ListingStatus.PUBLISHED,
    *,
    author: User | None = None,
    **overrides,
) -> Need:
    """A committed need of `kind`, taken to `status` (default published)."""
    org = org or factories.organisation(kind=OrganisationKind.COMMUNITY)
    return _post(create_need, need_details(kind, **overrides), org, author, status)


def offer(
    org: Organisation | None = None,
    kind: ListingKind = ListingKind.VOLUNTEERING,
    status: ListingStatus = ListingStatus.PUBLISHED,
    *,
    author: User | None = None,
    **overrides,
) -> Offer:
    """A committed offer of `kind`, taken to `status` (default published)."""
    org = org or factories.organisation(kind=OrganisationKind.COMPANY)
    return _post(create_offer, offer_details(kind, **overrides), org, author, status)
