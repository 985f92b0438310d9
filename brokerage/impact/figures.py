"""Every impact figure, worked out in one place: the pages, the CSV and the statements
all call these functions, so the same figure is the same everywhere.

What the figures mean (the pages say so too):

- *Confirmed*: from matches the charity has marked completed, having confirmed what
  was delivered. A match is dated by that confirmation (`Match.closed_at`), and
  grouped into calendar months of Leeds time (Europe/London).
- *Volunteer hours*: the hours the charity confirmed. Their *value* is a range: the
  hours times `IMPACT_HOUR_VALUE_LOW_PENCE` and times `IMPACT_HOUR_VALUE_HIGH_PENCE`.
- *Devices*, *money* and *people reached*: as the charity confirmed them.
- *Organisations helped*: community organisations (the needs' owners) with at least
  one completed match.
- *Wards*: the need's wards. A need in several wards counts in full in each of them,
  so the ward rows add up to more than the total. Leeds-wide is a row of its own.
- *Kind*: a match counts under a kind when its need or its offer is of that kind
  (money from a sponsorship offer towards laptops counts under both).
- *Beneficiary group*: the need's groups.

Every figure is an SQL aggregate (sums and counts grouped by the database), never a
loop over the matches in Python, and each page costs the same few queries whatever
the number of matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import (
    Float,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from brokerage.brokering.models import (
    HOLDING_STATUSES,
    Feedback,
    HelpOffer,
    HelpOfferStatus,
    Match,
    MatchStatus,
)
from brokerage.clock import LONDON, start_of, today_in_leeds
from brokerage.extensions import db
from brokerage.listings.models import (
    ListingKind,
    ListingSide,
    ListingStatus,
    Need,
    Offer,
    need_beneficiary_group,
    need_ward,
)
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Organisation,
    OrganisationStatus,
    Ward,
)
from brokerage.ticketing import team_services as ball_sales
from brokerage.ticketing.models import Ball

# Years a date filter may name: enough for the programme, and no arithmetic overflow.
FIRST_YEAR, LAST_YEAR = 2000, 2099
# A period longer than this lists only the months that have confirmed matches.
MAX_MONTHS = 120
# The dashboard's median covers the matches agreed in the last year.
MEDIAN_OVER_DAYS = 365
LONGEST_OPEN = 10
BALLS_SHOWN = 3


# --- Filters -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactFilters:
    """Which confirmed matches to count. `start` and `end` are days in Leeds, both
    included. `company_id` and `community_id` are set by the code (a statement, what
    an organisation received), never read from the URL."""

    start: date | None = None
    end: date | None = None
    ward: str | None = None
    kind: ListingKind | None = None
    group: str | None = None
    company_id: int | None = None
    community_id: int | None = None

    @classmethod
    def read(cls, args: Mapping) -> tuple[ImpactFilters, dict[str, str]]:
        """Filters from a query string, and a message for each value that could not be
        used (it is left out). A date is one ISO value (`from=2026-04-01`) or the
        three boxes of a GOV.UK date input (`from=1&from=4&from=2026`)."""
        problems: dict[str, str] = {}
        start = _read_day(args, "from", "The start date", problems)
        end = _read_day(args, "to", "The end date", problems)
        if start and end and start > end:
            problems["to"] = "The end date must be the same as or after the start date"
            end = None
        kind_text = _one(args, "kind")
        kind = ListingKind(kind_text) if kind_text in {k.value for k in ListingKind} else None
        if kind_text and kind is None:
            problems["kind"] = "Choose a kind from the list"
        ward = _slug(_one(args, "ward"))
        if _one(args, "ward") and ward is None:
            problems["ward"] = "Choose a ward from the list"
        group = _slug(_one(args, "group"))
        if _one(args, "group") and group is None:
            problems["group"] = "Choose a group from the list"
        return cls(start=start, end=end, ward=ward, kind=kind, group=group), problems

    @classmethod
    def from_args(cls, args: Mapping) -> ImpactFilters:
        """Filters from a query string; anything that is not a real choice is ignored."""
        return cls.read(args)[0]

    def args(self) -> dict[str, str]:
        """The query string for these filters, without empty values."""
        values = {
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "ward": self.ward or "",
            "kind": self.kind.value if self.kind else "",
            "group": self.group or "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args())


def _values(args: Mapping, name: str) -> list[str]:
    getlist = getattr(args, "getlist", None)
    if getlist is not None:
        return [str(v) for v in getlist(name)]
    value = args.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]


def _one(args: Mapping, name: str) -> str:
    values = _values(args, name)
    return values[0].strip()[:100] if values else ""


def _slug(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value[:64] if value and all(ch.isalnum() or ch == "-" for ch in value) else None


_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _read_day(args: Mapping, name: str, what: str, problems: dict[str, str]) -> date | None:
    values = [v.strip()[:20] for v in _values(args, name)]
    if not any(values):
        return None
    if len(values) == 1 and (found := _ISO_DAY.fullmatch(values[0])):
        year, month, day = found.groups()
    elif len(values) == 3:
        day, month, year = values
        if not all(values):
            problems[name] = f"{what} must include a day, month and year"
            return None
        if not all(v.isascii() and v.isdigit() for v in values):
            problems[name] = f"{what} must be a real date"
            return None
        if len(year) != 4:
            problems[name] = f"{what} must have a year of 4 numbers, like 2026"
            return None
    else:
        problems[name] = f"{what} must be a real date"
        return None
    try:
        value = date(int(year), int(month), int(day))
    except (ValueError, OverflowError):  # a day or month past 2**31 overflows
        problems[name] = f"{what} must be a real date"
        return None
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        problems[name] = f"{what} must be in a year from {FIRST_YEAR} to {LAST_YEAR}"
        return None
    return value


def last_twelve_months(now: datetime) -> tuple[date, date]:
    """The default period of a statement: the year up to and including today."""
    today = today_in_leeds(now)
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


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


def _unindexed(column):
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


def _select_confirmed(columns, filters: ImpactFilters):
    """SELECT `columns` FROM the completed matches that `filters` choose."""
    return select(*columns).select_from(Match).where(*_conditions(filters))


def _sums() -> tuple:
    """The figures of a group of confirmed matches, as SQL aggregates."""
    return (
        func.count(Match.id).label("matches"),
        func.coalesce(func.sum(Match.delivered_hours), 0).label("hours"),
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
            hours=int(row.hours or 0),
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
        _select_confirmed(
            (
                *_sums(),
                _organisations(filters),
                func.min(Match.closed_at).label("first"),
                func.max(Match.closed_at).label("last"),
            ),
            filters,
        )
    ).one()
    return Totals(Figures.of(row), HourValue.configured(), _utc(row.first), _utc(row.last))


def _utc(value) -> datetime | None:
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


def _month_key(day: date) -> str:
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
    if total.first is None:
        return []
    first = filters.start or today_in_leeds(total.first)
    last = filters.end or max(today_in_leeds(now), today_in_leeds(total.last))
    months = _months_between(first, last)
    if len(months) > MAX_MONTHS:
        months = _months_between(today_in_leeds(total.first), today_in_leeds(total.last))
    month = _month_of(Match.closed_at, months[0].year - 1, months[-1].year + 1).label("month")
    found = {
        row.month: Figures.of(row)
        for row in db.session.execute(_select_confirmed((month, *_sums()), filters).group_by(month))
    }
    return [
        Row(
            key=_month_key(m),
            label=f"{m:%B %Y}",
            short_label=f"{m:%b}",
            figures=found.get(_month_key(m), Figures()),
        )
        for m in months
    ]


# --- By ward -------------------------------------------------------------------------------


def by_ward(filters: ImpactFilters) -> list[Row]:
    """The figures of every ward (Leeds-wide first), wards without a confirmed match
    included; only the filtered ward when the filters name one. A need in several
    wards counts in full in each. One query."""
    sums = (
        _select_confirmed((need_ward.c.ward_id.label("ward_id"), *_sums()), filters)
        .join(need_ward, need_ward.c.need_id == _unindexed(Match.need_id))
        .group_by(need_ward.c.ward_id)
        .subquery()
    )
    stmt = (
        select(
            Ward.slug,
            Ward.name,
            Ward.is_citywide,
            sums.c.matches,
            sums.c.hours,
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


# --- What each match delivered: statements and what an organisation received --------------


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
        _select_confirmed(
            (
                Match.id.label("match_id"),
                Match.closed_at.label("completed_at"),
                Need.id.label("need_id"),
                Need.title.label("need_title"),
                Need.kind.label("need_kind"),
                Offer.kind.label("offer_kind"),
                charity.name.label("charity"),
                company.name.label("company"),
                Match.delivered_hours.label("hours"),
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
    return [Delivered(**row._asdict(), wards=tuple(names.get(row.need_id, ()))) for row in rows]


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


# --- The team's dashboard -------------------------------------------------------------------


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
        oldest = _utc(row._mapping[name])
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
        .join(Need, Need.id == _unindexed(Match.need_id))
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
