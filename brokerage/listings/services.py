"""The one lifecycle and moderation flow of needs and offers, and the rules for their details.

Every function takes a Need or an Offer: the rules are written once here, and
create_need/update_need and create_offer/update_offer only add what is
particular to their side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from brokerage import history
from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds, utcnow
from brokerage.errors import DomainError, NotAllowed
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.listings.models import (
    LISTING_TRANSITIONS,
    Condition,
    DeviceType,
    ListingAction,
    ListingEvent,
    ListingKind,
    ListingSide,
    ListingStatus,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
    WipeMethod,
    next_listing_status,
)
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Ward,
)
from brokerage.pagination import total_beyond

Listing = Need | Offer

# Statuses the poster can send for review from.
SUBMITTABLE = frozenset({s for (s, a) in LISTING_TRANSITIONS if a is ListingAction.SUBMIT})

# Statuses a listing can expire from: whatever is still live.
EXPIRABLE = sorted({s for (s, a) in LISTING_TRANSITIONS if a is ListingAction.EXPIRE})

# Sanity limits: big enough for any real request, small enough to catch a typo.
MAX_VOLUNTEERS = 500
MAX_HOURS = 2000
MAX_QUANTITY = 10_000
MAX_AMOUNT_PENCE = 10_000_000 * 100


@dataclass
class ListingDetails:
    """What a poster says, as plain values. Fields that do not belong to the
    kind are ignored (and cleared on the listing)."""

    kind: ListingKind
    title: str
    description: str
    ward_ids: list[int] = field(default_factory=list)
    beneficiary_group_ids: list[int] = field(default_factory=list)
    skill_ids: list[int] = field(default_factory=list)
    volunteers: int | None = None
    hours_per_volunteer: int | None = None
    location_mode: LocationMode | None = None
    device_type_id: int | None = None
    quantity: int | None = None
    condition: Condition | None = None
    amount_pence: int | None = None


@dataclass
class NeedDetails(ListingDetails):
    deadline: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    safeguarding: Safeguarding | None = None
    minimum_spec: str | None = None
    purpose: str | None = None
    pays_for: str | None = None


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _apply_need(need: Need, details: NeedDetails) -> None:
    apply_details(need, details)
    if details.deadline is None:
        raise DomainError("Enter the date you need it by")
    need.deadline = details.deadline
    need.starts_on = need.ends_on = need.safeguarding = None
    need.minimum_spec = need.purpose = need.pays_for = None
    if details.kind is ListingKind.VOLUNTEERING:
        if details.starts_on and details.ends_on and details.ends_on < details.starts_on:
            raise DomainError("The end date must be on or after the start date")
        if details.starts_on and details.starts_on > details.deadline:
            raise DomainError("The start date must be on or before the date it is needed by")
        if details.safeguarding is None:
            raise DomainError("Say whether the work involves regulated activity")
        need.starts_on, need.ends_on = details.starts_on, details.ends_on
        need.safeguarding = details.safeguarding
    elif details.kind is ListingKind.EQUIPMENT:
        need.purpose = _text(details.purpose)
        if need.purpose is None:
            raise DomainError("Say what the equipment is for")
        need.minimum_spec = _text(details.minimum_spec)
    elif details.kind is ListingKind.SPONSORSHIP:
        need.pays_for = _text(details.pays_for)
        if need.pays_for is None:
            raise DomainError("Say what the money will pay for")


def create_need(org: Organisation, author: User, details: NeedDetails, *, submit: bool) -> Need:
    """A member of a verified community organisation drafts (and may submit) a need."""
    if org.kind is not OrganisationKind.COMMUNITY:
        raise NotAllowed("Only community organisations post needs")
    need = Need(organisation=org, created_by=author, status=ListingStatus.DRAFT)
    return _create(need, author, _apply_need, details, wants_review=submit)


def update_need(need: Need, author: User, details: NeedDetails, *, submit: bool) -> None:
    """Change a need. A published one goes back to review; a draft may be sent."""
    _update(need, author, _apply_need, details, wants_review=submit)


@dataclass
class OfferDetails(ListingDetails):
    available_from: date | None = None
    available_until: date | None = None
    wipe_method: WipeMethod | None = None
    certificate_per_serial: bool | None = None


def _apply_offer(offer: Offer, details: OfferDetails) -> None:
    apply_details(offer, details)
    if details.available_until is None:
        raise DomainError("Enter the date the offer is available until")
    if details.available_from and details.available_from > details.available_until:
        raise DomainError("The start of the window must be on or before its end")
    offer.available_from = details.available_from
    offer.available_until = details.available_until
    offer.wipe_method = offer.certificate_per_serial = None
    if details.kind is ListingKind.EQUIPMENT:
        # New devices hold no one's data; anything used must say how it was wiped.
        if details.condition is not Condition.NEW and details.wipe_method is None:
            raise DomainError("Say how data is wiped from the devices")
        offer.wipe_method = details.wipe_method
        offer.certificate_per_serial = bool(details.certificate_per_serial)


def create_offer(org: Organisation, author: User, details: OfferDetails, *, submit: bool) -> Offer:
    """A member of a verified company drafts (and may submit) an offer."""
    if org.kind is not OrganisationKind.COMPANY:
        raise NotAllowed("Only companies post offers")
    offer = Offer(organisation=org, created_by=author, status=ListingStatus.DRAFT)
    return _create(offer, author, _apply_offer, details, wants_review=submit)


def update_offer(offer: Offer, author: User, details: OfferDetails, *, submit: bool) -> None:
    _update(offer, author, _apply_offer, details, wants_review=submit)


def _create(listing: Listing, author: User, apply, details, *, wants_review: bool) -> Listing:
    check_poster(listing, author)
    apply(listing, details)
    db.session.add(listing)
    record(listing, ListingAction.CREATE, author)
    db.session.flush()
    if wants_review:
        submit(listing, author)
    return listing


def _update(listing: Listing, author: User, apply, details, *, wants_review: bool) -> None:
    edit_outcome(listing)
    with db.session.no_autoflush:
        apply(listing, details)
    after_edit(listing, author)
    if wants_review and listing.status in SUBMITTABLE:
        submit(listing, author)


def _rows(model, ids: list[int], message: str, *, required: bool = True) -> list:
    ids = sorted(set(ids))
    if not ids:
        if required:
            raise DomainError(message)
        return []
    rows = list(db.session.scalars(select(model).where(model.id.in_(ids))))
    if len(rows) != len(ids):
        raise DomainError(message)
    return rows


def _whole(value: int | None, what: str, low: int, high: int) -> int:
    if value is None:
        raise DomainError(f"Enter {what}")
    if value < low:
        raise DomainError(f"{what[0].upper()}{what[1:]} must be {low} or more")
    if value > high:
        raise DomainError(f"{what[0].upper()}{what[1:]} must be {high:,} or fewer")
    return value


def apply_details(listing: Listing, details: ListingDetails) -> None:
    """Check and copy the details every listing has; clear what does not fit its kind."""
    title = details.title.strip()
    if not title:
        raise DomainError("Enter a title")
    if not details.description.strip():
        raise DomainError(
            "Describe what is needed"
            if listing.side is ListingSide.NEED
            else "Describe what you can give"
        )
    wards = _rows(Ward, details.ward_ids, "Choose Leeds-wide or the wards")
    if any(w.is_citywide for w in wards) and len(wards) > 1:
        raise DomainError("Choose Leeds-wide or particular wards, not both")
    groups = _rows(BeneficiaryGroup, details.beneficiary_group_ids, "Choose who it will help")

    listing.kind = details.kind
    listing.title = title
    listing.description = details.description.strip()
    listing.wards = wards
    listing.beneficiary_groups = groups
    listing.skills = []
    listing.volunteers = listing.hours_per_volunteer = listing.location_mode = None
    listing.device_type = None
    listing.quantity = listing.condition = listing.amount_pence = None

    if details.kind is ListingKind.VOLUNTEERING:
        listing.skills = _rows(Skill, details.skill_ids, "Choose the skills")
        listing.volunteers = _whole(
            details.volunteers, "the number of volunteers", 1, MAX_VOLUNTEERS
        )
        listing.hours_per_volunteer = _whole(
            details.hours_per_volunteer, "the hours for each volunteer", 1, MAX_HOURS
        )
        if details.location_mode is None:
            raise DomainError("Choose on site, remote or either")
        listing.location_mode = details.location_mode
    elif details.kind is ListingKind.EQUIPMENT:
        device = db.session.get(DeviceType, details.device_type_id or 0)
        if device is None:
            raise DomainError("Choose the type of device")
        listing.device_type = device
        listing.quantity = _whole(details.quantity, "how many", 1, MAX_QUANTITY)
        if details.condition is None:
            raise DomainError("Choose the condition")
        listing.condition = details.condition
    elif details.kind is ListingKind.SPONSORSHIP:
        amount = details.amount_pence
        if amount is None:
            raise DomainError("Enter the amount")
        if amount < 100:
            raise DomainError("The amount must be £1 or more")
        if amount > MAX_AMOUNT_PENCE:
            raise DomainError(f"The amount must be £{MAX_AMOUNT_PENCE // 100:,} or less")
        listing.amount_pence = amount
    _keep_what_is_held(listing)


def _keep_what_is_held(listing: Listing) -> None:
    """An edit cannot take away what matches already hold (proposed or agreed)."""
    held = {
        "volunteers": (listing.held_volunteers, listing.volunteers),
        "hours in all": (listing.held_hours, listing.total_hours),
        "devices": (listing.held_quantity, listing.quantity),
        "pence": (listing.held_pence, listing.amount_pence),
    }
    for what, (taken, whole) in held.items():
        if taken and (whole or 0) < taken:
            if whole is None:
                raise DomainError("Matches already hold part of it: its kind cannot change")
            amount = f"£{taken / 100:,.2f}" if what == "pence" else f"{taken} {what}"
            raise DomainError(f"Matches already hold {amount}: it cannot be less than that")


def check_poster(listing: Listing, user: User) -> None:
    """Only members of a verified organisation of the right kind post."""
    org = listing.organisation
    if org.status is not OrganisationStatus.APPROVED:
        raise NotAllowed(f"{org.name} must be verified by the programme team first")
    if not any(m.user_id == user.id for m in org.active_memberships):
        raise NotAllowed(f"Only members of {org.name} post for it")


def record(
    listing: Listing,
    action: ListingAction,
    actor: User | None,
    comment: str | None = None,
    now: datetime | None = None,
) -> ListingEvent:
    """Move the listing by `action` (or refuse) and write the history line."""
    before = listing.status if action is not ListingAction.CREATE else None
    if action is not ListingAction.CREATE:
        listing.status = next_listing_status(listing.status, action)
    now = now or utcnow()
    if listing.status is ListingStatus.SUBMITTED:
        listing.submitted_at = now
    if action is ListingAction.PUBLISH:
        listing.published_at = now
    event = ListingEvent(
        action=action,
        actor=actor,
        from_status=before,
        to_status=listing.status,
        comment=comment,
    )
    listing.events.append(event)
    return history.record(event, at=now)


def submit(listing: Listing, actor: User) -> None:
    """Send a draft (or a listing the team asked to change) for review."""
    if listing.closes_on < today_in_leeds():
        raise DomainError("The closing date has passed: change it before you send it for review")
    record(listing, ListingAction.SUBMIT, actor)
    listing.review_comment = None
    db.session.flush()


def withdraw(listing: Listing, actor: User) -> None:
    record(listing, ListingAction.WITHDRAW, actor)
    db.session.flush()


# What may be edited, and what an edit does to the status.
EDITABLE = {
    ListingStatus.DRAFT: None,
    ListingStatus.CHANGES_REQUESTED: None,
    ListingStatus.SUBMITTED: None,
    # Nobody changes a published item's substance without it going back to review.
    ListingStatus.PUBLISHED: ListingAction.EDIT_PUBLISHED,
    ListingStatus.PARTLY_MET: ListingAction.EDIT_PUBLISHED,
}


def edit_outcome(listing: Listing) -> ListingAction | None:
    if listing.status not in EDITABLE:
        raise NotAllowed(f"Something that is '{listing.status.label.lower()}' cannot be changed")
    return EDITABLE[listing.status]


def after_edit(listing: Listing, actor: User) -> None:
    action = edit_outcome(listing)
    if action is not None:
        record(listing, action, actor)
    db.session.flush()


MODERATION = {
    ListingAction.PUBLISH: ("listing_published", "{title} is published"),
    ListingAction.REQUEST_CHANGES: ("listing_changes_requested", "Please change {title}"),
    ListingAction.REJECT: ("listing_rejected", "{title} was not accepted"),
}


def moderate(
    listing: Listing, team_member: User, action: ListingAction, comment: str | None
) -> None:
    """The team publishes, asks for changes (with a comment) or rejects (with a reason)."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team reviews needs and offers")
    if action not in MODERATION:
        raise DomainError("Choose publish, ask for changes, or reject")
    comment = (comment or "").strip() or None
    if action is ListingAction.REQUEST_CHANGES and not comment:
        raise DomainError("Enter what needs to change")
    if action is ListingAction.REJECT and not comment:
        raise DomainError("Enter the reason for not accepting it")
    if action is ListingAction.PUBLISH and listing.closes_on < today_in_leeds():
        raise DomainError("Its closing date has passed: ask for changes instead")
    record(listing, action, team_member, comment)
    listing.review_comment = comment
    template, subject = MODERATION[action]
    link = site_url(f"{listing.side.value}s.show", item_id=listing.id)
    people = _people_to_tell(listing)
    for person in people:
        queue_email(
            person.email,
            template,
            subject.format(title=listing.title),
            user=person,
            listing=listing,
            comment=comment,
            link=link,
        )
    # In the site too, with the same words as the email's subject.
    notify(people, subject.format(title=listing.title), f"/{listing.side.value}s/{listing.id}")
    db.session.flush()


