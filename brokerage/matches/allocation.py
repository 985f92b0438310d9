"""What a match gives, in units: checking an allocation against what a need and an offer
have left, holding it on both by one conditional UPDATE, and what is agreed of a listing.

The hold is one statement that refuses to go past what the listing has: two team
members proposing at the same moment cannot promise the same laptop twice, on
PostgreSQL or on SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select, update

from brokerage.clock import today_in_leeds
from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.listings.models import OPEN_STATUSES, ListingKind, ListingSide, Need, Offer
from brokerage.matches.models import AGREED_STATUSES, Listing, Match, MatchStatus
from brokerage.money import pounds
from brokerage.suggestions import loading, scoring
from brokerage.volunteering import hours

# --- Allocations -------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """What a match gives, in units. Only the fields of the two kinds involved count."""

    volunteers: int | None = None
    hours_per_volunteer: int | None = None
    quantity: int | None = None
    amount_pence: int | None = None

    @property
    def total_hours(self) -> int:
        return (self.volunteers or 0) * (self.hours_per_volunteer or 0)


def compatible(need_kind: ListingKind, offer_kind: ListingKind) -> bool:
    """Same kind, or money from a sponsorship offer towards a need of any kind."""
    return need_kind is offer_kind or offer_kind is ListingKind.SPONSORSHIP


def kinds_given(need_kind: ListingKind, offer_kind: ListingKind) -> set[ListingKind]:
    """The kinds whose units an allocation between these two gives: what the offer
    gives. Money towards laptops gives money, not laptops: how many it buys is the
    charity's business, so the need's own units are neither asked for nor held."""
    if not compatible(need_kind, offer_kind):
        return {need_kind, offer_kind}
    return {offer_kind}


def kinds_in(match_or_pair) -> set[ListingKind]:
    """The kinds whose units an allocation between these two must give."""
    return kinds_given(match_or_pair.need.kind, match_or_pair.offer.kind)


def _units(kind: ListingKind, allocation: Allocation) -> dict[str, int]:
    """The `held_*` amounts an allocation takes from a listing of `kind`."""
    if kind is ListingKind.VOLUNTEERING:
        return {"held_volunteers": allocation.volunteers or 0, "held_hours": allocation.total_hours}
    if kind is ListingKind.EQUIPMENT:
        return {"held_quantity": allocation.quantity or 0}
    return {"held_pence": allocation.amount_pence or 0}


def check_allocation(need: Need, offer: Offer, allocation: Allocation) -> Allocation:
    """The allocation with only the units the two kinds use, or FieldError saying
    which number is missing or too big for what remains."""
    kinds = kinds_given(need.kind, offer.kind)
    volunteers = hours = quantity = amount = None
    if ListingKind.VOLUNTEERING in kinds:
        volunteers, hours = allocation.volunteers, allocation.hours_per_volunteer
        if not volunteers or volunteers < 1:
            raise FieldError("volunteers", "Enter how many volunteers, 1 or more")
        if not hours or hours < 1:
            raise FieldError("hours_per_volunteer", "Enter the hours for each volunteer, 1 or more")
    if ListingKind.EQUIPMENT in kinds:
        quantity = allocation.quantity
        if not quantity or quantity < 1:
            raise FieldError("quantity", "Enter how many devices, 1 or more")
    if ListingKind.SPONSORSHIP in kinds:
        amount = allocation.amount_pence
        if not amount or amount < 100:
            raise FieldError("amount", "Enter the amount, £1 or more")
    chosen = Allocation(volunteers, hours, quantity, amount)
    for listing in (need, offer):
        if listing.kind not in kinds:
            continue  # a need that money only goes towards holds none of its units
        problem = _too_much(listing, chosen)
        if problem:
            raise FieldError(*problem)
    return chosen


def _refuse(need: Need, offer: Offer, allocation: Allocation):
    """Someone else's proposal took what this one wanted, since the form was checked."""
    problem = _too_much(need, allocation) or _too_much(offer, allocation)
    raise FieldError(
        problem[0] if problem else _fields(need, offer)[0],
        (problem[1] if problem else "The need or the offer changed meanwhile")
        + ": someone else proposed a match at the same time. Check and try again.",
    )


def _fields(need: Need, offer: Offer) -> list[str]:
    names = {
        ListingKind.VOLUNTEERING: "volunteers",
        ListingKind.EQUIPMENT: "quantity",
        ListingKind.SPONSORSHIP: "amount",
    }
    return [names[need.kind], names[offer.kind]]


