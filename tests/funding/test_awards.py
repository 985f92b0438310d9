"""Awards after the decision: the payment, the report dates, the organisation's report,
the team's answer to it, and the award closing once every report is accepted. Through
the pages, as the team and the organisation use them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from brokerage.clock import today_in_leeds
from brokerage.errors import Conflict, FieldError, IllegalTransition
from brokerage.extensions import db
from brokerage.funding import awards
from brokerage.funding.award_models import AwardStatus, MonitoringReport, ReportStatus
from brokerage.funding.models import RoundStatus
from brokerage.notifications.models import Notice
from tests.funding import factories as funding_make
from tests.helpers import (
    counted_statements,
    emails_to,
    error_summary,
    field_errors,
    flashes,
    link_in,
    page_text,
    submit,
    table_rows,
)

NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)


@pytest.fixture
def setting(make, clock):
    """A decided round, Armley's award of £5,000 made on 1 March 2027, its owner and a
    team member."""
    clock(NOW)
    owner = make.user(name="Olive Owner")
    org = make.organisation(owner, name="Armley Digital")
    grant_round = funding_make.grant_round(
        status=RoundStatus.DECIDED, opens_in=timedelta(days=-90), closes_in=timedelta(days=-60)
    )
    application = funding_make.application(grant_round, org)
    award = funding_make.award(application)
    team = make.team_member(name="Tam Team")
    return award, owner, team


def _then(client, response):
    """The page a form's redirect leads to (the test client runs each request in a
    context of its own, so it follows redirects here)."""
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"])


def _day(form: str, day: date) -> dict:
    return {form: [str(day.day), str(day.month), str(day.year)]}


# --- Payment -----------------------------------------------------------------------------------


def test_the_team_records_the_payment_and_the_award_page_says_so(setting, client, login):
    award, _, team = setting
    login(team)
    url = f"/team/funding/awards/{award.id}"

    response = _then(
        client,
        submit(
            client,
            f"{url}/payment",
            {**_day("payment-paid_on", date(2027, 3, 1)), "payment-reference": "BACS 4471"},
            page=url,
        ),
    )

    assert "The payment of £5,000 is recorded." in flashes(response)
    assert "Paid on 1 March 2027, reference BACS 4471 (recorded by Tam Team)" in page_text(response)
    assert award.status is AwardStatus.PAID
    assert award.paid_recorded_by == team
    assert "Record the payment" not in page_text(response)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {},
            {
                "payment-paid_on": "Enter the date the grant was paid",
                "payment-reference": "Enter the payment reference",
            },
        ),
        (
            {**_day("payment-paid_on", date(2027, 3, 2)), "payment-reference": "X"},
            {"payment-paid_on": "The date it was paid must be today or in the past"},
        ),
        (
            {**_day("payment-paid_on", date(2027, 2, 1)), "payment-reference": "X"},
            {"payment-paid_on": "The date it was paid must be on or after the award, 1 March 2027"},
        ),
        (
            {
                "payment-paid_on": ["31", "2", "2027"],
                "payment-reference": "X" * 81,
            },
            {
                "payment-paid_on": "Date paid must be a real date",
                "payment-reference": "The payment reference must be 80 characters or fewer",
            },
        ),
        (
            {**_day("payment-paid_on", date(2027, 3, 1)), "payment-reference": "a\x00b"},
            {
                "payment-reference": "Payment reference must not include hidden characters, "
                "such as control or text-direction ones"
            },
        ),
    ],
)
def test_bad_payment_details_are_shown_beside_their_fields(setting, client, login, data, errors):
    award, _, team = setting
    login(team)
    url = f"/team/funding/awards/{award.id}"

    response = submit(client, f"{url}/payment", data, page=url)

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert next(iter(errors.values())) in error_summary(response)
    assert award.status is AwardStatus.AWARDED
    assert award.paid_on is None


def test_an_award_is_paid_once(setting):
    award, _, team = setting
    awards.record_payment(award, team, date(2027, 3, 1), "BACS 1")
    with pytest.raises(Conflict, match="already 'paid'"):
        awards.record_payment(award, team, date(2027, 3, 1), "BACS 2")
    assert award.payment_reference == "BACS 1"


# --- Report dates ----------------------------------------------------------------------------


def test_the_dates_form_offers_six_and_twelve_months_after_the_award(setting, client, login):
    award, _, team = setting
    login(team)

    response = client.get(f"/team/funding/awards/{award.id}")

    html = response.get_data(as_text=True)
    assert re.search(r'id="dates-first-month"[^>]*value="09"', html)
    assert re.search(r'id="dates-second-year"[^>]*value="2028"', html)
    assert awards.due_dates_offered(award) == [date(2027, 9, 1), date(2028, 3, 1)]
    assert awards.months_after(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_the_team_sets_report_dates_and_can_move_or_drop_those_not_sent(setting, client, login):
    award, _, team = setting
    login(team)
    url = f"/team/funding/awards/{award.id}"

    response = _then(
        client,
        submit(
            client,
            f"{url}/reports",
            {**_day("dates-first", date(2027, 9, 1)), **_day("dates-second", date(2028, 3, 1))},
            page=url,
        ),
    )

    assert "The report dates are saved." in flashes(response)
    assert [r[0] for r in table_rows(response)][:2] == ["1 September 2027", "1 March 2028"]
    first = award.reports[0]
    awards.set_due_dates(award, team, [date(2027, 10, 1), None, None])
    db.session.commit()
    assert [(r.id, r.due_on) for r in award.reports] == [(first.id, date(2027, 10, 1))]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"dates-first": "Enter the date the first report is due"}),
        (
            {**_day("dates-first", date(2027, 2, 1))},
            {"dates-first": "The date must be after the award, 1 March 2027"},
        ),
        (
            {**_day("dates-first", date(2027, 9, 1)), **_day("dates-second", date(2027, 9, 1))},
            {"dates-second": "Two reports cannot be due on the same day"},
        ),
        (
            {
                **_day("dates-first", date(2027, 9, 1)),
                "dates-third": ["x", "1", "2028"],
            },
            {"dates-third": "Third report due must be a real date"},
        ),
    ],
)
def test_bad_report_dates_are_refused(setting, client, login, data, errors):
    award, _, team = setting
    login(team)
    url = f"/team/funding/awards/{award.id}"

    response = submit(client, f"{url}/reports", data, page=url)

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert award.reports == []


# --- The organisation's report, the team's answer --------------------------------------------


REPORT = {
    "what_was_done": "Twelve drop-in sessions at the library.",
    "people_reached": "140",
    "devices_given": "0",
    "support_hours": "1,200",
}


def _with_reports(award, *days):
    awards.set_due_dates(award, None, [*days, None, None][:3])
    db.session.commit()
    return award.reports


def test_the_organisation_reports_the_team_accepts_and_the_award_closes(setting, client, login):
    award, owner, team = setting
    awards.record_payment(award, team, date(2027, 3, 1), "BACS 1")
    (report,) = _with_reports(award, date(2027, 9, 1))
    login(owner)
    url = f"/funding/reports/{report.id}"

    sent = _then(client, submit(client, url, REPORT))

    assert "Thank you: your report is sent to the programme team." in flashes(sent)
    assert "Sent, waiting for the team" in page_text(sent)
    assert "1,200" in page_text(sent)
    assert report.support_hours == 1200 and report.devices_given == 0
    (told,) = [e for e in emails_to(team.email) if e.template == "report_submitted"]
    assert "Armley Digital sent its monitoring report" in told.body_text
    assert link_in(told) == f"/team/funding/reports/{report.id}"

    login(team)
    answered = _then(
        client,
        submit(client, f"/team/funding/reports/{report.id}", {"decision": "accept", "comment": ""}),
    )

    assert "Your answer is sent to the organisation." in flashes(answered)
    assert report.status is ReportStatus.ACCEPTED
    assert award.status is AwardStatus.CLOSED
    assert "Every report is accepted: the award is closed." in page_text(answered)
    (accepted,) = [e for e in emails_to(owner.email) if e.template == "report_reviewed"]
    assert "accepted your monitoring report" in accepted.body_text
    assert link_in(accepted) == url
    notices = db.session.scalars(select(Notice.message).where(Notice.user_id == owner.id)).all()
    assert "Your monitoring report was accepted" in notices


def test_the_team_asks_for_more_and_the_organisation_sends_it_again(setting, client, login):
    award, owner, team = setting
    report, later = _with_reports(award, date(2027, 9, 1), date(2028, 3, 1))
    awards.submit_report(report, owner, awards.ReportFigures("Sessions.", 10, 2, 30))
    db.session.commit()
    login(team)

    missing = submit(client, f"/team/funding/reports/{report.id}", {"decision": "more"})
    assert missing.status_code == 400
    assert field_errors(missing) == {"comment": "Enter what more you need to know"}

    submit(
        client,
        f"/team/funding/reports/{report.id}",
        {"decision": "more", "comment": "How many of the 10 were over 65?"},
    )
    assert report.status is ReportStatus.MORE_REQUESTED
    (asked,) = [e for e in emails_to(owner.email) if e.template == "report_reviewed"]
    assert "How many of the 10 were over 65?" in asked.body_text

    login(owner)
    page = client.get(f"/funding/reports/{report.id}")
    assert "The programme team asks: How many of the 10 were over 65?" in page_text(page)
    assert 'value="10"' in page.get_data(as_text=True)  # what they sent, to add to
    submit(client, f"/funding/reports/{report.id}", {**REPORT, "people_reached": "12"})
    assert report.status is ReportStatus.SUBMITTED
    assert report.people_reached == 12
    awards.accept_report(report, team, None)
    db.session.commit()
    assert award.status is AwardStatus.AWARDED  # not paid, and a second report to come
    assert later.status is ReportStatus.DUE

    # The question asked stays in the award's history once the report is accepted.
    login(team)
    history = [row[1:] for row in table_rows(client.get(f"/team/funding/awards/{award.id}"))[2:]]
    assert history == [
        ["Report dates set: Reports due 1 September 2027, 1 March 2028", "Former member"],
        ["Report sent (report due 1 September 2027)", "Olive Owner"],
        [
            "More information asked for (report due 1 September 2027): "
            "How many of the 10 were over 65?",
            "Tam Team",
        ],
        ["Report sent (report due 1 September 2027)", "Olive Owner"],
        ["Report accepted (report due 1 September 2027)", "Tam Team"],
    ]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {},
            {
                "what_was_done": "Enter what the grant has done so far",
                "people_reached": "Enter the number of people reached, 0 if none",
                "devices_given": "Enter the number of devices given, 0 if none",
                "support_hours": "Enter the hours of support, 0 if none",
            },
        ),
        (
            {**REPORT, "people_reached": "-3", "devices_given": "2.5"},
            {
                "people_reached": "People reached must be a whole number, like 12, or 0 if none",
                "devices_given": "Devices given must be a whole number, like 12, or 0 if none",
            },
        ),
        (
            {**REPORT, "support_hours": "1000001", "what_was_done": "x" * 5001},
            {
                "what_was_done": "Write 5,000 characters or fewer",
                "support_hours": "Hours of support must be 1,000,000 or fewer",
            },
        ),
        (
            {**REPORT, "what_was_done": "Sessions\x1b[31m"},
            {
                "what_was_done": "What has the grant done so far? must not include hidden "
                "characters, such as control or text-direction ones"
            },
        ),
    ],
)
def test_a_report_with_bad_figures_is_refused_beside_each_field(
    setting, client, login, data, errors
):
    award, owner, _ = setting
    (report,) = _with_reports(award, date(2027, 9, 1))
    login(owner)

    response = submit(client, f"/funding/reports/{report.id}", data)

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert report.status is ReportStatus.DUE


def test_a_sent_report_cannot_be_sent_again_or_answered_twice(setting, client, login):
    award, owner, team = setting
    (report,) = _with_reports(award, date(2027, 9, 1))
    awards.submit_report(report, owner, awards.ReportFigures("Sessions.", 1, 0, 2))
    db.session.commit()
    with pytest.raises(IllegalTransition):
        awards.submit_report(report, owner, awards.ReportFigures("Again.", 1, 0, 2))
    db.session.rollback()
    login(owner)
    response = submit(
        client, f"/funding/reports/{report.id}", REPORT, page=f"/funding/reports/{report.id}"
    )
    assert response.status_code == 302
    assert report.what_was_done == "Sessions."

    awards.accept_report(report, team, "Thank you.")
    db.session.commit()
    with pytest.raises(Conflict):
        awards.ask_for_more(report, team, "More?")
    with pytest.raises(FieldError):
        awards.set_due_dates(award, team, [date(2027, 9, 1), None, None])


# --- The lists, and the applicant's view of the award ----------------------------------------


def test_the_awards_list_shows_each_award_and_its_next_report(setting, client, login, make):
    award, _, team = setting
    _with_reports(award, date(2027, 9, 1))
    login(team)

    response = client.get("/team/funding/awards")

    assert table_rows(response) == [
        [
            "Armley Digital Digital champions at Armley Digital, Digital Inclusion Fund 2027",
            "£5,000",
            "Awarded, not paid",
            "1 September 2027 Due",
        ]
    ]
    assert "No award is 'paid'." in page_text(client.get("/team/funding/awards?status=paid"))
    assert client.get("/team/funding/awards?status=nonsense").status_code == 200


def test_the_awards_csv_has_a_row_an_award(setting, client, login):
    award, owner, team = setting
    (report,) = _with_reports(award, date(2027, 9, 1))
    awards.submit_report(report, owner, awards.ReportFigures("Sessions.", 40, 0, 2))
    awards.accept_report(report, team, None)
    db.session.commit()
    login(team)

    response = client.get("/team/funding/awards.csv")

    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:6] == ["Award", "Round", "Organisation", "Project", "Amount (£)", "Status"]
    assert lines[1][4:] == [
        "5000.00",
        "Awarded, not paid",
        "2027-03-01 10:00",
        "",
        "",
        "1",
        "1",
        "40",
    ]
    assert response.headers["Content-Disposition"].startswith('attachment; filename="awards-')


def test_the_applicants_partial_shows_the_award_payment_and_reports(setting, app):
    award, _, team = setting
    _with_reports(award, date(2027, 9, 1))
    awards.record_payment(award, team, date(2027, 3, 1), "BACS 9")
    db.session.commit()

    html = app.jinja_env.get_template("funding/_award.html").render(application=award.application)

    assert "Paid on 1 March 2027 (reference BACS 9)" in html
    assert f"/funding/reports/{award.reports[0].id}" in html
    assert "Write the report" in html
    assert "£5,000" in html


def test_report_due_days_are_the_leeds_day(setting):
    award, _, _ = setting
    award.awarded_at = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)  # 1 July in Leeds (BST)
    assert awards.award_day(award) == date(2027, 7, 1)
    assert today_in_leeds(award.awarded_at) == date(2027, 7, 1)
    assert db.session.scalar(select(MonitoringReport.id)) is None


def test_the_application_page_shows_the_award_to_its_organisation(setting, client, login):
    award, owner, _ = setting
    (report,) = _with_reports(award, date(2027, 9, 1))
    login(owner)

    response = client.get(f"/funding/applications/{award.application_id}")

    assert response.status_code == 200
    assert "Your grant" in page_text(response)
    assert "Not paid yet" in page_text(response)
    assert f'href="/funding/reports/{report.id}"' in response.get_data(as_text=True)


def _statements(client, url: str) -> int:
    client.get(url)
    with counted_statements() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_awards_list_costs_the_same_queries_for_1_or_30_awards(setting, client, login, make):
    award, _, team = setting
    _with_reports(award, date(2027, 9, 1), date(2028, 3, 1))
    login(team)
    before = _statements(client, "/team/funding/awards")
    grant_round = award.application.round
    for n in range(29):
        org = make.organisation(name=f"Group {n}")
        funding_make.award(
            funding_make.application(grant_round, org), reports_due=[date(2027, 9, 1)]
        )

    after = _statements(client, "/team/funding/awards")

    assert before == after
    assert after <= 12
