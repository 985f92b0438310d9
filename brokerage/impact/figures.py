"""The figures of confirmed matches, worked out in one place: the pages, the CSV and
the statements (statements.py) all call these functions, so the same figure is the
same everywhere. Which matches count is read by filters.py; the team's dashboard is
in dashboard.py.

What the figures mean (the pages say so too):

- *Confirmed*: from matches the charity has marked completed, having confirmed what
  was delivered. A match is dated by that confirmation (`Match.closed_at`), and
  grouped into calendar months of Leeds time (Europe/London).
- *Volunteer hours*: the hours the charity confirmed: for a match with volunteering
  sessions, the sum of the volunteers' hour logs the charity confirmed (or corrected);
  otherwise the one number it gave when it confirmed delivery. Summed in minutes and
  shown to the nearest hour. Their *value* is a range: the hours times
  `IMPACT_HOUR_VALUE_LOW_PENCE` and times `IMPACT_HOUR_VALUE_HIGH_PENCE`.
- *Devices*, *money* and *people reached*: as the charity confirmed them.
- *Organisations helped*: community organisations (the needs' owners) with at least
  one completed match.
- *Wards*: the need's wards. A need in several wards counts in full in each of them,
  so the ward rows add up to more than the total. Leeds-wide is a row of its own.
- *Kind*: a match counts under a kind when its need or its offer is of that kind
  (money from a sponsorship offer towards laptops counts under both).
- *Beneficiary group*: the need's groups.
- *Grants*: awards of the Digital Inclusion Fund in rounds that are decided or whose
  results are published (the public page: published only). *People reached* by grants
  counts accepted monitoring reports only: a report the team has not accepted, or has
  asked more of, does not count yet.

Every figure is an SQL aggregate (sums and counts grouped by the database), never a
loop over the matches in Python, and each page costs the same few queries whatever
the number of matches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import and_, case, distinct, func, literal_column, or_, select

from brokerage.clock import LONDON, start_of, today_in_leeds
from brokerage.extensions import db
from brokerage.funding.award_models import Award, MonitoringReport, ReportStatus
from brokerage.funding.models import GrantApplication, GrantRound, RoundStatus
from brokerage.impact.filters import ImpactFilters
from brokerage.listings.models import Need, Offer, need_beneficiary_group, need_ward
from brokerage.matches.models import Match, MatchStatus
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward
from brokerage.volunteering.hours import given_minutes, hours_of

# A period longer than this lists only the months that have confirmed matches.
MAX_MONTHS = 120


# --- Confirmed matches ---------------------------------------------------------------


def _sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


def _mostly(condition, share: float):
    """`condition`, which `share` of the rows meet. SQLite's planner knows only the
    average rows per value of an index (ANALYZE), so it takes `status = 'completed'`,
    true of most matches, for a narrow condition and reads the table through the
    status index: ten times slower than reading it straight. SQLite's likelihood()
    tells it; PostgreSQL's statistics know already."""
    # The share must be written into the SQL: SQLite refuses a bound parameter there.
    return func.likelihood(condition, literal_column(f"{share:.2f}")) if _sqlite() else condition


def unindexed(column):
    """`column`, in a join, as SQLite may not use its index: so that the matches are
    read in one pass and the other table (a need, its wards) looked up by its key
    for each, rather than every need looked up in the matches' index."""
    return column + 0 if _sqlite() else column


def _conditions(filters: ImpactFilters) -> list:
    """Which matches `filters` choose: completed ones, within the dates, of the
    ward, group, kind or organisation. Subqueries, not joins: the figures are read
    from the matches alone."""
    conditions = [_mostly(Match.status == MatchStatus.COMPLETED, 0.9)]
    if filters.start:
        conditions.append(Match.closed_at >= start_of(filters.start))
    if filters.end:
        conditions.append(Match.closed_at < start_of(filters.end + timedelta(days=1)))
    if filters.ward:
        conditions.append(
            Match.need_id.in_(
                select(need_ward.c.need_id)
                .join(Ward, Ward.id == need_ward.c.ward_id)
                .where(Ward.slug == filters.ward)
            )
        )
    if filters.group:
        conditions.append(
            Match.need_id.in_(
                select(need_beneficiary_group.c.need_id)
                .join(
                    BeneficiaryGroup,
                    BeneficiaryGroup.id == need_beneficiary_group.c.beneficiary_group_id,
                )
                .where(BeneficiaryGroup.slug == filters.group)
            )
        )
    if filters.kind:
        conditions.append(
            or_(
                Match.need_id.in_(select(Need.id).where(Need.kind == filters.kind)),
                Match.offer_id.in_(select(Offer.id).where(Offer.kind == filters.kind)),
            )
        )
    if filters.company_id:
        conditions.append(
            Match.offer_id.in_(select(Offer.id).where(Offer.organisation_id == filters.company_id))
        )
    if filters.community_id:
        conditions.append(
            Match.need_id.in_(select(Need.id).where(Need.organisation_id == filters.community_id))
        )
    return conditions