def _too_much(listing: Listing, allocation: Allocation) -> tuple[str, str] | None:
    """(field, message) when the allocation is more than remains on the listing."""
    whose = "the need" if listing.side is ListingSide.NEED else "the offer"
    if listing.kind is ListingKind.VOLUNTEERING:
        if (allocation.volunteers or 0) > listing.remaining_volunteers:
            return "volunteers", f"Only {listing.remaining_volunteers} volunteers remain on {whose}"
        if allocation.total_hours > listing.remaining_hours:
            return (
                "hours_per_volunteer",
                f"Only {listing.remaining_hours} hours in all remain on {whose}",
            )
    elif listing.kind is ListingKind.EQUIPMENT:
        if (allocation.quantity or 0) > listing.remaining_quantity:
            return "quantity", f"Only {listing.remaining_quantity} devices remain on {whose}"
    elif (allocation.amount_pence or 0) > listing.remaining_pence:
        return "amount", f"Only {pounds(listing.remaining_pence)} remains on {whose}"
    return None


def _hold(listing: Listing, allocation: Allocation, sign: int) -> bool:
    """Add (sign 1) or give back (sign -1) the allocation on the listing, in one UPDATE
    whose WHERE refuses to go past the whole or below nothing. False if refused.

    The check and the change are one statement, so it holds under concurrency: on
    PostgreSQL a second UPDATE waits for the first's row lock and re-checks the
    condition against the committed row; SQLite lets one writer in at a time."""
    model = type(listing)
    units = _units(listing.kind, allocation)
    totals = {
        "held_volunteers": model.volunteers,
        "held_hours": model.volunteers * model.hours_per_volunteer,
        "held_quantity": model.quantity,
        "held_pence": model.amount_pence,
    }
    values, conditions = {}, [model.id == listing.id]
    if sign > 0:
        conditions.append(model.status.in_(OPEN_STATUSES))
    for column_name, amount in units.items():
        column = getattr(model, column_name)
        values[column_name] = column + sign * amount
        if sign > 0:
            conditions.append(column + amount <= totals[column_name])
        else:
            conditions.append(column - amount >= 0)
    result = db.session.execute(
        update(model).where(*conditions).values(**values),
        execution_options={"synchronize_session": False},
    )
    db.session.refresh(listing)
    return result.rowcount == 1


def _open_now(listing: Listing) -> bool:
    return listing.status in OPEN_STATUSES and listing.closes_on >= today_in_leeds()


def allocation_of(match: Match) -> Allocation:
    return Allocation(
        match.volunteers, match.hours_per_volunteer, match.quantity, match.amount_pence
    )


# --- What a listing's matches make of it ---------------------------------------


def agreed_units(listing: Listing) -> int:
    """How much of the listing both sides have agreed to, in its main unit (hours,
    devices, pence)."""
    column = {
        ListingKind.VOLUNTEERING: Match.volunteers * Match.hours_per_volunteer,
        # A completed match counts what was delivered, where the charity said.
        ListingKind.EQUIPMENT: case(
            (
                Match.status == MatchStatus.COMPLETED,
                func.coalesce(Match.delivered_devices, Match.quantity),
            ),
            else_=Match.quantity,
        ),
        ListingKind.SPONSORSHIP: case(
            (
                Match.status == MatchStatus.COMPLETED,
                func.coalesce(Match.delivered_pence, Match.amount_pence),
            ),
            else_=Match.amount_pence,
        ),
    }[listing.kind]
    key = Match.need_id if listing.side is ListingSide.NEED else Match.offer_id
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(column), 0)).where(
                key == listing.id, Match.status.in_(AGREED_STATUSES)
            )
        )
        or 0
    )


def whole_units(listing: Listing) -> int:
    return {
        ListingKind.VOLUNTEERING: listing.total_hours,
        ListingKind.EQUIPMENT: listing.quantity,
        ListingKind.SPONSORSHIP: listing.amount_pence,
    }[listing.kind] or 0


def expected_delivery(match: Match) -> dict:
    """The delivery form's starting values: what was agreed; for a match with sessions,
    the hours confirmed so far (those are what the impact figures will count)."""
    confirmed = hours.session_minutes(match)
    return {
        "hours": match.total_hours if not confirmed else hours.hours_of(confirmed),
        "devices": match.quantity,
        "money": match.amount_pence,
    }


def suggested_allocation(need: Need, offer: Offer) -> dict:
    """The propose form's starting values: matching's suggestion (as much as both sides
    have left), or nothing when matching would not suggest this pair."""
    fit = scoring.fit(
        loading.facts_for_need(db.session, need),
        loading.facts_for_offer(db.session, offer),
        today_in_leeds(),
    )
    if fit is None:
        return {}
    a = fit.allocation
    values = {
        "volunteers": a.volunteers,
        "hours_per_volunteer": a.hours_per_volunteer,
        "quantity": a.quantity,
        "amount": a.amount_pence,
    }
    return {name: value for name, value in values.items() if value}
