"""Applying for a grant: who may, the draft, what a complete application needs, the
deadline to the second, withdrawing, and the team's eligibility check."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.funding import applications
from brokerage.funding.models import ApplicationStatus, GrantApplication
from brokerage.organisations.models import OrganisationKind
from tests.funding import factories as funding_make
from tests.helpers import emails_to, link_in, submit


@pytest.fixture
def charity(make):
    return make.organisation(make.user(name="Cara Charity"), name="Armley Digital")


def _emails(org, template: str):
    return [e for e in emails_to(org.owners[0].email) if e.template == template]


def _form(grant_round, **overrides) -> dict:
    """A complete application as the form posts it."""
    long_text, yes_no = grant_round.questions
    data = {
        "title": "Digital drop-ins",
        "summary": "Weekly sessions in the library.",
        f"q{long_text.id}": "We will run twenty drop-in sessions.",
        f"q{yes_no.id}": "No",
        "amount": "5000",
        "annual_income": "80000",
        "item_1": "Ten tablets",
        "cost_1": "4000",
        "item_2": "Volunteer travel",
        "cost_2": "1000",
        "send": "Send the application",
    }
    data.update(overrides)
    return data


def _start(client, login, grant_round, org):
    login(org.owners[0])
    response = submit(
        client,
        f"/funding/rounds/{grant_round.id}/apply/{org.id}",
        page=f"/funding/rounds/{grant_round.id}",
    )
    assert response.status_code == 302
    return db.session.scalars(select(GrantApplication)).one()


def test_a_charity_applies_and_is_told_it_was_sent(client, login, charity):
    grant_round = funding_make.grant_round()
    page = client.get(f"/funding/rounds/{grant_round.id}").get_data(as_text=True)
    assert "Digital Inclusion Fund 2027" in page
    assert "What will you do with the grant?" in page
    application = _start(client, login, grant_round, charity)
    assert application.status is ApplicationStatus.DRAFT

    form = client.get(f"/funding/applications/{application.id}/edit").get_data(as_text=True)
    assert "You can enter up to 50 words" in form  # GOV.UK's count, without JavaScript
    response = submit(client, f"/funding/applications/{application.id}/edit", _form(grant_round))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your application has been sent" in page
    assert "Digital drop-ins" in page
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.amount_pence == 500_000
    assert [line.amount_pence for line in application.budget_lines] == [400_000, 100_000]
    (email,) = _emails(charity, "funding_application_sent")
    assert "Application sent" in email.subject
    assert link_in(email) == f"/funding/applications/{application.id}"
    assert f"{current_app.config['BASE_URL'].rstrip('/')}/funding/applications/" in email.body_text


def test_a_draft_keeps_what_was_typed_and_says_what_is_missing(client, login, charity):
    grant_round = funding_make.grant_round()
    application = _start(client, login, grant_round, charity)
    draft = {"title": "Half done", "save": "Save as draft"}
    response = submit(client, f"/funding/applications/{application.id}/edit", draft)
    assert response.status_code == 302
    page = client.get(f"/funding/applications/{application.id}/edit").get_data(as_text=True)
    assert 'value="Half done"' in page
    assert "Answer &#39;What will you do with the grant?&#39;" in page
    # Sending it now: the draft is kept and the first missing part is named.
    response = submit(
        client,
        f"/funding/applications/{application.id}/edit",
        {"title": "Half done", "send": "Send the application"},
    )
    assert response.status_code == 400
    assert "Describe your project in a few sentences" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.DRAFT
    assert application.title == "Half done"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "50000", "cost_1": "49000"}, "Ask for an amount from £1,000 to £10,000"),
        ({"cost_2": "999"}, "Your budget adds up to £4,999: make it match the amount"),
        ({"amount": "lots"}, "Enter the amount in pounds"),
        ({"cost_1": ""}, "Enter the cost of budget line 1"),
    ],
)
def test_a_wrong_amount_or_budget_is_refused_beside_it(client, login, charity, overrides, message):
    grant_round = funding_make.grant_round()
    application = _start(client, login, grant_round, charity)
    response = submit(
        client, f"/funding/applications/{application.id}/edit", _form(grant_round, **overrides)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.DRAFT


def test_an_answer_over_its_word_limit_is_refused_and_not_saved(client, login, charity):
    grant_round = funding_make.grant_round()
    long_text = grant_round.questions[0]
    application = _start(client, login, grant_round, charity)
    response = submit(
        client,
        f"/funding/applications/{application.id}/edit",
        _form(grant_round, **{f"q{long_text.id}": "word " * 53}),
    )
    assert response.status_code == 400
    assert "Your answer is 3 words too long" in response.get_data(as_text=True)
    db.session.refresh(application)
    assert application.answers == []
    assert application.status is ApplicationStatus.DRAFT


def test_the_deadline_is_kept_to_the_second(client, login, charity, clock):
    grant_round = funding_make.grant_round()
    closes = grant_round.closes_at
    application = funding_make.application(grant_round, charity, status=ApplicationStatus.DRAFT)
    clock(closes)
    with pytest.raises(DomainError, match="The round closed at"):
        applications.submit_application(application, charity.owners[0])
    db.session.rollback()
    clock(closes - timedelta(seconds=1))
    applications.submit_application(application, charity.owners[0])
    assert application.status is ApplicationStatus.SUBMITTED
    assert application.submitted_at == closes - timedelta(seconds=1)


def test_after_the_deadline_the_page_says_so_and_nothing_is_sent(client, login, charity, clock):
    grant_round = funding_make.grant_round()
    application = _start(client, login, grant_round, charity)
    clock(grant_round.closes_at + timedelta(minutes=1))
    response = submit(client, f"/funding/applications/{application.id}/edit", _form(grant_round))
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "it was not sent. The round closed at" in page
    db.session.refresh(application)
    assert application.status is ApplicationStatus.DRAFT
    assert _emails(charity, "funding_application_sent") == []


def test_one_application_per_organisation_per_round(client, login, charity, make):
    grant_round = funding_make.grant_round()
    first = applications.start_application(grant_round, charity, charity.owners[0])
    colleague = make.member(charity)
    again = applications.start_application(grant_round, charity, colleague)
    assert again.id == first.id
    assert db.session.scalar(select(func.count(GrantApplication.id))) == 1


def test_who_may_apply(make, charity):
    armley = funding_make.grant_round()
    company = make.organisation(make.user(), kind=OrganisationKind.COMPANY)
    assert "Only community organisations" in applications.eligibility_problem(armley, company)
    armley.wards = [make.ward("armley")]
    assert applications.eligibility_problem(armley, charity) is None
    armley.wards = [make.ward("roundhay")]
    assert "working in Roundhay" in applications.eligibility_problem(armley, charity)
    closed = funding_make.grant_round(closes_in=timedelta(seconds=-1))
    with pytest.raises(DomainError, match="not taking applications"):
        applications.start_application(closed, charity, charity.owners[0])


def test_a_company_member_cannot_start_an_application(client, login, make):
    grant_round = funding_make.grant_round()
    company = make.organisation(make.user(), kind=OrganisationKind.COMPANY)
    login(company.owners[0])
    response = client.post(f"/funding/rounds/{grant_round.id}/apply/{company.id}")
    assert response.status_code in (400, 403)  # no token from a page it cannot see
    assert db.session.scalar(select(func.count(GrantApplication.id))) == 0


def test_an_applicant_withdraws_before_the_decision(client, login, charity):
    grant_round = funding_make.grant_round()
    application = funding_make.application(grant_round, charity)
    login(charity.owners[0])
    response = submit(
        client, f"/funding/applications/{application.id}/withdraw", {"reason": "We merged."}
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.status is ApplicationStatus.WITHDRAWN
    assert application.events[-1].reason == "We merged."
    page = client.get(f"/funding/applications/{application.id}").get_data(as_text=True)
    assert "Withdrawn" in page
    assert "Withdraw this application" not in page


def test_the_team_marks_an_application_not_eligible_with_a_reason(client, login, make, charity):
    grant_round = funding_make.grant_round()
    application = funding_make.application(grant_round, charity)
    login(make.team_member())
    url = f"/funding/applications/{application.id}"
    no_reason = submit(client, f"/team{url}", {"decision": "ineligible", "reason": " "})
    assert no_reason.status_code == 400
    assert "Tell the applicant why it is not eligible" in no_reason.get_data(as_text=True)
    db.session.refresh(application)
    assert application.status is ApplicationStatus.SUBMITTED
    submit(client, f"/team{url}", {"decision": "ineligible", "reason": "Outside Leeds."})
    db.session.refresh(application)
    assert application.status is ApplicationStatus.INELIGIBLE
    (email,) = _emails(charity, "funding_ineligible")
    assert "Outside Leeds." in email.body_text
    login(charity.owners[0])
    assert "Outside Leeds." in client.get(url).get_data(as_text=True)


def test_a_sent_application_cannot_change(charity):
    grant_round = funding_make.grant_round()
    application = funding_make.application(grant_round, charity)
    with pytest.raises(DomainError, match="can no longer change"):
        applications.save_application(application, None, applications.Draft(title="New"))


def test_a_yes_no_question_refuses_any_other_answer(charity):
    grant_round = funding_make.grant_round()
    application = funding_make.application(grant_round, charity, status=ApplicationStatus.DRAFT)
    question = grant_round.questions[1]
    with pytest.raises(FieldError, match="Choose yes or no"):
        applications.save_application(
            application, None, applications.Draft(answers={question.id: "Maybe"})
        )
