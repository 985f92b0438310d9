"""Setting up a grant round: the team's form refuses what cannot be right, a draft is
completed with questions and criteria before it is published, and a published round
no longer changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import utcnow
from brokerage.errors import DomainError, FieldError, IllegalTransition
from brokerage.extensions import db
from brokerage.funding import rounds
from brokerage.funding.models import GrantRound, QuestionKind, RoundStatus
from tests.funding import factories as funding_make
from tests.helpers import counted_statements, field_errors, submit


@pytest.fixture
def team(make, login):
    person = make.team_member(name="Tam Team")
    login(person)
    return person


def _round_form(**overrides) -> dict:
    data = {
        "name": "Spring grants",
        "description": "For digital skills.",
        "pot": "40000",
        "min_grant": "1000",
        "max_grant": "10000",
        "opens_at": ["1", "3", "2027", "9am"],
        "closes_at": ["31", "3", "2027", "5pm"],
        "ball_id": "",
    }
    data.update(overrides)
    return data


def _rounds() -> int:
    return db.session.scalar(select(func.count(GrantRound.id)))


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter the round's name"),
        ({"pot": "-5"}, "pot", "Enter the amount in pounds"),
        ({"pot": "99999999"}, "pot", "The pot must be less than £10,000,000"),
        ({"max_grant": "500"}, "max_grant", "at least the smallest grant"),
        ({"max_grant": "50000"}, "max_grant", "cannot be more than the pot"),
        (
            {"closes_at": ["28", "2", "2027", "5pm"]},
            "closes_at",
            "The round must close after it opens",
        ),
        ({"closes_at": ["31", "3", "2027", "25:99"]}, "closes_at", "must have a real time"),
        ({"closes_at": ["99999999999", "3", "2027", "5pm"]}, "closes_at", "must be a real date"),
        ({"ward_ids": "99999"}, "ward_ids", "is not a valid choice"),
    ],
)
def test_a_round_that_cannot_be_right_is_refused_beside_the_field(
    client, team, overrides, field, message
):
    response = submit(client, "/team/funding/rounds/new", _round_form(**overrides))
    assert response.status_code == 400
    errors = field_errors(response)
    shown = errors.get(field) or errors.get(f"{field}-day") or ""
    assert message in shown, errors
    assert _rounds() == 0


def test_the_team_sets_up_a_round_for_some_wards(client, team, make):
    armley = make.ward("armley")
    response = submit(client, "/team/funding/rounds/new", _round_form(ward_ids=[str(armley.id)]))
    assert response.status_code == 302
    (grant_round,) = db.session.scalars(select(GrantRound)).all()
    assert grant_round.status is RoundStatus.DRAFT
    assert grant_round.pot_pence == 4_000_000
    assert [w.name for w in grant_round.wards] == ["Armley"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "working in Armley" in page
    assert "No questions yet." in page


def test_a_choice_question_needs_two_choices(client, team):
    grant_round = funding_make.grant_round(status=RoundStatus.DRAFT)
    url = f"/team/funding/rounds/{grant_round.id}"
    response = submit(
        client,
        f"{url}/questions",
        {"question-prompt": "Which area?", "question-kind": "choice", "question-required": "yes",
         "question-choices": "Only one"},
        page=url,
    )  # fmt: skip
    assert response.status_code == 400
    assert field_errors(response)["question-choices"] == (
        "Enter at least two choices, one on each line"
    )
    assert len(grant_round.questions) == 2


def test_a_word_limit_is_only_for_text_and_within_reason(team):
    grant_round = funding_make.grant_round(status=RoundStatus.DRAFT)
    with pytest.raises(FieldError, match="Only text questions have a word limit"):
        rounds.add_question(grant_round, QuestionKind.NUMBER, "How many?", word_limit=10)
    with pytest.raises(FieldError, match="from 1 to 2,000"):
        rounds.add_question(grant_round, QuestionKind.LONG_TEXT, "Why?", word_limit=5000)


def test_publishing_needs_questions_criteria_and_a_closing_time_ahead(team):
    grant_round = funding_make.grant_round(status=RoundStatus.DRAFT, criteria=())
    grant_round.questions = []
    with pytest.raises(DomainError, match="add at least one question and add at least one"):
        rounds.publish_round(grant_round)
    rounds.add_question(grant_round, QuestionKind.SHORT_TEXT, "Your project's name")
    rounds.add_criterion(grant_round, "Reach", "", 2)
    grant_round.closes_at = utcnow() - timedelta(minutes=1)
    with pytest.raises(DomainError, match="closing time in the future"):
        rounds.publish_round(grant_round)
    grant_round.closes_at = utcnow() + timedelta(days=10)
    rounds.publish_round(grant_round)
    assert grant_round.status is RoundStatus.OPEN


def test_a_published_round_no_longer_changes(client, team):
    grant_round = funding_make.grant_round()
    with pytest.raises(DomainError, match="can no longer change"):
        rounds.add_criterion(grant_round, "Late idea", "", 1)
    url = f"/team/funding/rounds/{grant_round.id}"
    page = client.get(url).get_data(as_text=True)
    assert "Add the question" not in page
    assert "Close it for scoring" in page


def test_a_round_closes_for_scoring_only_after_its_closing_time(client, team, clock):
    grant_round = funding_make.grant_round()
    with pytest.raises(DomainError, match="open for applications until"):
        rounds.start_scoring(grant_round)
    clock(grant_round.closes_at)
    rounds.start_scoring(grant_round)
    assert grant_round.status is RoundStatus.SCORING
    with pytest.raises(IllegalTransition):
        rounds.publish_results(grant_round)


def test_the_round_page_shows_the_pot_beside_the_balls_money_and_other_funders(client, team):
    grant_round = funding_make.grant_round(status=RoundStatus.DRAFT)
    url = f"/team/funding/rounds/{grant_round.id}"
    response = submit(
        client, f"{url}/funders", {"funder-funder": "Leeds Trust", "funder-amount": "10000"},
        page=url,
    )  # fmt: skip
    assert response.status_code == 302
    too_much = submit(
        client, f"{url}/funders", {"funder-funder": "Big", "funder-amount": "60000"}, page=url
    )
    assert too_much.status_code == 400
    assert "cannot be more than the whole pot" in field_errors(too_much)["funder-amount"]
    page = client.get(url).get_data(as_text=True)
    assert "Leeds Trust" in page
    assert "£10,000" in page
    assert "Big" not in page


def _round_page_statements(client, make, count: int) -> int:
    grant_round = funding_make.grant_round()
    for n in range(count):
        funding_make.application(grant_round, make.organisation(name=f"Charity {n}"))
    url = f"/team/funding/rounds/{grant_round.id}"
    client.get(url)
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert "Charity 0" in response.get_data(as_text=True)
    return len(statements)


def test_the_round_page_asks_the_database_the_same_whatever_the_applications(client, team, make):
    few = _round_page_statements(client, make, 2)
    db.session.execute(GrantRound.__table__.delete())
    db.session.commit()
    assert _round_page_statements(client, make, 12) == few


def test_the_rounds_download_as_csv(client, team, make):
    grant_round = funding_make.grant_round(name="Winter grants")
    funding_make.application(grant_round, make.organisation())
    response = client.get("/team/funding/rounds.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    header, row = text.splitlines()[:2]
    assert header.startswith("Round,Status,Opens,Closes,Pot (GBP)")
    assert row.startswith("Winter grants,Published,")
    assert row.endswith(",50000.00,1000.00,10000.00,1")
