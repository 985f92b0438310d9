"""Places on an agreed volunteering match: as many as the match's volunteers. The
company's lead assigns volunteers or opens places for sign-up; a volunteer signs up,
first come; the charity confirms (a regulated-activity place needs a valid check)
or asks for a change; a place is withdrawn to be filled again.

Every move goes through `move`, which asks the one transition table. A sign-up is
one conditional UPDATE (`WHERE status = 'open'`): two volunteers after the last place
cannot both have it, on PostgreSQL (the second UPDATE waits for the first's row lock,
then finds the place taken) or on SQLite (one writer at a time).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from brokerage import history
from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.matches import services as matches
from brokerage.matches.models import Match, MatchStatus
from brokerage.notifications.services import notify
from brokerage.permissions import is_member
from brokerage.volunteering import checks
from brokerage.volunteering.models import (
    Place,
    PlaceAction,
    PlaceEvent,
    PlaceStatus,
    SessionAttendee,
    Volunteer,
    VolunteerSession,
    next_place_status,
)

# Matches whose places can still change: agreed and not yet delivered.
LIVE_STATUSES = frozenset({MatchStatus.AGREED, MatchStatus.IN_PROGRESS})


def has_places(match: Match) -> bool:
    return match.offer.kind is ListingKind.VOLUNTEERING and bool(match.volunteers)


def path(match: Match) -> str:
    return f"/matches/{match.id}/volunteers"


def _tell(people, match: Match, message: str) -> None:
    notify(
        people,
        message,
        path(match),
        ("volunteering_news", f"Volunteers: {match.need.title}"),
        match=match,
        message=message,
    )


def _members(org) -> list[User]:
    return [m.user for m in org.active_memberships]


# --- Setting places up and reading them -------------------------------------------------


def ensure_places(match: Match) -> bool:
    """Make the match's places (numbered 1 to its volunteers) if they are not there:
    insert-or-ignore on (match, number), so two first visits at once make each once.
    Whether any were missing (and so written): once they are made, as they are on the
    first visit, the places page only reads."""
    if not has_places(match) or match.status not in LIVE_STATUSES | {MatchStatus.COMPLETED}:
        return False
    made = db.session.scalar(
        select(func.count())
        .select_from(Place)
        .where(Place.match_id == match.id, Place.number <= match.volunteers)
    )
    if made == match.volunteers:
        return False
    rows = [
        {"match_id": match.id, "number": n, "status": PlaceStatus.UNFILLED.value}
        for n in range(1, match.volunteers + 1)
    ]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Place.__table__)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["match_id", "number"])
    )
    db.session.execute(statement)
    db.session.flush()
    return True


def places_of(match: Match) -> list[Place]:
    return list(
        db.session.scalars(
            select(Place)
            .where(Place.match_id == match.id)
            .order_by(Place.number)
            .options(
                selectinload(Place.volunteer).joinedload(Volunteer.user),
                selectinload(Place.checks),
            )
        )
    )


def place_of(match: Match, volunteer: Volunteer | None) -> Place | None:
    if volunteer is None:
        return None
    return db.session.scalar(
        select(Place).where(Place.match_id == match.id, Place.volunteer_id == volunteer.id)
    )


# --- The one way a place moves -----------------------------------------------------------


def move(
    place: Place,
    action: PlaceAction,
    actor: User | None,
    comment: str | None = None,
    volunteer: Volunteer | None = None,
) -> PlaceEvent:
    before = place.status
    place.status = next_place_status(before, action)
    who = volunteer or place.volunteer
    if action is PlaceAction.WITHDRAW:
        if who is not None:
            _off_future_sessions(place.match_id, who)
        place.volunteer = None
        place.filled_at = place.confirmed_at = place.confirmed_by_id = None
    elif volunteer is not None:
        place.volunteer = volunteer
        place.filled_at = utcnow()
    event = PlaceEvent(
        place_id=place.id,
        actor_id=actor.id if actor else None,
        volunteer_id=who.id if who else None,
        action=action,
        from_status=before,
        to_status=place.status,
        comment=comment,
    )
    history.record(event)
    db.session.flush()
    return event


def _off_future_sessions(match_id: int, volunteer: Volunteer) -> None:
    """A volunteer who no longer holds a place comes off the match's sessions still to
    come (so off their calendar feed); the sessions they went to keep them."""
    db.session.execute(
        delete(SessionAttendee).where(
            SessionAttendee.volunteer_id == volunteer.id,
            SessionAttendee.session_id.in_(
                select(VolunteerSession.id).where(
                    VolunteerSession.match_id == match_id, VolunteerSession.starts_at > utcnow()
                )
            ),
        ),
        execution_options={"synchronize_session": False},
    )


def _live(match: Match) -> None:
    if match.status not in LIVE_STATUSES:
        raise Conflict(
            f"This match is '{match.status.label.lower()}': its places cannot change now"
        )


def _check_volunteer(match: Match, volunteer: Volunteer) -> None:
    if volunteer.organisation_id != match.offer.organisation_id or not volunteer.is_active:
        raise DomainError(f"Choose a volunteer of {match.offer.organisation.name}")
    if place_of(match, volunteer) is not None:
        raise Conflict(f"{volunteer.user.name} already has a place on this match")


# --- The company's lead ------------------------------------------------------------------


def assign(place: Place, volunteer: Volunteer, lead: User) -> None:
    match = place.match
    _live(match)
    _check_volunteer(match, volunteer)
    if place.status.is_filled:
        raise Conflict(f"Place {place.number} is already taken: withdraw its volunteer first")
    move(place, PlaceAction.ASSIGN, lead, volunteer=volunteer)
    _tell(
        [volunteer.user],
        match,
        f"{lead.name} gave you a place volunteering with {match.need.organisation.name}",
    )
    _tell(
        _members(match.need.organisation),
        match,
        f"{volunteer.user.name} is named for place {place.number}: please confirm them",
    )


def open_places(match: Match, lead: User) -> int:
    """Open every unfilled place for the company's volunteers to sign up."""
    _live(match)
    ensure_places(match)
    opened = 0
    for place in places_of(match):
        if place.status is PlaceStatus.UNFILLED:
            move(place, PlaceAction.OPEN_UP, lead)
            opened += 1
    if not opened:
        raise Conflict("There are no unfilled places to open")
    return opened


