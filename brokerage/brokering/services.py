"""Brokering: proposing matches, both sides' answers, delivery, conversation, feedback.

Every change of a match goes through `_move`, which asks the one transition
table (`next_match_status`) and writes the history line. Allocations are held
on the need and the offer by a conditional UPDATE that refuses to go past what
the listing has: two team members proposing at the same moment cannot promise
the same laptop twice, on PostgreSQL or on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from flask import current_app, url_for
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from brokerage import history
from brokerage.accounts.models import User
from brokerage.bank_holidays import is_working_day
from brokerage.brokering.models import (
    AGREED_STATUSES,
    MATCH_TRANSITIONS,
    Feedback,
    HelpOffer,
    HelpOfferStatus,
    Match,
    MatchAction,
    MatchEvent,
    MatchMessage,
    MatchStatus,
    TeamNote,
    next_match_status,
)
from brokerage.clock import LONDON, today_in_leeds, utcnow
from brokerage.errors import Conflict, DomainError, FieldError, NotAllowed
from brokerage.exports import joined, money, stream
from brokerage.extensions import db
from brokerage.listings.models import (
    OPEN_STATUSES,
    DeviceType,
    ListingAction,
    ListingKind,
    ListingSide,
    ListingStatus,
    Need,
    Offer,
    need_ward,
)
from brokerage.listings.services import record as record_listing
from brokerage.listings.services import withdraw
from brokerage.money import pounds
from brokerage.notifications.services import notify
from brokerage.organisations.models import (
    MembershipStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Ward,
)
from brokerage.pagination import Page, page_number, paginate
from brokerage.permissions import is_member
from brokerage.suggestions import loading, scoring

Listing = Need | Offer
MAX_TEXT = 5000


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


# --- Who is who ----------------------------------------------------------------


def side_of(user: User, match: Match) -> ListingSide | None:
    """Which side of the match `user` speaks for (need side first), or None."""
    for side in (ListingSide.NEED, ListingSide.OFFER):
        if is_member(user, match.organisation_of(side)):
            return side
    return None


def _members(org: Organisation) -> list[User]:
    return [m.user for m in org.active_memberships]


def _team() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_team.is_(True), User.active)))


def _path(match: Match) -> str:
    return url_for("brokering.match", match_id=match.id)


def _tell_parties(match: Match, message: str, template: str, subject: str, **context) -> None:
    people = _members(match.need.organisation) + _members(match.offer.organisation)
    notify(people, message, _path(match), (template, subject), match=match, **context)


def _tell_team(match: Match, message: str, template: str, subject: str, **context) -> None:
    notify(_team(), message, _path(match), (template, subject), match=match, **context)


# --- The one way a match moves -------------------------------------------------


def _move(
    match: Match,
    action: MatchAction,
    actor: User | None,
    side: ListingSide | None = None,
    comment: str | None = None,
    now: datetime | None = None,
) -> MatchEvent:
    before = match.status if action is not MatchAction.PROPOSE else None
    if action is not MatchAction.PROPOSE:
        match.status = next_match_status(match.status, action)
    event = MatchEvent(
        action=action,
        actor=actor,
        side=side,
        from_status=before,
        to_status=match.status,
        comment=comment,
    )
    match.events.append(event)
    return history.record(event, at=now)


def _text(value: str | None, missing: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(missing)
    if len(value) > limit:
        raise DomainError(f"Write {limit:,} characters or fewer")
    return value


def _open_now(listing: Listing) -> bool:
    return listing.status in OPEN_STATUSES and listing.closes_on >= today_in_leeds()


# --- Proposing -----------------------------------------------------------------


def propose(
    need: Need,
    offer: Offer,
    allocation: Allocation,
    team_member: User,
    note: str | None = None,
    help_offer: HelpOffer | None = None,
) -> Match:
    """The team proposes that `offer` gives `allocation` to `need`. The allocation is
    held on both at once; both organisations are asked to answer."""
    if not team_member.is_team:
        raise NotAllowed("Only the programme team proposes matches")
    for listing, what in ((need, "need"), (offer, "offer")):
        if not _open_now(listing):
            raise Conflict(f"The {what} is no longer open: '{listing.title}'")
    if not compatible(need.kind, offer.kind):
        raise DomainError(
            f"An offer of {offer.kind.label.lower()} cannot meet a need for "
            f"{need.kind.label.lower()}"
        )
    if need.organisation_id == offer.organisation_id:
        raise DomainError("The need and the offer belong to the same organisation")
    allocation = check_allocation(need, offer, allocation)
    note = (note or "").strip() or None
    if note and len(note) > MAX_TEXT:
        raise DomainError(f"Write {MAX_TEXT:,} characters or fewer")

    # Hold on both sides, or on neither: if the offer refuses, the need's hold is given
    # back in the same transaction. (No savepoint: on SQLite one opened before any write
    # would commit on release.)
    if not _hold(need, allocation, 1):
        _refuse(need, offer, allocation)
    if not _hold(offer, allocation, 1):
        _hold(need, allocation, -1)
        _refuse(need, offer, allocation)

    match = Match(
        need=need,
        offer=offer,
        volunteers=allocation.volunteers,
        hours_per_volunteer=allocation.hours_per_volunteer,
        quantity=allocation.quantity,
        amount_pence=allocation.amount_pence,
        status=MatchStatus.PROPOSED,
        note_to_parties=note,
        proposed_by=team_member,
        help_offer=help_offer,
    )
    db.session.add(match)
    _move(match, MatchAction.PROPOSE, team_member, comment=note)
    if help_offer is not None:
        help_offer.status = HelpOfferStatus.PROPOSED
        help_offer.handled_by = team_member
        help_offer.handled_at = utcnow()
    db.session.flush()
    _tell_parties(
        match,
        f"Proposed match: {offer.organisation.name} and {need.organisation.name}. Please answer.",
        "match_proposed",
        f"A match is proposed: {need.title}",
    )
    return match


# --- Answers -------------------------------------------------------------------


def answer(
    match: Match, user: User, accept: bool, reason: str | None = None, now: datetime | None = None
) -> None:
    """One organisation accepts or declines (with a reason). Both yeses agree it."""
    side = side_of(user, match)
    if side is None:
        raise NotAllowed("Only the two organisations answer a proposed match")
    if match.status is not MatchStatus.PROPOSED:
        raise Conflict(f"This match is already '{match.status.label.lower()}'")
    if match.accepted_at(side) is not None:
        raise Conflict(f"{match.organisation_of(side).name} has already accepted")
    now = now or utcnow()
    other = ListingSide.OFFER if side is ListingSide.NEED else ListingSide.NEED
    if not accept:
        reason = _text(reason, "Enter why you are declining")
        _move(match, MatchAction.DECLINE, user, side, reason, now)
        match.declined_by_side = side
        match.reason = reason
        match.closed_at = now
        _release(match)
        _set_answer(match, side, user, None)
        _tell_parties(
            match,
            f"{match.organisation_of(side).name} declined the proposed match.",
            "match_declined",
            f"Match declined: {match.need.title}",
            reason=reason,
        )
        _tell_team(
            match,
            f"Declined by {match.organisation_of(side).name}: {match.need.title}",
            "match_declined",
            f"Match declined: {match.need.title}",
            reason=reason,
        )
        db.session.flush()
        return

    for listing in (match.need, match.offer):
        if listing.status not in SETTLED_BY_MATCHES:
            raise Conflict(
                f"'{listing.title}' is now {listing.status.label.lower()}: this proposal can "
                "only be declined or cancelled"
            )
    _set_answer(match, side, user, now)
    if match.accepted_at(other) is None:
        _move(match, MatchAction.ACCEPT, user, side, now=now)
        people = _members(match.organisation_of(other))
        notify(
            people,
            f"{match.organisation_of(side).name} accepted the proposed match: your answer is next.",
            _path(match),
            ("match_your_turn", f"Please answer the proposed match: {match.need.title}"),
            match=match,
        )
    else:
        _move(match, MatchAction.AGREE, user, side, now=now)
        match.agreed_at = now
        _settle_listings(match, user)
        _tell_parties(
            match,
            f"Agreed by both: {match.need.title}",
            "match_agreed",
            f"Match agreed: {match.need.title}",
        )
        _tell_team(
            match, f"Agreed by both: {match.need.title}", "match_agreed", "A match is agreed"
        )
    db.session.flush()


def _set_answer(match: Match, side: ListingSide, user: User, accepted_at: datetime | None):
    if side is ListingSide.NEED:
        match.need_answered_by_id, match.need_accepted_at = user.id, accepted_at
    else:
        match.offer_answered_by_id, match.offer_accepted_at = user.id, accepted_at


def _release(match: Match) -> None:
    allocation = allocation_of(match)
    for listing in (match.need, match.offer):
        if not _hold(listing, allocation, -1):
            raise Conflict("The allocation could not be given back: please tell the team")
    _settle_listings(match, None)


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


SETTLED_BY_MATCHES = frozenset(
    {ListingStatus.PUBLISHED, ListingStatus.PARTLY_MET, ListingStatus.MET}
)


def _settle_listings(match: Match, actor: User | None) -> None:
    """Move the need and the offer to partly met / met / open again, by what is agreed."""
    db.session.flush()
    for listing in (match.need, match.offer):
        if listing.status not in {
            ListingStatus.PUBLISHED,
            ListingStatus.PARTLY_MET,
            ListingStatus.MET,
        }:
            continue
        agreed, whole = agreed_units(listing), whole_units(listing)
        if agreed >= whole > 0:
            wanted = ListingStatus.MET
        elif agreed > 0:
            wanted = ListingStatus.PARTLY_MET
        else:
            wanted = ListingStatus.PUBLISHED
        if wanted is listing.status:
            continue
        # The table's moves: published <-> partly met -> met, and met -> open again.
        if listing.status is ListingStatus.MET:
            record_listing(listing, ListingAction.REOPEN, actor)
        if wanted is ListingStatus.MET:
            record_listing(listing, ListingAction.MEET, actor)
        elif wanted is ListingStatus.PARTLY_MET and listing.status is ListingStatus.PUBLISHED:
            record_listing(listing, ListingAction.PARTLY_MEET, actor)
        elif wanted is ListingStatus.PUBLISHED and listing.status is ListingStatus.PARTLY_MET:
            record_listing(listing, ListingAction.REOPEN, actor)


# --- Going ahead, delivery, cancellation -----------------------------------------


def start(match: Match, user: User) -> None:
    side = side_of(user, match)
    if side is None and not user.is_team:
        raise NotAllowed("Only the two organisations and the team start a match")
    _move(match, MatchAction.START, user, side)
    match.started_at = utcnow()
    db.session.flush()


@dataclass(frozen=True)
class Delivery:
    hours: int | None = None
    devices: int | None = None
    pence: int | None = None
    people_reached: int | None = None


def complete(match: Match, user: User, delivery: Delivery) -> None:
    """The charity confirms what was delivered: the match is completed."""
    if side_of(user, match) is not ListingSide.NEED:
        raise NotAllowed(f"Only {match.need.organisation.name} confirms what was delivered")
    kinds = kinds_in(match)
    if ListingKind.VOLUNTEERING in kinds and delivery.hours is None:
        raise FieldError("hours", "Enter the hours volunteers gave")
    if ListingKind.EQUIPMENT in kinds and delivery.devices is None:
        raise FieldError("devices", "Enter how many devices you received")
    if ListingKind.SPONSORSHIP in kinds and delivery.pence is None:
        raise FieldError("money", "Enter the money you received")
    if delivery.people_reached is None:
        raise FieldError("people_reached", "Enter how many people it reached")
    now = utcnow()
    _move(match, MatchAction.COMPLETE, user, ListingSide.NEED, now=now)
    match.delivered_hours = delivery.hours if ListingKind.VOLUNTEERING in kinds else None
    match.delivered_devices = delivery.devices if ListingKind.EQUIPMENT in kinds else None
    match.delivered_pence = delivery.pence if ListingKind.SPONSORSHIP in kinds else None
    match.people_reached = delivery.people_reached
    match.closed_at = now
    # What was allocated but not delivered goes back to what the need still asks for,
    # and to what the offer has left (the company can change or withdraw its offer if
    # it no longer has them); the need is then met only by what was delivered.
    short = Allocation(quantity=match.undelivered_devices, amount_pence=match.undelivered_pence)
    if short.quantity or short.amount_pence:
        for listing in (match.need, match.offer):
            if listing.kind in kinds and not _hold(listing, short, -1):
                raise Conflict("What was not delivered could not be given back: tell the team")
        _settle_listings(match, user)
    _tell_parties(
        match,
        f"Delivery confirmed: {match.need.title}. Please leave feedback.",
        "match_completed",
        f"Delivery confirmed: {match.need.title}",
    )
    db.session.flush()


CANCELLABLE = frozenset(s for (s, a) in MATCH_TRANSITIONS if a is MatchAction.CANCEL)


def cancel(match: Match, user: User, reason: str | None) -> None:
    """The team or either organisation calls it off, with a reason. What it held is
    given back to the need and the offer."""
    side = side_of(user, match)
    if side is None and not user.is_team:
        raise NotAllowed("Only the two organisations and the team cancel a match")
    reason = _text(reason, "Enter why it is cancelled")
    now = utcnow()
    _move(match, MatchAction.CANCEL, user, None if user.is_team else side, reason, now)
    match.reason = reason
    match.closed_at = now
    _release(match)
    _tell_parties(
        match, f"Cancelled: {match.need.title}", "match_cancelled", "Match cancelled", reason=reason
    )
    _tell_team(
        match, f"Cancelled: {match.need.title}", "match_cancelled", "Match cancelled", reason=reason
    )
    db.session.flush()


@dataclass(frozen=True)
class Withdrawal:
    """What withdrawing a listing would do to its matches: the proposals still waiting
    for answers are cancelled; the agreed ones go on."""

    waiting: list[Match]
    going_on: list[Match]


def withdrawal_of(listing) -> Withdrawal:
    key = Match.need_id if listing.side is ListingSide.NEED else Match.offer_id
    matches = db.session.scalars(
        select(Match)
        .where(
            key == listing.id,
            Match.status.in_([MatchStatus.PROPOSED, MatchStatus.AGREED, MatchStatus.IN_PROGRESS]),
        )
        .order_by(Match.id)
    ).all()
    return Withdrawal(
        waiting=[m for m in matches if m.status is MatchStatus.PROPOSED],
        going_on=[m for m in matches if m.status is not MatchStatus.PROPOSED],
    )


def withdraw_listing(listing, actor: User) -> int:
    """A need or offer withdrawn by its organisation (or the team). Proposals still
    waiting for answers are cancelled first, giving back what they held, and both
    organisations and the team are told why; agreed matches go on, since their help is
    promised. Returns how many proposals were cancelled."""
    noun = listing.side.value
    waiting = withdrawal_of(listing).waiting
    for match in waiting:
        cancel(match, actor, f"The {noun} “{listing.title}” was withdrawn.")
    withdraw(listing, actor)
    return len(waiting)


# --- Conversation, notes, feedback ---------------------------------------------


def post_message(match: Match, user: User, body: str) -> MatchMessage:
    """A message to the match's conversation; the other parties are told."""
    side = side_of(user, match)
    if side is None and not user.is_team:
        raise NotAllowed("Only the two organisations and the team take part")
    body = _text(body, "Enter your message")
    message = MatchMessage(match=match, author=user, side=None if user.is_team else side, body=body)
    db.session.add(message)
    db.session.flush()
    author_org = None if user.is_team else match.organisation_of(side)
    # Everyone in both organisations (the author's colleagues too) and the team member
    # who proposed the match; never the author.
    others = _members(match.need.organisation) + _members(match.offer.organisation)
    others.append(match.proposed_by)
    others = [p for p in others if p.id != user.id]
    who = author_org.name if author_org else "The programme team"
    notify(
        others,
        f"New message from {who} about {match.need.title}",
        _path(match) + "#conversation",
        ("match_message", f"New message about {match.need.title}"),
        match=match,
        message=message,
        who=who,
    )
    return message


