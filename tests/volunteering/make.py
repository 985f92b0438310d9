"""Volunteering made through the real services.

org, lead = volunteering_make.company()
volunteer = volunteering_make.volunteer(org, name="Vee Volunteer")
match = volunteering_make.agreed_match(org, places=3, regulated=True)
"""

from __future__ import annotations

from brokerage.extensions import db
from brokerage.listings.models import ListingKind, Safeguarding
from brokerage.matches.models import Match
from brokerage.organisations.models import Organisation, OrganisationKind
from brokerage.volunteering import places, volunteers
from brokerage.volunteering.models import Volunteer
from tests import factories
from tests.helpers import emails_to, link_in
from tests.listings import factories as listings_make
from tests.matches import factories as matches_make


def company(name: str = "Bytes Ltd"):
    lead = factories.user(name="Lee Lead")
    org = factories.organisation(lead, kind=OrganisationKind.COMPANY, name=name)
    return org, lead


def volunteer(org: Organisation, person=None, **user_kwargs) -> Volunteer:
    """An employee invited by the company's first owner who accepted, committed."""
    person = person or factories.user(**user_kwargs)
    volunteers.invite(org, org.owners[0], person.email)
    joined = volunteers.accept_invitation(
        volunteers.find_invitation(token_for(person.email)), person
    )
    db.session.commit()
    return joined


def token_for(email: str) -> str:
    link = link_in([e for e in emails_to(email) if e.template == "volunteer_invitation"][-1])
    return link.rsplit("/", 1)[-1]


def agreed_match(
    org: Organisation, places_count: int = 3, *, regulated: bool = False, charity=None
) -> Match:
    """An agreed volunteering match between a charity's need and `org`'s offer, with
    `places_count` volunteers; its places made."""
    need = listings_make.need(
        charity,
        kind=ListingKind.VOLUNTEERING,
        volunteers=places_count,
        safeguarding=Safeguarding.CHILDREN if regulated else Safeguarding.NONE,
    )
    offer = listings_make.offer(org, kind=ListingKind.VOLUNTEERING, volunteers=places_count)
    match = matches_make.agreed(
        ListingKind.VOLUNTEERING,
        need=need,
        offer=offer,
        volunteers=places_count,
        hours_per_volunteer=6,
    )
    places.ensure_places(match)
    db.session.commit()
    return match
