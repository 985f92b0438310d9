"""An award after the decision: recording its payment, setting when its monitoring
reports are due, the organisation's reports, the team's answer to each, and closing it
once every report is accepted. The team's list of awards and its CSV are here too."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from brokerage import history
from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds, utcnow
from brokerage.errors import Conflict, FieldError
from brokerage.exports import money, stream
from brokerage.extensions import db
from brokerage.funding.award_history import AwardEvent, AwardEventKind
from brokerage.funding.award_models import (
    Award,
    AwardAction,
    AwardStatus,
    MonitoringReport,
    ReportAction,
    ReportStatus,
    next_award_status,
    next_report_status,
)
from brokerage.funding.models import GrantApplication, GrantRound
from brokerage.notifications.services import notify
from brokerage.organisations.models import Organisation
from brokerage.pagination import Page, page_number, paginate

MAX_TEXT = 5000
MAX_COUNT = 1_000_000
MAX_REPORTS = 3
# The reports offered when the team first sets the dates: months after the award.
DEFAULT_REPORT_MONTHS = (6, 12)
PER_PAGE = 50


# --- Who is told ------------------------------------------------------------------------


def _members(award: Award) -> list[User]:
    return [m.user for m in award.application.organisation.active_memberships]


def _team() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_team.is_(True), User.active)))


def _text(value: str | None, field: str, missing: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        if missing:
            raise FieldError(field, missing)
        return None
    if len(value) > MAX_TEXT:
        raise FieldError(field, f"Write {MAX_TEXT:,} characters or fewer")
    return value


def _record(
    award: Award,
    kind: AwardEventKind,
    actor: User | None,
    report: MonitoringReport | None = None,
    comment: str | None = None,
) -> None:
    history.record(AwardEvent(award=award, kind=kind, actor=actor, report=report, comment=comment))


def history_of(award: Award) -> list[AwardEvent]:
    """The award's history, the first first."""
    return list(
        db.session.scalars(
            select(AwardEvent).where(AwardEvent.award_id == award.id).order_by(AwardEvent.id)
        )
    )


def award_day(award: Award) -> date:
    return today_in_leeds(award.awarded_at)


# --- Payment ------------------------------------------------------------------------------


def record_payment(
    award: Award, team_member: User, paid_on: date | None, reference: str | None
) -> None:
    """The team records that the grant was paid, on a day in Leeds, with the bank's
    reference. An award is paid once."""
    if award.status is not AwardStatus.AWARDED:
        raise Conflict(f"This award is already '{award.status.label.lower()}'.")
    if paid_on is None:
        raise FieldError("paid_on", "Enter the date the grant was paid")
    if paid_on > today_in_leeds():
        raise FieldError("paid_on", "The date it was paid must be today or in the past")
    if paid_on < award_day(award):
        raise FieldError(
            "paid_on",
            f"The date it was paid must be on or after the award, {award_day(award):%-d %B %Y}",
        )
    reference = (reference or "").strip()
    if not reference:
        raise FieldError("reference", "Enter the payment reference")
    if len(reference) > 80:
        raise FieldError("reference", "The payment reference must be 80 characters or fewer")
    award.status = next_award_status(award.status, AwardAction.RECORD_PAYMENT)
    award.paid_on = paid_on
    award.payment_reference = reference
    award.paid_recorded_by = team_member
    _record(
        award,
        AwardEventKind.PAID,
        team_member,
        comment=f"Paid on {paid_on:%-d %B %Y}, reference {reference}",
    )
    _close_if_done(award, team_member)
    db.session.flush()


def _close_if_done(award: Award, team_member: User) -> None:
    """A paid award whose reports are all accepted is closed."""
    if (
        award.status is AwardStatus.PAID
        and award.reports
        and all(r.status is ReportStatus.ACCEPTED for r in award.reports)
    ):
        award.status = next_award_status(award.status, AwardAction.CLOSE)
        _record(award, AwardEventKind.CLOSED, team_member)


