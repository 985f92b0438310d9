"""The one background worker: it sends due email and closes listings past their date."""

from __future__ import annotations

import contextvars
import socket
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.listings.models import (
    ListingAction,
    ListingKind,
    ListingStatus,
    LocationMode,
    Need,
    Safeguarding,
    Skill,
)
from brokerage.listings.services import NeedDetails, create_need, moderate
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.notifications.services import queue_email
from brokerage.worker import Job, Worker


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _published_need(make) -> Need:
    owner = make.user()
    org = make.organisation(owner)
    skill = db.session.scalars(select(Skill)).first()
    need = create_need(
        org,
        owner,
        NeedDetails(
            kind=ListingKind.VOLUNTEERING,
            title="Help at our drop-in",
            description="Volunteers to help people use their phones.",
            ward_ids=[make.ward("armley").id],
            beneficiary_group_ids=[make.group("older-people").id],
            skill_ids=[skill.id],
            volunteers=2,
            hours_per_volunteer=3,
            location_mode=LocationMode.ON_SITE,
            safeguarding=Safeguarding.NONE,
            deadline=today_in_leeds() + timedelta(days=10),
        ),
        submit=True,
    )
    moderate(need, make.team_member(), ListingAction.PUBLISH, None)
    db.session.commit()
    return need


def test_one_round_tries_the_email_and_expires_what_is_overdue(app, make):
    need = _published_need(make)
    # Its date passes (as if time went by).
    need.deadline = today_in_leeds() - timedelta(days=1)
    queue_email("someone@example.org", "password_changed", "Test", user=need.created_by, reset="x")
    db.session.commit()
    need_id = need.id

    saved = dict(app.config)
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_closed_port(), MAIL_TIMEOUT=2)
    try:
        runner = app.test_cli_runner()
        result = contextvars.Context().run(runner.invoke, args=["worker", "--rounds", "1"])
    finally:
        app.config.clear()
        app.config.update(saved)

    assert result.exit_code == 0, result.output
    assert "expired 1" in result.output
    db.session.expire_all()
    need = db.session.get(Need, need_id)
    assert need.status is ListingStatus.EXPIRED
    assert need.events[-1].action is ListingAction.EXPIRE and need.events[-1].actor is None
    # The mail server is down: the email waits for a later round, with the reason.
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.subject == "Test")).one()
    assert email.status is OutboxStatus.PENDING
    assert email.attempts == 1 and email.last_error


def test_a_round_that_fails_on_the_database_is_retried_with_back_off(app):
    calls: list[int] = []

    def flaky(stopping):
        calls.append(1)
        if len(calls) <= 3:
            # What psycopg raises when PostgreSQL restarts under the worker.
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        return "sent 1, failed 0"

    lines: list[str] = []
    worker = Worker([Job("send", flaky)], interval=0.01, rounds=5, echo=lines.append)
    waits = []
    for _ in range(5):
        worker.failed_rounds = worker.failed_rounds + 1 if not worker.run_round() else 0
        waits.append(worker.wait_s())

    # Three failed rounds, each waiting twice as long, then back to the interval.
    assert waits == [0.01, 0.02, 0.04, 0.01, 0.01]
    assert lines.count("database unavailable (OperationalError); will retry") == 3
    assert lines[-2:] == ["sent 1, failed 0", "sent 1, failed 0"]
    assert Worker([Job("send", flaky)], interval=10, max_backoff=300).wait_s() == 10
    worker.failed_rounds = 20
    assert worker.wait_s() == worker.max_backoff
