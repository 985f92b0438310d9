"""What each completed match delivered: a company's impact statement, and what a
community organisation received."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import aliased

from brokerage.extensions import db
from brokerage.impact.figures import Row, Totals, by_ward, select_confirmed, totals
from brokerage.impact.filters import ImpactFilters
from brokerage.listings.models import ListingKind, ListingSide, Need, Offer, need_ward
from brokerage.matches.models import Feedback, Match
from brokerage.organisations.models import Organisation, Ward
from brokerage.volunteering.hours import given_minutes, hours_of


@dataclass(frozen=True)
class Delivered:
    """One completed match, as a statement lists it."""

    match_id: int
    completed_at: datetime
    need_id: int
    need_title: str
    need_kind: ListingKind
    offer_kind: ListingKind
    charity: str
    company: str
    hours: int | None
    devices: int | None
    pence: int | None
    people: int | None
    quote: str | None  # the charity's feedback, only when it agreed to it being quoted
    wards: tuple[str, ...] = ()


def delivered(filters: ImpactFilters) -> list[Delivered]:
    """The completed matches the filters choose, latest first, with their needs'
    wards. Two queries, whatever the number of matches."""
    charity = aliased(Organisation)
    company = aliased(Organisation)
    stmt = (
        select_confirmed(
            (
                Match.id.label("match_id"),
                Match.closed_at.label("completed_at"),
                Need.id.label("need_id"),
                Need.title.label("need_title"),
                Need.kind.label("need_kind"),
                Offer.kind.label("offer_kind"),
                charity.name.label("charity"),
                company.name.label("company"),
                given_minutes().label("minutes"),
                Match.delivered_devices.label("devices"),
                Match.delivered_pence.label("pence"),
                Match.people_reached.label("people"),
                Feedback.comment.label("quote"),
            ),
            filters,
        )
        .join(Need, Need.id == Match.need_id)
        .join(Offer, Offer.id == Match.offer_id)
        .join(charity, charity.id == Need.organisation_id)
        .join(company, company.id == Offer.organisation_id)
        .outerjoin(
            Feedback,
            and_(
                Feedback.match_id == Match.id,
                Feedback.side == ListingSide.NEED,
                Feedback.quote_allowed.is_(True),
            ),
        )
        .order_by(Match.closed_at.desc(), Match.id.desc())
    )
    rows = db.session.execute(stmt).all()
    if not rows:
        return []
    names: dict[int, list[str]] = {}
    wards = (
        select(need_ward.c.need_id, Ward.name)
        .join(Ward, Ward.id == need_ward.c.ward_id)
        .where(need_ward.c.need_id.in_({row.need_id for row in rows}))
        .order_by(need_ward.c.need_id, Ward.position, Ward.id)
    )
    for need_id, name in db.session.execute(wards):
        names.setdefault(need_id, []).append(name)
    return [
        Delivered(
            **{k: v for k, v in row._asdict().items() if k != "minutes"},
            hours=hours_of(row.minutes),
            wards=tuple(names.get(row.need_id, ())),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Statement:
    """What an organisation's completed matches delivered in a period: a company's
    impact statement, or what a community organisation received."""

    organisation: Organisation
    start: date
    end: date
    totals: Totals
    wards: list[Row]  # only the wards that had a completed match
    matches: list[Delivered] = field(default_factory=list)

    @property
    def quotes(self) -> list[Delivered]:
        return [m for m in self.matches if m.quote]


def company_statement(org: Organisation, start: date, end: date) -> Statement:
    """The company's impact statement: what its offers delivered from `start` to `end`
    (days in Leeds, both included), to which organisations and wards, with the words
    of the charities that agreed to be quoted. Four queries."""
    return _statement(org, ImpactFilters(start=start, end=end, company_id=org.id))


def received(org: Organisation, start: date, end: date) -> Statement:
    """What a community organisation received from `start` to `end`, and from whom."""
    return _statement(org, ImpactFilters(start=start, end=end, community_id=org.id))


def _statement(org: Organisation, filters: ImpactFilters) -> Statement:
    return Statement(
        organisation=org,
        start=filters.start,
        end=filters.end,
        totals=totals(filters),
        wards=[row for row in by_ward(filters) if row.figures.matches],
        matches=delivered(filters),
    )
