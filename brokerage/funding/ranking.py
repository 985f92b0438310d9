"""The team's ranked table of a round: each application's weighted mean score over the
panel's submitted reviews, how far the members disagree, and the running total of the
amounts asked against the pot. A fixed number of queries, whatever the round's size."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from brokerage.exports import money
from brokerage.extensions import db
from brokerage.funding.award_models import Award
from brokerage.funding.models import (
    ApplicationStatus,
    GrantApplication,
    GrantRound,
    PanelMember,
    Review,
    ReviewStatus,
    RoundCriterion,
    Score,
)
from brokerage.permissions import REVIEWABLE

TWO_PLACES = Decimal("0.01")


def spread_flag() -> Decimal:
    """A spread of the members' weighted totals this wide (or wider) is for discussion."""
    return Decimal(str(current_app.config["FUNDING_SPREAD_FLAG"]))


@dataclass
class Row:
    rank: int
    application: GrantApplication
    mean: Decimal | None  # weighted mean score, 1 to 5; None before any submitted review
    reviews: int
    spread: Decimal | None  # highest minus lowest member's weighted total
    discuss: bool
    running_total_pence: int
    within_pot: bool

    @property
    def decided(self) -> bool:
        return self.application.status is not ApplicationStatus.ELIGIBLE


@dataclass
class Ranking:
    grant_round: GrantRound
    rows: list[Row]
    criteria: list[RoundCriterion]
    awarded_pence: int
    flag: Decimal

    @property
    def pot_pence(self) -> int:
        return self.grant_round.pot_pence

    @property
    def others_pence(self) -> int:
        return sum(funder.amount_pence for funder in self.grant_round.funders)

    @property
    def own_pence(self) -> int:
        """The part of the pot that is not another funder's."""
        return max(self.pot_pence - self.others_pence, 0)

    @property
    def left_pence(self) -> int:
        return self.pot_pence - self.awarded_pence

    @property
    def undecided(self) -> int:
        return sum(1 for row in self.rows if not row.decided)


def _weighted(values: dict[int, Decimal], weights: dict[int, int]) -> Decimal | None:
    """sum(weight x value) / sum(weights) over the criteria that have a value."""
    used = [cid for cid in values if cid in weights]
    if not used:
        return None
    total = sum(weights[cid] * values[cid] for cid in used)
    return (total / sum(weights[cid] for cid in used)).quantize(TWO_PLACES, ROUND_HALF_UP)


def _scores(round_id: int) -> dict[int, dict[int, dict[int, int]]]:
    """application id -> review id -> criterion id -> score, submitted reviews only."""
    found: dict[int, dict[int, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    rows = db.session.execute(
        select(Review.application_id, Review.id, Score.criterion_id, Score.value)
        .join(Score, Score.review_id == Review.id)
        .join(PanelMember, PanelMember.id == Review.panel_member_id)
        .where(PanelMember.round_id == round_id, Review.status == ReviewStatus.SUBMITTED)
    )
    for application_id, review_id, criterion_id, value in rows:
        found[application_id][review_id][criterion_id] = value
    return found


def _applications(round_id: int) -> list[GrantApplication]:
    return list(
        db.session.scalars(
            select(GrantApplication)
            .join(GrantApplication.organisation)
            .outerjoin(GrantApplication.award)
            .where(
                GrantApplication.round_id == round_id,
                GrantApplication.status.in_(REVIEWABLE),
            )
            .options(
                contains_eager(GrantApplication.organisation),
                contains_eager(GrantApplication.award),
            )
        ).unique()
    )


def _measure(reviews: dict[int, dict[int, int]], weights: dict[int, int]):
    """The weighted mean (from each criterion's mean score) and the spread of the
    members' weighted totals."""
    by_criterion: dict[int, list[int]] = defaultdict(list)
    totals = []
    for scores in reviews.values():
        for criterion_id, value in scores.items():
            by_criterion[criterion_id].append(value)
        total = _weighted({c: Decimal(v) for c, v in scores.items()}, weights)
        if total is not None:
            totals.append(total)
    means = {c: Decimal(sum(v)) / len(v) for c, v in by_criterion.items()}
    spread = (max(totals) - min(totals)) if totals else None
    return _weighted(means, weights), spread


def ranking(grant_round: GrantRound) -> Ranking:
    """Every application past eligibility, best first: highest weighted mean, then the
    most reviews, then the smallest amount asked; unscored ones last."""
    criteria = list(grant_round.criteria)
    weights = {c.id: c.weight for c in criteria}
    scores = _scores(grant_round.id)
    flag = spread_flag()
    measured = []
    for application in _applications(grant_round.id):
        reviews = scores.get(application.id, {})
        mean, spread = _measure(reviews, weights)
        measured.append((application, mean, len(reviews), spread))
    measured.sort(
        key=lambda m: (m[1] is None, -(m[1] or 0), -m[2], m[0].amount_pence or 0, m[0].id)
    )
    rows, running = [], 0
    for rank, (application, mean, count, spread) in enumerate(measured, start=1):
        running += application.amount_pence or 0
        discuss = spread is not None and count > 1 and spread >= flag
        rows.append(
            Row(
                rank,
                application,
                mean,
                count,
                spread,
                discuss,
                running,
                running <= grant_round.pot_pence,
            )
        )
    awarded = sum(row.application.award.amount_pence for row in rows if row.application.award)
    return Ranking(grant_round, rows, criteria, awarded, flag)


def awarded_total(round_id: int) -> int:
    """The pence awarded in the round so far."""
    return db.session.scalar(
        select(func.coalesce(func.sum(Award.amount_pence), 0))
        .join(GrantApplication, GrantApplication.id == Award.application_id)
        .where(GrantApplication.round_id == round_id)
    )


RANKING_COLUMNS = (
    "Rank",
    "Organisation",
    "Application",
    "Weighted mean score",
    "Reviews",
    "Spread",
    "Discuss",
    "Amount asked (£)",
    "Running total (£)",
    "Within the pot",
    "Status",
    "Awarded (£)",
)


def ranking_rows(table: Ranking):
    """The table as CSV rows (plain values: written after the request has gone)."""
    for row in table.rows:
        application = row.application
        award = application.award
        yield (
            row.rank,
            application.organisation.name,
            application.title,
            row.mean,
            row.reviews,
            row.spread,
            row.discuss,
            money(application.amount_pence),
            money(row.running_total_pence),
            row.within_pot,
            application.status,
            money(award.amount_pence) if award else None,
        )