def add_note(match: Match, user: User, body: str) -> TeamNote:
    if not user.is_team:
        raise NotAllowed("Only the programme team writes notes")
    note = TeamNote(match=match, author=user, body=_text(body, "Enter the note"))
    db.session.add(note)
    db.session.flush()
    return note


def leave_feedback(
    match: Match,
    user: User,
    rating: int | None,
    comment: str | None,
    quote_allowed: bool = False,
) -> Feedback:
    """After completion, each side rates the match once (1 to 5) with a comment."""
    side = side_of(user, match)
    if side is None:
        raise NotAllowed("Only the two organisations leave feedback")
    if match.status is not MatchStatus.COMPLETED:
        raise Conflict("Feedback opens when the delivery is confirmed")
    if match.feedback_from(side) is not None:
        raise Conflict(f"{match.organisation_of(side).name} has already left feedback")
    if rating is None or not 1 <= rating <= 5:
        raise DomainError("Choose a rating from 1 to 5")
    feedback = Feedback(
        match=match,
        side=side,
        author=user,
        rating=rating,
        comment=_text(comment, "Enter a comment"),
        # Only the charity's words are quoted, in the company's impact statement.
        quote_allowed=bool(quote_allowed) and side is ListingSide.NEED,
    )
    db.session.add(feedback)
    db.session.flush()
    _tell_team(
        match,
        f"Feedback from {match.organisation_of(side).name}: {rating} of 5",
        "match_feedback",
        "New feedback on a match",
        feedback=feedback,
    )
    return feedback


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
        url_for("brokering.queue") + f"#help-{help_offer.id}",
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