# --- A volunteer signs up ----------------------------------------------------------------


def sign_up(match: Match, volunteer: Volunteer) -> Place:
    """Take the first open place, if there is one. Each try is one conditional UPDATE,
    so a place is never given twice and never more than the places are given."""
    _live(match)
    _check_volunteer(match, volunteer)
    while True:
        place_id = db.session.scalar(
            select(Place.id)
            .where(Place.match_id == match.id, Place.status == PlaceStatus.OPEN)
            .order_by(Place.number)
            .limit(1)
        )
        if place_id is None:
            raise Conflict("Sorry, every place on this match is taken")
        try:
            # A savepoint: the same volunteer signing up twice at once meets the
            # one-place-each constraint, and is told rather than shown an error page.
            with db.session.begin_nested():
                taken = db.session.execute(
                    update(Place)
                    .where(Place.id == place_id, Place.status == PlaceStatus.OPEN)
                    .values(
                        status=PlaceStatus.TAKEN, volunteer_id=volunteer.id, filled_at=utcnow()
                    ),
                    execution_options={"synchronize_session": False},
                )
        except IntegrityError:
            raise Conflict("You already have a place on this match") from None
        if taken.rowcount == 1:
            break
    place = db.session.get(Place, place_id)
    db.session.refresh(place)
    history.record(
        PlaceEvent(
            place_id=place.id,
            actor_id=volunteer.user_id,
            volunteer_id=volunteer.id,
            action=PlaceAction.SIGN_UP,
            from_status=PlaceStatus.OPEN,
            to_status=PlaceStatus.TAKEN,
        )
    )
    _tell(
        _members(match.need.organisation) + _members(match.offer.organisation),
        match,
        f"{volunteer.user.name} signed up for place {place.number}",
    )
    return place


def withdraw(place: Place, actor: User, reason: str | None = None) -> None:
    """The company's lead, or the volunteer on the place, frees it."""
    match = place.match
    _live(match)
    volunteer = place.volunteer
    if volunteer is None:
        raise Conflict(f"Place {place.number} has no volunteer to withdraw")
    if not is_member(actor, match.offer.organisation) and volunteer.user_id != actor.id:
        raise DomainError("Only the company or the volunteer withdraws a volunteer")
    move(place, PlaceAction.WITHDRAW, actor, reason)
    people = _members(match.need.organisation) + _members(match.offer.organisation)
    _tell(
        [p for p in [*people, volunteer.user] if p.id != actor.id],
        match,
        f"{volunteer.user.name} no longer has place {place.number}",
    )


# --- The charity ---------------------------------------------------------------------------


class CheckMissing(DomainError):
    """The volunteer cannot be confirmed without a valid check: both sides were told
    (the notices are written: the caller commits them)."""


def confirm(place: Place, user: User) -> None:
    match = place.match
    _live(match)
    if not is_member(user, match.need.organisation):
        raise DomainError("The charity confirms its volunteers")
    if place.status is not PlaceStatus.TAKEN:
        raise Conflict(f"Place {place.number} has no volunteer waiting to be confirmed")
    state = checks.state_of(place)
    if not state.ok:
        message = (
            f"{place.volunteer.user.name} cannot be confirmed for place {place.number} yet: "
            f"{state.problem}. This work is regulated activity, so a valid disclosure check "
            "must be recorded first."
        )
        people = _members(match.need.organisation) + _members(match.offer.organisation)
        _tell([*people, place.volunteer.user], match, message)
        raise CheckMissing(message)
    move(place, PlaceAction.CONFIRM, user)
    place.confirmed_at = utcnow()
    place.confirmed_by_id = user.id
    _tell(
        [place.volunteer.user, *_members(match.offer.organisation)],
        match,
        f"{match.need.organisation.name} confirmed {place.volunteer.user.name} for place "
        f"{place.number}",
    )


def ask_for_change(match: Match, user: User, place: Place | None, text: str) -> None:
    """The charity asks the company for a different volunteer or arrangement: a message
    in the match's conversation, which tells the company."""
    _live(match)
    if not is_member(user, match.need.organisation):
        raise DomainError("The charity asks for changes")
    about = (
        f"About place {place.number} ({place.volunteer.user.name}): "
        if place is not None and place.volunteer is not None
        else "About the volunteers: "
    )
    body = (text or "").strip()
    if not body:
        raise FieldError("message", "Enter what you would like the company to change")
    matches.post_message(match, user, about + body)