# --- When the reports are due -------------------------------------------------------------


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_dates_offered(award: Award) -> list[date]:
    """The dates the form shows: the reports not yet sent, or 6 and 12 months after
    the award when none is set."""
    waiting = [r.due_on for r in award.reports if r.status is ReportStatus.DUE]
    if waiting or award.reports:
        return waiting
    return [months_after(award_day(award), n) for n in DEFAULT_REPORT_MONTHS]


def set_due_dates(award: Award, team_member: User, days: list[date | None]) -> None:
    """The due dates of the reports not yet sent: a report moves to a new date, one
    more is added, or one left out is dropped. Reports already sent stay as they are."""
    if award.status is AwardStatus.CLOSED:
        raise Conflict("This award is closed: every report has been accepted.")
    chosen = [d for d in days if d is not None]
    kept = [r for r in award.reports if r.status is not ReportStatus.DUE]
    if not chosen and not kept:
        raise FieldError("first", "Enter the date the first report is due")
    for n, day in enumerate(days):
        if day is None:
            continue
        field = ("first", "second", "third")[n]
        if day < award_day(award):
            raise FieldError(
                field, f"The date must be after the award, {award_day(award):%-d %B %Y}"
            )
        if day in days[:n] or any(r.due_on == day for r in kept):
            raise FieldError(field, "Two reports cannot be due on the same day")
    waiting = sorted(
        (r for r in award.reports if r.status is ReportStatus.DUE), key=lambda r: r.due_on
    )
    for report, day in zip(waiting, sorted(chosen), strict=False):
        report.due_on = day
    for report in waiting[len(chosen) :]:
        award.reports.remove(report)
    for day in sorted(chosen)[len(waiting) :]:
        award.reports.append(MonitoringReport(due_on=day))
    due = sorted(r.due_on for r in award.reports)
    _record(
        award,
        AwardEventKind.DATES_SET,
        team_member,
        comment="Reports due " + ", ".join(f"{d:%-d %B %Y}" for d in due) if due else None,
    )
    db.session.flush()


# --- The organisation's report -------------------------------------------------------------


@dataclass(frozen=True)
class ReportFigures:
    what_was_done: str | None
    people_reached: int | None
    devices_given: int | None
    support_hours: int | None


def submit_report(
    report: MonitoringReport, person: User, figures: ReportFigures, now: datetime | None = None
) -> None:
    """The organisation sends its report; the team is told."""
    report.status = next_report_status(report.status, ReportAction.SUBMIT)
    report.what_was_done = _text(
        figures.what_was_done, "what_was_done", "Enter what the grant has done so far"
    )
    for name, label in (
        ("people_reached", "people reached"),
        ("devices_given", "devices given"),
        ("support_hours", "hours of support"),
    ):
        value = getattr(figures, name)
        if value is None:
            raise FieldError(name, f"Enter the number of {label}, 0 if none")
        if not 0 <= value <= MAX_COUNT:
            raise FieldError(name, f"The number of {label} must be from 0 to {MAX_COUNT:,}")
        setattr(report, name, value)
    report.submitted_at = now or utcnow()
    report.submitted_by = person
    _record(report.award, AwardEventKind.REPORT_SENT, person, report)
    db.session.flush()
    org = report.award.application.organisation
    notify(
        _team(),
        f"{org.name} sent a monitoring report on its grant",
        url_for("funding.team_report", report_id=report.id),
        ("report_submitted", f"Monitoring report from {org.name}"),
        report=report,
        org=org,
    )


def accept_report(report: MonitoringReport, team_member: User, comment: str | None) -> None:
    _review(report, team_member, ReportAction.ACCEPT, _text(comment, "comment", None))
    _close_if_done(report.award, team_member)
    db.session.flush()


def ask_for_more(report: MonitoringReport, team_member: User, comment: str | None) -> None:
    comment = _text(comment, "comment", "Enter what more you need to know")
    _review(report, team_member, ReportAction.ASK_FOR_MORE, comment)


