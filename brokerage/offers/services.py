"""Offers: what only an offer has (availability, data wiping); the rest is shared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from brokerage.accounts.models import User
from brokerage.errors import DomainError, NotAllowed
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    Condition,
    ListingAction,
    ListingKind,
    ListingStatus,
    WipeMethod,
)
from brokerage.offers.models import Offer
from brokerage.organisations.models import Organisation, OrganisationKind


@dataclass
class OfferDetails(listings.ListingDetails):
    available_from: date | None = None
    available_until: date | None = None
    wipe_method: WipeMethod | None = None
    certificate_per_serial: bool | None = None


def _apply(offer: Offer, details: OfferDetails) -> None:
    listings.apply_details(offer, details)
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
    listings.check_poster(offer, author)
    _apply(offer, details)
    db.session.add(offer)
    listings.record(offer, ListingAction.CREATE, author)
    db.session.flush()
    if submit:
        listings.submit(offer, author)
    return offer


def update_offer(offer: Offer, author: User, details: OfferDetails, *, submit: bool) -> None:
    listings.edit_outcome(offer)
    with db.session.no_autoflush:
        _apply(offer, details)
    listings.after_edit(offer, author)
    if submit and offer.status in listings.SUBMITTABLE:
        listings.submit(offer, author)
