"""Decisions: an award within the round's limits and never past the pot (even when two
team members award at once), a decline with feedback, the applicant's members told by
email, the history line, and the round marked decided when nothing waits."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event

from brokerage.errors import Conflict, FieldError, IllegalTransition
from brokerage.extensions import db
from brokerage.funding import decisions
from brokerage.funding.award_models import Award
from brokerage.funding.models import (
    ApplicationAction,
    ApplicationStatus,
    GrantApplication,
    RoundStatus,
)
from tests import factories
from tests.funding import factories as funding_make
from tests.helpers import emails_to, field_errors, flashes, link_in, page_text, submit


@pytest.fixture
def deciding(make):
    """A round being scored (pot £10,000, grants £1,000 to £6,000), two eligible
    applications of £5,000 and £6,000, and a team member."""
    grant_round = funding_make.grant_round(
        status=RoundStatus.SCORING,
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-30),
        pot_pence=1_000_000,
        max_grant_pence=600_000,
    )
    owner = make.user(name="Olive Owner", email="olive@example.org")
    first = funding_make.application(
        grant_round,
        make.organisation(owner, name="Armley Digital"),
        status=ApplicationStatus.ELIGIBLE,
    )
    second = funding_make.application(
        grant_round,
        make.organisation(name="Beeston Hub"),
        status=ApplicationStatus.ELIGIBLE,
        amount_pence=600_000,
    )
    return grant_round, first, second, make.team_member(name="Tess Team")


def test_an_award_is_made_recorded_and_emailed(client, login, deciding):
    _, first, _, team = deciding
    login(team)
    page = f"/team/funding/applications/{first.id}/decision"

    posted = submit(
        client,
        f"/team/funding/applications/{first.id}/award",
        {
            "award-amount": "£4,500",
            "award-conditions": "Report on people reached by June.",
            "award-feedback": "A strong plan.",
        },
        page=page,
    )

    assert posted.status_code == 302
    assert "is awarded a grant, and told" in flashes(client.get(posted.headers["Location"]))
    db.session.expire_all()
    assert first.status is ApplicationStatus.AWARDED
    assert first.award.amount_pence == 450_000
    assert first.award.conditions == "Report on people reached by June."
    [line] = first.events
    assert (line.action, line.actor_id) == (ApplicationAction.AWARD, team.id)
    [email] = [e for e in emails_to("olive@example.org") if e.template == "funding_decision"]
    assert "£4,500" in email.body_text and "A strong plan." in email.body_text
    assert "Report on people reached by June." in email.body_text
    assert link_in(email) == f"/funding/applications/{first.id}"
    assert "Awarded £4,500" in page_text(client.get(page))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("", "Enter the amount to award"),
        ("999", "The award must be between £1,000 and £6,000"),
        ("6000.01", "The award must be between £1,000 and £6,000"),
        ("x", "Enter the amount in pounds, like 2500 or 2500.50"),
        ("9" * 400, "Enter the amount in pounds, like 2500 or 2500.50"),
        ("-5", "Enter the amount in pounds, like 2500 or 2500.50"),
        ("5\x00", None),
    ],
)
def test_an_award_outside_the_limits_is_refused(client, login, deciding, amount, message):
    _, first, _, team = deciding
    login(team)

    response = submit(
        client,
        f"/team/funding/applications/{first.id}/award",
        {"award-amount": amount},
        page=f"/team/funding/applications/{first.id}/decision",
    )

    assert response.status_code == 400
    if message:
        assert field_errors(response)["award-amount"] == message
    assert db.session.query(Award).count() == 0
    db.session.expire_all()
    assert first.status is ApplicationStatus.ELIGIBLE


def test_an_award_never_takes_the_total_past_the_pot(deciding):
    _, first, second, team = deciding
    decisions.award_application(second, 600_000, "", "", team)
    db.session.commit()

    with pytest.raises(FieldError, match="Only £4,000 of the pot is left"):
        decisions.award_application(first, 450_000, "", "", team)


def test_a_decided_application_cannot_be_decided_again(deciding):
    _, first, _, team = deciding
    decisions.decline_application(first, "Not this time.", team)
    db.session.commit()

    with pytest.raises(IllegalTransition):
        decisions.award_application(first, 200_000, "", "", team)


def test_a_decline_needs_feedback_and_sends_it(client, login, deciding):
    _, first, _, team = deciding
    login(team)
    url = f"/team/funding/applications/{first.id}/decline"
    page = f"/team/funding/applications/{first.id}/decision"

    empty = submit(client, url, {"decline-feedback": " "}, page=page)
    huge = submit(client, url, {"decline-feedback": "x" * 100_000}, page=page)
    done = submit(client, url, {"decline-feedback": "Strong, but others reached more."}, page=page)

    assert empty.status_code == 400
    assert field_errors(empty)["decline-feedback"] == "Enter feedback for the applicant"
    assert huge.status_code == 400
    assert done.status_code == 302
    db.session.expire_all()
    assert first.status is ApplicationStatus.DECLINED
    assert first.feedback == "Strong, but others reached more."
    [email] = [e for e in emails_to("olive@example.org") if e.template == "funding_decision"]
    assert "was not funded" in email.body_text
    assert "Strong, but others reached more." in email.body_text


def test_the_round_is_decided_only_when_nothing_waits(client, login, deciding):
    grant_round, first, second, team = deciding
    login(team)
    url = f"/team/funding/rounds/{grant_round.id}/decided"
    page = f"/team/funding/rounds/{grant_round.id}/ranking"

    refused = submit(client, url, page=page)
    assert refused.status_code == 409
    assert "2 applications are not decided yet" in page_text(refused)
    assert "Mark the round decided" not in page_text(client.get(page)).split("wait")[-1]

    decisions.award_application(first, 500_000, "", "", team)
    decisions.decline_application(second, "Not this time.", team)
    db.session.commit()
    assert "Every application is decided." in page_text(client.get(page))

    done = submit(client, url, page=page)
    assert done.status_code == 302
    db.session.expire_all()
    assert grant_round.status is RoundStatus.DECIDED
    with pytest.raises(IllegalTransition):
        decisions.mark_round_decided(grant_round)


def test_mark_decided_refuses_while_an_application_waits(deciding):
    grant_round, *_ = deciding

    with pytest.raises(Conflict, match="2 applications are not decided yet"):
        decisions.mark_round_decided(grant_round)


def test_two_simultaneous_awards_cannot_both_pass_the_pot(app, deciding):
    """Each award alone fits the pot of £10,000 (£5,000 and £6,000), both together do
    not: one is saved, the other refused with what is left."""
    _, first, second, team = deciding
    ids, team_id = [first.id, second.id], team.id
    amounts = [500_000, 600_000]
    db.session.remove()

    # Both threads have read their application and checked its limits, then meet just
    # before taking the round's lock: the two transactions truly overlap.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE GRANT_ROUND") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    results: dict[int, str] = {}

    def award(number: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                decisions.award_application(
                    db.session.get(GrantApplication, ids[number]),
                    amounts[number],
                    "",
                    "",
                    db.session.get(type(team), team_id),
                )
                db.session.commit()
                results[number] = "saved"
            except FieldError as exc:
                db.session.rollback()
                results[number] = str(exc)
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet)
    try:
        threads = [threading.Thread(target=award, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet)

    outcomes = sorted(results.values())
    assert len(outcomes) == 2, results
    assert outcomes[1] == "saved", results
    assert outcomes[0].startswith("Only £"), results
    assert db.session.query(Award).count() == 1
    assert sum(a.amount_pence for a in db.session.query(Award)) <= 1_000_000


def test_the_decision_page_shows_the_panel_ranking(client, login, deciding):
    _, first, _, team = deciding
    login(team)

    response = client.get(f"/team/funding/applications/{first.id}/decision")

    text = page_text(response)
    assert "No panel member has submitted scores yet." in text
    assert "£10,000 of the pot of £10,000 is left" in text


def test_an_ineligible_application_has_no_decision_forms(client, login, make, deciding):
    grant_round, *_ = deciding
    late = funding_make.application(
        grant_round, make.organisation(name="Late Group"), status=ApplicationStatus.INELIGIBLE
    )
    login(factories.team_member())

    response = client.get(f"/team/funding/applications/{late.id}/decision")

    assert "There is no decision to make on this application now." in page_text(response)