# --- Queues and lists ------------------------------------------------------------


def working_days_between(start: datetime, end: datetime) -> int:
    """Working days (Monday to Friday but bank holidays in England and Wales, in Leeds)
    after `start`'s day up to `end`'s."""
    first, last = start.astimezone(LONDON).date(), end.astimezone(LONDON).date()
    return sum(
        1
        for offset in range(1, (last - first).days + 1)
        if is_working_day(first + timedelta(days=offset))
    )


@dataclass
class Waiting:
    match: Match
    working_days: int
    flagged: bool
    waiting_for: list[str]


def brokering_queue(now: datetime | None = None) -> tuple[list[Waiting], list[HelpOffer]]:
    """Proposals waiting for answers (oldest first, flagged past the configured working
    days), and new "we can help" offers (oldest first)."""
    now = now or utcnow()
    limit = current_app.config["PROPOSAL_FLAG_WORKING_DAYS"]
    waiting = []
    for match in db.session.scalars(
        select(Match)
        .where(Match.status == MatchStatus.PROPOSED)
        .order_by(Match.proposed_at)
        .options(*_for_lists())
    ):
        days = working_days_between(match.proposed_at, now)
        waiting_for = [
            match.organisation_of(side).name
            for side in (ListingSide.NEED, ListingSide.OFFER)
            if match.accepted_at(side) is None
        ]
        waiting.append(Waiting(match, days, days > limit, waiting_for))
    helps = list(
        db.session.scalars(
            select(HelpOffer)
            .where(HelpOffer.status == HelpOfferStatus.NEW)
            .order_by(HelpOffer.created_at)
        )
    )
    return waiting, helps


