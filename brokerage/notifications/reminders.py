"""Reminders the worker sends, each at most once per thing and person, so matches keep
moving (README, "Reminders"):

- an organisation that has not answered a proposal after PROPOSAL_FLAG_WORKING_DAYS
  working days (the team still sees the flag);
- the charity whose agreed match has passed its need's date without a confirmed
  delivery;
- either side that has not left feedback REMIND_FEEDBACK_DAYS after completion;
- owners whose need or offer closes in REMIND_CLOSING_DAYS days;
- members of the organisations another funder's opportunity fits, REMIND_OPPORTUNITY_DAYS
  days before its deadline, unless their organisation said it is not for them;
- ball buyers with seats still to name, REMIND_GUEST_NAMES_DAYS days before the guest
  cut-off (by email: they need no account);
- an awarded organisation's members, REMIND_REPORT_DAYS days before a monitoring report
  they have not sent is due (once, even if the report is already late);
- each volunteer on a volunteering session that starts tomorrow (Leeds date), with its
  time, place or link and its calendar file.

A person who has turned reminders off (their account page) gets none; service emails
(a decision, a receipt) still go. A reminder that cannot be sent is logged and the
rest still go."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from brokerage.accounts.models import User
from brokerage.bank_holidays import working_days_between
from brokerage.clock import format_datetime, start_of, today_in_leeds, utcnow
from brokerage.extensions import db
from brokerage.funding import opportunities
from brokerage.funding.award_models import Award, AwardStatus, MonitoringReport, ReportStatus
from brokerage.links import site_url
from brokerage.listings.models import OPEN_STATUSES, ListingSide, Need, Offer
from brokerage.matches.models import Feedback, Match, MatchStatus
from brokerage.notifications.models import ReminderSent
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import Organisation
from brokerage.ticketing.invoice_models import Invoice
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    Order,
    OrderStatus,
    Ticket,
    TicketStatus,
)
from brokerage.volunteering import sessions as volunteer_sessions
from brokerage.volunteering.models import SessionStatus, VolunteerSession

log = logging.getLogger(__name__)


@dataclass
class Reminded:
    proposals: int = 0
    deliveries: int = 0
    feedback: int = 0
    closing: int = 0
    opportunities: int = 0
    guest_names: int = 0
    reports: int = 0
    sessions: int = 0
    invoices: int = 0
    problems: int = 0

    def summary(self) -> str | None:
        parts = [f"{name.replace('_', ' ')} {n}" for name, n in vars(self).items() if n]
        return "reminders: " + ", ".join(parts) if parts else None


def _first_time(kind: str, thing_id: int, recipient: str, now: datetime) -> bool:
    """Note that this reminder is going, unless it already went: the unique key makes
    a second worker's attempt fail rather than send it twice."""
    try:
        with db.session.begin_nested():
            db.session.add(
                ReminderSent(kind=kind, thing_id=thing_id, recipient=recipient, sent_at=now)
            )
        return True
    except IntegrityError:
        return False


def _wanted(people: Iterable[User]) -> list[User]:
    return [p for p in people if p.active and not p.reminders_off]


def _remind(
    kind: str,
    thing_id: int,
    people: Iterable[User],
    text: str,
    path: str,
    now: datetime,
    **context,
) -> int:
    sent = 0
    for person in _wanted(people):
        if _first_time(kind, thing_id, f"user:{person.id}", now):
            notify([person], text, path, email=("reminder", text), message=text, **context)
            sent += 1
    return sent


def _members(org: Organisation) -> list[User]:
    return [m.user for m in org.active_memberships]


def _each(things: Iterable, count: Callable[[object], int], reminded: Reminded, name: str):
    """Run `count` for each thing; one that fails is logged and the rest go on."""
    for thing in things:
        try:
            with db.session.begin_nested():
                setattr(reminded, name, getattr(reminded, name) + count(thing))
        except Exception:
            log.exception("reminders: %s %s could not be sent", name, getattr(thing, "id", "?"))
            reminded.problems += 1


