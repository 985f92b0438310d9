"""An organisation's application to a grant round: who may apply, the draft, the
answers and budget, submitting before the deadline, withdrawing, and the team's
eligibility check."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from brokerage.clock import format_datetime, utcnow
from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.funding.models import (
    ApplicationAction,
    ApplicationAnswer,
    ApplicationEvent,
    ApplicationStatus,
    BudgetLine,
    GrantApplication,
    GrantRound,
    QuestionKind,
    RoundQuestion,
    next_application_status,
)
from brokerage.history import record
from brokerage.money import pounds
from brokerage.notifications.services import notify
from brokerage.organisations.models import (
    MembershipStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)

MAX_NUMBER_ANSWER = 1_000_000_000
MAX_INCOME_PENCE = 100_000_000_000  # £1 billion: past this, a typing slip
TEXT_LIMITS = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 20_000}
YES_NO = ("Yes", "No")


def count_words(text: str) -> int:
    """Words as GOV.UK's character count counts them: runs of non-space characters."""
    return len(re.findall(r"\S+", text or ""))


@dataclass
class Draft:
    """What the applicant typed; the service keeps any of it, complete or not."""

    title: str = ""
    summary: str = ""
    amount_pence: int | None = None
    annual_income_pence: int | None = None
    answers: dict[int, str] = field(default_factory=dict)  # question id -> answer
    budget: list[tuple[str, int]] = field(default_factory=list)  # (item, pence)


def eligibility_problem(grant_round: GrantRound, org: Organisation) -> str | None:
    """Why `org` may not apply to the round, in plain words; None when it may."""
    if org.kind is not OrganisationKind.COMMUNITY:
        return "Only community organisations can apply for these grants."
    if org.status is not OrganisationStatus.APPROVED:
        return "Your organisation can apply once the programme team has verified it."
    if grant_round.wards:
        served = {w.id for w in org.wards}
        citywide = any(w.is_citywide for w in org.wards)
        if not citywide and not served & {w.id for w in grant_round.wards}:
            names = ", ".join(w.name for w in grant_round.wards)
            return f"This round is for organisations working in {names}."
    return None


def application_for(grant_round: GrantRound, org: Organisation) -> GrantApplication | None:
    return db.session.scalars(
        select(GrantApplication).where(
            GrantApplication.round_id == grant_round.id,
            GrantApplication.organisation_id == org.id,
        )
    ).one_or_none()


def start_application(
    grant_round: GrantRound, org: Organisation, person, now: datetime | None = None
) -> GrantApplication:
    """The organisation's application to the round: its existing one, or a new draft.
    One per organisation per round, even when two members start at once."""
    existing = application_for(grant_round, org)
    if existing is not None:
        return existing
    now = now or utcnow()
    if not grant_round.accepts_applications(now):
        raise DomainError("This round is not taking applications.")
    problem = eligibility_problem(grant_round, org)
    if problem:
        raise DomainError(problem)
    application = GrantApplication(
        round=grant_round, organisation=org, created_by=person, status=ApplicationStatus.DRAFT
    )
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        # Another member started it a moment ago: that one is theirs too.
        return application_for(grant_round, org)
    return application


def _check_answer(question: RoundQuestion, text: str) -> None:
    name = f"q{question.id}"
    if question.kind in TEXT_LIMITS:
        limit = TEXT_LIMITS[question.kind]
        if len(text) > limit:
            raise FieldError(name, f"Your answer must be {limit:,} characters or fewer")
        if question.word_limit and count_words(text) > question.word_limit:
            over = count_words(text) - question.word_limit
            raise FieldError(name, f"Your answer is {over:,} words too long")
    elif question.kind is QuestionKind.NUMBER and text:
        plain = text.replace(",", "")
        if not (plain.isascii() and plain.isdigit()) or int(plain) > MAX_NUMBER_ANSWER:
            raise FieldError(name, "Enter a whole number, like 120")
    elif question.kind is QuestionKind.YES_NO and text and text not in YES_NO:
        raise FieldError(name, "Choose yes or no")
    elif question.kind is QuestionKind.CHOICE and text and text not in question.choice_list:
        raise FieldError(name, "Choose one of the options")


def _check_money(draft: Draft) -> None:
    if draft.amount_pence is not None and draft.amount_pence > MAX_INCOME_PENCE:
        raise FieldError("amount", "Enter an amount less than £1,000,000,000")
    if draft.annual_income_pence is not None and draft.annual_income_pence > MAX_INCOME_PENCE:
        raise FieldError("annual_income", "Enter an income less than £1,000,000,000")


def save_application(application: GrantApplication, person, draft: Draft) -> None:
    """Keep the draft as typed (checked for shape, not for completeness)."""
    if application.status is not ApplicationStatus.DRAFT:
        raise DomainError("This application has been sent: it can no longer change.")
    questions = {q.id: q for q in application.round.questions}
    for question_id, text in draft.answers.items():
        _check_answer(questions[question_id], text)
    _check_money(draft)
    application.title = draft.title
    application.summary = draft.summary
    application.amount_pence = draft.amount_pence
    application.annual_income_pence = draft.annual_income_pence
    kept = {a.question_id: a for a in application.answers}
    for question_id, text in draft.answers.items():
        if question_id in kept:
            kept[question_id].text = text
        else:
            application.answers.append(ApplicationAnswer(question_id=question_id, text=text))
    application.budget_lines = [
        BudgetLine(position=n, item=item, amount_pence=amount)
        for n, (item, amount) in enumerate(draft.budget, start=1)
    ]
    db.session.flush()


