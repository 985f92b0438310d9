"""Needs: what only a need has (deadline, safeguarding, purpose); the rest is shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from brokerage.accounts.models import User
from brokerage.errors import DomainError, NotAllowed
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import ListingAction, ListingKind, ListingStatus, Safeguarding
from brokerage.needs.models import Need
from brokerage.organisations.models import Organisation, OrganisationKind


@dataclass
class NeedDetails(listings.ListingDetails):
    deadline: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    safeguarding: Safeguarding | None = None
    minimum_spec: str | None = None
    purpose: str | None = None
    pays_for: str | None = None


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None


def _apply(need: Need, details: NeedDetails) -> None:
    listings.apply_details(need, details)
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
    listings.check_poster(need, author)
    _apply(need, details)
    db.session.add(need)
    listings.record(need, ListingAction.CREATE, author)
    db.session.flush()
    if submit:
        listings.submit(need, author)
    return need


def update_need(need: Need, author: User, details: NeedDetails, *, submit: bool) -> None:
    """Change a need. A published one goes back to review; a draft may be sent."""
    listings.edit_outcome(need)
    with db.session.no_autoflush:
        _apply(need, details)
    listings.after_edit(need, author)
    if submit and need.status in listings.SUBMITTABLE:
        listings.submit(need, author)
