"""Sending under faults: one bad email never holds up the rest, a worker that dies
mid-send leaves an email that is sent again with the same Message-ID and the attempt
counted, and the team can see whether mail is flowing."""

from __future__ import annotations

import os
import signal
from datetime import timedelta

from sqlalchemy import select

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.notifications.services import (
    build_message,
    claim_due_email,
    mail_flow,
    queue_email,
    send_due,
    send_while_due,
)
from brokerage.worker import Job, Worker, stopped_by_signals
from tests.notifications.smtp import sender_for


def _queue(make, n: int, subject: str = "Changed") -> list[int]:
    person = make.user()
    ids = [
        queue_email(person.email, "password_changed", f"{subject} {i}", user=person, reset="r").id
        for i in range(n)
    ]
    db.session.commit()
    return ids


def _rows() -> list[OutboxEmail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_a_subject_with_line_breaks_is_queued_as_one_line(make):
    person = make.user(email="ola@example.org")
    row = queue_email(
        person.email,
        "password_changed",
        "Welcome to Leeds\r\nBcc: everyone@example.org\x00 Trust",
        user=person,
        reset="r",
    )
    assert row.subject == "Welcome to Leeds Bcc: everyone@example.org Trust"


def test_a_poisoned_email_between_good_ones_does_not_stop_the_others(app, make, smtp_server):
    first, poisoned, last = _queue(make, 3)
    # A row written before headers were made safe (or by hand): a line break in the
    # Subject makes building the message fail, every time.
    db.session.get(OutboxEmail, poisoned).subject = "Hello\nBcc: everyone@example.org"
    db.session.commit()
    moment = utcnow()

    assert send_due(sender_for(app, smtp_server.port), now=moment) == (2, 1)

    rows = {row.id: row for row in _rows()}
    assert rows[first].status is OutboxStatus.SENT and rows[last].status is OutboxStatus.SENT
    bad = rows[poisoned]
    assert bad.status is OutboxStatus.PENDING
    assert bad.attempts == 1 and "linefeed" in bad.last_error
    assert bad.next_attempt_at == moment + timedelta(minutes=1)
    assert [r.message["Subject"] for r in smtp_server.received] == ["Changed 0", "Changed 2"]


def test_a_poisoned_email_is_given_up_on_by_itself(app, make, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    [poisoned] = _queue(make, 1)
    db.session.get(OutboxEmail, poisoned).subject = "Hello\rWorld"
    db.session.commit()
    sender = sender_for(app, smtp_server.port)
    moment = utcnow()
    assert send_due(sender, now=moment) == (0, 1)
    assert send_due(sender, now=moment + timedelta(minutes=1)) == (0, 1)
    [later] = _queue(make, 1, subject="Later")

    assert send_due(sender, now=moment + timedelta(days=1)) == (1, 0)
    rows = {row.id: row for row in _rows()}
    assert rows[poisoned].status is OutboxStatus.FAILED and rows[poisoned].attempts == 2
    assert rows[later].status is OutboxStatus.SENT


def test_a_worker_that_dies_between_sending_and_recording_is_retried_with_the_same_message_id(
    app, make, smtp_server
):
    [email_id] = _queue(make, 1)
    sender = sender_for(app, smtp_server.port)
    moment = utcnow()
    # The first worker claims the email (committed), sends it, and dies before
    # recording that it did: nothing after the send reaches the database.
    claimed = claim_due_email(moment, "worker-a:1")
    sender.send(build_message(claimed, app.config["MAIL_DEFAULT_SENDER"]))
    db.session.rollback()
    [row] = _rows()
    assert row.status is OutboxStatus.SENDING and row.claimed_by == "worker-a:1"
    assert row.attempts == 1

    # Another worker leaves it alone while the claim is fresh...
    assert send_due(sender, now=moment + timedelta(minutes=5), worker="worker-b:2") == (0, 0)
    # ... and sends it again once the claim is older than the timeout.
    stale = moment + timedelta(seconds=app.config["MAIL_CLAIM_TIMEOUT_S"] + 1)
    assert send_due(sender, now=stale, worker="worker-b:2") == (1, 0)

    [row] = _rows()
    assert row.id == email_id
    assert row.status is OutboxStatus.SENT and row.attempts == 2
    assert row.claimed_by == "worker-b:2"
    first, second = smtp_server.received
    # At least once, never silently lost; the same Message-ID lets a receiving
    # server (or the reader's mail program) drop the copy.
    assert first.message["Message-ID"] == second.message["Message-ID"] == row.message_id


def test_two_workers_cannot_claim_the_same_email(make):
    _queue(make, 1)
    moment = utcnow()
    assert claim_due_email(moment, "worker-a:1") is not None
    assert claim_due_email(moment, "worker-b:2") is None


def test_sigterm_finishes_the_email_in_hand_then_stops(app, make, smtp_server):
    _queue(make, 3)
    real = sender_for(app, smtp_server.port)

    class SignalledWhileSending:
        def send(self, message):
            os.kill(os.getpid(), signal.SIGTERM)  # systemd stops the worker mid-send
            real.send(message)

    sender = SignalledWhileSending()
    worker = Worker(
        [Job("send", lambda stopping: str(send_due(sender, stopping=stopping)))],
        interval=0.01,
        echo=lambda line: None,
    )
    with stopped_by_signals(worker):
        rounds = worker.run()

    assert rounds == 1
    statuses = [row.status for row in _rows()]
    assert statuses == [OutboxStatus.SENT, OutboxStatus.PENDING, OutboxStatus.PENDING]
    assert len(smtp_server.received) == 1
    # The previous handler is back: the test process is not left ignoring SIGTERM.
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_mail_flow_says_how_long_the_oldest_email_has_waited(app, make):
    assert mail_flow().oldest_waiting_s is None and not mail_flow().stuck
    _queue(make, 2)
    [first, _] = _rows()
    later = first.created_at + timedelta(seconds=app.config["MAIL_WARN_AFTER_S"] + 60)
    flow = mail_flow(later)
    assert flow.waiting == 2
    assert flow.oldest_waiting_s == app.config["MAIL_WARN_AFTER_S"] + 60
    assert flow.stuck
    assert not mail_flow(first.created_at + timedelta(minutes=1)).stuck


def test_a_round_sends_batch_after_batch_while_emails_are_due(app, make, smtp_server, monkeypatch):
    # One batch a round held a worker to 100 emails every 10 s: 5,000 queued by a
    # sell-out took minutes. A round now goes on while a whole batch was due.
    monkeypatch.setattr("brokerage.notifications.services.SEND_BATCH", 3)
    _queue(make, 8)

    sent, failed = send_while_due(sender_for(app, smtp_server.port), budget_s=60)

    assert (sent, failed) == (8, 0)
    assert {row.status for row in _rows()} == {OutboxStatus.SENT}
    assert len(smtp_server.received) == 8


def test_a_round_of_sending_stops_at_its_budget_for_the_other_jobs(
    app, make, smtp_server, monkeypatch
):
    monkeypatch.setattr("brokerage.notifications.services.SEND_BATCH", 3)
    _queue(make, 8)

    sent, _ = send_while_due(sender_for(app, smtp_server.port), budget_s=0)

    assert sent == 3  # one batch, then the budget is spent
    assert [row.status for row in _rows()].count(OutboxStatus.PENDING) == 5
