"""The panel's demo data: members and reviews the ranking can show, loaded once."""

from __future__ import annotations

from datetime import timedelta

from brokerage.demo.funding_panel import demo_panel
from brokerage.extensions import db
from brokerage.funding import ranking
from brokerage.funding.models import ApplicationStatus, Review, ReviewStatus, RoundStatus
from tests.funding import factories as funding_make


def test_demo_panel_scores_the_round_once(make):
    grant_round = funding_make.grant_round(
        status=RoundStatus.SCORING, opens_in=timedelta(days=-60), closes_in=timedelta(days=-30)
    )
    for name in ("Armley Digital", "Beeston Hub", "Chapel Tech"):
        funding_make.application(
            grant_round, make.organisation(name=name), status=ApplicationStatus.ELIGIBLE
        )
    people = [make.user() for _ in range(3)]

    demo_panel(grant_round, people)
    db.session.commit()
    first = sorted(
        (r.panel_member.user_id, r.application_id, r.status) for r in db.session.query(Review)
    )
    demo_panel(grant_round, people)
    db.session.commit()
    again = sorted(
        (r.panel_member.user_id, r.application_id, r.status) for r in db.session.query(Review)
    )

    assert first == again
    assert len(grant_round.panel) == 3
    statuses = [status for *_, status in first]
    assert statuses.count(ReviewStatus.CONFLICTED) == 1
    assert statuses.count(ReviewStatus.DRAFT) == 1
    assert statuses.count(ReviewStatus.SUBMITTED) == 7
    table = ranking.ranking(grant_round)
    assert all(row.mean is not None for row in table.rows)
