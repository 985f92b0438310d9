"""Grant rounds of the Digital Inclusion Fund: the round (its questions and criteria),
applications, and the panel's reviews and scores. Awards are in award_models.py."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import TimestampMixin, UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db
from brokerage.organisations.models import Organisation, Ward

if TYPE_CHECKING:
    from brokerage.funding.award_models import Award

# --- Rounds ------------------------------------------------------------------------


class RoundStatus(enum.StrEnum):
    DRAFT = "draft"  # the team is writing it; nobody else sees it
    OPEN = "open"  # published: applications accepted between opens_at and closes_at
    SCORING = "scoring"  # closed; the team checks eligibility and the panel scores
    DECIDED = "decided"  # every decision made and sent
    PUBLISHED = "published"  # the awards are public (impact page, 360Giving)
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "open": "Published",
            "scoring": "Being scored",
            "decided": "Decided",
            "published": "Results published",
            "cancelled": "Cancelled",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "draft": "grey",
            "open": "blue",
            "scoring": "yellow",
            "decided": "purple",
            "published": "green",
            "cancelled": "red",
        }[self.value]


class RoundAction(enum.StrEnum):
    PUBLISH = "publish"
    START_SCORING = "start_scoring"
    DECIDE = "decide"
    PUBLISH_RESULTS = "publish_results"
    CANCEL = "cancel"

    @property
    def past_tense(self) -> str:
        return {
            "publish": "Published",
            "start_scoring": "Closed for scoring",
            "decide": "Decided",
            "publish_results": "Published the results of",
            "cancel": "Cancelled",
        }[self.value]


_RS, _RA = RoundStatus, RoundAction
ROUND_TRANSITIONS: dict[tuple[RoundStatus, RoundAction], RoundStatus] = {
    (_RS.DRAFT, _RA.PUBLISH): _RS.OPEN,
    (_RS.DRAFT, _RA.CANCEL): _RS.CANCELLED,
    (_RS.OPEN, _RA.START_SCORING): _RS.SCORING,
    (_RS.OPEN, _RA.CANCEL): _RS.CANCELLED,
    (_RS.SCORING, _RA.DECIDE): _RS.DECIDED,
    (_RS.DECIDED, _RA.PUBLISH_RESULTS): _RS.PUBLISHED,
}


def next_round_status(current: RoundStatus, action: RoundAction) -> RoundStatus:
    return transition(
        ROUND_TRANSITIONS,
        current,
        action,
        f"A round that is '{current.label.lower()}' cannot be {action.value.replace('_', ' ')}ed.",
    )


grant_round_ward = Table(
    "grant_round_ward",
    db.metadata,
    Column("round_id", ForeignKey("grant_round.id", ondelete="CASCADE"), primary_key=True),
    Column("ward_id", ForeignKey("ward.id"), primary_key=True, index=True),
)


class GrantRound(TimestampMixin, db.Model):
    """One round of grants: the pot, the limits, who may apply, when, and what is asked."""

    __tablename__ = "grant_round"
    __table_args__ = (
        CheckConstraint("pot_pence >= 0", name="pot_not_negative"),
        CheckConstraint("min_grant_pence >= 0", name="min_grant_not_negative"),
        CheckConstraint("max_grant_pence >= min_grant_pence", name="max_grant_at_least_min"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[RoundStatus] = mapped_column(
        str_enum(RoundStatus), nullable=False, default=RoundStatus.DRAFT, index=True
    )
    pot_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    min_grant_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    max_grant_pence: Mapped[int] = mapped_column(Integer, nullable=False)
    # Optional limit on the applicant's annual income (each applicant states theirs).
    max_income_pence: Mapped[int | None] = mapped_column(Integer)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The ball whose proceeds this round grants, shown beside the pot.
    ball_id: Mapped[int | None] = mapped_column(ForeignKey("ball.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Empty: every ward may apply.
    wards: Mapped[list[Ward]] = relationship(secondary=grant_round_ward, order_by=Ward.position)
    funders: Mapped[list[RoundFunder]] = relationship(
        back_populates="round", order_by="RoundFunder.id", cascade="all, delete-orphan"
    )
    questions: Mapped[list[RoundQuestion]] = relationship(
        back_populates="round", order_by="RoundQuestion.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[RoundCriterion]] = relationship(
        back_populates="round", order_by="RoundCriterion.position", cascade="all, delete-orphan"
    )
    panel: Mapped[list[PanelMember]] = relationship(
        back_populates="round", order_by="PanelMember.id", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship()

    def accepts_applications(self, now: datetime) -> bool:
        return self.status is RoundStatus.OPEN and self.opens_at <= now < self.closes_at


class RoundFunder(db.Model):
    """Another funder's contribution to the round's pot, listed with its amount."""

    __tablename__ = "round_funder"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("grant_round.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    amount_pence: Mapped[int] = mapped_column(Integer, nullable=False)

    round: Mapped[GrantRound] = relationship(back_populates="funders")


class QuestionKind(enum.StrEnum):
    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    NUMBER = "number"
    YES_NO = "yes_no"
    CHOICE = "choice"

    @property
    def label(self) -> str:
        return {
            "short_text": "Short text",
            "long_text": "Long text",
            "number": "A whole number",
            "yes_no": "Yes or no",
            "choice": "One of a list",
        }[self.value]


class RoundQuestion(db.Model):
    __tablename__ = "round_question"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("grant_round.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[QuestionKind] = mapped_column(str_enum(QuestionKind), nullable=False)
    prompt: Mapped[str] = mapped_column(String(300), nullable=False)
    hint: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # Text questions: at most this many words (None: no limit beyond the field's size).
    word_limit: Mapped[int | None] = mapped_column(Integer)
    # Choice questions: one choice per line.
    choices: Mapped[str] = mapped_column(Text, nullable=False, default="")
    required: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    round: Mapped[GrantRound] = relationship(back_populates="questions")

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class RoundCriterion(db.Model):
    """What the panel scores each application against (1 to 5), with its weight."""

    __tablename__ = "round_criterion"
    __table_args__ = (CheckConstraint("weight >= 1", name="weight_positive"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("grant_round.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    name: Mapped[str] = mapped_column(String(160), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    weight: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    round: Mapped[GrantRound] = relationship(back_populates="criteria")


# --- Applications ------------------------------------------------------------------


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ELIGIBLE = "eligible"
    INELIGIBLE = "ineligible"
    AWARDED = "awarded"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Submitted",
            "eligible": "Eligible",
            "ineligible": "Not eligible",
            "awarded": "Awarded",
            "declined": "Not funded",
            "withdrawn": "Withdrawn",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "draft": "grey",
            "submitted": "blue",
            "eligible": "turquoise",
            "ineligible": "orange",
            "awarded": "green",
            "declined": "red",
            "withdrawn": "grey",
        }[self.value]


class ApplicationAction(enum.StrEnum):
    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    MARK_ELIGIBLE = "mark_eligible"
    MARK_INELIGIBLE = "mark_ineligible"
    AWARD = "award"
    DECLINE = "decline"

    @property
    def past_tense(self) -> str:
        return {
            "submit": "Submitted",
            "withdraw": "Withdrawn",
            "mark_eligible": "Marked eligible",
            "mark_ineligible": "Marked not eligible",
            "award": "Awarded",
            "decline": "Not funded",
        }[self.value]


_AS, _AA = ApplicationStatus, ApplicationAction
APPLICATION_TRANSITIONS: dict[tuple[ApplicationStatus, ApplicationAction], ApplicationStatus] = {
    (_AS.DRAFT, _AA.SUBMIT): _AS.SUBMITTED,
    (_AS.DRAFT, _AA.WITHDRAW): _AS.WITHDRAWN,
    (_AS.SUBMITTED, _AA.WITHDRAW): _AS.WITHDRAWN,
    (_AS.ELIGIBLE, _AA.WITHDRAW): _AS.WITHDRAWN,
    (_AS.SUBMITTED, _AA.MARK_ELIGIBLE): _AS.ELIGIBLE,
    (_AS.SUBMITTED, _AA.MARK_INELIGIBLE): _AS.INELIGIBLE,
    (_AS.ELIGIBLE, _AA.MARK_INELIGIBLE): _AS.INELIGIBLE,
    (_AS.INELIGIBLE, _AA.MARK_ELIGIBLE): _AS.ELIGIBLE,
    (_AS.ELIGIBLE, _AA.AWARD): _AS.AWARDED,
    (_AS.ELIGIBLE, _AA.DECLINE): _AS.DECLINED,
}


def next_application_status(
    current: ApplicationStatus, action: ApplicationAction
) -> ApplicationStatus:
    return transition(
        APPLICATION_TRANSITIONS,
        current,
        action,
        f"An application that is '{current.label.lower()}' cannot be {action.past_tense.lower()}.",
    )


class GrantApplication(TimestampMixin, db.Model):
    """One organisation's application to one round (never two)."""

    __tablename__ = "grant_application"
    __table_args__ = (
        UniqueConstraint("round_id", "organisation_id"),
        Index("ix_grant_application_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("grant_round.id", ondelete="CASCADE"), nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), nullable=False, default=ApplicationStatus.DRAFT
    )
    title: Mapped[str] = mapped_column(String(160), nullable=False, default="")
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="")
    amount_pence: Mapped[int | None] = mapped_column(Integer)
    annual_income_pence: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The team's reason when not eligible, and its feedback with a decision: the
    # applicant sees both.
    ineligible_reason: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    round: Mapped[GrantRound] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    answers: Mapped[list[ApplicationAnswer]] = relationship(
        back_populates="application", cascade="all, delete-orphan"
    )
    budget_lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="application", order_by="BudgetLine.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id", cascade="all, delete-orphan"
    )
    award: Mapped[Award | None] = relationship(back_populates="application")

    @property
    def budget_total_pence(self) -> int:
        return sum(line.amount_pence for line in self.budget_lines)

    def answer_to(self, question: RoundQuestion) -> str:
        for answer in self.answers:
            if answer.question_id == question.id:
                return answer.text
        return ""