def _people_to_tell(listing: Listing) -> list[User]:
    people = {listing.created_by.id: listing.created_by}
    for owner in listing.organisation.owners:
        people.setdefault(owner.id, owner)
    return list(people.values())


# How many the team's review page lists: those waiting longest (the next come up as
# these are reviewed).
REVIEW_SHOWN = 50


def review_queue() -> list[Listing]:
    """The REVIEW_SHOWN needs and offers waiting longest for the team, each with its
    organisation (the queue names it: read one by one, that was a statement each)."""
    waiting: list[Listing] = []
    for model in (Need, Offer):
        waiting.extend(
            db.session.scalars(
                select(model)
                .where(model.status == ListingStatus.SUBMITTED)
                .order_by(model.submitted_at, model.id)
                .limit(REVIEW_SHOWN)
                .options(joinedload(model.organisation))
            )
        )
    ordered = sorted(waiting, key=lambda item: (item.submitted_at, item.side.value, item.id))
    return ordered[:REVIEW_SHOWN]


def waiting_for_review(shown: list[Listing]) -> int:
    """How many needs and offers wait for review in all: counted (one statement) only
    when `shown`, the review queue, is cut short."""
    submitted = [
        select(func.count(model.id)).where(model.status == ListingStatus.SUBMITTED)
        for model in (Need, Offer)
    ]
    both = select(submitted[0].scalar_subquery() + submitted[1].scalar_subquery())
    return total_beyond(shown, REVIEW_SHOWN, both)


