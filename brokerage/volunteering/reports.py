"""Reading volunteers' hours: a person's own record (My volunteering, the printable
record and its CSV) and a company's volunteering report for a period. SQL aggregates,
a fixed number of queries whatever the number of volunteers or hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import distinct, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from brokerage.accounts.models import User
from brokerage.clock import start_of, today_in_leeds
from brokerage.extensions import db
from brokerage.listings.models import Need
from brokerage.matches.models import Match
from brokerage.organisations.models import Organisation
from brokerage.volunteering.models import HourLog, HourStatus, Volunteer, VolunteerStatus

FORMER = "Former volunteer (account deleted)"


# --- A person's own record --------------------------------------------------------------------


@dataclass
class Month:
    label: str
    minutes: int


@dataclass
class MyHours:
    """Everything a person logged, as My volunteering and the record show it."""

    user: User
    logs: list[HourLog] = field(default_factory=list)

    @property
    def confirmed(self) -> list[HourLog]:
        return [log for log in self.logs if log.status is HourStatus.CONFIRMED]

    @property
    def waiting(self) -> list[HourLog]:
        return [log for log in self.logs if log.status is HourStatus.LOGGED]

    @property
    def confirmed_minutes(self) -> int:
        return sum(log.confirmed_minutes or 0 for log in self.confirmed)

    @property
    def months(self) -> list[Month]:
        """Confirmed minutes by the calendar month the work was done in, latest first."""
        found: dict[tuple[int, int], int] = {}
        for log in self.confirmed:
            key = (log.worked_on.year, log.worked_on.month)
            found[key] = found.get(key, 0) + (log.confirmed_minutes or 0)
        return [
            Month(f"{date(year, month, 1):%B %Y}", minutes)
            for (year, month), minutes in sorted(found.items(), reverse=True)
        ]

    @property
    def companies(self) -> list[str]:
        return sorted({log.organisation.name for log in self.logs})


def my_hours(user: User) -> MyHours:
    """The person's hour logs with every company they volunteered for (those they
    left included), latest first. One query."""
    logs = db.session.scalars(
        select(HourLog)
        .join(Volunteer, Volunteer.id == HourLog.volunteer_id)
        .where(Volunteer.user_id == user.id)
        .options(
            joinedload(HourLog.organisation),
            joinedload(HourLog.confirmed_by),
            joinedload(HourLog.match).joinedload(Match.need).joinedload(Need.organisation),
        )
        .order_by(HourLog.worked_on.desc(), HourLog.id.desc())
    )
    return MyHours(user, list(logs))


RECORD_HEADER = (
    "Date",
    "Company",
    "Organisation helped",
    "Volunteering",
    "Hours logged",
    "Hours confirmed",
    "Status",
    "Confirmed by",
    "Confirmed on",
    "Charity's note",
)


def record_rows(hours: MyHours):
    for log in hours.logs:
        yield [
            log.worked_on,
            log.organisation.name,
            log.match.need.organisation.name,
            log.match.need.title,
            _hours(log.minutes),
            _hours(log.confirmed_minutes),
            log.status,
            log.confirmed_by.name if log.confirmed_by else None,
            log.confirmed_at.date() if log.confirmed_at else None,
            log.note,
        ]


def _hours(minutes: int | None):
    """Minutes as decimal hours for a spreadsheet: 90 -> 1.5."""
    if minutes is None:
        return None
    return minutes // 60 if minutes % 60 == 0 else round(minutes / 60, 2)


# --- A company's report -----------------------------------------------------------------------


def accounting_year(today: date) -> tuple[date, date]:
    """The accounting year (ACCOUNTING_YEAR_END) that `today` falls in."""
    month, day = current_app.config["ACCOUNTING_YEAR_END"]

    def end_in(year: int) -> date:
        try:
            return date(year, month, day)
        except ValueError:  # 29 February in a year without one
            return date(year, month, 28)

    end = end_in(today.year)
    if end < today:
        end = end_in(today.year + 1)
    start = end_in(end.year - 1) + timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class Person:
    volunteer_id: int | None
    name: str
    left: bool
    sessions: int
    minutes: int


@dataclass(frozen=True)
class MatchHours:
    match_id: int
    need_title: str
    charity: str
    volunteers: int
    sessions: int
    minutes: int


@dataclass
class CompanyReport:
    organisation: Organisation
    start: date
    end: date
    people: list[Person]
    matches: list[MatchHours]
    volunteers: int  # the company's volunteers during the period

    @property
    def taking_part(self) -> int:
        return len(self.people)

    @property
    def named_taking_part(self) -> int:
        return sum(1 for p in self.people if p.volunteer_id is not None)

    @property
    def minutes(self) -> int:
        return sum(p.minutes for p in self.people)

    @property
    def share(self) -> int | None:
        """Percentage of the company's volunteers who gave confirmed hours."""
        if not self.volunteers:
            return None
        return round(100 * min(self.named_taking_part, self.volunteers) / self.volunteers)


