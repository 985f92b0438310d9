"""Demo data for a grant round's panel: its members and their reviews, so the ranked
table has scores, a spread to discuss, a draft and a declared conflict to show.

Called by the funding demo with a round being scored (its applications already
checked eligible) and the people to sit on its panel. Deterministic (scores come from
a seeded generator) and idempotent (a member or review that exists is left alone).
Written through the models: nobody is emailed. The caller commits."""

from __future__ import annotations

import random

from sqlalchemy import select

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.funding.models import (
    GrantApplication,
    GrantRound,
    PanelMember,
    Review,
    ReviewStatus,
    Score,
)
from brokerage.permissions import REVIEWABLE, is_member

SEED = 2027
COMMENTS = {
    1: "Little evidence that people will be reached.",
    2: "The plan is thin in places.",
    3: "A sound plan; the costs need explaining.",
    4: "A clear plan with a good reach.",
    5: "Excellent: well costed, and the people it helps are named.",
}


def _place(grant_round: GrantRound, person, team) -> PanelMember:
    for member in grant_round.panel:
        if member.user_id == person.id:
            return member
    member = PanelMember(round=grant_round, user=person, added_by_id=team.id if team else None)
    db.session.add(member)
    return member


def _review(member: PanelMember, application, status: ReviewStatus, rng: random.Random, n: int):
    review = Review(panel_member=member, application=application, status=status)
    db.session.add(review)
    if status is ReviewStatus.CONFLICTED:
        review.conflict_reason = "I volunteer with this organisation."
    else:
        # Each application has a quality; each member sees it a little differently.
        base = 2 + (n * 7) % 3
        for criterion in member.round.criteria:
            value = max(1, min(5, base + rng.choice((-1, 0, 0, 1))))
            review.scores.append(
                Score(criterion_id=criterion.id, value=value, comment=COMMENTS[value])
            )
        if status is ReviewStatus.SUBMITTED:
            review.submitted_at = utcnow()


def demo_panel(grant_round: GrantRound, people, team=None) -> list[PanelMember]:
    """Put `people` on the round's panel and have them review its applications: every
    member submits scores, except that the last leaves their first one as a draft and
    the first declares a conflict on the last application. Returns the panel."""
    rng = random.Random(f"{SEED}:{grant_round.name}")
    members = [_place(grant_round, person, team) for person in people]
    db.session.flush()
    applications = sorted(_applications(grant_round), key=lambda a: a.id)
    for n, member in enumerate(members):
        done = {review.application_id for review in member.reviews}
        for m, application in enumerate(applications):
            if application.id in done or is_member(member.user, application.organisation):
                continue
            status = ReviewStatus.SUBMITTED
            if n == 0 and m == len(applications) - 1 and len(applications) > 1:
                status = ReviewStatus.CONFLICTED
            elif n == len(members) - 1 and m == 0 and len(members) > 1:
                status = ReviewStatus.DRAFT
            _review(member, application, status, rng, m)
    db.session.flush()
    return members


def _applications(grant_round: GrantRound) -> list[GrantApplication]:
    return list(
        db.session.scalars(
            select(GrantApplication).where(
                GrantApplication.round_id == grant_round.id,
                GrantApplication.status.in_(REVIEWABLE),
            )
        )
    )
