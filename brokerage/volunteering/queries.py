"""Reading volunteering: what a match's places page shows to whoever looks at it, and
each person's own volunteering."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.listings.models import ListingKind, ListingSide, Need, Offer
from brokerage.matches.models import Match
from brokerage.permissions import checked_by, is_member
from brokerage.volunteering import checks
from brokerage.volunteering.forms import AssignForm
from brokerage.volunteering.models import Place, PlaceStatus, Volunteer, VolunteerStatus
from brokerage.volunteering.places import LIVE_STATUSES, has_places, places_of
from brokerage.volunteering.volunteers import active_volunteers, volunteer_of


@dataclass
class PlacesView:
    """A match's places as one person sees them, and what that person may do."""

    match: Match
    places: list[Place]
    states: dict[int, checks.CheckState]
    team: bool
    charity: bool
    company: bool
    volunteer: Volunteer | None
    checked_by: ListingSide = ListingSide.NEED  # read once: the template asks per row
    free_volunteers: list[Volunteer] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return self.match.status in LIVE_STATUSES and has_places(self.match)

    @property
    def needs_checks(self) -> bool:
        return checks.needs_checks(self.match)

    @property
    def checker_name(self) -> str:
        return self.match.organisation_of(self.checked_by).name

    @property
    def may_record_checks(self) -> bool:
        return is_member_of_checker(self)

    @property
    def my_place(self) -> Place | None:
        if self.volunteer is None:
            return None
        return next((p for p in self.places if p.volunteer_id == self.volunteer.id), None)

    @property
    def open_count(self) -> int:
        return sum(1 for p in self.places if p.status is PlaceStatus.OPEN)

    @property
    def unfilled_count(self) -> int:
        return sum(1 for p in self.places if p.status is PlaceStatus.UNFILLED)

    @property
    def max_age_years(self) -> float:
        return checks.max_age_days() / 365


def is_member_of_checker(view: PlacesView) -> bool:
    return view.charity if view.checked_by is ListingSide.NEED else view.company


def places_view(match: Match, user: User) -> PlacesView:
    found = places_of(match)
    company = is_member(user, match.offer.organisation)
    volunteer = volunteer_of(match.offer.organisation, user)
    if volunteer is not None and not volunteer.is_active:
        volunteer = None
    free = []
    if company:
        taken = {p.volunteer_id for p in found if p.volunteer_id is not None}
        free = [v for v in active_volunteers(match.offer.organisation) if v.id not in taken]
    return PlacesView(
        match=match,
        places=found,
        states={p.id: checks.state_of(p) for p in found},
        team=bool(user.is_team),
        charity=is_member(user, match.need.organisation),
        company=company,
        volunteer=volunteer,
        checked_by=checked_by(match),
        free_volunteers=free,
    )


def assign_forms(view: PlacesView) -> dict[int, AssignForm]:
    """The lead's "assign" form for each place without a volunteer."""
    if not (view.company and view.live and view.free_volunteers):
        return {}
    forms = {}
    for place in view.places:
        if not place.status.is_filled:
            form = AssignForm(prefix=f"assign-{place.id}", formdata=None)
            forms[place.id] = form.offer(view.free_volunteers, place)
    return forms


@dataclass
class MyVolunteering:
    volunteer: Volunteer
    matches: list[tuple[Match, Place | None]]


def my_volunteering(user: User) -> list[MyVolunteering]:
    """Each company the person volunteers with, its agreed volunteering matches, and
    the person's place on each."""
    rows = []
    mine = db.session.scalars(
        select(Volunteer)
        .where(Volunteer.user_id == user.id, Volunteer.status == VolunteerStatus.ACTIVE)
        .options(joinedload(Volunteer.organisation))
        .order_by(Volunteer.id)
    )
    for volunteer in mine:
        matches = db.session.scalars(
            select(Match)
            .join(Offer, Offer.id == Match.offer_id)
            .join(Need, Need.id == Match.need_id)
            .where(
                Offer.organisation_id == volunteer.organisation_id,
                Offer.kind == ListingKind.VOLUNTEERING,
                Match.status.in_(LIVE_STATUSES),
            )
            .order_by(Match.agreed_at.desc(), Match.id.desc())
            .limit(100)
        ).all()
        held = {
            p.match_id: p
            for p in db.session.scalars(select(Place).where(Place.volunteer_id == volunteer.id))
        }
        rows.append(MyVolunteering(volunteer, [(m, held.get(m.id)) for m in matches]))
    return rows
