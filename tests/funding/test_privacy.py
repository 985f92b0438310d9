"""A panel member's copy of their data holds their own reviews, scores and comments,
and nobody else's."""

from __future__ import annotations

from brokerage.extensions import db
from brokerage.funding.models import ApplicationStatus, Review, ReviewStatus, Score
from brokerage.privacy.subject import held_about, rows_held_about
from tests.funding import factories as funding_make


def _review(member, application, value: int, comment: str) -> None:
    criteria = list(application.round.criteria)
    with db.session.no_autoflush:
        review = Review(panel_member=member, application=application, status=ReviewStatus.SUBMITTED)
        db.session.add(review)
        review.scores = [Score(criterion=c, value=value, comment=comment) for c in criteria]
    db.session.commit()


def test_a_panel_member_gets_their_own_scores_and_comments_only(make):
    grant_round = funding_make.grant_round()
    application = funding_make.application(
        grant_round, make.organisation(), status=ApplicationStatus.ELIGIBLE
    )
    grace = make.user(name="Grace Panel", email="grace@example.org")
    other = make.user(name="Omar Panel")
    team = make.team_member()
    mine = funding_make.panel_member(grant_round, grace)
    theirs = funding_make.panel_member(grant_round, other)
    for member in (mine, theirs):
        member.added_by_id = team.id
    _review(mine, application, 4, "Strong plan, clear reach.")
    _review(theirs, application, 2, "Costs look high.")

    held = held_about("grace@example.org")
    reviews = held.tables["review"]
    scores = held.tables["score"]
    assert [r["panel_member_id"] for r in reviews] == [mine.id]
    assert {s["comment"] for s in scores} == {"Strong plan, clear reach."}
    assert len(scores) == len(grant_round.criteria)
    assert "Costs look high." not in held.as_json()
    assert rows_held_about("grace@example.org") == sum(len(r) for r in held.tables.values())
    # The team member who put them on the panel is not handed their opinions.
    assert "review" not in held_about(team.email).tables