def select_confirmed(columns, filters: ImpactFilters):
    """SELECT `columns` FROM the completed matches that `filters` choose."""
    return select(*columns).select_from(Match).where(*_conditions(filters))


def match_sums() -> tuple:
    """The figures of a group of confirmed matches, as SQL aggregates."""
    return (
        func.count(Match.id).label("matches"),
        # A match with sessions counts its confirmed hour logs (hours.given_minutes).
        func.coalesce(func.sum(given_minutes()), 0).label("minutes"),
        func.coalesce(func.sum(Match.delivered_devices), 0).label("devices"),
        func.coalesce(func.sum(Match.delivered_pence), 0).label("pence"),
        func.coalesce(func.sum(Match.people_reached), 0).label("people"),
    )


def _organisations(filters: ImpactFilters):
    """How many community organisations the chosen matches helped, as a subquery:
    each need is looked up once, not once a match."""
    helped = select(Match.need_id).where(*_conditions(filters))
    return (
        select(func.count(distinct(Need.organisation_id)))
        .where(Need.id.in_(helped))
        .scalar_subquery()
        .label("organisations")
    )


@dataclass(frozen=True)
class Figures:
    """What a group of confirmed matches delivered."""

    matches: int = 0
    hours: int = 0
    devices: int = 0
    pence: int = 0
    people: int = 0
    # Totals only: counted in a month or a ward, they would cost a look-up of every
    # match's need.
    organisations: int | None = None

    @classmethod
    def of(cls, row) -> Figures:
        if row is None:
            return cls()
        organisations = getattr(row, "organisations", None)
        return cls(
            matches=int(row.matches or 0),
            hours=hours_of(row.minutes or 0),
            devices=int(row.devices or 0),
            pence=int(row.pence or 0),
            people=int(row.people or 0),
            organisations=None if organisations is None else int(organisations),
        )

    def measure(self, name: str) -> int:
        return getattr(self, MEASURES[name].attribute)


@dataclass(frozen=True)
class Measure:
    name: str
    label: str  # as a chart's title and a table's column
    attribute: str
    money: bool = False


MEASURES = {
    m.name: m
    for m in (
        Measure("matches", "Matches completed", "matches"),
        Measure("hours", "Volunteer hours", "hours"),
        Measure("devices", "Devices delivered", "devices"),
        Measure("money", "Sponsorship money", "pence", money=True),
        Measure("people", "People reached", "people"),
    )
}


@dataclass(frozen=True)
class HourValue:
    """What an hour of volunteering is worth, as a range, in pence."""

    low_pence: int
    high_pence: int

    @classmethod
    def configured(cls) -> HourValue:
        config = current_app.config
        return cls(config["IMPACT_HOUR_VALUE_LOW_PENCE"], config["IMPACT_HOUR_VALUE_HIGH_PENCE"])


@dataclass(frozen=True)
class Totals:
    """The figures of every confirmed match the filters choose, the value of the hours,
    and when the first and last of those matches were confirmed."""

    figures: Figures
    rate: HourValue
    first: datetime | None = None
    last: datetime | None = None

    @property
    def value_low_pence(self) -> int:
        return self.figures.hours * self.rate.low_pence

    @property
    def value_high_pence(self) -> int:
        return self.figures.hours * self.rate.high_pence