class ApplicationAnswer(db.Model):
    __tablename__ = "application_answer"
    __table_args__ = (UniqueConstraint("application_id", "question_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), nullable=False
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("round_question.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(Text, nullable=False, default="")

    application: Mapped[GrantApplication] = relationship(back_populates="answers")
    question: Mapped[RoundQuestion] = relationship()


class BudgetLine(db.Model):
    __tablename__ = "budget_line"
    __table_args__ = (CheckConstraint("amount_pence >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    item: Mapped[str] = mapped_column(String(200), nullable=False)
    amount_pence: Mapped[int] = mapped_column(Integer, nullable=False)

    application: Mapped[GrantApplication] = relationship(back_populates="budget_lines")


class ApplicationEvent(db.Model):
    """One line of an application's history: who moved it, when, and why."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[ApplicationAction] = mapped_column(str_enum(ApplicationAction), nullable=False)
    from_status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), nullable=False
    )
    to_status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), nullable=False
    )
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    application: Mapped[GrantApplication] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


# --- The panel ---------------------------------------------------------------------


class PanelMember(db.Model):
    """A person on one round's panel: they see that round's eligible applications
    (except those they are conflicted on) and nothing else of the brokerage."""

    __tablename__ = "panel_member"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("grant_round.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    round: Mapped[GrantRound] = relationship(back_populates="panel")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviews: Mapped[list[Review]] = relationship(
        back_populates="panel_member", cascade="all, delete-orphan"
    )


class ReviewStatus(enum.StrEnum):
    DRAFT = "draft"  # scores saved, not submitted: the others' scores stay hidden
    SUBMITTED = "submitted"
    CONFLICTED = "conflicted"  # declared a conflict: no scores, sees no scores

    @property
    def label(self) -> str:
        return {
            "draft": "Started",
            "submitted": "Scored",
            "conflicted": "Conflict declared",
        }[self.value]


class ReviewAction(enum.StrEnum):
    SUBMIT = "submit"
    DECLARE_CONFLICT = "declare_conflict"


REVIEW_TRANSITIONS: dict[tuple[ReviewStatus, ReviewAction], ReviewStatus] = {
    (ReviewStatus.DRAFT, ReviewAction.SUBMIT): ReviewStatus.SUBMITTED,
    (ReviewStatus.DRAFT, ReviewAction.DECLARE_CONFLICT): ReviewStatus.CONFLICTED,
}


def next_review_status(current: ReviewStatus, action: ReviewAction) -> ReviewStatus:
    return transition(
        REVIEW_TRANSITIONS,
        current,
        action,
        f"A review that is '{current.label.lower()}' cannot be changed.",
    )


class Review(db.Model):
    """One panel member's review of one application: their scores, or their conflict."""

    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("panel_member_id", "application_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    panel_member_id: Mapped[int] = mapped_column(
        ForeignKey("panel_member.id", ondelete="CASCADE"), nullable=False
    )
    application_id: Mapped[int] = mapped_column(
        ForeignKey("grant_application.id", ondelete="CASCADE"), nullable=False, index=True
    )
    status: Mapped[ReviewStatus] = mapped_column(
        str_enum(ReviewStatus), nullable=False, default=ReviewStatus.DRAFT
    )
    conflict_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    panel_member: Mapped[PanelMember] = relationship(back_populates="reviews")
    application: Mapped[GrantApplication] = relationship()
    scores: Mapped[list[Score]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )


class Score(db.Model):
    __tablename__ = "score"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("value BETWEEN 1 AND 5", name="value_one_to_five"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("review.id", ondelete="CASCADE"), nullable=False
    )
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("round_criterion.id", ondelete="CASCADE"), nullable=False, index=True
    )
    value: Mapped[int] = mapped_column(Integer, nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[RoundCriterion] = relationship()
