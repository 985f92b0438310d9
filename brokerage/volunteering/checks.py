"""Disclosure checks for regulated activity: who checks (the charity chooses), recording
a check (level, certificate date, who checked; no number, no copy), and whether the
volunteer on a place has a valid one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import format_date, today_in_leeds, utcnow
from brokerage.errors import DomainError, FieldError, NotAllowed
from brokerage.extensions import db
from brokerage.listings.models import ListingSide, Safeguarding
from brokerage.matches.models import Match
from brokerage.permissions import checked_by, is_member
from brokerage.volunteering.models import (
    LEVEL_FOR_REGULATED_ACTIVITY,
    CheckArrangement,
    CheckLevel,
    DisclosureCheck,
    Place,
)

# The oldest certificate date anyone could mean: before the Disclosure and Barring
# Service's predecessor existed.
EARLIEST_CERTIFICATE = date(2002, 1, 1)


def needs_checks(match: Match) -> bool:
    """The need involves regulated activity with children or adults at risk."""
    return match.need.safeguarding not in (None, Safeguarding.NONE)


def max_age_days() -> int:
    return current_app.config["VOLUNTEER_CHECK_MAX_AGE_DAYS"]


def is_out_of_date(check: DisclosureCheck, today: date | None = None) -> bool:
    today = today or today_in_leeds()
    return check.certificate_date < today - timedelta(days=max_age_days())


@dataclass(frozen=True)
class CheckState:
    """What a place's volunteer has for the match's regulated activity."""

    needed: bool
    latest: DisclosureCheck | None
    problem: str | None  # why the volunteer cannot be confirmed; None when they can

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def flagged(self) -> bool:
        return self.latest is not None and is_out_of_date(self.latest)


def state_of(place: Place, today: date | None = None) -> CheckState:
    """Whether the volunteer now on `place` has the check its match needs."""
    match = place.match
    if not needs_checks(match):
        return CheckState(False, None, None)
    if place.volunteer_id is None:
        return CheckState(True, None, None)
    mine = [c for c in place.checks if c.volunteer_id == place.volunteer_id]
    latest = max(mine, key=lambda c: (c.certificate_date, c.id)) if mine else None
    name = place.volunteer.user.name
    if latest is None:
        problem = f"{name} has no disclosure check recorded"
    elif latest.level is not LEVEL_FOR_REGULATED_ACTIVITY:
        problem = (
            f"{name}'s check is {latest.level.label.lower()}: regulated activity needs "
            f"{LEVEL_FOR_REGULATED_ACTIVITY.label.lower()}"
        )
    elif is_out_of_date(latest, today):
        years = max_age_days() / 365
        problem = (
            f"{name}'s certificate is dated {format_date(latest.certificate_date)}, more than "
            f"{years:g} years ago"
            if years == int(years)
            else f"{name}'s certificate is older than {max_age_days()} days"
        )
    else:
        problem = None
    return CheckState(True, latest, problem)


def choose_checker(match: Match, user: User, side: ListingSide) -> CheckArrangement:
    """The charity chooses who checks its volunteers' certificates: itself or the company."""
    if not is_member(user, match.need.organisation):
        raise NotAllowed("The charity chooses who checks the volunteers")
    arrangement = db.session.get(CheckArrangement, match.id)
    if arrangement is None:
        arrangement = CheckArrangement(match_id=match.id, checked_by=side)
        db.session.add(arrangement)
    arrangement.checked_by = side
    arrangement.chosen_by_id = user.id
    arrangement.chosen_at = utcnow()
    db.session.flush()
    return arrangement


def record_check(
    place: Place, user: User, level: CheckLevel, certificate_date: date
) -> DisclosureCheck:
    """The checking side records that it saw the volunteer's certificate."""
    match = place.match
    if not needs_checks(match):
        raise DomainError("This work is not regulated activity: no check is recorded")
    if place.volunteer_id is None:
        raise DomainError("No one is on this place yet")
    side = checked_by(match)
    if not is_member(user, match.organisation_of(side)):
        raise NotAllowed(f"{match.organisation_of(side).name} records the checks on this match")
    if certificate_date > today_in_leeds():
        raise FieldError("certificate_date", "The certificate's date must be today or earlier")
    if certificate_date < EARLIEST_CERTIFICATE:
        raise FieldError("certificate_date", "The certificate's date must be 2002 or later")
    check = DisclosureCheck(
        place=place,
        volunteer_id=place.volunteer_id,
        level=level,
        certificate_date=certificate_date,
        checked_by=side,
        recorded_by_id=user.id,
        recorded_at=utcnow(),
    )
    db.session.add(check)
    db.session.flush()
    return check


def problems_before_start(match: Match) -> list[str]:
    """Why the match cannot start yet: each named volunteer on regulated activity
    without a valid check (places no one holds yet do not hold it up)."""
    if not needs_checks(match):
        return []
    named = db.session.scalars(
        select(Place)
        .where(Place.match_id == match.id, Place.volunteer_id.is_not(None))
        .order_by(Place.number)
    )
    return [state.problem for place in named if (state := state_of(place)).problem]


def checks_for(match: Match) -> list[DisclosureCheck]:
    return list(
        db.session.scalars(
            select(DisclosureCheck)
            .join(Place, Place.id == DisclosureCheck.place_id)
            .where(Place.match_id == match.id)
            .order_by(DisclosureCheck.id)
        )
    )