def _review(
    report: MonitoringReport, team_member: User, action: ReportAction, comment: str | None
) -> None:
    if report.status is not ReportStatus.SUBMITTED:
        raise Conflict(
            f"This report is '{report.status.label.lower()}': there is nothing to answer."
        )
    report.status = next_report_status(report.status, action)
    report.reviewed_at = utcnow()
    report.reviewed_by = team_member
    report.team_comment = comment
    accepted = action is ReportAction.ACCEPT
    kind = AwardEventKind.REPORT_ACCEPTED if accepted else AwardEventKind.MORE_ASKED
    _record(report.award, kind, team_member, report, comment)
    db.session.flush()
    notify(
        _members(report.award),
        "Your monitoring report was accepted"
        if accepted
        else "The programme team asks for more in your monitoring report",
        url_for("funding.report", report_id=report.id),
        (
            "report_reviewed",
            "Monitoring report accepted" if accepted else "More information needed on your report",
        ),
        report=report,
        accepted=accepted,
    )


# --- The team's list -----------------------------------------------------------------------


def find_awards(status: AwardStatus | None, page: str) -> Page:
    """A page of awards, the latest first, with what the list shows loaded."""
    query = select(Award)
    count = select(func.count(Award.id))
    if status is not None:
        query = query.where(Award.status == status)
        count = count.where(Award.status == status)
    query = query.order_by(Award.awarded_at.desc(), Award.id.desc()).options(
        selectinload(Award.reports),
        selectinload(Award.application).selectinload(GrantApplication.organisation),
        selectinload(Award.application).selectinload(GrantApplication.round),
    )
    return paginate(
        query, total=db.session.scalar(count), page=page_number(page), per_page=PER_PAGE
    )


def next_due(award: Award) -> MonitoringReport | None:
    waiting = [r for r in award.reports if r.status is not ReportStatus.ACCEPTED]
    return min(waiting, key=lambda r: r.due_on) if waiting else None


AWARD_COLUMNS = (
    "Award",
    "Round",
    "Organisation",
    "Project",
    "Amount (£)",
    "Status",
    "Awarded",
    "Paid on",
    "Payment reference",
    "Reports",
    "Reports accepted",
    "People reached (accepted reports)",
)


def award_rows(status: AwardStatus | None) -> Iterator[list]:
    """The list as the CSV's rows, read as the download is written (exports.stream)."""
    rows = stream(_award_statement(status))

    def written() -> Iterator[list]:
        try:
            for row in rows:
                values = list(row)
                values[4] = money(values[4])
                yield values
        finally:
            rows.close()

    return written()


def _award_statement(status: AwardStatus | None):
    """The list's plain values: one query, the counts as subqueries."""
    accepted = MonitoringReport.status == ReportStatus.ACCEPTED

    def reports(*columns):
        return (
            select(*columns)
            .where(MonitoringReport.award_id == Award.id)
            .correlate(Award)
            .scalar_subquery()
        )

    statement = (
        select(
            Award.id,
            GrantRound.name,
            Organisation.name,
            GrantApplication.title,
            Award.amount_pence,
            Award.status,
            Award.awarded_at,
            Award.paid_on,
            Award.payment_reference,
            reports(func.count(MonitoringReport.id)),
            reports(func.count(MonitoringReport.id).filter(accepted)),
            reports(func.coalesce(func.sum(MonitoringReport.people_reached).filter(accepted), 0)),
        )
        .join(GrantApplication, GrantApplication.id == Award.application_id)
        .join(GrantRound, GrantRound.id == GrantApplication.round_id)
        .join(Organisation, Organisation.id == GrantApplication.organisation_id)
        .order_by(Award.awarded_at.desc(), Award.id.desc())
    )
    if status is not None:
        statement = statement.where(Award.status == status)
    return statement