def totals(filters: ImpactFilters) -> Totals:
    """One query."""
    row = db.session.execute(
        select_confirmed(
            (
                *match_sums(),
                _organisations(filters),
                func.min(Match.closed_at).label("first"),
                func.max(Match.closed_at).label("last"),
            ),
            filters,
        )
    ).one()
    return Totals(Figures.of(row), HourValue.configured(), utc(row.first), utc(row.last))


def utc(value) -> datetime | None:
    """A time read from an aggregate, as an aware UTC datetime."""
    if value is None or (isinstance(value, datetime) and value.tzinfo is not None):
        return value
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a month (key '2026-04') or a ward (key its slug)."""

    key: str
    label: str
    short_label: str
    figures: Figures
    is_citywide: bool = False


# --- By month ----------------------------------------------------------------------------


def _month_of(column, first_year: int, last_year: int):
    """SQL for the calendar month, in Leeds, of the UTC time in `column`: '2026-04'.

    PostgreSQL converts with its own time zone data. SQLite has none, so its time is
    moved forward by Leeds's offset from UTC at that moment (an hour in summer): the
    periods of summer time between the two years are worked out here with Python's
    zoneinfo, and sent as a CASE. A few comparisons a row, one pass."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("Europe/London", column), "YYYY-MM")
    periods = _offset_periods(first_year, last_year)
    if not periods:
        return func.strftime("%Y-%m", column)
    shift = case(
        *(
            (and_(column >= start, column < end), f"+{minutes} minutes")
            for start, end, minutes in periods
        ),
        else_="+0 minutes",
    )
    return func.strftime("%Y-%m", column, shift)


@cache
def _offset_periods(first_year: int, last_year: int) -> tuple[tuple[datetime, datetime, int], ...]:
    """(start, end, minutes): the periods from `first_year` to `last_year` in which
    Leeds's clocks are `minutes` ahead of UTC (British Summer Time)."""

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(LONDON).utcoffset().total_seconds() // 60)

    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    current, since = offset(moment), moment
    periods = []
    while moment < end:
        following = moment + timedelta(days=1)
        if offset(following) != current:
            # The clocks changed during this day: find the quarter hour they did.
            change = moment
            while offset(change) == current:
                change += timedelta(minutes=15)
            if current:
                periods.append((since, change, current))
            current, since = offset(change), change
        moment = following
    if current:
        periods.append((since, end, current))
    return tuple(periods)


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def by_month(filters: ImpactFilters, total: Totals, now: datetime) -> list[Row]:
    """The figures of each month of the period, in order, months without a confirmed
    match included (with zeros). The period is the filters' dates; without them, from
    the first confirmed match to this month. One query; `total` (from `totals`, for
    the same filters) says where the data starts."""
    months = period_months(filters, total, now)
    if not months:
        return []
    month = _month_of(Match.closed_at, months[0].year - 1, months[-1].year + 1).label("month")
    found = {
        row.month: Figures.of(row)
        for row in db.session.execute(
            select_confirmed((month, *match_sums()), filters).group_by(month)
        )
    }
    return month_rows(months, found)


def period_months(filters: ImpactFilters, total: Totals, now: datetime) -> list[date]:
    """The first day of each month `by_month` lists (none without a confirmed match)."""
    if total.first is None:
        return []
    first = filters.start or today_in_leeds(total.first)
    last = filters.end or max(today_in_leeds(now), today_in_leeds(total.last))
    months = _months_between(first, last)
    if len(months) > MAX_MONTHS:
        months = _months_between(today_in_leeds(total.first), today_in_leeds(total.last))
    return months


def month_rows(months: list[date], found: dict[str, Figures]) -> list[Row]:
    """A row for each of `months`, with the figures `found` by key ('2026-04'), or zeros."""
    return [
        Row(
            key=month_key(m),
            label=f"{m:%B %Y}",
            short_label=f"{m:%b}",
            figures=found.get(month_key(m), Figures()),
        )
        for m in months
    ]


# --- By ward -------------------------------------------------------------------------------


def by_ward(filters: ImpactFilters) -> list[Row]:
    """The figures of every ward (Leeds-wide first), wards without a confirmed match
    included; only the filtered ward when the filters name one. A need in several
    wards counts in full in each. One query."""
    sums = (
        select_confirmed((need_ward.c.ward_id.label("ward_id"), *match_sums()), filters)
        .join(need_ward, need_ward.c.need_id == unindexed(Match.need_id))
        .group_by(need_ward.c.ward_id)
        .subquery()
    )
    return ward_rows(sums, filters)


