""" "We can help": a company member offers help with a need; the team answers it."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds, utcnow
from brokerage.errors import Conflict, NotAllowed
from brokerage.extensions import db
from brokerage.listings.models import OPEN_STATUSES, Need, Offer
from brokerage.matches.allocation import _open_now
from brokerage.matches.models import HelpOffer, HelpOfferStatus
from brokerage.matches.people import _members, _team, _text
from brokerage.notifications.services import notify
from brokerage.organisations.models import (
    MembershipStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)

# --- "We can help" ---------------------------------------------------------------


def companies_of(user: User) -> list[Organisation]:
    """The verified companies `user` is an active member of."""
    return [
        m.organisation
        for m in user.memberships
        if m.status is MembershipStatus.ACTIVE
        and m.organisation.kind is OrganisationKind.COMPANY
        and m.organisation.status is OrganisationStatus.APPROVED
    ]


def offer_help(
    need: Need, user: User, company: Organisation, message: str, offer: Offer | None = None
) -> HelpOffer:
    """A company member says "we can help" on a published need: the team is told."""
    if company not in companies_of(user) or not user.is_verified:
        raise NotAllowed("Only members of a verified company say they can help")
    if not _open_now(need):
        raise Conflict("This need is no longer open")
    if offer is not None and offer.organisation_id != company.id:
        raise NotAllowed("Choose one of your company's offers")
    message = _text(message, "Enter a short message for the team", 2000)
    duplicate = db.session.scalar(
        select(HelpOffer.id).where(
            HelpOffer.need_id == need.id,
            HelpOffer.organisation_id == company.id,
            HelpOffer.status == HelpOfferStatus.NEW,
        )
    )
    if duplicate:
        raise Conflict(f"{company.name} has already said it can help: the team will be in touch")
    help_offer = HelpOffer(need=need, organisation=company, user=user, offer=offer, message=message)
    db.session.add(help_offer)
    db.session.flush()
    notify(
        _team(),
        f"{company.name} can help with: {need.title}",
        url_for("matches.queue") + f"#help-{help_offer.id}",
        ("help_offered", f"{company.name} can help with a need"),
        help_offer=help_offer,
    )
    return help_offer


def close_help_offer(help_offer: HelpOffer, team_member: User, answer_text: str) -> None:
    """The team answers a "we can help" without proposing a match from it."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team answers")
    if help_offer.status is not HelpOfferStatus.NEW:
        raise Conflict("Somebody in the team has already answered this")
    help_offer.answer = _text(answer_text, "Enter your answer to the company", 2000)
    help_offer.status = HelpOfferStatus.CLOSED
    help_offer.handled_by = team_member
    help_offer.handled_at = utcnow()
    notify(
        _members(help_offer.organisation),
        f"The programme team answered your offer of help with: {help_offer.need.title}",
        url_for("needs.show", item_id=help_offer.need_id),
        ("help_answered", f"About your offer of help: {help_offer.need.title}"),
        help_offer=help_offer,
    )
    db.session.flush()


def open_offers_of(companies: list[Organisation]) -> list[Offer]:
    """The companies' offers that are open now, to name in a "we can help"."""
    if not companies:
        return []
    return list(
        db.session.scalars(
            select(Offer)
            .where(
                Offer.organisation_id.in_([c.id for c in companies]),
                Offer.status.in_(OPEN_STATUSES),
                Offer.available_until >= today_in_leeds(),
            )
            .order_by(Offer.title)
        )
    )
