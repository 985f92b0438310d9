"""A match's lifecycle: proposing, both sides' answers, going ahead, delivery,
cancellation, conversation, notes and feedback.

Every change of a match goes through `_move`, which asks the one transition
table (`next_match_status`) and writes the history line. What a match holds of
the need and the offer is checked and held in allocation.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from brokerage import history
from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError, NotAllowed
from brokerage.extensions import db
from brokerage.listings.models import (
    ListingAction,
    ListingKind,
    ListingSide,
    ListingStatus,
    Need,
    Offer,
)
from brokerage.listings.services import record as record_listing
from brokerage.listings.services import withdraw
from brokerage.matches.allocation import (
    Allocation,
    _hold,
    _open_now,
    _refuse,
    agreed_units,
    allocation_of,
    check_allocation,
    compatible,
    kinds_in,
    whole_units,
)
from brokerage.matches.models import (
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
from brokerage.matches.people import (
    MAX_TEXT,
    _members,
    _path,
    _tell_parties,
    _tell_team,
    _text,
    side_of,
)
from brokerage.notifications.services import notify
from brokerage.volunteering import checks

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
    problems = checks.problems_before_start(match)
    if problems:
        raise DomainError(
            f"This work is regulated activity: {'; '.join(problems)}. Record a valid "
            "disclosure check for each named volunteer before the match starts."
        )
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
