"""The database under faults: a request that cannot reach the database, or waits on
a silent one, gets the 503 page within the timeouts (never a dropped connection);
the worker waits out an outage and then sends everything once."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from brokerage import create_app, database
from brokerage.database import READ_MARGIN_S
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.notifications.services import SMTPSender, queue_email, send_due
from brokerage.worker import Job, Worker
from tests.helpers import page_text
from tests.tcp_proxy import FaultyProxy


def _app_for(url: str, **settings):
    app = create_app(
        {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SERVER_NAME": None, **settings}
    )
    return app


def test_a_database_that_cannot_be_opened_gives_the_busy_page(tmp_path):
    broken = _app_for(f"sqlite:///{tmp_path}/no-such-folder/brokerage.db")

    response = broken.test_client().get("/needs")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    text = page_text(response)
    assert "Sorry, the service is busy" in text
    assert "Try again in a minute" in text


@contextmanager
def _through_proxy(url: str, **settings):
    parts = urlsplit(url)
    proxy = FaultyProxy((parts.hostname, parts.port or 5432))
    faulty = _app_for(proxy.url(url), **settings)
    try:
        yield proxy, faulty
    finally:
        with faulty.app_context():
            db.engine.dispose()
        proxy.close()


def test_a_silent_database_gives_the_busy_page_within_the_timeout(postgres):
    limits = {"DATABASE_STATEMENT_TIMEOUT_S": 1, "DATABASE_CONNECT_TIMEOUT_S": 2}
    with _through_proxy(postgres, **limits) as (proxy, faulty):
        client = faulty.test_client()
        assert client.get("/healthz").status_code == 200
        proxy.mode = "hang"  # the host stops answering, connections stay open

        started = time.monotonic()
        response = client.get("/healthz")
        waited = time.monotonic() - started

    assert response.status_code == 503
    assert "Sorry, the service is busy" in page_text(response)
    # The pooled connection's check gives up after the statement timeout plus the
    # margin for a silent server, a new connection after the connect timeout: well
    # inside a web server's 30 s limit, so the visitor gets a page, not a dropped line.
    assert waited < 1 + READ_MARGIN_S + 2 + 2


def test_a_refused_database_gives_the_busy_page_and_recovers(postgres):
    with _through_proxy(postgres) as (proxy, faulty):
        client = faulty.test_client()
        proxy.mode = "refuse"
        proxy.drop_connections()  # PostgreSQL restarts
        assert client.get("/ball").status_code == 503
        proxy.mode = "forward"
        assert client.get("/ball").status_code == 200


def test_the_worker_survives_a_database_restart_and_sends_everything_once(
    postgres, app, make, smtp_server
):
    person = make.user()
    for i in range(5):
        queue_email(person.email, "password_changed", f"Changed {i}", user=person, reset="r")
    db.session.commit()

    with _through_proxy(postgres) as (proxy, faulty):
        config = dict(faulty.config, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
        sender = SMTPSender.from_config(config)
        lines: list[str] = []
        proxy.mode = "refuse"  # the database is down when the worker starts
        worker = Worker(
            [Job("send", lambda stopping: str(send_due(sender, stopping=stopping)))],
            interval=0.05,
            echo=lines.append,
        )

        def run():
            with faulty.app_context():
                worker.run()

        thread = threading.Thread(target=run)
        thread.start()
        try:
            deadline = time.monotonic() + 10
            while worker.failed_rounds < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert worker.failed_rounds >= 2, lines
            assert thread.is_alive()
            proxy.mode = "forward"  # it comes back
            deadline = time.monotonic() + 20
            while len(smtp_server.received) < 5 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert thread.is_alive()
        finally:
            worker.stop()
            thread.join(10)

    assert any("database unavailable" in line for line in lines)
    subjects = sorted(r.message["Subject"] for r in smtp_server.received)
    assert subjects == [f"Changed {i}" for i in range(5)]
    db.session.expire_all()
    statuses = {row.status for row in db.session.query(OutboxEmail)}
    assert statuses == {OutboxStatus.SENT}


def _counting_pings(monkeypatch, app) -> list[int]:
    pings: list[int] = []
    with app.app_context():
        dialect = db.engine.dialect
    real = dialect.do_ping

    def ping(dbapi_connection):
        pings.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", ping)
    return pings


def test_a_pooled_connection_the_database_dropped_is_replaced_before_a_request_uses_it(
    postgres, monkeypatch
):
    # PostgreSQL restarted: the pool holds connections the server has closed. Each is
    # checked on checkout and replaced, so the instance recovers without a restart and
    # without showing anyone the busy page.
    with _through_proxy(postgres) as (proxy, faulty):
        client = faulty.test_client()
        pings = _counting_pings(monkeypatch, faulty)
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz").status_code == 200
        assert pings == []  # a connection in steady use costs no extra round trip

        assert proxy.drop_connections() >= 1
        response = client.get("/healthz")

    assert response.status_code == 200
    assert pings == [1]


def test_a_pooled_connection_idle_for_a_while_is_pinged_first(postgres, monkeypatch):
    # A host that vanished without a word leaves nothing to read on the socket: a
    # connection idle for longer than IDLE_CHECK_S is pinged before use all the same.
    monkeypatch.setattr(database, "IDLE_CHECK_S", 0.05)
    with _through_proxy(postgres) as (_proxy, faulty):
        client = faulty.test_client()
        pings = _counting_pings(monkeypatch, faulty)
        assert client.get("/healthz").status_code == 200
        time.sleep(0.1)
        assert client.get("/healthz").status_code == 200

    assert pings == [1]
