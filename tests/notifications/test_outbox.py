"""The email outbox: written with the change it reports, sent by the worker over real SMTP,
never lost when SMTP is down, and readable by the team in development."""

from __future__ import annotations

import contextvars
from datetime import timedelta

from sqlalchemy import func, select, text

from brokerage.accounts import services as accounts
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.notifications.services import queue_email, send_due
from tests.helpers import link_in
from tests.notifications.smtp import sender_for


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail))


def committed_outbox_count() -> int:
    """Rows another connection can see: what the worker would find."""
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox_email")).scalar_one()


def reload(row: OutboxEmail) -> OutboxEmail:
    db.session.expire_all()
    return db.session.get(OutboxEmail, row.id)


# --- queueing ----------------------------------------------------------------------------


def test_queue_email_writes_in_the_callers_transaction(make):
    person = make.user(name="Sam Reid", email="sam@example.org")

    queued = queue_email(
        person.email, "password_changed", "Your password has been changed", user=person, reset="x"
    )
    assert queued.status is OutboxStatus.PENDING
    assert queued.attempts == 0
    assert "Hello Sam Reid" in queued.body_text
    assert queued.body_html and "Sam Reid" in queued.body_html
    assert outbox_count() == 1
    # Not committed yet: the worker cannot see it...
    assert committed_outbox_count() == 0

    db.session.commit()
    # ... and once the change commits, it can.
    assert committed_outbox_count() == 1


def test_the_queued_email_is_the_row_the_database_holds(make):
    """queue_email writes the row with one INSERT and hands back the row as loaded: every
    column as the database has it, nothing left to write."""
    person = make.user(name="Sam Reid", email="sam@example.org")
    queued = queue_email(
        person.email, "password_changed", "Changed", qr_images=[("cid-1", "CODE")], user=person
    )
    assert queued in db.session and not db.session.dirty and not db.session.new
    as_written = {c.key: getattr(queued, c.key) for c in OutboxEmail.__table__.c}
    again = reload(queued)
    assert {c.key: getattr(again, c.key) for c in OutboxEmail.__table__.c} == as_written
    assert again.message_id == queued.message_id and again.qr_images == '[["cid-1", "CODE"]]'


def test_nothing_is_queued_when_the_change_is_rolled_back():
    user = accounts.sign_up("Tia Moss", "tia@example.org", "purple otter umbrella")
    assert user is not None
    assert outbox_count() == 1

    db.session.rollback()

    assert outbox_count() == 0
    assert committed_outbox_count() == 0


# --- sending -----------------------------------------------------------------------------


def test_send_due_delivers_the_email_over_smtp(app, smtp_server):
    accounts.sign_up("Una Shah", "una@example.org", "purple otter umbrella")
    db.session.commit()
    [row] = db.session.scalars(select(OutboxEmail)).all()

    assert send_due(sender_for(app, smtp_server.port)) == (1, 0)

    [received] = smtp_server.received
    assert received.rcpt_to == ["<una@example.org>"]
    message = received.message
    assert message["Subject"] == "Confirm your email address"
    assert message["To"] == "una@example.org"
    assert message["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Message-ID"].startswith(f"<outbox-{row.id}-")
    plain = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    link = link_in(row)
    assert "Hello Una Shah" in plain
    assert link in plain
    assert link in html_part

    row = reload(row)
    assert row.status is OutboxStatus.SENT
    assert row.attempts == 1
    assert row.sent_at is not None
    assert row.last_error is None
    # Sent once only: another round finds nothing to do.
    assert send_due(sender_for(app, smtp_server.port)) == (0, 0)
    assert len(smtp_server.received) == 1


