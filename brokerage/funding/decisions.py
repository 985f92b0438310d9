"""The team's decisions on a round's applications: an award (within the round's limits,
never past the pot, even when two team members award at once) or a decline with
feedback; each applicant told by email; the round marked decided when none is left."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import func, select, update

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.extensions import db
from brokerage.funding.award_models import Award
from brokerage.funding.models import (
    ApplicationAction,
    ApplicationEvent,
    ApplicationStatus,
    GrantApplication,
    GrantRound,
    RoundAction,
    RoundStatus,
    next_application_status,
    next_round_status,
)
from brokerage.funding.ranking import awarded_total
from brokerage.history import record
from brokerage.money import pounds
from brokerage.notifications.services import notify

# Applications that still wait for the team: checked for eligibility, then decided.
WAITING = (ApplicationStatus.SUBMITTED, ApplicationStatus.ELIGIBLE)


def _check_deciding(grant_round: GrantRound) -> None:
    if grant_round.status is not RoundStatus.SCORING:
        raise DomainError(
            f"Decisions are made while a round is being scored; this one is "
            f"'{grant_round.status.label.lower()}'."
        )


def _lock_round(grant_round: GrantRound) -> None:
    """Take the round's row lock (PostgreSQL) or the write lock (SQLite) before the pot
    is counted: a second award in the round waits here until the first is committed,
    then counts it. Without this, two awards could each see room for themselves."""
    db.session.execute(
        update(GrantRound).where(GrantRound.id == grant_round.id).values(updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


def _decide(
    application: GrantApplication, action: ApplicationAction, actor: User, reason: str
) -> None:
    before = application.status
    application.status = next_application_status(before, action)
    application.decided_at = utcnow()
    application.decided_by_id = actor.id
    record(
        ApplicationEvent(
            application=application,
            actor_id=actor.id,
            action=action,
            from_status=before,
            to_status=application.status,
            reason=reason or None,
        )
    )


def _tell_applicant(application: GrantApplication, award: Award | None) -> None:
    people = [m.user for m in application.organisation.active_memberships]
    outcome = "awarded a grant" if award else "not funded"
    notify(
        people,
        f"Your application to {application.round.name} was {outcome}",
        url_for("funding.application", application_id=application.id),
        ("funding_decision", f"Your application to {application.round.name}"),
        application=application,
        award=award,
    )


def award_application(
    application: GrantApplication,
    amount_pence: int | None,
    conditions: str,
    feedback: str,
    actor: User,
) -> Award:
    grant_round = application.round
    _check_deciding(grant_round)
    if amount_pence is None:
        raise FieldError("amount", "Enter the amount of the award")
    if not grant_round.min_grant_pence <= amount_pence <= grant_round.max_grant_pence:
        raise FieldError(
            "amount",
            f"The award must be between {pounds(grant_round.min_grant_pence)} and "
            f"{pounds(grant_round.max_grant_pence)}",
        )
    _lock_round(grant_round)
    db.session.refresh(application)  # decided by someone else meanwhile?
    left = grant_round.pot_pence - awarded_total(grant_round.id)
    if amount_pence > left:
        raise FieldError(
            "amount", f"Only {pounds(max(left, 0))} of the pot is left: award that or less"
        )
    _decide(application, ApplicationAction.AWARD, actor, conditions)
    application.feedback = feedback or None
    award = Award(
        application=application,
        amount_pence=amount_pence,
        conditions=conditions,
        awarded_by_id=actor.id,
    )
    db.session.add(award)
    db.session.flush()
    _tell_applicant(application, award)
    return award


def decline_application(application: GrantApplication, feedback: str, actor: User) -> None:
    _check_deciding(application.round)
    if not feedback:
        raise FieldError("feedback", "Enter feedback for the applicant")
    _decide(application, ApplicationAction.DECLINE, actor, feedback)
    application.feedback = feedback
    db.session.flush()
    _tell_applicant(application, None)


def undecided_count(grant_round: GrantRound) -> int:
    return db.session.scalar(
        select(func.count(GrantApplication.id)).where(
            GrantApplication.round_id == grant_round.id,
            GrantApplication.status.in_(WAITING),
        )
    )


def mark_round_decided(grant_round: GrantRound) -> None:
    """Every application decided (or found not eligible): the round is decided."""
    waiting = undecided_count(grant_round)
    if waiting:
        raise Conflict(
            f"{waiting} {'application is' if waiting == 1 else 'applications are'} not "
            "decided yet: decide each one first."
        )
    grant_round.status = next_round_status(grant_round.status, RoundAction.DECIDE)
    db.session.flush()