@dataclass
class MyMatch:
    match: Match
    side: ListingSide | None
    action: str | None  # what this person should do next, or None


def next_action(match: Match, side: ListingSide | None) -> str | None:
    """What the organisation on `side` has to do next, in words, or None."""
    if side is None:
        return None
    if match.status is MatchStatus.PROPOSED and match.accepted_at(side) is None:
        return "Accept or decline"
    if side is ListingSide.NEED and match.status in {MatchStatus.AGREED, MatchStatus.IN_PROGRESS}:
        return "Confirm what was delivered"
    if match.status is MatchStatus.COMPLETED and match.feedback_from(side) is None:
        return "Leave feedback"
    return None


def _for_lists():
    """What the lists of matches show of each (both organisations with their members,
    device types, feedback), loaded a query per relation rather than per match."""
    return [
        selectinload(side).selectinload(model.organisation).selectinload(Organisation.memberships)
        for side, model in ((Match.need, Need), (Match.offer, Offer))
    ] + [
        selectinload(Match.need).selectinload(Need.device_type),
        selectinload(Match.offer).selectinload(Offer.device_type),
        selectinload(Match.feedback),
    ]


def my_matches(user: User) -> list[MyMatch]:
    """Every match of the person's organisations: those waiting for them first."""
    org_ids = [m.organisation_id for m in user.memberships if m.status is MembershipStatus.ACTIVE]
    if not org_ids:
        return []
    matches = db.session.scalars(
        select(Match)
        .join(Need, Need.id == Match.need_id)
        .join(Offer, Offer.id == Match.offer_id)
        .where(or_(Need.organisation_id.in_(org_ids), Offer.organisation_id.in_(org_ids)))
        .order_by(Match.updated_at.desc(), Match.id.desc())
        .limit(500)
        .options(*_for_lists())
    )
    rows = []
    for match in matches:
        side = side_of(user, match)
        rows.append(MyMatch(match, side, next_action(match, side)))
    return sorted(rows, key=lambda row: row.action is None)