def expire_overdue(now: datetime | None = None) -> int:
    """Expire every live listing whose closing date has passed. Returns how many."""
    today = today_in_leeds(now)
    count = 0
    for model in (Need, Offer):
        overdue = db.session.scalars(
            select(model).where(
                model.closes_on_column() < today,
                model.status.in_(EXPIRABLE),
            )
        )
        for listing in overdue:
            record(listing, ListingAction.EXPIRE, None, now=now)
            count += 1
    db.session.flush()
    return count


def listings_of(model, org) -> list[Listing]:
    """Everything an organisation has posted on one side, most recently changed first."""
    return list(
        db.session.scalars(
            select(model)
            .where(model.organisation_id == org.id)
            .order_by(model.updated_at.desc(), model.id.desc())
            .limit(500)
        )
    )


# The team's vocabularies: skills, device types and beneficiary groups are data.
VOCABULARIES = {"skills": Skill, "devices": DeviceType, "groups": BeneficiaryGroup}


def vocabulary(name: str):
    model = VOCABULARIES.get(name)
    if model is None:
        raise DomainError("There is no such list")
    return model


def _slugify(name: str) -> str:
    out = "".join(ch if ch.isalnum() else "-" for ch in name.lower())
    return "-".join(part for part in out.split("-") if part)[:60] or "term"


def add_term(vocab: str, name: str, team_member: User):
    """Add a skill, device type or beneficiary group; names are unique in their list."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team changes the lists")
    model = vocabulary(vocab)
    name = " ".join(name.split())
    if not name:
        raise DomainError("Enter a name")
    if db.session.scalar(select(model.id).where(func.lower(model.name) == name.lower())):
        raise DomainError(f"{name} is already in the list")
    slug, n = _slugify(name), 1
    while db.session.scalar(select(model.id).where(model.slug == slug)):
        n += 1
        slug = f"{_slugify(name)}-{n}"
    position = (db.session.scalar(select(func.max(model.position))) or 0) + 1
    term = model(slug=slug, name=name, position=position, active=True)
    db.session.add(term)
    db.session.flush()
    return term


def toggle_term(vocab: str, term_id: int, team_member: User):
    """Hide a term from new posts (existing posts keep it), or show it again."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team changes the lists")
    term = db.session.get(vocabulary(vocab), term_id)
    if term is None:
        raise DomainError("There is no such item in the list")
    term.active = not term.active
    db.session.flush()
    return term
