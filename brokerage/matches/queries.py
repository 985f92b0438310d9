"""Reading matches: the team's queue and list of every match, each person's own,
and what a need's or offer's page shows of its matches."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import (
    Boolean,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import joinedload, selectinload

from brokerage.accounts.models import User
from brokerage.bank_holidays import working_days_between
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.listings.models import DeviceType, ListingKind, ListingSide, Need, Offer
from brokerage.matches.models import (
    Feedback,
    HelpOffer,
    HelpOfferStatus,
    Listing,
    Match,
    MatchAction,
    MatchEvent,
    MatchMessage,
    MatchStatus,
    TeamNote,
)
from brokerage.matches.people import side_of
from brokerage.organisations.models import MembershipStatus, Organisation
from brokerage.pagination import Page, page_number, paginate, total_beyond
from brokerage.volunteering import hours

# --- One match ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Named:
    """An organisation or a device type, as far as the match page names it."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class PageListing:
    """A match's need or offer, as far as the match page shows it."""

    id: int
    kind: ListingKind
    title: str
    organisation: Named
    device_type: Named | None


# The match's own columns its page shows or its rules read.
_PAGE_COLUMNS = (
    "id",
    "status",
    "volunteers",
    "hours_per_volunteer",
    "quantity",
    "amount_pence",
    "note_to_parties",
    "proposed_at",
    "need_accepted_at",
    "offer_accepted_at",
    "declined_by_side",
    "reason",
    "delivered_hours",
    "delivered_devices",
    "delivered_pence",
    "people_reached",
)


@dataclass(frozen=True, slots=True)
class PageMatch:
    """A match as its page shows it: read as plain values in one statement. Loading the
    match, both listings, their organisations and the device type as ORM objects was the
    page's largest cost. What is worked out from the values follows Match's own rules
    (the methods and property below are Match's), and the permission rules read it as
    they read a Match (`need.organisation.id`)."""

    id: int
    status: MatchStatus
    volunteers: int | None
    hours_per_volunteer: int | None
    quantity: int | None
    amount_pence: int | None
    note_to_parties: str | None
    proposed_at: datetime
    need_accepted_at: datetime | None
    offer_accepted_at: datetime | None
    declined_by_side: ListingSide | None
    reason: str | None
    delivered_hours: int | None
    delivered_devices: int | None
    delivered_pence: int | None
    people_reached: int | None
    need: PageListing
    offer: PageListing
    # The minutes the charity confirmed at the match's sessions; None for a match with
    # no sessions (its delivery's number of hours counts): hours.session_minutes' answer.
    session_minutes: int | None

    total_hours = Match.total_hours
    accepted_at = Match.accepted_at
    organisation_of = Match.organisation_of


def match_for_page(match_id: int) -> PageMatch | None:
    """The match with both listings, their organisations and device types, and the
    minutes confirmed at its sessions, as plain values, in one statement built once per
    process. What its page lists (messages,
    history, feedback, the team's notes) is `conversation`'s."""
    row = db.session.connection().execute(_match_statement(), {"match_id": match_id}).first()
    if row is None:
        return None
    own = len(_PAGE_COLUMNS)
    need, offer = (_page_listing(row[at : at + 7]) for at in (own, own + 7))
    has_sessions, minutes = row[own + 14 :]
    minutes = int(minutes) if has_sessions else None
    return PageMatch(*row[:own], need=need, offer=offer, session_minutes=minutes)


def _page_listing(values) -> PageListing:
    listing_id, kind, title, org_id, org_name, device_id, device_name = values
    device = Named(device_id, device_name) if device_id is not None else None
    return PageListing(listing_id, kind, title, Named(org_id, org_name), device)


@cache
def _match_statement():
    match = Match.__table__
    columns = [match.c[name] for name in _PAGE_COLUMNS]
    joined = match
    for model, key in ((Need, match.c.need_id), (Offer, match.c.offer_id)):
        listing = model.__table__.alias()
        org = Organisation.__table__.alias()
        device = DeviceType.__table__.alias()
        joined = (
            joined.join(listing, listing.c.id == key)
            .join(org, org.c.id == listing.c.organisation_id)
            .outerjoin(device, device.c.id == listing.c.device_type_id)
        )
        columns += [listing.c.id, listing.c.kind, listing.c.title, org.c.id, org.c.name]
        columns += [device.c.id, device.c.name]
    columns += [hours.has_sessions(match.c.id), hours.confirmed_minutes(match.c.id)]
    return select(*columns).select_from(joined).where(match.c.id == bindparam("match_id"))


@dataclass(frozen=True, slots=True)
class Said:
    """A message, a line of history or a piece of feedback, as the match page shows it."""

    created_at: datetime
    side: ListingSide | None  # None: the programme team (or the service)
    by: str | None  # the author's or actor's name; None: the service itself
    text: str | None  # the message, the comment
    action: MatchAction | None = None  # a line of history's
    rating: int | None = None  # feedback's
    quote_allowed: bool = False  # feedback's


