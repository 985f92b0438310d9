"""Demo grant rounds: last year's, decided and published, with awards being paid and
monitored; this winter's, closed and being scored by a panel; this spring's, open,
where the demo charity has a draft. Looked up by name, so loading twice adds nothing."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.accounts.services import find_user_by_email
from brokerage.clock import today_in_leeds
from brokerage.demo.funding_panel import demo_panel
from brokerage.extensions import db
from brokerage.funding.award_models import Award, AwardStatus, MonitoringReport, ReportStatus
from brokerage.funding.models import (
    ApplicationAnswer,
    ApplicationStatus,
    BudgetLine,
    GrantApplication,
    GrantRound,
    PanelMember,
    QuestionKind,
    RoundCriterion,
    RoundFunder,
    RoundQuestion,
    RoundStatus,
)
from brokerage.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from brokerage.ticketing.models import Ball

QUESTIONS = [
    (QuestionKind.LONG_TEXT, "What will you do with the grant?", 250),
    (QuestionKind.LONG_TEXT, "Who will it help, and how will you reach them?", 200),
    (QuestionKind.NUMBER, "How many people do you expect to help?", None),
    (QuestionKind.YES_NO, "Have you run digital inclusion work before?", None),
]
CRITERIA = [
    ("Reach: people who are digitally excluded", 3),
    ("A clear plan that can be delivered", 2),
    ("Value for money", 1),
]
PROJECTS = [
    "Tablet lending library",
    "Digital champions in the community centre",
    "Get online at the foodbank",
    "NHS App help sessions",
    "Data SIMs for families",
    "Job search drop-in",
    "Video calls for isolated older people",
]
PANEL_EMAIL = "panel@example.org"
CHARITY_EMAIL = "charity@example.org"


def _round(name: str, status: RoundStatus, opens: datetime, closes: datetime, team, **more):
    found = db.session.scalars(select(GrantRound).where(GrantRound.name == name)).first()
    if found is not None:
        return None
    grant_round = GrantRound(
        name=name,
        description=(
            "Grants from the money raised at the Digital Charity Ball, for community "
            "organisations in Leeds that help people get online: devices and data, "
            "skills sessions, and support to use online services safely."
        ),
        status=status,
        pot_pence=more.pop("pot_pence", 5_000_000),
        min_grant_pence=100_000,
        max_grant_pence=1_000_000,
        opens_at=opens,
        closes_at=closes,
        created_by=team,
        published_at=opens,
        **more,
    )
    grant_round.questions = [
        RoundQuestion(position=n, kind=kind, prompt=prompt, word_limit=limit)
        for n, (kind, prompt, limit) in enumerate(QUESTIONS, start=1)
    ]
    grant_round.criteria = [
        RoundCriterion(position=n, name=name, weight=weight)
        for n, (name, weight) in enumerate(CRITERIA, start=1)
    ]
    db.session.add(grant_round)
    return grant_round


def _application(grant_round, org, status, project, amount, sent: datetime | None, owner):
    application = GrantApplication(
        round=grant_round,
        organisation=org,
        status=status,
        title=project,
        summary=f"{project}: weekly sessions run by trained volunteers at {org.name}.",
        amount_pence=amount,
        annual_income_pence=12_000_000,
        created_by=owner,
        submitted_at=sent,
    )
    answers = {
        QuestionKind.LONG_TEXT: "We will run weekly sessions and lend devices with data.",
        QuestionKind.NUMBER: "120",
        QuestionKind.YES_NO: "Yes",
    }
    application.answers = [
        ApplicationAnswer(question=q, text=answers[q.kind]) for q in grant_round.questions
    ]
    equipment = amount * 3 // 4
    application.budget_lines = [
        BudgetLine(position=1, item="Devices and data", amount_pence=equipment),
        BudgetLine(
            position=2, item="Volunteer expenses and training", amount_pence=amount - equipment
        ),
    ]
    db.session.add(application)
    return application


def _charities(exclude: Organisation | None) -> list[Organisation]:
    rows = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.kind == OrganisationKind.COMMUNITY,
            Organisation.status == OrganisationStatus.APPROVED,
        )
        .order_by(Organisation.id)
        .limit(12)
    ).all()
    return [org for org in rows if org is not exclude]


def _owner(org: Organisation) -> User | None:
    return org.owners[0] if org.owners else None


def _last_years_round(team, charity, others, today: date, now: datetime) -> None:
    ball = db.session.scalars(
        select(Ball).where(Ball.starts_at < now).order_by(Ball.starts_at.desc())
    ).first()
    grant_round = _round(
        "Digital Inclusion Fund 2026",
        RoundStatus.PUBLISHED,
        now - timedelta(days=330),
        now - timedelta(days=300),
        team,
        ball_id=ball.id if ball else None,
        results_published_at=now - timedelta(days=250),
    )
    if grant_round is None:
        return
    grant_round.funders = [RoundFunder(name="Leeds Community Foundation", amount_pence=1_000_000)]
    sent = now - timedelta(days=305)
    awarded = ([(charity, PROJECTS[0], 1_000_000)] if charity else []) + [
        (org, PROJECTS[n], 1_000_000) for n, org in enumerate(others[:3], start=1)
    ]
    for org, project, amount in awarded:
        application = _application(
            grant_round, org, ApplicationStatus.AWARDED, project, amount, sent, _owner(org)
        )
        application.decided_at = now - timedelta(days=260)
        award = Award(
            application=application,
            amount_pence=amount,
            status=AwardStatus.PAID,
            conditions="Report at six and twelve months on the people you reach.",
            awarded_at=now - timedelta(days=260),
            awarded_by=team,
            paid_on=today - timedelta(days=240),
            payment_reference=f"DIF26-{org.id:04d}",
            paid_recorded_by=team,
        )
        six = MonitoringReport(
            due_on=today - timedelta(days=80),
            status=ReportStatus.ACCEPTED,
            what_was_done="Forty sessions run; tablets lent to families without a device.",
            people_reached=140,
            devices_given=25,
            support_hours=300,
            submitted_at=now - timedelta(days=82),
            submitted_by=_owner(org),
            reviewed_at=now - timedelta(days=75),
            reviewed_by=team,
        )
        twelve = MonitoringReport(due_on=today + timedelta(days=10))
        award.reports = [six, twelve]
        db.session.add(award)
    for org in others[3:5]:
        declined = _application(
            grant_round, org, ApplicationStatus.DECLINED, PROJECTS[5], 800_000, sent, _owner(org)
        )
        declined.feedback = (
            "A strong idea; the panel asked for a clearer plan of who you will reach."
        )
        declined.decided_at = now - timedelta(days=260)


def _panel_person() -> User | None:
    return find_user_by_email(PANEL_EMAIL)


def _winter_round(team, others, now: datetime) -> None:
    grant_round = _round(
        "Digital Inclusion Fund 2027: winter round",
        RoundStatus.SCORING,
        now - timedelta(days=50),
        now - timedelta(days=5),
        team,
        pot_pence=4_000_000,
    )
    if grant_round is None:
        return
    rng = random.Random(2027)
    sent = now - timedelta(days=8)
    for n, org in enumerate(others[5:11]):
        _application(
            grant_round,
            org,
            ApplicationStatus.ELIGIBLE,
            PROJECTS[n % len(PROJECTS)],
            rng.choice([500_000, 750_000, 1_000_000]),
            sent,
            _owner(org),
        )
    db.session.flush()
    # The team member and the sponsor's person have scored (a draft and a conflict among
    # them); the demo panel sign-in has everything still to do.
    sponsor = find_user_by_email("company@example.org")
    demo_panel(grant_round, [p for p in (team, sponsor) if p is not None], team)
    person = _panel_person()
    if person is not None:
        db.session.add(PanelMember(round=grant_round, user=person, added_by_id=team.id))


def _spring_round(team, charity, now: datetime) -> None:
    grant_round = _round(
        "Digital Inclusion Fund 2027: spring round",
        RoundStatus.OPEN,
        now - timedelta(days=3),
        now + timedelta(days=25),
        team,
    )
    if grant_round is None or charity is None:
        return
    draft = _application(
        grant_round, charity, ApplicationStatus.DRAFT, PROJECTS[3], 600_000, None, _owner(charity)
    )
    draft.answers = draft.answers[:1]


def seed_grant_rounds(team_member: User, now: datetime) -> None:
    charity_owner = find_user_by_email(CHARITY_EMAIL)
    charity = (
        next((m.organisation for m in charity_owner.memberships), None) if charity_owner else None
    )
    others = _charities(charity)
    today = today_in_leeds(now)
    _last_years_round(team_member, charity, others, today, now)
    _winter_round(team_member, others, now)
    _spring_round(team_member, charity, now)
    db.session.flush()
