"""The panel: the team adds and removes members; a member reads the round's eligible
applications, declares a conflict or scores each criterion (a draft, then submitted
and fixed), and sees the others' scores only after submitting their own."""

from __future__ import annotations

from datetime import timedelta

import pytest

from brokerage.errors import DomainError, FieldError, IllegalTransition
from brokerage.extensions import db
from brokerage.funding import panel
from brokerage.funding.models import ApplicationStatus, Review, ReviewStatus, RoundStatus
from brokerage.funding.panel import Entry
from brokerage.notifications.models import Notice
from tests.funding import factories as funding_make
from tests.helpers import emails_to, field_errors, flashes, link_in, page_text, submit, table_rows


@pytest.fixture
def scoring(make):
    """A round being scored, two eligible applications, a team member and a panel of two."""
    grant_round = funding_make.grant_round(
        status=RoundStatus.SCORING, opens_in=timedelta(days=-60), closes_in=timedelta(days=-30)
    )
    orgs = [make.organisation(name=name) for name in ("Armley Digital", "Beeston Hub")]
    applications = [
        funding_make.application(grant_round, org, status=ApplicationStatus.ELIGIBLE)
        for org in orgs
    ]
    people = [make.user(name="Pat Panel"), make.user(name="Sam Scorer")]
    members = [funding_make.panel_member(grant_round, person) for person in people]
    return grant_round, applications, people, members, make.team_member(name="Tess Team")


def _all(grant_round, value=4, comment="Clear plan"):
    return {c.id: Entry(value, comment) for c in grant_round.criteria}


# --- The team's panel page ------------------------------------------------------------


def test_the_team_adds_a_panel_member_by_email_and_they_are_told(client, login, make, scoring):
    grant_round, _, _, _, team = scoring
    newcomer = make.user(name="Nia New", email="nia@example.org")
    login(team)
    url = f"/team/funding/rounds/{grant_round.id}/panel"

    posted = submit(client, url, {"email": " NIA@example.org "})

    assert posted.status_code == 302
    response = client.get(posted.headers["Location"])
    assert "Nia New is on the panel, and has been told." in flashes(response)
    assert table_rows(response)[-1][:2] == ["Nia New", "nia@example.org"]
    [email] = emails_to("nia@example.org")
    assert grant_round.name in email.subject
    assert link_in(email) == "/panel"
    notice = db.session.query(Notice).filter_by(user_id=newcomer.id).one()
    assert notice.path == "/panel"


def test_an_address_with_no_account_is_refused_beside_the_field(client, login, scoring):
    grant_round, _, _, members, team = scoring
    login(team)
    url = f"/team/funding/rounds/{grant_round.id}/panel"

    response = submit(client, url, {"email": "nobody@example.org"})

    assert response.status_code == 400
    assert "There is no account with that email address" in field_errors(response)["email"]
    assert len(grant_round.panel) == len(members)


def test_someone_already_on_the_panel_is_not_added_twice(client, login, scoring):
    grant_round, _, people, _, team = scoring
    login(team)

    response = submit(
        client, f"/team/funding/rounds/{grant_round.id}/panel", {"email": people[0].email}
    )

    assert response.status_code == 400
    assert field_errors(response)["email"] == "Pat Panel is already on this round's panel"


def test_a_member_who_has_not_scored_can_be_removed_but_not_one_who_has(client, login, scoring):
    grant_round, applications, _, members, team = scoring
    panel.save_review(members[0], applications[0], _all(grant_round), submit=True)
    db.session.commit()
    login(team)
    url = f"/team/funding/rounds/{grant_round.id}/panel/remove"
    page = f"/team/funding/rounds/{grant_round.id}/panel"

    refused = submit(client, url, {"member": str(members[0].id)}, page=page)
    removed = submit(client, url, {"member": str(members[1].id)}, page=page)

    assert refused.status_code == 409
    assert "Pat Panel has submitted scores, so they stay on the panel" in page_text(refused)
    assert removed.status_code == 302
    db.session.expire_all()
    assert [m.user.name for m in grant_round.panel] == ["Pat Panel"]


def test_removing_with_a_made_up_member_is_refused(client, login, scoring):
    grant_round, *_, team = scoring
    login(team)
    url = f"/team/funding/rounds/{grant_round.id}/panel/remove"
    page = f"/team/funding/rounds/{grant_round.id}/panel"

    for value in ("", "x", "99999999999999999999", "1\x00"):
        response = submit(client, url, {"member": value}, page=page)
        assert response.status_code == 400, value


# --- The panel member's pages -------------------------------------------------------------


def test_a_panel_member_sees_their_rounds_and_the_applications_to_score(client, login, scoring):
    grant_round, applications, people, _, _ = scoring
    login(people[0])

    home = client.get("/panel")
    round_page = client.get(f"/panel/rounds/{grant_round.id}")

    assert grant_round.name in page_text(home)
    rows = table_rows(round_page)
    assert [row[0] for row in rows] == sorted(a.title for a in applications)
    assert {row[3] for row in rows} == {"Not started"}


def test_someone_on_no_panel_is_told_so(client, login, make):
    login(make.user())

    response = client.get("/panel")

    assert "You are not on the panel of any grant round" in page_text(response)


def test_the_application_shows_answers_budget_and_amount(client, login, scoring):
    _, applications, people, _, _ = scoring
    login(people[0])

    response = client.get(f"/panel/applications/{applications[0].id}")

    text = page_text(response)
    assert "Run drop-ins." in text
    assert "Laptops for loan" in text
    assert "£5,000" in text