@dataclass(frozen=True, slots=True)
class Conversation:
    """What a match's page lists, each oldest first."""

    messages: tuple[Said, ...]
    events: tuple[Said, ...]
    feedback: tuple[Said, ...]
    notes: tuple[Said, ...]  # the team's own: read only for the team

    def feedback_from(self, side: ListingSide) -> Said | None:
        return next((f for f in self.feedback if f.side is side), None)


def conversation(match_id: int, notes: bool = False) -> Conversation:
    """A match's messages, history and feedback (and with `notes`, the team's notes) with
    their authors' names, in one statement read as plain values. Loading them as ORM
    objects with their authors was three statements and half the page's database time."""
    parts: tuple[list[Said], ...] = ([], [], [], [])
    statement = _conversation_statement(notes)
    rows = db.session.connection().execute(statement, {"match_id": match_id})
    for part, _id, created_at, side, by, text, action, rating, quote_allowed in rows:
        parts[part].append(
            Said(
                created_at,
                side,
                by,
                text,
                MatchAction(action) if action is not None else None,
                rating,
                bool(quote_allowed),
            )
        )
    return Conversation(*(tuple(p) for p in parts))


@cache
def _conversation_statement(notes: bool):
    match_id = bindparam("match_id")
    person = User.__table__
    message, event, feedback, note = (
        m.__table__ for m in (MatchMessage, MatchEvent, Feedback, TeamNote)
    )
    nothing = {
        "action": cast(null(), String(32)),
        "rating": cast(null(), Integer),
        "quote_allowed": cast(null(), Boolean),
    }

    def part(number, table, by_column, text, outer=False, **columns):
        chosen = {**nothing, **columns}
        join = table.join(person, person.c.id == by_column, isouter=outer)
        return (
            select(
                literal(number, Integer).label("part"),
                table.c.id.label("row_id"),
                table.c.created_at,
                (table.c.side if "side" in table.c else cast(null(), String(32))).label("side"),
                person.c.name,
                text.label("text"),
                chosen["action"].label("action"),
                chosen["rating"].label("rating"),
                chosen["quote_allowed"].label("quote_allowed"),
            )
            .select_from(join)
            .where(table.c.match_id == match_id)
        )

    parts = [
        part(0, message, message.c.author_id, message.c.body),
        part(
            1,
            event,
            event.c.actor_id,
            event.c.comment,
            outer=True,
            action=event.c.action,
        ),
        part(
            2,
            feedback,
            feedback.c.author_id,
            feedback.c.comment,
            rating=feedback.c.rating,
            quote_allowed=feedback.c.quote_allowed,
        ),
    ]
    if notes:
        parts.append(part(3, note, note.c.author_id, note.c.body))
    statement = union_all(*parts)
    columns = statement.selected_columns
    return statement.order_by(columns.part, columns.row_id)


# --- Queues and lists ------------------------------------------------------------


@dataclass
class Waiting:
    match: Match
    working_days: int
    flagged: bool
    waiting_for: list[str]


# How many of each the brokering page lists: the longest-waiting (the rest follow as
# those are answered; every proposal waiting is on the paged list of matches).
QUEUE_SHOWN = 50


def brokering_queue(now: datetime | None = None) -> tuple[list[Waiting], list[HelpOffer]]:
    """The QUEUE_SHOWN proposals waiting longest for answers (flagged past the
    configured working days), and the QUEUE_SHOWN oldest new "we can help" offers."""
    now = now or utcnow()
    limit = current_app.config["PROPOSAL_FLAG_WORKING_DAYS"]
    waiting = []
    for match in db.session.scalars(
        select(Match)
        .where(Match.status == MatchStatus.PROPOSED)
        .order_by(Match.proposed_at, Match.id)
        .limit(QUEUE_SHOWN)
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
            .order_by(HelpOffer.created_at, HelpOffer.id)
            .limit(QUEUE_SHOWN)
        )
    )
    return waiting, helps


def queue_totals(waiting: list[Waiting], helps: list[HelpOffer]) -> tuple[int, int]:
    """How many proposals and offers of help wait in all: counted only for a list
    `brokering_queue` cut short."""
    proposed = select(func.count(Match.id)).where(Match.status == MatchStatus.PROPOSED)
    new = select(func.count(HelpOffer.id)).where(HelpOffer.status == HelpOfferStatus.NEW)
    return total_beyond(waiting, QUEUE_SHOWN, proposed), total_beyond(helps, QUEUE_SHOWN, new)


@dataclass
class MyMatch:
    match: Match
    side: ListingSide | None
    action: str | None  # what this person should do next, or None


def next_action(
    match: Match, side: ListingSide | None, feedback_from: Callable | None = None
) -> str | None:
    """What the organisation on `side` has to do next, in words, or None. `feedback_from`
    finds a side's feedback when it is already read (the match page's `conversation`)."""
    if side is None:
        return None
    if match.status is MatchStatus.PROPOSED and match.accepted_at(side) is None:
        return "Accept or decline"
    if side is ListingSide.NEED and match.status in {MatchStatus.AGREED, MatchStatus.IN_PROGRESS}:
        return "Confirm what was delivered"
    given = feedback_from or match.feedback_from
    if match.status is MatchStatus.COMPLETED and given(side) is None:
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


def flag_days() -> int:
    return current_app.config["PROPOSAL_FLAG_WORKING_DAYS"]
