"""Volunteers' hours: a volunteer logs their time after a session they were on, the
charity confirms or corrects it with a reason, the impact figures count the confirmed
hours for a match with sessions, each person's record and the company's report; a
leaver's hours stay under their name, a deleted account's without one."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.impact import figures, statements
from brokerage.impact.filters import ImpactFilters
from brokerage.listings.models import ListingKind
from brokerage.matches import services as brokering
from brokerage.privacy import erasure, subject
from brokerage.volunteering import hours, reports, volunteers
from brokerage.volunteering.models import HourLog, HourStatus
from tests import factories
from tests.factories import PASSWORD, make_session
from tests.helpers import (
    counted_statements,
    field_errors,
    flashes,
    page_text,
    submit,
    table_rows,
)
from tests.matches import factories as matches_make
from tests.volunteering import make


@pytest.fixture
def setting():
    """A company with two volunteers, an agreed match with a charity, and a session
    that ended yesterday (two hours) with both on it."""
    org, lead = make.company()
    asha = make.volunteer(org, name="Asha Able")
    ben = make.volunteer(org, name="Ben Baker")
    match = make.agreed_match(org, 2)
    session = make_session(match, [asha, ben])
    return org, lead, match, session, asha, ben


def charity_of(match):
    return match.need.organisation.owners[0]


# --- Services ----------------------------------------------------------------------------


def test_a_volunteer_logs_once_per_session_and_amends_until_confirmed(setting):
    org, _lead, match, session, asha, _ben = setting
    log = hours.log_hours(session, asha, 90)
    db.session.commit()
    assert (log.minutes, log.status, log.organisation_id) == (90, HourStatus.LOGGED, org.id)
    again = hours.log_hours(session, asha, 100)  # a second submit amends the same row
    db.session.commit()
    assert again.id == log.id and again.minutes == 100
    assert db.session.scalar(select(func.count(HourLog.id))) == 1

    hours.confirm_hours(log, charity_of(match), 100, None)
    db.session.commit()
    with pytest.raises(Exception, match="already confirmed"):
        hours.log_hours(session, asha, 30)
    db.session.rollback()
    assert db.session.get(HourLog, log.id).confirmed_minutes == 100


def test_two_submits_at_once_give_a_message_not_a_server_error(setting, monkeypatch):
    _org, _lead, _match, session, asha, _ben = setting
    hours.log_hours(session, asha, 90)
    db.session.commit()
    # The second request read "no log yet" before the first one committed.
    monkeypatch.setattr(hours, "log_of", lambda *args: None)
    with pytest.raises(Conflict, match="already logged your hours"):
        hours.log_hours(session, asha, 60)
    db.session.commit()  # the savepoint was rolled back: the transaction goes on
    assert db.session.scalars(select(HourLog.minutes)).all() == [90]


def test_only_ended_sessions_one_was_on_within_a_day(setting):
    org, _lead, match, session, asha, _ben = setting
    carl = make.volunteer(org, name="Carl Cole")
    with pytest.raises(Exception, match="only for sessions you were on"):
        hours.log_hours(session, carl, 60)
    later = make_session(match, [asha], starts_in=timedelta(hours=2))
    with pytest.raises(Exception, match="once the session has ended"):
        hours.log_hours(later, asha, 60)
    with pytest.raises(Exception, match="24 or fewer"):
        hours.log_hours(session, asha, 24 * 60 + 1)
    with pytest.raises(Exception, match="negative"):
        hours.log_hours(session, asha, -5)
    db.session.rollback()
    assert db.session.scalar(select(func.count(HourLog.id))) == 0


def test_a_correction_needs_a_reason_the_volunteer_sees(setting):
    _org, _lead, match, session, asha, _ben = setting
    log = hours.log_hours(session, asha, 120)
    db.session.commit()
    with pytest.raises(Exception, match="Enter why you changed the hours"):
        hours.confirm_hours(log, charity_of(match), 60, "  ")
    hours.confirm_hours(log, charity_of(match), 60, "Left after the first hour")
    db.session.commit()
    assert log.is_corrected and log.note == "Left after the first hour"
    mine = reports.my_hours(asha.user)
    assert [(m.label, m.minutes) for m in mine.months] == [(f"{log.worked_on:%B %Y}", 60)]


def test_impact_counts_confirmed_hours_for_a_match_with_sessions(setting, login):
    org, _lead, match, session, asha, ben = setting
    hours.confirm_hours(hours.log_hours(session, asha, 150), charity_of(match), 150, None)
    hours.log_hours(session, ben, 120)  # not confirmed: not counted
    db.session.commit()
    client = login(charity_of(match))
    assert "given, as the volunteers" not in page_text(client.get(f"/matches/{match.id}"))
    brokering.complete(match, charity_of(match), brokering.Delivery(hours=40, people_reached=5))
    # A match without sessions still counts the number given at delivery.
    matches_make.completed(ListingKind.VOLUNTEERING, volunteers=1, hours_per_volunteer=7)
    db.session.commit()
    total = figures.totals(ImpactFilters())
    assert total.figures.hours == 3 + 7  # 2.5 hours rounds to 3, not the 40 typed
    statement = statements.company_statement(org, date(2000, 1, 1), date(2100, 1, 1))
    assert [m.hours for m in statement.matches] == [3]
    assert hours.session_minutes(match) == 150
    # The completed match's page says what was given: the confirmed hours, not the 40.
    shown = page_text(client.get(f"/matches/{match.id}"))
    assert "2 hours 30 minutes given, as the volunteers' hours at its sessions were" in shown


def test_the_company_report_per_volunteer_and_match_and_share(setting):
    org, _lead, match, session, asha, ben = setting
    make.volunteer(org, name="Carl Cole")  # took no part
    hours.confirm_hours(hours.log_hours(session, asha, 120), charity_of(match), 120, None)
    hours.confirm_hours(hours.log_hours(session, ben, 60), charity_of(match), 60, None)
    db.session.commit()
    start, end = reports.default_period()
    found = reports.company_report(org, start, end)
    assert [(p.name, p.minutes) for p in found.people] == [("Asha Able", 120), ("Ben Baker", 60)]
    assert [(m.volunteers, m.minutes) for m in found.matches] == [(2, 180)]
    assert (found.named_taking_part, found.volunteers, found.share) == (2, 3, 67)
    other_org, _ = make.company("Other Ltd")
    assert reports.company_report(other_org, start, end).people == []


def test_a_leaver_stays_by_name_and_a_deleted_account_without_one(setting):
    org, lead, match, session, asha, ben = setting
    hours.confirm_hours(hours.log_hours(session, asha, 120), charity_of(match), 120, None)
    hours.confirm_hours(hours.log_hours(session, ben, 60), charity_of(match), 60, None)
    db.session.commit()
    volunteers.remove(asha, lead)
    db.session.commit()
    start, end = reports.default_period()
    people = reports.company_report(org, start, end).people
    assert [(p.name, p.left) for p in people] == [("Asha Able", True), ("Ben Baker", False)]

    # The subject-access copy holds the volunteer's own hour logs.
    held = subject.held_about(ben.user.email)
    assert [r["minutes"] for r in held.tables["volunteer_hour_log"]] == [60]

    erasure.delete_account(ben.user, PASSWORD)
    db.session.commit()
    people = reports.company_report(org, start, end).people
    assert [(p.name, p.minutes) for p in people] == [
        ("Asha Able", 120),
        (reports.FORMER, 60),
    ]
    assert figures.totals(ImpactFilters()).figures.hours == 0  # match not completed yet
    brokering.complete(match, charity_of(match), brokering.Delivery(hours=1, people_reached=5))
    db.session.commit()
    assert figures.totals(ImpactFilters()).figures.hours == 3


def test_the_report_costs_the_same_statements_for_10_and_500_volunteers(app):
    def grow(org, match, count: int) -> None:
        users = [
            factories.user(name=f"Vol {n}", email=f"v{n}-{org.id}@example.org")
            for n in range(count)
        ]
        for person in users:
            volunteer = volunteers.Volunteer(organisation=org, user=person)
            db.session.add(volunteer)
        db.session.flush()
        session = make_session(match, [])
        for volunteer in volunteers.volunteers_of(org):
            db.session.add(
                HourLog(
                    session_id=session.id,
                    match_id=match.id,
                    organisation_id=org.id,
                    volunteer_id=volunteer.id,
                    worked_on=date.today(),
                    minutes=60,
                    confirmed_minutes=60,
                    status=HourStatus.CONFIRMED,
                )
            )
        db.session.commit()

    counts = []
    for size, name in ((10, "Small Ltd"), (500, "Large Ltd")):
        org, _ = make.company(name)
        grow(org, make.agreed_match(org, 1), size)
        start, end = reports.default_period()
        db.session.refresh(org)
        with counted_statements() as seen:
            found = reports.company_report(org, start, end)
            list(reports.report_rows(found))
        assert found.named_taking_part == size
        counts.append(len(seen))
    assert counts[0] == counts[1] == 3


# --- Pages ----------------------------------------------------------------------------------


def test_log_confirm_and_see_it_through_the_pages(client, login, setting):
    _org, _lead, match, session, asha, _ben = setting
    login(asha.user)
    mine = page_text(client.get("/volunteering"))
    assert "Log your hours for" in mine
    url = f"/volunteering/sessions/{session.id}/hours"
    assert 'value="2"' in client.get(url).get_data(as_text=True)  # prefilled: 2 hours
    response = submit(client, url, {"hours": "25"}, page=url)
    assert field_errors(response) == {"hours": "Hours must be 24 or fewer"}
    response = submit(client, url, {"hours": "-1"}, page=url)
    assert field_errors(response) == {"hours": "Hours cannot be negative"}
    response = submit(client, url, {"hours": "lots"}, page=url)
    assert field_errors(response) == {"hours": "Hours must be a number, like 2 or 1.5"}
    assert db.session.scalar(select(func.count(HourLog.id))) == 0
    response = submit(client, url, {"hours": "1.5"}, page=url)
    assert response.status_code == 302
    assert "Waiting for the charity to confirm" in page_text(client.get("/volunteering"))

    login(charity_of(match))
    page = f"/matches/{match.id}/hours"
    assert table_rows(client.get(page))[0][1:3] == ["Asha Able", "1 hour 30 minutes"]
    log = db.session.scalar(select(HourLog))
    confirm = f"/matches/{match.id}/hours/{log.id}/confirm"
    response = submit(client, confirm, {"hours": "1", "reason": ""}, page=confirm)
    assert field_errors(response) == {
        "reason": "Enter why you changed the hours: the volunteer sees it"
    }
    response = submit(client, confirm, {"hours": "1", "reason": "Started late"}, page=confirm)
    assert "1 hour confirmed" in flashes(client.get(response.headers["Location"]))
    # Confirmed: the volunteer's form now refuses, with a message not a 500.
    login(asha.user)
    response = submit(client, url, {"hours": "3"}, page=url)
    assert response.status_code == 302
    assert "already confirmed" in flashes(client.get(response.headers["Location"]))
    mine = page_text(client.get("/volunteering"))
    assert "Their reason: “Started late”" in mine
    record = page_text(client.get("/volunteering/record"))
    assert "Volunteering record: Asha Able" in record
    assert match.need.organisation.name in record and "Bytes Ltd" in record
    download = client.get("/volunteering/record.csv")
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Date", "Company", "Organisation helped", "Volunteering", "Hours logged"]
    assert rows[1][4:6] == ["1.5", "1"]


def test_the_company_report_page_and_csv(client, login, setting):
    org, lead, match, session, asha, _ben = setting
    hours.confirm_hours(hours.log_hours(session, asha, 120), charity_of(match), 120, None)
    db.session.commit()
    login(lead)
    url = f"/organisations/{org.id}/volunteering-report"
    response = client.get(url)
    assert table_rows(response)[0] == ["Asha Able", "1", "2 hours"]
    assert "1 of 2 (50%)" in page_text(response)
    download = client.get(url + ".csv")
    text = download.get_data(as_text=True).lstrip("\ufeff")
    assert "Asha Able,No,1,2" in text
    bad = client.get(url + "?from=31&from=2&from=2026")
    assert bad.status_code == 200
    login(charity_of(match))  # another organisation: refused
    assert client.get(url).status_code == 403
