"""A grant round's panel: who is on it, what each member is given to review, and their
reviews (a declared conflict, or a score of 1 to 5 with a comment on each criterion,
kept as a draft until submitted, then fixed)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from brokerage.accounts.models import User
from brokerage.accounts.services import find_user_by_email
from brokerage.clock import utcnow
from brokerage.errors import DomainError, FieldError, IllegalTransition
from brokerage.extensions import db
from brokerage.funding.models import (
    GrantApplication,
    GrantRound,
    PanelMember,
    Review,
    ReviewAction,
    ReviewStatus,
    RoundStatus,
    Score,
    next_review_status,
)
from brokerage.notifications.services import notify
from brokerage.organisations.models import Organisation
from brokerage.permissions import REVIEWABLE, is_member, on_panel

LOWEST, HIGHEST = 1, 5
# A round takes panel members until its decisions are made.
PANEL_CHANGES = frozenset({RoundStatus.DRAFT, RoundStatus.OPEN, RoundStatus.SCORING})


# --- Who is on the panel -------------------------------------------------------------


def add_panel_member(grant_round: GrantRound, email: str, actor: User) -> PanelMember:
    """Put the person with this account on the round's panel and tell them."""
    if grant_round.status not in PANEL_CHANGES:
        raise DomainError(
            f"The panel of a round that is '{grant_round.status.label.lower()}' cannot change."
        )
    person = find_user_by_email(email)
    if person is None or not person.active:
        raise FieldError(
            "email",
            "There is no account with that email address: ask them to create an account "
            "first, then add them",
        )
    if on_panel(person, grant_round) is not None:
        raise FieldError("email", f"{person.name} is already on this round's panel")
    member = PanelMember(round=grant_round, user=person, added_by_id=actor.id)
    db.session.add(member)
    db.session.flush()
    notify(
        [person],
        f"You are on the panel for {grant_round.name}",
        url_for("funding.panel_home"),
        ("panel_added", f"You are on the panel for {grant_round.name}"),
        grant_round=grant_round,
    )
    return member


def has_scored(member: PanelMember) -> bool:
    return any(review.status is ReviewStatus.SUBMITTED for review in member.reviews)


def remove_panel_member(member: PanelMember) -> None:
    """Take someone off the panel, with their drafts and conflicts; never once they
    have submitted scores (the ranking counts them)."""
    if member.round.status not in PANEL_CHANGES:
        raise DomainError("The panel of a decided round cannot change.")
    if has_scored(member):
        raise DomainError(
            f"{member.user.name} has submitted scores, so they stay on the panel: "
            "the ranking counts them."
        )
    db.session.delete(member)
    db.session.flush()


def find_member(grant_round: GrantRound, member_id: int | None) -> PanelMember | None:
    return next((m for m in grant_round.panel if m.id == member_id), None)


def panel_rounds(user: User) -> list[PanelMember]:
    """The person's places on panels, newest round first."""
    return list(
        db.session.scalars(
            select(PanelMember)
            .join(PanelMember.round)
            .where(PanelMember.user_id == user.id, GrantRound.status != RoundStatus.CANCELLED)
            .options(selectinload(PanelMember.round))
            .order_by(GrantRound.closes_at.desc(), GrantRound.id.desc())
        )
    )


# --- What a member reviews ------------------------------------------------------------


@dataclass(frozen=True)
class Reviewable:
    application: GrantApplication
    review: Review | None
    conflicted: bool

    @property
    def status_label(self) -> str:
        if self.conflicted:
            return "Conflict"
        return self.review.status.label if self.review else "Not started"