def missing_parts(application: GrantApplication) -> list[tuple[str, str]]:
    """(field, message) for everything a complete application still needs."""
    grant_round = application.round
    missing = []
    if not application.title:
        missing.append(("title", "Enter a title for your project"))
    if not application.summary:
        missing.append(("summary", "Describe your project in a few sentences"))
    for question in grant_round.questions:
        if question.required and not application.answer_to(question).strip():
            missing.append((f"q{question.id}", f"Answer '{question.prompt}'"))
    amount = application.amount_pence
    low, high = grant_round.min_grant_pence, grant_round.max_grant_pence
    if amount is None:
        missing.append(("amount", "Enter the amount you are asking for"))
    elif not low <= amount <= high:
        missing.append(("amount", f"Ask for an amount from {pounds(low)} to {pounds(high)}"))
    if not application.budget_lines:
        missing.append(("budget", "Add at least one line to your budget"))
    elif amount is not None and application.budget_total_pence != amount:
        total = pounds(application.budget_total_pence)
        missing.append(("budget", f"Your budget adds up to {total}: make it match the amount"))
    income = application.annual_income_pence
    if grant_round.max_income_pence is not None:
        if income is None:
            missing.append(("annual_income", "Enter your organisation's annual income"))
        elif income > grant_round.max_income_pence:
            limit = pounds(grant_round.max_income_pence)
            missing.append(("annual_income", f"This round is for incomes up to {limit} a year"))
    return missing


def _move(application, person, action: ApplicationAction, reason: str | None = None) -> None:
    before = application.status
    application.status = next_application_status(before, action)
    record(
        ApplicationEvent(
            application=application,
            actor=person,
            action=action,
            from_status=before,
            to_status=application.status,
            reason=reason,
        )
    )


def submit_application(application: GrantApplication, person, now: datetime | None = None):
    """Send the application to the team: complete, and before the closing time (to
    the second, whatever the applicant's clock says)."""
    now = now or utcnow()
    grant_round = application.round
    if now >= grant_round.closes_at:
        raise DomainError(
            f"The round closed at {format_datetime(grant_round.closes_at)}: "
            "applications can no longer be sent."
        )
    missing = missing_parts(application)
    if missing:
        raise FieldError(*missing[0])
    _move(application, person, ApplicationAction.SUBMIT)
    application.submitted_at = now
    members = [m.user for m in application.organisation.active_memberships]
    notify(
        members,
        f"Your application to {grant_round.name} was sent",
        f"/funding/applications/{application.id}",
        email=("funding_application_sent", f"Application sent: {grant_round.name}"),
        application=application,
    )
    db.session.flush()


def withdraw_application(application: GrantApplication, person, reason: str | None) -> None:
    _move(application, person, ApplicationAction.WITHDRAW, reason)
    db.session.flush()


def check_eligibility(
    application: GrantApplication, team_member, eligible: bool, reason: str | None
) -> None:
    """The team's check: eligible, or not eligible with a reason the applicant sees."""
    if not eligible and not reason:
        raise FieldError("reason", "Tell the applicant why it is not eligible")
    action = ApplicationAction.MARK_ELIGIBLE if eligible else ApplicationAction.MARK_INELIGIBLE
    _move(application, team_member, action, None if eligible else reason)
    application.ineligible_reason = None if eligible else reason
    if not eligible:
        members = [m.user for m in application.organisation.active_memberships]
        notify(
            members,
            f"Your application to {application.round.name} is not eligible",
            f"/funding/applications/{application.id}",
            email=(
                "funding_ineligible",
                f"Your application to {application.round.name}",
            ),
            application=application,
        )
    db.session.flush()


def applications_of(grant_round: GrantRound) -> list[GrantApplication]:
    """The round's applications that have been sent, oldest first (drafts are private)."""
    return list(
        db.session.scalars(
            select(GrantApplication)
            .options(selectinload(GrantApplication.organisation))
            .where(
                GrantApplication.round_id == grant_round.id,
                GrantApplication.status != ApplicationStatus.DRAFT,
            )
            .order_by(GrantApplication.submitted_at, GrantApplication.id)
        )
    )


def applications_for_people(person) -> list[GrantApplication]:
    """Every application of the organisations `person` is an active member of."""
    org_ids = [m.organisation_id for m in person.memberships if m.status is MembershipStatus.ACTIVE]
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            select(GrantApplication)
            .options(
                selectinload(GrantApplication.organisation),
                selectinload(GrantApplication.round),
            )
            .where(GrantApplication.organisation_id.in_(org_ids))
            .order_by(GrantApplication.created_at.desc())
        )
    )
