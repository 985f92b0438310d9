"""Do orders, pages and email survive the database failing under them?

Needs BENCH_DATABASE_URL: a scratch PostgreSQL database (its schema is wiped before and
after). Every connection of the app and the worker goes through a TCP proxy
(tests/tcp_proxy.py) that can make the database refuse connections and drop the open
ones (what a PostgreSQL restart looks like from the app) or go silent (a hung host or
network, which no server-side timeout can end). Three acts:

1. A database restart mid-sale: `--buyers` buyers (bench/ticket_rush.py's) buy one seat
   each through gunicorn (2 sync workers) while the database refuses for `--outage` s.
   A buyer who saw "Payment received" must have a paid order with its ticket
   (`lost_orders` counts those who do not, plus paid orders with the wrong tickets);
   a buyer who hit the outage must have been answered (a 503 page), never cut off.
2. A silent database: 6 requests at once while the proxy holds every byte. Each must
   get the 503 page within the timeouts (statement 2 s + 5 s, connect 2 s here), never
   a dropped connection or gunicorn's 30 s kill; then the time until /healthz is 200
   again once the database answers (`recovered_s`).
3. The worker: `--emails` emails queued; `flask worker` sends them to a local SMTP
   sink (5 ms a message) while the database refuses for `--outage` s mid-round; the
   worker must still be running afterwards (`worker_survived`). Then it is killed with
   SIGKILL mid-send (a crash, perhaps between the SMTP send and recording it) and a
   second worker started: the email in hand is sent again after the claim timeout
   (3 s here) with the same Message-ID. `emails_lost` counts emails never received,
   `emails_duplicated` copies received more than once (each with the same Message-ID:
   at least once is the promise, see README).

`dropped_connections` counts requests in acts 1 and 2 answered by a closed connection
or no answer at all. The last line is one JSON object:

    {"worker_survived": ..., "emails_lost": ..., "emails_duplicated": ...,
     "lost_orders": ..., "dropped_connections": ..., "hung_answers": ..., ...}

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/faults.py [--buyers 40] [--emails 200] [--outage 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from rush.browser import Browser
from rush.buyers import Buyer, all_at_once
from rush.checks import check_sales
from rush.server import Server, make_ball
from scratch_database import load_average, scratch_database
from sqlalchemy import func, select

from brokerage import create_app
from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.notifications.services import queue_email
from brokerage.ticketing.models import PAID_STATUSES, Order
from tests.notifications.smtp import SMTPHandler, SMTPServer
from tests.tcp_proxy import FaultyProxy

ROOT = Path(__file__).resolve().parent.parent
# Short limits, so that the bench takes seconds, not minutes; production's are longer.
LIMITS = {
    "DATABASE_STATEMENT_TIMEOUT_S": "2",
    "DATABASE_CONNECT_TIMEOUT_S": "2",
    "DATABASE_LOCK_TIMEOUT_S": "2",
    "DATABASE_POOL_TIMEOUT_S": "2",
}


class SlowSMTPHandler(SMTPHandler):
    """A mail server that takes a moment over each message, so faults land mid-round."""

    def reply(self, line: str) -> None:
        if line.startswith("250 OK: queued"):
            time.sleep(0.005)
        super().reply(line)

    def handle(self) -> None:
        with contextlib.suppress(OSError):  # a worker killed mid-conversation
            super().handle()


def _outage(proxy: FaultyProxy, seconds: float) -> int:
    """The database restarts: open connections are cut and new ones refused."""
    proxy.mode = "refuse"
    dropped = proxy.drop_connections()
    time.sleep(seconds)
    proxy.mode = "forward"
    return dropped


# --- Act 1: a restart mid-sale -----------------------------------------------------------


def act_sale(app, server, proxy, ball_id: int, buyers: int, outage: float) -> dict:
    crowd = [Buyer(i) for i in range(1, buyers + 1)]
    fault = threading.Timer(1.5, _outage, args=(proxy, outage))
    fault.start()
    asyncio.run(all_at_once(crowd, server.base))
    fault.join()
    first_try = Counter(b.outcome for b in crowd)
    # Those turned away by the busy page try again, as it asks them to.
    again = [Buyer(b.number) for b in crowd if b.outcome == "error"]
    asyncio.run(all_at_once(again, server.base))
    crowd = [b for b in crowd if b.outcome != "error"] + again
    outcomes = Counter(b.outcome for b in crowd)
    problems = Counter(b.problem for b in crowd if b.outcome == "error")
    dropped = sum(n for problem, n in problems.items() if _cut_off(problem))
    told_paid = {f"buyer{b.number}@example.org" for b in crowd if b.outcome == "paid"}
    with app.app_context():
        check = check_sales(ball_id, buyers)
        paid = set(
            db.session.scalars(select(Order.buyer_email).where(Order.status.in_(PAID_STATUSES)))
        )
        db.session.remove()
    lost = len(told_paid - paid) + check["paid_orders_with_wrong_tickets"]
    print(
        f"sale through a {outage:g} s restart: {first_try['paid']} paid at the first try, "
        f"{first_try['error']} turned away; trying again: {outcomes['paid']} paid, "
        f"{outcomes['error']} turned away ({dict(problems.most_common(3))}); "
        f"{check['sold']} seats sold, orders {check['orders']}"
    )
    return {
        "lost_orders": lost,
        "sale_dropped": dropped,
        "sale_turned_away_first_try": first_try["error"],
        "sale_paid": outcomes["paid"],
    }


def _cut_off(problem: str) -> bool:
    """A request answered by a closed connection or nothing, rather than a page with
    a status (the buyers' RuntimeErrors are pages with the wrong status)."""
    return not problem.startswith("RuntimeError")


# --- Act 2: a silent database ------------------------------------------------------------


async def _one(base: str) -> tuple[str, float]:
    browser = Browser()
    started = time.perf_counter()
    try:
        answer = await browser.get(base + "/ball")
        return str(answer.status_code), time.perf_counter() - started
    except Exception as exc:  # every failure is counted, not raised
        return type(exc).__name__, time.perf_counter() - started
    finally:
        await browser.close()


async def _many(base: str, n: int):
    return await asyncio.gather(*(_one(base) for _ in range(n)))


def act_hang(server, proxy) -> dict:
    proxy.mode = "hang"
    answers = asyncio.run(_many(server.base, 6))
    proxy.mode = "forward"
    proxy.drop_connections()  # the host comes back; what it held is gone
    came_back = time.perf_counter()
    recovered_s = None
    while time.perf_counter() - came_back < 60:
        status, _ = asyncio.run(_one(server.base))
        if status == "200":
            recovered_s = time.perf_counter() - came_back
            break
        time.sleep(0.1)
    statuses = Counter(status for status, _ in answers)
    slowest = max(seconds for _, seconds in answers)
    print(f"silent database: answers {dict(statuses)}, slowest {slowest:.1f} s")
    print(f"recovered: /ball answered 200 {recovered_s:.2f} s after the database came back")
    return {
        "hung_answers": dict(statuses),
        "hung_slowest_s": round(slowest, 2),
        "hung_dropped": sum(n for status, n in statuses.items() if not status.isdigit()),
        "recovered_s": round(recovered_s, 2) if recovered_s is not None else None,
    }


# --- Act 3: the worker -------------------------------------------------------------------


def _worker(url: str, smtp_port: int, folder: str, n: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop("TEST_DATABASE_URL", None)
    env.update(
        LIMITS,
        APP_ENV="development",
        DATABASE_URL=url,
        SECRET_KEY="bench",  # noqa: S106 (a throwaway key for a throwaway database)
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_CLAIM_TIMEOUT_S="3",
    )
    log = open(os.path.join(folder, f"worker{n}.log"), "w")  # noqa: SIM115 (kept by the child)
    flask = Path(sys.executable).with_name("flask")
    return subprocess.Popen(
        [str(flask), "--app", "brokerage", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def act_worker(app, proxy_url: str, proxy, emails: int, outage: float, folder: str) -> dict:
    with app.app_context():
        person = db.session.scalars(select(User)).first()
        for i in range(emails):
            queue_email(person.email, "password_changed", f"Bench {i}", user=person, reset="r")
        db.session.commit()
        # With the buyers' confirmations, all that is waiting now.
        emails = db.session.scalar(
            select(func.count(OutboxEmail.id)).where(OutboxEmail.status != OutboxStatus.SENT)
        )
        db.session.remove()

    class Sink(SMTPServer):
        def __init__(self):
            super(SMTPServer, self).__init__(("127.0.0.1", 0), SlowSMTPHandler)
            self.received = []

    sink = Sink()
    threading.Thread(target=sink.serve_forever, kwargs={"poll_interval": 0.05}).start()
    first = _worker(proxy_url, sink.port, folder, 1)
    second = None
    try:
        _wait_for(lambda: len(sink.received) >= emails // 5, 60)
        _outage(proxy, outage)
        worker_survived = first.poll() is None
        before = len(sink.received)
        kept_on = _wait_for(lambda: len(sink.received) >= min(before + 20, emails // 2), 60)
        worker_survived = worker_survived and kept_on and first.poll() is None
        first.send_signal(signal.SIGKILL)  # a crash mid-send
        first.wait()
        second = _worker(proxy_url, sink.port, folder, 2)
        _wait_for(lambda: len({r.message["Message-ID"] for r in sink.received}) >= emails, 90)
        time.sleep(4)  # a claim left by the crash is retried after 3 s
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(20)
        sink.shutdown()
        sink.server_close()
    ids = Counter(r.message["Message-ID"] for r in sink.received)
    lost = emails - len(ids)
    duplicated = sum(n - 1 for n in ids.values())
    print(
        f"worker: {len(sink.received)} messages for {emails} emails through a {outage:g} s "
        f"restart and a SIGKILL; {lost} lost, {duplicated} sent twice (same Message-ID); "
        f"survived the restart: {worker_survived}"
    )
    return {
        "worker_survived": worker_survived,
        "emails_lost": lost,
        "emails_duplicated": duplicated,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--emails", type=int, default=200)
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database is down")
    args = parser.parse_args()
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgresql"):
        sys.exit("bench/faults.py needs BENCH_DATABASE_URL: a scratch PostgreSQL database.")
    with scratch_database("bench-faults-") as (url, folder):
        results = _run(url, args, folder)
    print(json.dumps(results))
    if results["lost_orders"] or results["dropped_connections"] or not results["worker_survived"]:
        sys.exit(1)


def _run(url: str, args: argparse.Namespace, folder: str) -> dict:
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        ball_id = make_ball(args.buyers)
        # Nobody signs in as the emails' reader: "!" is no password's hash.
        reader = User(email="bench@example.org", name="Bench Reader", password_hash="!")  # noqa: S106
        db.session.add(reader)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    parts = urlsplit(url)
    proxy = FaultyProxy((parts.hostname, parts.port or 5432))
    proxy_url = proxy.url(url)
    server = Server(proxy_url, 2, 1, folder, extra_env=LIMITS)
    try:
        server.wait_until_up()
        results = {}
        results |= act_sale(app, server, proxy, ball_id, args.buyers, args.outage)
        results |= act_hang(server, proxy)
    finally:
        server.stop()
    results |= act_worker(app, proxy_url, proxy, args.emails, args.outage, folder)
    proxy.close()
    with app.app_context():
        db.engine.dispose()
    results["dropped_connections"] = results.pop("sale_dropped") + results.pop("hung_dropped")
    results["load_average"] = load_average()
    return results


if __name__ == "__main__":
    main()
