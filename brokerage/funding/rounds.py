"""Setting up a grant round and moving it through its life: the details, the pot and
other funders, the questions and criteria, publishing, closing for scoring, results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from brokerage.clock import format_datetime, utcnow
from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.funding.models import (
    ApplicationStatus,
    GrantApplication,
    GrantRound,
    QuestionKind,
    RoundAction,
    RoundCriterion,
    RoundFunder,
    RoundQuestion,
    RoundStatus,
    next_round_status,
)
from brokerage.organisations.models import Ward

# A round's pot, and any grant, stays below £10 million: a mistyped extra digit is caught.
MAX_POT_PENCE = 1_000_000_000
MAX_WORD_LIMIT = 2_000
MAX_WEIGHT = 10
MAX_QUESTIONS = 30
MAX_CRITERIA = 12


@dataclass
class RoundDetails:
    name: str
    description: str
    pot_pence: int
    min_grant_pence: int
    max_grant_pence: int
    opens_at: datetime
    closes_at: datetime
    max_income_pence: int | None = None
    ward_ids: list[int] = field(default_factory=list)
    ball_id: int | None = None


def _check(details: RoundDetails) -> None:
    if details.pot_pence > MAX_POT_PENCE:
        raise FieldError("pot", "The pot must be less than £10,000,000")
    if details.max_grant_pence > MAX_POT_PENCE:
        raise FieldError("max_grant", "The largest grant must be less than £10,000,000")
    if details.min_grant_pence > details.max_grant_pence:
        raise FieldError("max_grant", "The largest grant must be at least the smallest grant")
    if details.max_grant_pence > details.pot_pence:
        raise FieldError("max_grant", "The largest grant cannot be more than the pot")
    if details.closes_at <= details.opens_at:
        raise FieldError("closes_at", "The round must close after it opens")


def _apply(grant_round: GrantRound, details: RoundDetails) -> None:
    _check(details)
    grant_round.name = details.name
    grant_round.description = details.description
    grant_round.pot_pence = details.pot_pence
    grant_round.min_grant_pence = details.min_grant_pence
    grant_round.max_grant_pence = details.max_grant_pence
    grant_round.max_income_pence = details.max_income_pence
    grant_round.opens_at = details.opens_at
    grant_round.closes_at = details.closes_at
    grant_round.ball_id = details.ball_id
    wards = db.session.scalars(select(Ward).where(Ward.id.in_(details.ward_ids))).all()
    # Leeds-wide means every ward: no limit.
    grant_round.wards = [] if any(w.is_citywide for w in wards) else list(wards)


def create_round(team_member, details: RoundDetails) -> GrantRound:
    grant_round = GrantRound(status=RoundStatus.DRAFT, created_by=team_member)
    _apply(grant_round, details)
    db.session.add(grant_round)
    db.session.flush()
    return grant_round


def _editable(grant_round: GrantRound) -> None:
    if grant_round.status is not RoundStatus.DRAFT:
        raise DomainError(
            "This round is published: its details, questions and criteria can no longer "
            "change, so every applicant answers the same round."
        )


def update_round(grant_round: GrantRound, details: RoundDetails) -> None:
    _editable(grant_round)
    _apply(grant_round, details)
    db.session.flush()


def add_question(
    grant_round: GrantRound,
    kind: QuestionKind,
    prompt: str,
    hint: str = "",
    word_limit: int | None = None,
    choices: str = "",
    required: bool = True,
) -> RoundQuestion:
    _editable(grant_round)
    if len(grant_round.questions) >= MAX_QUESTIONS:
        raise DomainError(f"A round can ask at most {MAX_QUESTIONS} questions.")
    text_kinds = {QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT}
    if word_limit is not None and kind not in text_kinds:
        raise FieldError("word_limit", "Only text questions have a word limit")
    if word_limit is not None and not 1 <= word_limit <= MAX_WORD_LIMIT:
        raise FieldError("word_limit", f"The word limit must be from 1 to {MAX_WORD_LIMIT:,}")
    options = [line.strip() for line in choices.splitlines() if line.strip()]
    if kind is QuestionKind.CHOICE and len(options) < 2:
        raise FieldError("choices", "Enter at least two choices, one on each line")
    if kind is not QuestionKind.CHOICE and options:
        raise FieldError("choices", "Only a question of the kind 'one of a list' has choices")
    position = max((q.position for q in grant_round.questions), default=0) + 1
    question = RoundQuestion(
        kind=kind,
        prompt=prompt,
        hint=hint,
        word_limit=word_limit,
        choices="\n".join(options),
        required=required,
        position=position,
    )
    grant_round.questions.append(question)
    db.session.flush()
    return question


def add_criterion(
    grant_round: GrantRound, name: str, description: str, weight: int
) -> RoundCriterion:
    _editable(grant_round)
    if len(grant_round.criteria) >= MAX_CRITERIA:
        raise DomainError(f"A round can have at most {MAX_CRITERIA} criteria.")
    if not 1 <= weight <= MAX_WEIGHT:
        raise FieldError("weight", f"The weight must be from 1 to {MAX_WEIGHT}")
    position = max((c.position for c in grant_round.criteria), default=0) + 1
    criterion = RoundCriterion(name=name, description=description, weight=weight, position=position)
    grant_round.criteria.append(criterion)
    db.session.flush()
    return criterion


def add_funder(grant_round: GrantRound, name: str, amount_pence: int) -> RoundFunder:
    _editable(grant_round)
    if amount_pence > grant_round.pot_pence:
        raise FieldError("amount", "A funder's contribution cannot be more than the whole pot")
    funder = RoundFunder(name=name, amount_pence=amount_pence)
    grant_round.funders.append(funder)
    db.session.flush()
    return funder


def remove_part(grant_round: GrantRound, part: str, part_id: int) -> None:
    """Take a question, criterion or funder off a draft round."""
    _editable(grant_round)
    items = {"question": grant_round.questions, "criterion": grant_round.criteria}
    items["funder"] = grant_round.funders
    found = [item for item in items.get(part, []) if item.id == part_id]
    if not found:
        raise DomainError("That is no longer on this round.")
    items[part].remove(found[0])
    db.session.flush()


def funders_total(grant_round: GrantRound) -> int:
    return sum(f.amount_pence for f in grant_round.funders)


def publish_round(grant_round: GrantRound, now: datetime | None = None) -> None:
    now = now or utcnow()
    problems = []
    if not grant_round.questions:
        problems.append("add at least one question")
    if not grant_round.criteria:
        problems.append("add at least one criterion for the panel")
    if grant_round.closes_at <= now:
        problems.append("set a closing time in the future")
    if problems:
        raise DomainError("Before publishing, " + " and ".join(problems) + ".")
    grant_round.status = next_round_status(grant_round.status, RoundAction.PUBLISH)
    grant_round.published_at = now
    db.session.flush()


def start_scoring(grant_round: GrantRound, now: datetime | None = None) -> None:
    """Close the round for scoring: only once its closing time has passed."""
    now = now or utcnow()
    if now < grant_round.closes_at:
        raise DomainError(
            f"The round is open for applications until {format_datetime(grant_round.closes_at)}."
        )
    grant_round.status = next_round_status(grant_round.status, RoundAction.START_SCORING)
    db.session.flush()


def publish_results(grant_round: GrantRound, now: datetime | None = None) -> None:
    grant_round.status = next_round_status(grant_round.status, RoundAction.PUBLISH_RESULTS)
    grant_round.results_published_at = now or utcnow()
    db.session.flush()


def cancel_round(grant_round: GrantRound) -> None:
    grant_round.status = next_round_status(grant_round.status, RoundAction.CANCEL)
    db.session.flush()


MOVES = {
    RoundAction.PUBLISH: publish_round,
    RoundAction.START_SCORING: start_scoring,
    RoundAction.PUBLISH_RESULTS: publish_results,
    RoundAction.CANCEL: cancel_round,
}


def move_round(grant_round: GrantRound, action: RoundAction) -> None:
    """The team's buttons on a round (deciding is done from the ranking page)."""
    move = MOVES.get(action)
    if move is None:
        raise DomainError("That is not something this page can do to a round.")
    move(grant_round)


def open_rounds(now: datetime | None = None) -> list[GrantRound]:
    """Published rounds still taking applications, closing soonest first."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(GrantRound)
            .where(GrantRound.status == RoundStatus.OPEN, GrantRound.closes_at > now)
            .order_by(GrantRound.closes_at, GrantRound.id)
        )
    )


def all_rounds() -> list[tuple[GrantRound, int]]:
    """Every round, newest first, with its number of applications sent (not drafts)."""
    sent = (
        select(func.count(GrantApplication.id))
        .where(
            GrantApplication.round_id == GrantRound.id,
            GrantApplication.status != ApplicationStatus.DRAFT,
        )
        .scalar_subquery()
    )
    rows = db.session.execute(select(GrantRound, sent).order_by(GrantRound.opens_at.desc()))
    return [(grant_round, count) for grant_round, count in rows]