# --- Every match, for the team -------------------------------------------------------

MATCHES_PER_PAGE = 50


@dataclass(frozen=True)
class MatchFilters:
    status: MatchStatus | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> MatchFilters:
        status = args.get("status", "")
        return cls(
            status=MatchStatus(status) if status in {s.value for s in MatchStatus} else None,
            page=page_number(args.get("page", "1")),
        )

    def args(self, **changes) -> dict[str, str]:
        f = replace(self, **changes)
        values = {
            "status": f.status.value if f.status else "",
            "page": str(f.page) if f.page != 1 else "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return self.status is not None

    def conditions(self) -> list:
        return [Match.status == self.status] if self.status else []


def find_matches(filters: MatchFilters) -> Page:
    """One page of the matches of the status chosen (or all), the latest proposed first,
    with what the list shows of their need and offer: two queries, whatever the page."""
    conditions = filters.conditions()
    total = db.session.scalar(select(func.count(Match.id)).where(*conditions)) or 0
    query = (
        select(Match)
        .where(*conditions)
        .order_by(Match.proposed_at.desc(), Match.id.desc())
        .options(
            joinedload(Match.need).joinedload(Need.organisation),
            joinedload(Match.need).joinedload(Need.device_type),
            joinedload(Match.offer).joinedload(Offer.organisation),
            joinedload(Match.offer).joinedload(Offer.device_type),
        )
    )
    return paginate(query, total=total, page=filters.page, per_page=MATCHES_PER_PAGE)


def match_status_counts() -> dict[MatchStatus, int]:
    counts = dict(
        db.session.execute(select(Match.status, func.count(Match.id)).group_by(Match.status)).all()
    )
    return {status: counts.get(status, 0) for status in MatchStatus}


MATCH_COLUMNS = [
    "Match ID",
    "Status",
    "Need ID",
    "Need",
    "Need's kind",
    "Community organisation",
    "Need's wards",
    "Offer ID",
    "Offer",
    "Offer's kind",
    "Company",
    "Volunteers",
    "Hours each",
    "Total hours",
    "Devices",
    "Device type",
    "Amount (£)",
    "Proposed (UK time)",
    "Proposed by",
    "Agreed (UK time)",
    "Started (UK time)",
    "Closed (UK time)",
    "Declined by",
    "Reason for declining or cancelling",
    "Hours delivered",
    "Devices delivered",
    "Delivered (£)",
    "People reached",
    "Charity's rating",
    "Company's rating",
]


def match_rows(filters: MatchFilters) -> Iterator[list]:
    """Every match of the status chosen (or all), in the list's order, as CSV rows:
    one query, whatever their number."""
    community, company = aliased(Organisation), aliased(Organisation)

    def rating(side: ListingSide):
        return (
            select(Feedback.rating)
            .where(Feedback.match_id == Match.id, Feedback.side == side)
            .scalar_subquery()
        )

    statement = (
        select(
            Match.id,
            Match.status,
            Need.id.label("need_id"),
            Need.title.label("need"),
            Need.kind.label("need_kind"),
            community.name.label("community"),
            joined(
                select(Ward.name)
                .join(need_ward, need_ward.c.ward_id == Ward.id)
                .where(need_ward.c.need_id == Need.id),
                Ward.position,
                Need,
            ).label("wards"),
            Offer.id.label("offer_id"),
            Offer.title.label("offer"),
            Offer.kind.label("offer_kind"),
            company.name.label("company"),
            Match.volunteers,
            Match.hours_per_volunteer,
            (Match.volunteers * Match.hours_per_volunteer).label("total_hours"),
            Match.quantity,
            DeviceType.name.label("device"),
            Match.amount_pence,
            Match.proposed_at,
            User.name.label("proposed_by"),
            Match.agreed_at,
            Match.started_at,
            Match.closed_at,
            Match.declined_by_side,
            Match.reason,
            Match.delivered_hours,
            Match.delivered_devices,
            Match.delivered_pence,
            Match.people_reached,
            rating(ListingSide.NEED).label("need_rating"),
            rating(ListingSide.OFFER).label("offer_rating"),
        )
        .join(Need, Need.id == Match.need_id)
        .join(community, community.id == Need.organisation_id)
        .join(Offer, Offer.id == Match.offer_id)
        .join(company, company.id == Offer.organisation_id)
        .join(User, User.id == Match.proposed_by_id)
        .outerjoin(
            DeviceType, DeviceType.id == func.coalesce(Need.device_type_id, Offer.device_type_id)
        )
        .where(*filters.conditions())
        .order_by(Match.proposed_at.desc(), Match.id.desc())
    )
    return (_match_row(row) for row in stream(statement))


def _match_row(row) -> list:
    declined_by = {ListingSide.NEED: row.community, ListingSide.OFFER: row.company}
    return [
        row.id,
        row.status,
        row.need_id,
        row.need,
        row.need_kind,
        row.community,
        row.wards,
        row.offer_id,
        row.offer,
        row.offer_kind,
        row.company,
        row.volunteers,
        row.hours_per_volunteer,
        row.total_hours,
        row.quantity,
        row.device if row.quantity else None,
        money(row.amount_pence),
        row.proposed_at,
        row.proposed_by,
        row.agreed_at,
        row.started_at,
        row.closed_at,
        declined_by.get(row.declined_by_side),
        row.reason,
        row.delivered_hours,
        row.delivered_devices,
        money(row.delivered_pence),
        row.people_reached,
        row.need_rating,
        row.offer_rating,
    ]


def matches_for(listing: Listing) -> list[Match]:
    key = Match.need_id if listing.side is ListingSide.NEED else Match.offer_id
    return list(db.session.scalars(select(Match).where(key == listing.id).order_by(Match.id)))


def visible_matches(
    user: User, listing: Listing, matches: list[Match] | None = None
) -> list[Match]:
    """The listing's matches (`matches`, if read already) this person may see: all for
    the team, otherwise only those their organisation is part of."""
    matches = matches_for(listing) if matches is None else matches
    if user.is_authenticated and user.is_team:
        return matches
    return [m for m in matches if side_of(user, m) is not None]


def held_in_proposals(listing: Listing, matches: list[Match] | None = None) -> int:
    """How much of the listing (main unit) waits in proposals not yet answered."""
    matches = matches_for(listing) if matches is None else matches
    return sum(_main_units(listing, m) for m in matches if m.status is MatchStatus.PROPOSED)


def _main_units(listing: Listing, match: Match) -> int:
    return {
        ListingKind.VOLUNTEERING: (match.volunteers or 0) * (match.hours_per_volunteer or 0),
        ListingKind.EQUIPMENT: match.quantity or 0,
        ListingKind.SPONSORSHIP: match.amount_pence or 0,
    }[listing.kind]


def expected_delivery(match: Match) -> dict:
    """The delivery form's starting values: what was agreed."""
    return {
        "hours": match.total_hours,
        "devices": match.quantity,
        "money": match.amount_pence,
    }


def flag_days() -> int:
    return current_app.config["PROPOSAL_FLAG_WORKING_DAYS"]


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