def remind_proposals(config: Mapping, now: datetime, reminded: Reminded) -> None:
    days = config["PROPOSAL_FLAG_WORKING_DAYS"]
    waiting = db.session.scalars(
        select(Match)
        .where(Match.status == MatchStatus.PROPOSED, Match.proposed_at < now - timedelta(days=1))
        .order_by(Match.id)
    ).all()

    def one(match: Match) -> int:
        if working_days_between(match.proposed_at, now) < days:
            return 0
        sent = 0
        for side, accepted, org in (
            (ListingSide.NEED, match.need_accepted_at, match.need.organisation),
            (ListingSide.OFFER, match.offer_accepted_at, match.offer.organisation),
        ):
            if accepted is None:
                sent += _remind(
                    f"proposal_{side.value}",
                    match.id,
                    _members(org),
                    f"A proposed match is waiting for {org.name}'s answer",
                    f"/matches/{match.id}",
                    now,
                )
        return sent

    _each(waiting, one, reminded, "proposals")


def remind_deliveries(config: Mapping, now: datetime, reminded: Reminded) -> None:
    today = today_in_leeds(now)
    overdue = db.session.scalars(
        select(Match)
        .join(Need, Need.id == Match.need_id)
        .where(Match.status.in_([MatchStatus.AGREED, MatchStatus.IN_PROGRESS]))
        .where(Need.deadline < today)
        .order_by(Match.id)
    ).all()

    def one(match: Match) -> int:
        org = match.need.organisation
        return _remind(
            "delivery",
            match.id,
            _members(org),
            f"Has the match for {match.need.title} been delivered? Confirm what arrived",
            f"/matches/{match.id}",
            now,
        )

    _each(overdue, one, reminded, "deliveries")


def remind_feedback(config: Mapping, now: datetime, reminded: Reminded) -> None:
    done_before = now - timedelta(days=config["REMIND_FEEDBACK_DAYS"])
    completed = db.session.scalars(
        select(Match)
        .where(Match.status == MatchStatus.COMPLETED, Match.closed_at < done_before)
        .order_by(Match.id)
    ).all()

    def one(match: Match) -> int:
        sent = 0
        for side, org in (
            (ListingSide.NEED, match.need.organisation),
            (ListingSide.OFFER, match.offer.organisation),
        ):
            left = db.session.scalar(
                select(exists().where(Feedback.match_id == match.id, Feedback.side == side))
            )
            if not left:
                sent += _remind(
                    f"feedback_{side.value}",
                    match.id,
                    _members(org),
                    f"How did the match for {match.need.title} go? Leave feedback",
                    f"/matches/{match.id}",
                    now,
                )
        return sent

    _each(completed, one, reminded, "feedback")


def remind_closing(config: Mapping, now: datetime, reminded: Reminded) -> None:
    today = today_in_leeds(now)
    soon = today + timedelta(days=config["REMIND_CLOSING_DAYS"])
    for model, kind, path in (
        (Need, "need_closing", "/needs"),
        (Offer, "offer_closing", "/offers"),
    ):
        closes = model.closes_on_column()
        closing = db.session.scalars(
            select(model)
            .where(model.status.in_(OPEN_STATUSES), closes >= today, closes <= soon)
            .order_by(model.id)
        ).all()

        def one(listing, kind=kind, path=path) -> int:
            return _remind(
                kind,
                listing.id,
                listing.organisation.owners,
                f"{listing.title} closes on {listing.closes_on:%-d %B}: extend it or mark it met",
                f"{path}/{listing.id}",
                now,
            )

        _each(closing, one, reminded, "closing")


def remind_guest_names(config: Mapping, now: datetime, reminded: Reminded) -> None:
    for days in config["REMIND_GUEST_NAMES_DAYS"]:
        cut_offs = select(Ball.id).where(
            Ball.guest_changes_until > now, Ball.guest_changes_until <= now + timedelta(days=days)
        )
        unnamed = exists().where(
            Ticket.order_id == Order.id,
            Ticket.status == TicketStatus.VALID,
            Ticket.guest_name.is_(None),
        )
        orders = db.session.scalars(
            select(Order)
            .where(Order.ball_id.in_(cut_offs), Order.status.in_(PAID_STATUSES), unnamed)
            .order_by(Order.id)
        ).all()

        def one(order: Order, days=days) -> int:
            if not _first_time(f"guest_names_{days}", order.id, f"order:{order.id}", now):
                return 0
            queue_email(
                order.buyer_email,
                "reminder_guest_names",
                f"Name your guests for {order.ball.name}",
                order=order,
                link=site_url("ticketing.order", token=order.token),
            )
            return 1

        _each(orders, one, reminded, "guest_names")