def reviewables(member: PanelMember) -> list[Reviewable]:
    """The round's applications up for review, each with this member's review."""
    applications = db.session.scalars(
        select(GrantApplication)
        .where(
            GrantApplication.round_id == member.round_id,
            GrantApplication.status.in_(REVIEWABLE),
        )
        .options(selectinload(GrantApplication.organisation).selectinload(Organisation.memberships))
        .order_by(GrantApplication.title, GrantApplication.id)
    ).all()
    mine = {review.application_id: review for review in member.reviews}
    rows = []
    for application in applications:
        review = mine.get(application.id)
        conflicted = is_member(member.user, application.organisation) or (
            review is not None and review.status is ReviewStatus.CONFLICTED
        )
        rows.append(Reviewable(application, review, conflicted))
    return rows


def review_of(member: PanelMember, application: GrantApplication) -> Review | None:
    return next((r for r in member.reviews if r.application_id == application.id), None)


def others_reviews(member: PanelMember, application: GrantApplication) -> list[Review]:
    """The other members' submitted reviews: shown only once this member has submitted."""
    mine = review_of(member, application)
    if mine is None or mine.status is not ReviewStatus.SUBMITTED:
        return []
    return list(
        db.session.scalars(
            select(Review)
            .where(
                Review.application_id == application.id,
                Review.status == ReviewStatus.SUBMITTED,
                Review.id != mine.id,
            )
            .options(
                selectinload(Review.scores),
                selectinload(Review.panel_member).selectinload(PanelMember.user),
            )
            .order_by(Review.submitted_at, Review.id)
        )
    )


def _open_review(member: PanelMember, application: GrantApplication) -> Review:
    if application.round.status is not RoundStatus.SCORING:
        raise DomainError("This round is not being scored now.")
    if application.status not in REVIEWABLE:
        raise DomainError("This application is not up for scoring.")
    review = review_of(member, application)
    if review is None:
        review = Review(panel_member=member, application=application, status=ReviewStatus.DRAFT)
        db.session.add(review)
    elif review.status is ReviewStatus.SUBMITTED:
        raise IllegalTransition("You have submitted your scores: they cannot change now.")
    elif review.status is ReviewStatus.CONFLICTED:
        raise IllegalTransition("You declared a conflict on this application.")
    return review


@dataclass(frozen=True)
class Entry:
    """A member's score (None: not given yet) and comment on one criterion."""

    value: int | None
    comment: str


def save_review(
    member: PanelMember,
    application: GrantApplication,
    entries: dict[int, Entry],
    *,
    submit: bool = False,
) -> Review:
    """Keep the member's scores as a draft or, with `submit`, submit them (every
    criterion scored). `entries` is keyed by criterion id."""
    review = _open_review(member, application)
    kept = {score.criterion_id: score for score in review.scores}
    for criterion in application.round.criteria:
        entry = entries.get(criterion.id, Entry(None, ""))
        field = f"score_{criterion.id}"
        if entry.value is not None and not LOWEST <= entry.value <= HIGHEST:
            raise FieldError(field, f"Score {criterion.name} from {LOWEST} to {HIGHEST}")
        if entry.value is None:
            if entry.comment:
                raise FieldError(field, f"Score {criterion.name} to keep your comment on it")
            if submit:
                raise FieldError(field, f"Score {criterion.name} before you submit")
            if criterion.id in kept:
                review.scores.remove(kept[criterion.id])
            continue
        score = kept.get(criterion.id)
        if score is None:
            score = Score(criterion_id=criterion.id, value=entry.value)
            review.scores.append(score)
        score.value, score.comment = entry.value, entry.comment
    if submit:
        review.status = next_review_status(review.status, ReviewAction.SUBMIT)
        review.submitted_at = utcnow()
    db.session.flush()
    return review


def declare_conflict(member: PanelMember, application: GrantApplication, reason: str) -> Review:
    """The member cannot review this application: no scores, and it closes to them."""
    review = review_of(member, application)
    if review is None:
        review = Review(panel_member=member, application=application, status=ReviewStatus.DRAFT)
        db.session.add(review)
    review.status = next_review_status(review.status, ReviewAction.DECLARE_CONFLICT)
    review.conflict_reason = reason
    review.scores.clear()
    db.session.flush()
    return review
