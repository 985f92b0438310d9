"""Grant rounds, applications, panels and awards as the funding tests need them:
committed rows in a given state, written straight through the models."""

from __future__ import annotations

from datetime import timedelta

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.funding.award_models import Award, AwardStatus, MonitoringReport
from brokerage.funding.models import (
    ApplicationAnswer,
    ApplicationStatus,
    BudgetLine,
    GrantApplication,
    GrantRound,
    PanelMember,
    QuestionKind,
    RoundCriterion,
    RoundQuestion,
    RoundStatus,
)
from brokerage.organisations.models import Organisation


def grant_round(
    *,
    status: RoundStatus = RoundStatus.OPEN,
    name: str = "Digital Inclusion Fund 2027",
    pot_pence: int = 5_000_000,
    min_grant_pence: int = 100_000,
    max_grant_pence: int = 1_000_000,
    opens_in: timedelta = timedelta(days=-7),
    closes_in: timedelta = timedelta(days=21),
    criteria=(("Reach", 2), ("Value for money", 1)),
) -> GrantRound:
    """A round with two questions (a long text of at most 50 words, a yes/no) and
    weighted criteria, open from a week ago for three weeks unless told otherwise."""
    now = utcnow()
    new = GrantRound(
        name=name,
        description="Grants for projects that help people in Leeds get online.",
        status=status,
        pot_pence=pot_pence,
        min_grant_pence=min_grant_pence,
        max_grant_pence=max_grant_pence,
        opens_at=now + opens_in,
        closes_at=now + closes_in,
        published_at=None if status is RoundStatus.DRAFT else now + opens_in,
    )
    new.questions = [
        RoundQuestion(
            position=1,
            kind=QuestionKind.LONG_TEXT,
            prompt="What will you do with the grant?",
            word_limit=50,
        ),
        RoundQuestion(
            position=2, kind=QuestionKind.YES_NO, prompt="Have you run this project before?"
        ),
    ]
    new.criteria = [
        RoundCriterion(position=n, name=criterion, weight=weight)
        for n, (criterion, weight) in enumerate(criteria, start=1)
    ]
    db.session.add(new)
    db.session.commit()
    return new


def application(
    grant_round: GrantRound,
    organisation: Organisation,
    *,
    status: ApplicationStatus = ApplicationStatus.SUBMITTED,
    amount_pence: int = 500_000,
    title: str | None = None,
) -> GrantApplication:
    """A complete application (every question answered, a budget that adds up)."""
    made = GrantApplication(
        round=grant_round,
        organisation=organisation,
        status=status,
        title=title or f"Digital champions at {organisation.name}",
        summary="Weekly drop-in sessions where volunteers help people get online.",
        amount_pence=amount_pence,
        annual_income_pence=8_000_000,
        created_by=organisation.owners[0] if organisation.owners else None,
        submitted_at=None if status is ApplicationStatus.DRAFT else utcnow(),
    )
    made.answers = [
        ApplicationAnswer(
            question=q, text="Yes" if q.kind is QuestionKind.YES_NO else "Run drop-ins."
        )
        for q in grant_round.questions
    ]
    made.budget_lines = [
        BudgetLine(position=1, item="Laptops for loan", amount_pence=amount_pence - 100_000),
        BudgetLine(position=2, item="Volunteer expenses", amount_pence=100_000),
    ]
    db.session.add(made)
    db.session.commit()
    return made


def panel_member(grant_round: GrantRound, person) -> PanelMember:
    member = PanelMember(round=grant_round, user=person)
    db.session.add(member)
    db.session.commit()
    return member


def award(
    grant_application: GrantApplication,
    *,
    amount_pence: int | None = None,
    status: AwardStatus = AwardStatus.AWARDED,
    reports_due=(),
) -> Award:
    """An award on the application (taken to awarded), with monitoring reports due on
    the dates in `reports_due`."""
    grant_application.status = ApplicationStatus.AWARDED
    grant_application.decided_at = utcnow()
    made = Award(
        application=grant_application,
        amount_pence=amount_pence or grant_application.amount_pence,
        status=status,
        conditions="Report on the people you reach.",
    )
    made.reports = [MonitoringReport(due_on=day) for day in reports_due]
    db.session.add(made)
    db.session.commit()
    return made