def remind_invoices(config: Mapping, now: datetime, reminded: Reminded) -> None:
    """An unpaid ball invoice, INVOICE_REMIND_DAYS before it is due (once)."""
    soon = now + timedelta(days=config["INVOICE_REMIND_DAYS"])
    unpaid = db.session.scalars(
        select(Invoice)
        .join(Order, Order.id == Invoice.order_id)
        .where(Order.status == OrderStatus.PENDING, Invoice.due_at > now, Invoice.due_at <= soon)
        .order_by(Invoice.id)
    ).all()

    def one(invoice: Invoice) -> int:
        order = invoice.order
        if not _first_time("invoice_due", invoice.id, f"order:{order.id}", now):
            return 0
        queue_email(
            order.buyer_email,
            "reminder_invoice",
            f"Invoice {invoice.number} is due soon",
            invoice=invoice,
            order=order,
            link=site_url("ticketing.invoice", token=order.token),
        )
        return 1

    _each(unpaid, one, reminded, "invoices")


def remind_opportunities(config: Mapping, now: datetime, reminded: Reminded) -> None:
    today = today_in_leeds(now)
    closing = opportunities.closing_soon(today, config["REMIND_OPPORTUNITY_DAYS"])

    def one(opportunity) -> int:
        sent = 0
        text = (
            f"{opportunity.title} ({opportunity.funder}) closes on "
            f"{opportunity.deadline:%-d %B}: apply, or say it is not for you"
        )
        for org in opportunities.fitting_organisations(opportunity, undismissed=True):
            sent += _remind(
                "opportunity",
                opportunity.id,
                _members(org),
                text,
                opportunities.funding_path(org),
                now,
            )
        return sent

    _each(closing, one, reminded, "opportunities")


def remind_reports(config: Mapping, now: datetime, reminded: Reminded) -> None:
    soon = today_in_leeds(now) + timedelta(days=config["REMIND_REPORT_DAYS"])
    due = db.session.scalars(
        select(MonitoringReport)
        .join(Award, Award.id == MonitoringReport.award_id)
        .where(
            MonitoringReport.status.in_([ReportStatus.DUE, ReportStatus.MORE_REQUESTED]),
            MonitoringReport.due_on <= soon,
            Award.status != AwardStatus.CLOSED,
        )
        .order_by(MonitoringReport.id)
    ).all()

    def one(report: MonitoringReport) -> int:
        return _remind(
            "report_due",
            report.id,
            _members(report.award.application.organisation),
            f"Your grant's monitoring report is due on {report.due_on:%-d %B %Y}: send it",
            f"/funding/reports/{report.id}",
            now,
        )

    _each(due, one, reminded, "reports")


def remind_sessions(config: Mapping, now: datetime, reminded: Reminded) -> None:
    tomorrow = today_in_leeds(now) + timedelta(days=1)
    starting = db.session.scalars(
        select(VolunteerSession)
        .where(
            VolunteerSession.status == SessionStatus.SCHEDULED,
            VolunteerSession.starts_at >= start_of(tomorrow),
            VolunteerSession.starts_at < start_of(tomorrow + timedelta(days=1)),
        )
        .order_by(VolunteerSession.id)
    ).all()

    def one(session: VolunteerSession) -> int:
        sent = 0
        people = _wanted(a.volunteer.user for a in session.attendees if a.volunteer.is_active)
        for person in people:
            if not _first_time("session_tomorrow", session.id, f"user:{person.id}", now):
                continue
            text = f"You are volunteering tomorrow with {session.match.need.organisation.name}"
            notify([person], text, f"/matches/{session.match_id}/sessions")
            queue_email(
                person.email,
                "volunteer_session_reminder",
                f"Tomorrow: volunteering at {format_datetime(session.starts_at)}",
                user=person,
                session=session,
                when=format_datetime(session.starts_at),
                until=format_datetime(session.ends_at).rsplit(" at ", 1)[-1],
                place=volunteer_sessions.where(session),
                ics_link=volunteer_sessions.ics_url(session),
                link=site_url("volunteering.sessions", match_id=session.match_id),
            )
            sent += 1
        return sent

    _each(starting, one, reminded, "sessions")


def send_reminders(config: Mapping, now: datetime | None = None) -> Reminded:
    """Every kind of reminder that is due, each committed as it finishes."""
    now = now or utcnow()
    reminded = Reminded()
    for step in (
        remind_proposals,
        remind_deliveries,
        remind_feedback,
        remind_closing,
        remind_opportunities,
        remind_guest_names,
        remind_reports,
        remind_sessions,
        remind_invoices,
    ):
        step(config, now, reminded)
        db.session.commit()
    return reminded