def ward_rows(sums, filters: ImpactFilters) -> list[Row]:
    """A row for every ward (only the filtered one when the filters name one), with the
    figures of `sums`: a subquery of ward_id, matches, minutes, devices, pence, people."""
    stmt = (
        select(
            Ward.slug,
            Ward.name,
            Ward.is_citywide,
            sums.c.matches,
            sums.c.minutes,
            sums.c.devices,
            sums.c.pence,
            sums.c.people,
        )
        .outerjoin(sums, sums.c.ward_id == Ward.id)
        .order_by(Ward.position, Ward.id)
    )
    if filters.ward:
        stmt = stmt.where(Ward.slug == filters.ward)
    return [
        Row(
            key=row.slug,
            label=row.name,
            short_label=row.name,
            figures=Figures.of(row),
            is_citywide=row.is_citywide,
        )
        for row in db.session.execute(stmt)
    ]


@dataclass(frozen=True)
class Report:
    totals: Totals
    months: list[Row]
    wards: list[Row]


def report(filters: ImpactFilters, now: datetime) -> Report:
    """Totals, months and wards for the same filters: three queries."""
    total = totals(filters)
    return Report(total, by_month(filters, total, now), by_ward(filters))


# --- Grants of the Digital Inclusion Fund -------------------------------------------------

# The team counts decided rounds too; the public sees rounds whose results are published.
TEAM_GRANT_ROUNDS = (RoundStatus.DECIDED, RoundStatus.PUBLISHED)
PUBLIC_GRANT_ROUNDS = (RoundStatus.PUBLISHED,)


@dataclass(frozen=True)
class Grants:
    """The fund's awards: how many, how much, to how many organisations, and the
    people reached as the accepted monitoring reports say."""

    awards: int = 0
    pence: int = 0
    organisations: int = 0
    people: int = 0


def grants(statuses: tuple[RoundStatus, ...]) -> Grants:
    """One query."""
    rounds = select(GrantRound.id).where(GrantRound.status.in_(statuses))
    applications = select(GrantApplication.id).where(GrantApplication.round_id.in_(rounds))
    people = (
        select(func.coalesce(func.sum(MonitoringReport.people_reached), 0))
        .join(Award, Award.id == MonitoringReport.award_id)
        .where(
            MonitoringReport.status == ReportStatus.ACCEPTED,
            Award.application_id.in_(applications),
        )
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            func.count(Award.id),
            func.coalesce(func.sum(Award.amount_pence), 0),
            func.count(distinct(GrantApplication.organisation_id)),
            people,
        )
        .select_from(Award)
        .join(GrantApplication, GrantApplication.id == Award.application_id)
        .where(GrantApplication.round_id.in_(rounds))
    ).one()
    return Grants(*(int(value or 0) for value in row))


@dataclass(frozen=True)
class GrantedRound:
    """A round whose results are published: who it funded and with how much."""

    name: str
    grants: list[tuple[str, int]]  # (organisation, pence), largest first

    @property
    def pence(self) -> int:
        return sum(amount for _, amount in self.grants)


def where_the_money_went() -> list[GrantedRound]:
    """Each round with published results, the latest first, and its awards. One query."""
    rows = db.session.execute(
        select(GrantRound.id, GrantRound.name, Organisation.name, Award.amount_pence)
        .join(GrantApplication, GrantApplication.round_id == GrantRound.id)
        .join(Award, Award.application_id == GrantApplication.id)
        .join(Organisation, Organisation.id == GrantApplication.organisation_id)
        .where(GrantRound.status.in_(PUBLIC_GRANT_ROUNDS))
        .order_by(
            GrantRound.results_published_at.desc().nulls_last(),
            GrantRound.id.desc(),
            Award.amount_pence.desc(),
            Organisation.name,
        )
    )
    found: dict[int, GrantedRound] = {}
    for round_id, round_name, org_name, pence in rows:
        found.setdefault(round_id, GrantedRound(round_name, [])).grants.append((org_name, pence))
    return list(found.values())