def test_qr_codes_are_sent_as_images_the_html_shows(app, smtp_server, make):
    """Most email programs show no inline SVG: a ticket's QR code goes with the email as
    a PNG image, which the HTML shows by its Content-ID."""
    import re

    from brokerage import qr
    from brokerage.ticketing import orders as ball_orders
    from tests.ticketing import factories as ticketing_make

    ball = ticketing_make.ball(capacity=20)
    order = ball_orders.issue_complimentary(
        ball, ball.ticket_types[0], 2, "Ada Guest", "ada@example.org", make.team_member(), "Host"
    )
    db.session.commit()
    assert send_due(sender_for(app, smtp_server.port)) == (1, 0)

    [received] = smtp_server.received
    message = received.message
    shown = re.findall(
        r'<img src="cid:([^"]+)" alt="(QR code for seat \d)"',
        message.get_body(("html",)).get_content(),
    )
    images = {
        part["Content-ID"].strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    assert [alt for _, alt in shown] == ["QR code for seat 1", "QR code for seat 2"]
    assert sorted(cid for cid, _ in shown) == sorted(images)
    for ticket in order.tickets:
        image = images[qr.content_id(ticket.id)]
        assert image.startswith(b"\x89PNG") and image == qr.png(ticket.code)
    assert "<svg" not in message.get_body(("html",)).get_content()


def test_send_due_sends_every_due_email_oldest_first(app, smtp_server, make):
    for n in range(3):
        person = make.user(email=f"v{n}@example.org")
        queue_email(person.email, "password_changed", f"Message {n}", user=person, reset="r")
    db.session.commit()

    assert send_due(sender_for(app, smtp_server.port)) == (3, 0)
    assert [r.message["Subject"] for r in smtp_server.received] == [
        "Message 0",
        "Message 1",
        "Message 2",
    ]


def test_when_smtp_is_down_the_email_waits_and_is_sent_later(app, smtp_server, closed_port):
    accounts.sign_up("Vic Obi", "vic@example.org", "purple otter umbrella")
    db.session.commit()
    [row] = db.session.scalars(select(OutboxEmail)).all()
    now = utcnow()

    assert send_due(sender_for(app, closed_port), now=now) == (0, 1)

    row = reload(row)
    assert row.status is OutboxStatus.PENDING
    assert row.attempts == 1
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at > now
    assert row.sent_at is None

    # The server is back, but the retry is not due yet.
    assert send_due(sender_for(app, smtp_server.port), now=now) == (0, 0)
    assert smtp_server.received == []

    later = row.next_attempt_at + timedelta(seconds=1)
    assert send_due(sender_for(app, smtp_server.port), now=later) == (1, 0)
    row = reload(row)
    assert row.status is OutboxStatus.SENT
    assert row.attempts == 2
    assert row.last_error is None
    [received] = smtp_server.received
    assert received.message["Subject"] == "Confirm your email address"


def test_retries_back_off_then_the_email_is_marked_failed(app, monkeypatch, closed_port, make):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    person = make.user(email="wyn@example.org")
    row = queue_email(person.email, "password_changed", "Changed", user=person, reset="r")
    db.session.commit()
    down = sender_for(app, closed_port)
    moment = utcnow()
    waits = []

    for _ in range(2):
        assert send_due(down, now=moment) == (0, 1)
        row = reload(row)
        assert row.status is OutboxStatus.PENDING
        waits.append(row.next_attempt_at - moment)
        moment = row.next_attempt_at

    assert waits == [timedelta(minutes=1), timedelta(minutes=2)]
    assert send_due(down, now=moment) == (0, 1)
    row = reload(row)
    assert row.status is OutboxStatus.FAILED
    assert row.attempts == 3
    assert row.last_error
    # A failed email stays in the outbox for the team to see, and is not tried again.
    assert send_due(down, now=moment + timedelta(days=1)) == (0, 0)
    assert reload(row).attempts == 3
    assert outbox_count() == 1


def test_the_send_emails_command_sends_what_is_due(app, monkeypatch, smtp_server, make):
    person = make.user(email="xan@example.org")
    row = queue_email(person.email, "password_changed", "Changed", user=person, reset="r")
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.port)

    runner = app.test_cli_runner()
    # Run as the worker does: its own app context and database session.
    result = contextvars.Context().run(runner.invoke, args=["send-emails", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 1, failed 0"
    assert [r.message["To"] for r in smtp_server.received] == ["xan@example.org"]
    assert reload(row).status is OutboxStatus.SENT


def test_the_send_emails_command_keeps_the_email_when_smtp_is_down(
    app, monkeypatch, closed_port, make
):
    person = make.user(email="xan@example.org")
    row = queue_email(person.email, "password_changed", "Changed", user=person, reset="r")
    db.session.commit()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", closed_port)

    result = contextvars.Context().run(app.test_cli_runner().invoke, args=["send-emails", "--once"])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == "sent 0, failed 1"
    row = reload(row)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)


# --- the outbox pages --------------------------------------------------------------------


def _queued(make) -> OutboxEmail:
    person = make.user(name="Yara Khan", email="yara@example.org")
    row = queue_email(
        person.email, "password_changed", "Your password has been changed", user=person, reset="r"
    )
    db.session.commit()
    return row


def test_the_team_reads_the_outbox_and_an_email(client, make, login):
    row = _queued(make)
    login(make.team_member())

    listing = client.get("/team/outbox/")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Email outbox" in page
    assert "yara@example.org" in page
    assert f'href="/team/outbox/{row.id}"' in page
    assert "Pending" in page

    filtered = client.get("/team/outbox/?to=nobody@example.org").get_data(as_text=True)
    assert "yara@example.org" not in filtered

    one = client.get(f"/team/outbox/{row.id}")
    assert one.status_code == 200
    detail = one.get_data(as_text=True)
    assert "Your password has been changed" in detail
    assert "Hello Yara Khan" in detail
    assert client.get(f"/team/outbox/{row.id + 1000}").status_code == 404


def test_the_outbox_is_closed_when_outbox_view_is_off(app, client, make, login, monkeypatch):
    row = _queued(make)
    monkeypatch.setitem(app.config, "OUTBOX_VIEW", False)
    login(make.team_member())

    assert client.get("/team/outbox/").status_code == 403
    assert client.get(f"/team/outbox/{row.id}").status_code == 403
    assert 'href="/team/outbox/"' not in client.get("/").get_data(as_text=True)


def test_people_outside_the_team_cannot_read_the_outbox(client, make, login):
    row = _queued(make)
    login(make.user())

    for url in ("/team/outbox/", f"/team/outbox/{row.id}"):
        response = client.get(url)
        assert response.status_code == 403
        assert "Hello Yara Khan" not in response.get_data(as_text=True)


def test_a_visitor_is_asked_to_sign_in_before_the_outbox(client, make):
    row = _queued(make)

    for url in ("/team/outbox/", f"/team/outbox/{row.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.location == f"/account/sign-in?next={url}"