def _in_period(org: Organisation, start: date, end: date) -> list:
    return [
        HourLog.organisation_id == org.id,
        HourLog.status == HourStatus.CONFIRMED,
        HourLog.worked_on >= start,
        HourLog.worked_on <= end,
    ]


def company_report(org: Organisation, start: date, end: date) -> CompanyReport:
    """The company's confirmed hours worked from `start` to `end` (both included):
    per volunteer (those who left still under their name; after a person deleted their
    account, one line without a name), per match, and the share of its volunteers who
    took part. Three queries."""
    minutes = func.sum(HourLog.confirmed_minutes)
    sessions = func.count(distinct(HourLog.session_id))
    person = db.session.execute(
        select(
            HourLog.volunteer_id,
            User.name,
            Volunteer.status,
            sessions.label("sessions"),
            minutes.label("minutes"),
        )
        .outerjoin(Volunteer, Volunteer.id == HourLog.volunteer_id)
        .outerjoin(User, User.id == Volunteer.user_id)
        .where(*_in_period(org, start, end))
        .group_by(HourLog.volunteer_id, User.name, Volunteer.status)
        .order_by(minutes.desc(), User.name)
    ).all()
    charity = aliased(Organisation)
    per_match = db.session.execute(
        select(
            HourLog.match_id,
            Need.title,
            charity.name,
            func.count(distinct(HourLog.volunteer_id)).label("volunteers"),
            sessions.label("sessions"),
            minutes.label("minutes"),
        )
        .join(Match, Match.id == HourLog.match_id)
        .join(Need, Need.id == Match.need_id)
        .join(charity, charity.id == Need.organisation_id)
        .where(*_in_period(org, start, end))
        .group_by(HourLog.match_id, Need.title, charity.name)
        .order_by(minutes.desc(), HourLog.match_id)
    ).all()
    volunteers = db.session.scalar(
        select(func.count(Volunteer.id)).where(
            Volunteer.organisation_id == org.id,
            Volunteer.joined_at < start_of(end + timedelta(days=1)),
            or_(Volunteer.left_at.is_(None), Volunteer.left_at >= start_of(start)),
        )
    )
    return CompanyReport(
        organisation=org,
        start=start,
        end=end,
        people=[
            Person(
                row.volunteer_id,
                row.name if row.volunteer_id is not None else FORMER,
                row.status is VolunteerStatus.LEFT,
                int(row.sessions),
                int(row.minutes or 0),
            )
            for row in person
        ],
        matches=[
            MatchHours(
                row.match_id,
                row.title,
                row.name,
                int(row.volunteers),
                int(row.sessions),
                int(row.minutes or 0),
            )
            for row in per_match
        ],
        volunteers=int(volunteers or 0),
    )


REPORT_HEADER = ("Volunteer", "Left the company", "Sessions", "Hours confirmed")


def report_rows(report: CompanyReport):
    for p in report.people:
        yield [p.name, p.left, p.sessions, _hours(p.minutes)]
    yield []
    yield ["Volunteering", "Organisation helped", "Volunteers", "Sessions", "Hours confirmed"]
    for m in report.matches:
        yield [m.need_title, m.charity, m.volunteers, m.sessions, _hours(m.minutes)]
    yield []
    yield ["Volunteers taking part", report.named_taking_part]
    yield ["Volunteers of the company in the period", report.volunteers]
    yield ["Hours confirmed in total", _hours(report.minutes)]


def default_period(today: date | None = None) -> tuple[date, date]:
    return accounting_year(today or today_in_leeds())