def test_a_draft_is_kept_then_submitted_scores_are_fixed(client, login, scoring):
    grant_round, applications, people, members, _ = scoring
    reach, value = grant_round.criteria
    login(people[0])
    url = f"/panel/applications/{applications[0].id}/scores"
    page = f"/panel/applications/{applications[0].id}"

    draft = submit(
        client,
        url,
        {f"score_{reach.id}": "4", f"comment_{reach.id}": "Good reach", "save": "Save"},
        page=page,
    )
    assert draft.status_code == 302
    review = db.session.query(Review).one()
    assert review.status is ReviewStatus.DRAFT
    assert [(s.value, s.comment) for s in review.scores] == [(4, "Good reach")]

    incomplete = submit(client, url, {f"score_{reach.id}": "4", "send": "Submit"}, page=page)
    assert incomplete.status_code == 400
    assert field_errors(incomplete)[f"score_{value.id}"] == (
        "Score Value for money before you submit"
    )

    sent = submit(
        client,
        url,
        {f"score_{reach.id}": "4", f"score_{value.id}": "2", "send": "Submit"},
        page=page,
    )
    assert "Your scores are submitted" in flashes(client.get(sent.headers["Location"]))
    db.session.expire_all()
    assert review.status is ReviewStatus.SUBMITTED

    with pytest.raises(IllegalTransition, match="cannot change now"):
        panel.save_review(members[0], applications[0], _all(grant_round, 1))


@pytest.mark.parametrize("value", ["0", "6", "x", "9" * 400, "4\x00", "-1"])
def test_a_score_outside_one_to_five_is_refused_and_nothing_saved(client, login, scoring, value):
    grant_round, applications, people, _, _ = scoring
    reach = grant_round.criteria[0]
    login(people[0])
    page = f"/panel/applications/{applications[0].id}"

    response = submit(client, page + "/scores", {f"score_{reach.id}": value}, page=page)

    assert response.status_code == 400
    assert f"score_{reach.id}" in field_errors(response)
    assert db.session.query(Review).count() == 0


def test_a_huge_comment_is_refused(client, login, scoring):
    grant_round, applications, people, _, _ = scoring
    reach = grant_round.criteria[0]
    login(people[0])
    page = f"/panel/applications/{applications[0].id}"

    response = submit(
        client,
        page + "/scores",
        {f"score_{reach.id}": "3", f"comment_{reach.id}": "x" * 100_000},
        page=page,
    )

    assert response.status_code == 400
    assert "5,000 characters or fewer" in field_errors(response)[f"comment_{reach.id}"]
    assert db.session.query(Review).count() == 0


def test_others_scores_are_hidden_until_the_member_submits(client, login, scoring):
    grant_round, applications, people, members, _ = scoring
    panel.save_review(members[1], applications[0], _all(grant_round, 2, "Thin budget"), submit=True)
    db.session.commit()
    login(people[0])
    page = f"/panel/applications/{applications[0].id}"

    before = page_text(client.get(page))
    panel.save_review(members[0], applications[0], _all(grant_round, 5), submit=True)
    db.session.commit()
    after = page_text(client.get(page))

    assert "Sam Scorer" not in before and "Thin budget" not in before
    assert "Sam Scorer" in after and "Thin budget" in after


def test_a_declared_conflict_closes_the_application(client, login, scoring):
    grant_round, applications, people, members, _ = scoring
    panel.save_review(members[0], applications[0], {grant_round.criteria[0].id: Entry(3, "")})
    db.session.commit()
    login(people[0])
    page = f"/panel/applications/{applications[0].id}"

    empty = submit(client, page + "/conflict", {"conflict-reason": "  "}, page=page)
    declared = submit(
        client,
        page + "/conflict",
        {"conflict-reason": "I am a trustee of Armley Digital"},
        page=page,
    )

    assert empty.status_code == 400
    assert field_errors(empty)["conflict-reason"] == "Enter why you have a conflict of interest"
    review = db.session.query(Review).one()
    assert review.status is ReviewStatus.CONFLICTED and review.scores == []
    assert review.conflict_reason == "I am a trustee of Armley Digital"
    listing = client.get(declared.headers["Location"])
    row = next(r for r in table_rows(listing) if r[0] == applications[0].title)
    assert row[3] == "Conflict"
    assert client.get(page).status_code == 403


def test_a_member_of_the_applicant_is_conflicted_without_declaring(client, login, make, scoring):
    grant_round, applications, _, _, _ = scoring
    insider = make.member(applications[0].organisation, make.user(name="Ida Insider"))
    funding_make.panel_member(grant_round, insider)
    login(insider)

    rows = table_rows(client.get(f"/panel/rounds/{grant_round.id}"))

    assert dict((r[0], r[3]) for r in rows)[applications[0].title] == "Conflict"
    assert client.get(f"/panel/applications/{applications[0].id}").status_code == 403


def test_scores_are_refused_once_the_round_is_not_being_scored(scoring):
    grant_round, applications, _, members, _ = scoring
    grant_round.status = RoundStatus.DECIDED
    db.session.commit()

    with pytest.raises(DomainError, match="not being scored"):
        panel.save_review(members[0], applications[0], _all(grant_round))


def test_a_comment_without_a_score_is_refused(scoring):
    grant_round, applications, _, members, _ = scoring

    with pytest.raises(FieldError, match="to keep your comment"):
        panel.save_review(
            members[0], applications[0], {grant_round.criteria[0].id: Entry(None, "Hmm")}
        )
