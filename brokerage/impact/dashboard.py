"""The team's dashboard: the queues waiting for the team, matches by status, the
median wait for an agreement, the needs open longest, and the latest balls' sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Float, cast, exists, func, select

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.impact.figures import unindexed, utc
from brokerage.listings.models import ListingKind, ListingStatus, Need, Offer
from brokerage.matches.models import (
    HOLDING_STATUSES,
    HelpOffer,
    HelpOfferStatus,
    Match,
    MatchStatus,
)
from brokerage.organisations.models import Organisation, OrganisationStatus
from brokerage.ticketing import setup as ball_sales
from brokerage.ticketing.models import Ball

# The dashboard's median covers the matches agreed in the last year.
MEDIAN_OVER_DAYS = 365
LONGEST_OPEN = 10
BALLS_SHOWN = 3


@dataclass(frozen=True)
class Waiting:
    """Work waiting for the team: how many, and since when the oldest has waited."""

    name: str
    label: str
    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class OpenNeed:
    id: int
    title: str
    kind: ListingKind
    organisation: str
    published_at: datetime
    deadline: date


@dataclass(frozen=True)
class Median:
    days: float | None  # None when no match was agreed in the period
    matches: int  # how many matches it is the median of


@dataclass(frozen=True)
class Dashboard:
    now: datetime
    waiting: list[Waiting]
    statuses: list[tuple[MatchStatus, int]]
    median: Median
    longest_open: list[OpenNeed]


# (name, label, model, condition, the time it has waited since)
_QUEUES = (
    (
        "organisations",
        "Organisations waiting for verification",
        Organisation,
        Organisation.status == OrganisationStatus.PENDING,
        Organisation.submitted_at,
    ),
    (
        "needs",
        "Needs waiting for review",
        Need,
        Need.status == ListingStatus.SUBMITTED,
        Need.submitted_at,
    ),
    (
        "offers",
        "Offers waiting for review",
        Offer,
        Offer.status == ListingStatus.SUBMITTED,
        Offer.submitted_at,
    ),
    (
        "proposals",
        "Proposed matches waiting for answers",
        Match,
        Match.status == MatchStatus.PROPOSED,
        Match.proposed_at,
    ),
    (
        "help",
        "Companies' offers of help waiting for an answer",
        HelpOffer,
        HelpOffer.status == HelpOfferStatus.NEW,
        HelpOffer.created_at,
    ),
)


def waiting() -> list[Waiting]:
    """Each queue's size and oldest entry: one query (each from its status index)."""
    columns = []
    for name, _label, model, condition, since in _QUEUES:
        columns.append(
            select(func.count(model.id)).where(condition).scalar_subquery().label(f"{name}_n")
        )
        columns.append(select(func.min(since)).where(condition).scalar_subquery().label(name))
    row = db.session.execute(select(*columns)).one()
    result = []
    for name, label, _model, _condition, _since in _QUEUES:
        oldest = utc(row._mapping[name])
        result.append(Waiting(name, label, int(row._mapping[f"{name}_n"] or 0), oldest))
    return result


def matches_by_status() -> list[tuple[MatchStatus, int]]:
    """Every status, in the order a match moves through them, with how many are in it."""
    rows = db.session.execute(select(Match.status, func.count()).group_by(Match.status))
    counts = {status: count for status, count in rows}
    return [(status, int(counts.get(status, 0))) for status in MatchStatus]


def median_days_to_agreement(now: datetime) -> Median:
    """The median number of days from a need's publication to the agreement of a match
    for it, over the matches agreed in the last year (whatever happened to them after).

    PostgreSQL has percentile_cont. SQLite has no median, so there the middle one or
    two of the sorted values are picked with window functions and averaged, which is
    what percentile_cont(0.5) gives. Matches agreed before their need's latest
    publication (changed and published again) are left out: their wait is unknown."""
    conditions = (
        Match.agreed_at.is_not(None),
        Match.agreed_at >= now - timedelta(days=MEDIAN_OVER_DAYS),
        Need.published_at.is_not(None),
        Match.agreed_at >= Need.published_at,
    )
    joined = (
        select()
        .select_from(Match)
        .join(Need, Need.id == unindexed(Match.need_id))
        .where(*conditions)
    )
    if db.engine.dialect.name == "postgresql":
        days = func.extract("epoch", Match.agreed_at - Need.published_at) / 86400.0
        row = db.session.execute(
            joined.add_columns(
                func.percentile_cont(0.5).within_group(days).label("median"),
                func.count().label("n"),
            )
        ).one()
    else:
        days = (func.julianday(Match.agreed_at) - func.julianday(Need.published_at)).label("days")
        ranked = joined.add_columns(
            days,
            func.row_number().over(order_by=days).label("position"),
            func.count().over().label("n"),
        ).subquery()
        row = db.session.execute(
            select(
                func.avg(cast(ranked.c.days, Float)).label("median"),
                func.max(ranked.c.n).label("n"),
            ).where(ranked.c.position.in_([(ranked.c.n + 1) // 2, (ranked.c.n + 2) // 2]))
        ).one()
    n = int(row.n or 0)
    return Median(float(row.median) if n else None, n)


def longest_open(now: datetime, limit: int = LONGEST_OPEN) -> list[OpenNeed]:
    """The published needs, still before their deadline, that have waited longest
    with no match (a declined or cancelled one does not count): oldest first."""
    matched = exists().where(Match.need_id == Need.id, Match.status.in_(HOLDING_STATUSES))
    stmt = (
        select(
            Need.id,
            Need.title,
            Need.kind,
            Organisation.name.label("organisation"),
            Need.published_at,
            Need.deadline,
        )
        .join(Organisation, Organisation.id == Need.organisation_id)
        .where(
            Need.status == ListingStatus.PUBLISHED,
            Need.deadline >= today_in_leeds(now),
            ~matched,
        )
        .order_by(Need.published_at, Need.id)
        .limit(limit)
    )
    return [OpenNeed(**row._asdict()) for row in db.session.execute(stmt)]


def dashboard(now: datetime) -> Dashboard:
    """The team's dashboard: four queries. (The impact totals are on the impact page:
    on the dashboard they would cost another pass over every completed match.)"""
    return Dashboard(
        now=now,
        waiting=waiting(),
        statuses=matches_by_status(),
        median=median_days_to_agreement(now),
        longest_open=longest_open(now),
    )


# --- The ball ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BallResult:
    ball: Ball
    sales: ball_sales.Sales


def ball_results(now: datetime, *, held_only: bool = False) -> list[BallResult]:
    """The latest balls' seats and money, as the ball's own sales page counts them
    (ticketing's `sales`, reused). `held_only`: only balls that have taken place."""
    stmt = select(Ball).order_by(Ball.starts_at.desc()).limit(BALLS_SHOWN)
    if held_only:
        stmt = stmt.where(Ball.starts_at <= now)
    return [BallResult(ball, ball_sales.sales(ball, now)) for ball in db.session.scalars(stmt)]
