"""Reminders of a grant's monitoring report: REMIND_REPORT_DAYS before it is due, once,
to the awarded organisation's members, unless the report is sent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from brokerage.config import ConfigError, load
from brokerage.extensions import db
from brokerage.funding import awards
from brokerage.funding.models import RoundStatus
from brokerage.notifications.models import Notice, OutboxEmail
from brokerage.notifications.reminders import send_reminders
from tests.funding import factories as funding_make

NOW = datetime(2027, 3, 1, 9, tzinfo=UTC)
DUE = date(2027, 9, 1)


@pytest.fixture
def report(make, clock):
    clock(NOW)
    org = make.organisation(name="Armley Digital")
    make.member(org)
    grant_round = funding_make.grant_round(
        status=RoundStatus.DECIDED, opens_in=timedelta(days=-90), closes_in=timedelta(days=-60)
    )
    award = funding_make.award(funding_make.application(grant_round, org), reports_due=[DUE])
    return award.reports[0]


def _reminders() -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail)
            .where(OutboxEmail.template == "reminder", OutboxEmail.subject.contains("report"))
            .order_by(OutboxEmail.id)
        )
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)


def test_members_hear_fourteen_days_before_the_report_is_due_once(app, report):
    members = [m.user for m in report.award.application.organisation.active_memberships]

    assert send_reminders(app.config, now=_at(DUE - timedelta(days=15))).reports == 0
    reminded = send_reminders(app.config, now=_at(DUE - timedelta(days=14)))

    assert reminded.reports == 2
    emails = _reminders()
    assert {e.to_address for e in emails} == {p.email for p in members}
    assert emails[0].subject == "Your grant's monitoring report is due on 1 September 2027: send it"
    assert f"/funding/reports/{report.id}" in emails[0].body_text
    notices = db.session.scalars(select(Notice.path).where(Notice.user_id == members[0].id))
    assert f"/funding/reports/{report.id}" in list(notices)
    assert send_reminders(app.config, now=_at(DUE - timedelta(days=2))).reports == 0
    assert len(_reminders()) == 2


def test_a_sent_report_is_not_reminded(app, report):
    person = report.award.application.organisation.owners[0]
    awards.submit_report(report, person, awards.ReportFigures("Sessions.", 5, 0, 10))
    db.session.commit()

    assert send_reminders(app.config, now=_at(DUE - timedelta(days=3))).reports == 0


def test_a_late_report_not_reminded_yet_is_reminded_once(app, report):
    assert send_reminders(app.config, now=_at(DUE + timedelta(days=10))).reports == 2
    assert send_reminders(app.config, now=_at(DUE + timedelta(days=11))).reports == 0


def test_the_days_are_a_setting(app, report, monkeypatch):
    monkeypatch.setitem(app.config, "REMIND_REPORT_DAYS", 30)
    assert send_reminders(app.config, now=_at(DUE - timedelta(days=30))).reports == 2


@pytest.mark.parametrize("value", ["0", "fourteen", "400"])
def test_bad_report_reminder_days_stop_the_app(monkeypatch, value):
    monkeypatch.setenv("REMIND_REPORT_DAYS", value)
    with pytest.raises(ConfigError, match="REMIND_REPORT_DAYS"):
        load({"APP_ENV": "testing"})
