"""Do 500 buyers rushing for 350 seats buy every seat exactly once, within 10 seconds?

Makes a scratch database (the one BENCH_DATABASE_URL names, whose schema is wiped
before and after; without it a temporary SQLite file, with a warning, since the goal
is about PostgreSQL), puts one ball on sale with `--seats` single seats (one per
order), and serves the app with gunicorn on a free localhost port (`--workers`
processes of `--threads` threads; 1 thread means sync workers), as in development:
the stand-in checkout, rate limits off (every buyer comes from 127.0.0.1).

A few warm-up buyers first walk the whole way and cancel at the checkout (a server
that opens sales has been showing the ball page for a while; their seats go back).
Then `--buyers` buyers start together and do what a browser does: the ball page, one
seat with a name and email (the seats are held: 303 to the checkout), the stand-in
checkout page, Pay (303 to the paid page), then the order page, which must say Paid
and show a ticket code. A buyer turned away because the seats are gone is a normal
outcome (`refused`); anything else unexpected is an `error`. Each buyer is a coroutine
on one event loop in this process, with its own keep-alive HTTP/1.1 connection and
cookies (asyncio streams, the standard library only, no connection opened before the
start), because the buyers' own CPU is taken from the same cores as the server's, and
a thread with a requests.Session each took far more of it than the server can spare.

Times: `rush_s` from the start to the last buyer done; `holds_per_s` is the seats
held (answered 303) divided by the hold phase, from the start to the last
successful hold's answer. It prints each step's latency as the buyers saw it and as
the server timed it (gunicorn's access log; the difference is queueing), where the
CPU went, how many database sessions waited on a lock (PostgreSQL), the load average
(other work on the machine slows every figure), and then checks the database: seats
sold (valid tickets of paid orders) = min(buyers, seats), no ticket type over its
quantity, every paid order with exactly its tickets, every ticket code unique. The
exit status is 1 if a check fails. The last line is one JSON object:

    {"buyers": ..., "seats": ..., "sold": ..., "oversold": ..., "rush_s": ...,
     "holds_per_s": ..., "refused": ..., "errors": ..., "workers": ..., ...}

Goal (the ticketing issue): 500 buyers for 350 seats on PostgreSQL, every seat sold
exactly once, the rush over in under 10 s on a 2-core machine.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/ticket_rush.py [--buyers 500] [--seats 350] \\
        [--workers 4] [--threads 4]
    .venv/bin/python bench/ticket_rush.py --buyers 50 --seats 30    # SQLite
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _scratch import BENCH_APPLICATION, bench_engine, load_average, scratch_database
from flask_migrate import upgrade
from sqlalchemy import func, make_url, select, text

from brokerage import create_app
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    Order,
    OrderLine,
    Ticket,
    TicketStatus,
    TicketType,
)

ROOT = Path(__file__).resolve().parent.parent

STEPS = ("ball page", "hold", "checkout page", "pay", "paid page", "order page")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
QUANTITY = re.compile(r'name="(quantity_\d+)"')
# What the app says when the seats have gone (ball.html and services.hold).
SOLD_OUT = re.compile(r"sold out|Only \d+ .* left|seats are left")
# Settings of the caller's environment that would change what is measured.
UNSET = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "SESSION_COOKIE_SECURE",
    "TRUSTED_PROXIES",
    "BALL_HOLD_MINUTES",
    "RATELIMIT_STORAGE_URI",
    "TEST_DATABASE_URL",
)


def _reference_s() -> float:
    """How quick this machine's CPU is, as one figure: the best of three runs of a fixed
    pure-Python loop (ten million additions), measured before the server starts. The
    rush is bound by CPU, so compare rush times only between runs whose figures are
    close."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(10_000_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def _enough_open_files(buyers: int) -> None:
    """Every buyer holds a connection open at once: raise the soft limit on open files
    if it is too low for that (gunicorn, started from here, inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = buyers + 100  # and the logs, the database connections, the interpreter's own
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The ball ----------------------------------------------------------------------------


def _make_ball(seats: int) -> int:
    """The only ball: on sale now, `seats` seats, one Single seat ticket type of as
    many tickets, one per order. Returns its id."""
    now = utcnow()
    ball = Ball(
        slug="bench-ball",
        name="Digital Charity Ball (bench)",
        venue="The Queens Hotel, City Square, Leeds LS1 1PJ",
        description="A benchmark ball.",
        starts_at=now + timedelta(days=40),
        sales_open_at=now - timedelta(days=1),
        sales_close_at=now + timedelta(days=30),
        capacity=seats,
        guest_changes_until=now + timedelta(days=33),
        ticket_types=[
            TicketType(
                name="Single seat",
                description="One seat at a shared table, dinner included.",
                price_pence=9_500,
                seats_per_ticket=1,
                quantity=seats,
                per_order_limit=1,
                position=1,
            )
        ],
    )
    db.session.add(ball)
    db.session.commit()
    return ball.id


# --- The server --------------------------------------------------------------------------


class Server:
    """gunicorn serving wsgi:app, in its own process group so that it and its workers
    can be stopped together, whatever happens."""

    def __init__(
        self, url: str, workers: int, threads: int, folder: str, extra_env: dict | None = None
    ):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access_log = os.path.join(folder, "access.log")
        self.error_log = os.path.join(folder, "gunicorn.log")
        env = {k: v for k, v in os.environ.items() if k not in UNSET}
        env.update(
            APP_ENV="development",
            DATABASE_URL=url,
            SECRET_KEY="bench",  # noqa: S106 (a throwaway key for a throwaway database)
            RATELIMIT_ENABLED="false",
            OUTBOX_VIEW="false",
        )
        env.update(extra_env or {})
        beside = Path(sys.executable).with_name("gunicorn")
        command = [str(beside)] if beside.exists() else [sys.executable, "-m", "gunicorn"]
        command += [
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(workers),
            "--preload",  # every worker is ready when the first answers
            "--graceful-timeout",
            "10",
            "--access-logfile",
            self.access_log,
            # method, path, status, server time in ms, worker
            "--access-logformat",
            "%(m)s %(U)s %(s)s %(M)s %(p)s",
            "--error-logfile",
            self.error_log,
        ]
        if threads > 1:
            command += ["--worker-class", "gthread", "--threads", str(threads)]
        command.append("wsgi:app")
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start-up:\n{self._tail()}")
            try:  # HTTPError and URLError are OSErrors
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer /healthz in {timeout:.0f} s:\n{self._tail()}")

    def pids(self) -> list[int]:
        """The master and its workers."""
        found = [self.process.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as stat:
                        ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                if ppid == self.process.pid:
                    found.append(int(entry))
        return found

    def stop(self) -> None:
        """TERM to the master, which stops its workers (killing them after the graceful
        timeout); if it has not exited by then, KILL its whole process group. (While the
        master is not reaped, its id, which is the group's, cannot be anyone else's.)"""
        if self.process.poll() is not None:
            return  # it stopped by itself; its workers leave when their parent goes
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def _tail(self, lines: int = 20) -> str:
        try:
            with open(self.error_log) as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return "(no gunicorn log)"

    def server_ms(self) -> dict[str, list[float]]:
        """Each step's server time (ms) from the access log."""
        timings: dict[str, list[float]] = defaultdict(list)
        with open(self.access_log) as log:
            for line in log:
                method, path, _status, ms, _pid = line.split()
                timings[_step(method, path)].append(float(ms))
        return timings


def _step(method: str, path: str) -> str:
    if path == "/ball":
        return "ball page" if method == "GET" else "hold"
    if path.startswith("/ball/checkout/stand-in/"):
        return "checkout page" if method == "GET" else "pay"
    if path.endswith("/paid"):
        return "paid page"  # where the Pay button's 303 leads
    if path.startswith("/ball/orders/"):
        return "order page"
    return path


# --- A buyer's browser -------------------------------------------------------------------

TIMEOUT = 120  # seconds for one request, from sending it to the last byte of the answer
# How a connection the server has closed while it was idle shows on the next request.
GONE = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


@dataclass
class Response:
    url: str
    status_code: int
    headers: dict[str, str]  # lower-case names (the last of any repeated)
    text: str


class Browser:
    """What a buyer's browser does here: one keep-alive HTTP/1.1 connection (opened
    again when the server closes it), the cookies the server sets (name=value, sent
    back: the session cookie carries the CSRF token), forms posted urlencoded, and no
    redirects followed by itself."""

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}
        self.origin: tuple[str, int] | None = None
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.closing: list[asyncio.StreamWriter] = []

    async def get(self, url: str) -> Response:
        return await self.request("GET", url)

    async def post(self, url: str, data: dict[str, str]) -> Response:
        return await self.request("POST", url, urlencode(data).encode())

    async def request(self, method: str, url: str, form: bytes | None = None) -> Response:
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        head = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
            head.append(f"Content-Length: {len(form)}")
        message = "\r\n".join([*head, "", ""]).encode("latin-1") + (form or b"")
        try:
            async with asyncio.timeout(TIMEOUT):
                status, headers, body = await self._exchange(
                    (parts.hostname or "", parts.port or 80), message
                )
        except BaseException:
            self._forget()  # in an unknown state
            raise
        return Response(url, status, headers, body.decode("utf-8", "replace"))

    async def _exchange(
        self, origin: tuple[str, int], message: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        # A connection is kept only after a whole answer, so an open one has been used.
        reused = self.writer is not None and self.origin == origin
        try:
            first = await self._send(origin, message)
        except GONE:
            if not reused:
                raise
            first = b""
        if not first and reused:  # the server closed it in between: once more, afresh
            self._forget()
            first = await self._send(origin, message)
        if not first:
            raise ConnectionError("the server closed the connection without answering")
        return await self._answer(first)

    async def _send(self, origin: tuple[str, int], message: bytes) -> bytes:
        """Sends the request; returns the answer's first byte (b"" if the server closed
        the connection instead)."""
        if self.writer is None or self.origin != origin or self.reader.at_eof():
            self._forget()
            self.reader, self.writer = await asyncio.open_connection(*origin)
            self.origin = origin
        self.writer.write(message)
        await self.writer.drain()
        return await self.reader.read(1)

    async def _answer(self, first: bytes) -> tuple[int, dict[str, str], bytes]:
        reader = self.reader
        lines = (first + await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        version, status, *_ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:-2]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                self._keep(value)
            else:
                headers[name] = value
        keep_alive = version == "HTTP/1.1"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._chunks()
        elif "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif int(status) in (204, 304):
            body = b""
        else:  # to the end of the connection
            body, keep_alive = await reader.read(), False
        tokens = {t.strip().lower() for t in headers.get("connection", "").split(",")}
        if not keep_alive or "close" in tokens:
            self._forget()
        return int(status), headers, body

    async def _chunks(self) -> bytes:
        body = bytearray()
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
            body += (await self.reader.readexactly(size + 2))[:-2]
        while await self.reader.readuntil(b"\r\n") != b"\r\n":  # any trailers
            pass
        return bytes(body)

    def _keep(self, cookie: str) -> None:
        pair, *attributes = cookie.split(";")
        name, _, value = pair.partition("=")
        for attribute in attributes:
            key, _, seconds = attribute.strip().partition("=")
            if key.lower() == "max-age" and seconds.lstrip("-").isdigit() and int(seconds) <= 0:
                self.cookies.pop(name.strip(), None)  # deleted
                return
        self.cookies[name.strip()] = value.strip()

    def _forget(self) -> None:
        """Drops the connection (closed when the loop next comes round)."""
        if self.writer is not None:
            self.writer.close()
            self.closing.append(self.writer)
        self.reader = self.writer = None

    async def close(self) -> None:
        self._forget()
        for writer in self.closing:
            with contextlib.suppress(OSError):
                await writer.wait_closed()


# --- A buyer -----------------------------------------------------------------------------


class Refused(Exception):
    """Turned away because the seats have gone: a normal outcome."""


@dataclass
class Buyer:
    number: int
    outcome: str = "not started"  # paid | refused | error
    problem: str = ""
    held_at: float | None = None  # when the hold was answered
    done_at: float | None = None
    took: dict[str, float] = field(default_factory=dict)  # step -> seconds

    async def run(self, base: str, cancel: bool = False) -> None:
        browser = Browser()
        try:
            await self._buy(browser, base, cancel)
            self.outcome = "paid" if not cancel else "cancelled"
        except Refused as exc:
            self.outcome, self.problem = "refused", str(exc)
        except Exception as exc:  # every failure is counted and reported, not raised
            self.outcome, self.problem = "error", f"{type(exc).__name__}: {exc}"
        self.done_at = time.perf_counter()
        await browser.close()

    async def _timed(self, step: str, request: Awaitable[Response]) -> Response:
        started = time.perf_counter()
        response = await request
        self.took[step] = self.took.get(step, 0.0) + time.perf_counter() - started
        return response

    async def _buy(self, browser: Browser, base: str, cancel: bool) -> None:
        page = await self._timed("ball page", browser.get(base + "/ball"))
        _expect(page, 200, "the ball page")
        token, quantity = CSRF.search(page.text), QUANTITY.search(page.text)
        if token is None or quantity is None:
            if SOLD_OUT.search(page.text):
                raise Refused("sold out on the ball page")
            raise RuntimeError("the ball page has no form")
        held = await self._timed(
            "hold",
            browser.post(
                base + "/ball",
                {
                    "csrf_token": token.group(1),
                    quantity.group(1): "1",
                    "donation": "",
                    "buyer_name": f"Buyer {self.number}",
                    "buyer_email": f"buyer{self.number}@example.org",
                    "code": "",
                    "submit": "Continue to payment",
                },
            ),
        )
        if held.status_code == 400 and SOLD_OUT.search(held.text):
            raise Refused("sold out when holding")
        _expect(held, 303, "holding a seat")
        self.held_at = time.perf_counter()
        checkout_url = urljoin(held.url, held.headers["location"])

        checkout = await self._timed("checkout page", browser.get(checkout_url))
        _expect(checkout, 200, "the checkout page")
        token = CSRF.search(checkout.text)
        if token is None:
            raise RuntimeError("the checkout page has no form")
        button = {"cancel": "Cancel"} if cancel else {"pay": "Pay (test)"}
        paid = await self._timed(
            "pay", browser.post(checkout_url, {"csrf_token": token.group(1), **button})
        )
        _expect(paid, 303, "paying")
        landing = await self._timed(
            "paid page", browser.get(urljoin(paid.url, paid.headers["location"]))
        )
        _expect(landing, 200, "the paid page")
        if cancel:
            return
        if "Payment received" not in landing.text:
            raise RuntimeError("the paid page does not say Payment received")
        order_url = landing.url.split("?")[0].removesuffix("/paid")
        order = await self._timed("order page", browser.get(order_url))
        _expect(order, 200, "the order page")
        if ">Paid</strong>" not in order.text or "Ticket code" not in order.text:
            raise RuntimeError("the order page does not show a paid order with a ticket")


def _expect(response: Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{what}: {response.status_code}, not {status}")


async def _all_at_once(buyers: list[Buyer], base: str, cancel: bool = False) -> None:
    """Every buyer at once, on this event loop (each opens its connection as it starts)."""
    await asyncio.gather(*(buyer.run(base, cancel) for buyer in buyers))


# --- Where the time went -----------------------------------------------------------------


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds used so far by each of these processes that is still there."""
    used = {}
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def _machine_busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as stat:
        values = [int(v) for v in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / hz, sum(values) / hz


class CpuMeter:
    """Where the CPU went: the whole machine (others' work too), the app's gunicorn
    processes, this database's PostgreSQL backends (on PostgreSQL), and these buyers."""

    def __init__(self, server: Server, url: str):
        self.server = server
        self.engine = bench_engine(url) if url.startswith("postgresql") else None

    def _backends(self) -> list[int]:
        if self.engine is None:
            return []
        with self.engine.connect() as conn:
            return list(
                conn.scalars(
                    text(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name <> :bench"
                    ),
                    {"bench": BENCH_APPLICATION},
                )
            )

    def snapshot(self) -> dict:
        times = os.times()
        return {
            "machine": _machine_busy(),
            "app": _cpu_seconds(self.server.pids()),
            "database": _cpu_seconds(self._backends()),
            "buyers": times.user + times.system,
        }

    def used(self, before: dict, after: dict) -> str:
        def spent(kind: str) -> float:
            # A process that ended in between is lost; one that started counts whole.
            return sum(t - before[kind].get(pid, 0.0) for pid, t in after[kind].items())

        busy = after["machine"][0] - before["machine"][0]
        capacity = after["machine"][1] - before["machine"][1]
        database = f"{spent('database'):.1f} s" if self.engine is not None else "-"
        return (
            f"machine {busy:.1f} of {capacity:.1f} core-s busy; the app (gunicorn) "
            f"{spent('app'):.1f} s, its PostgreSQL backends {database}, these buyers "
            f"(asyncio) {after['buyers'] - before['buyers']:.1f} s"
        )

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()


class LockSampler(threading.Thread):
    """On PostgreSQL, every 50 ms: how many of the app's database sessions are running
    a statement, and which statements wait on a lock (holds queue for the ball's row
    at `UPDATE ball ...`, services._lock_ball)."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.engine = bench_engine(url)
        self.samples: list[tuple[int, int]] = []  # (running, waiting on a lock)
        self.waiting: Counter[str] = Counter()  # statement's start -> samples waiting
        self.stopping = threading.Event()

    def run(self) -> None:
        query = text(
            "SELECT wait_event_type = 'Lock', left(regexp_replace(query, '\\s+', ' ', 'g'), 40) "
            "FROM pg_stat_activity WHERE datname = current_database() AND state = 'active' "
            "AND application_name <> :bench"
        )
        with self.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            while not self.stopping.wait(0.05):
                rows = conn.execute(query, {"bench": BENCH_APPLICATION}).all()
                locked = [statement for waits, statement in rows if waits]
                self.samples.append((len(rows), len(locked)))
                self.waiting.update(locked)
        self.engine.dispose()

    def finish(self) -> str:
        self.stopping.set()
        self.join()
        busy = [s for s in self.samples if s[0]]
        if not busy:
            return f"{len(self.samples)} samples, none busy"
        top = "; ".join(
            f"{count / len(busy):.1f} at {statement!r}"
            for statement, count in self.waiting.most_common(3)
        )
        return (
            f"{len(self.samples)} samples; while any ran, on average "
            f"{statistics.fmean(s[0] for s in busy):.1f} statements running, "
            f"{statistics.fmean(s[1] for s in busy):.1f} of them waiting on a lock "
            f"(at most {max(s[1] for s in busy)}): {top or 'none'}"
        )


def _spread(values: list[float], scale: float = 1.0) -> str:
    if not values:
        return "-"
    ordered = sorted(v * scale for v in values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):7.0f}  p95 {p95:7.0f}  max {ordered[-1]:7.0f}"


# --- The checks --------------------------------------------------------------------------


def _check(ball_id: int, seats: int) -> dict:
    """What the database says was sold, and whether anything was sold twice."""
    paid = Order.status.in_(PAID_STATUSES)
    sold = db.session.scalar(
        select(func.count(Ticket.id))
        .join(Order, Order.id == Ticket.order_id)
        .where(Order.ball_id == ball_id, paid, Ticket.status == TicketStatus.VALID)
    )
    by_type = db.session.execute(
        select(TicketType.name, TicketType.quantity, func.count(Ticket.id))
        .join(Ticket, Ticket.ticket_type_id == TicketType.id)
        .join(Order, Order.id == Ticket.order_id)
        .where(TicketType.ball_id == ball_id, paid, Ticket.status == TicketStatus.VALID)
        .group_by(TicketType.id)
    ).all()
    over_type = [
        f"{name}: {count} of {quantity}" for name, quantity, count in by_type if count > quantity
    ]
    # Each paid order has exactly as many tickets as its lines' seats.
    owed = (
        select(
            OrderLine.order_id,
            func.sum(OrderLine.quantity * OrderLine.seats_per_ticket).label("seats"),
        )
        .group_by(OrderLine.order_id)
        .subquery()
    )
    issued = (
        select(Ticket.order_id, func.count(Ticket.id).label("tickets"))
        .group_by(Ticket.order_id)
        .subquery()
    )
    wrong_orders = db.session.scalar(
        select(func.count(Order.id))
        .outerjoin(owed, owed.c.order_id == Order.id)
        .outerjoin(issued, issued.c.order_id == Order.id)
        .where(
            Order.ball_id == ball_id,
            paid,
            func.coalesce(owed.c.seats, 0) != func.coalesce(issued.c.tickets, 0),
        )
    )
    codes, distinct = db.session.execute(
        select(func.count(Ticket.code), func.count(func.distinct(Ticket.code)))
    ).one()
    statuses = Counter(
        dict(
            db.session.execute(
                select(Order.status, func.count(Order.id))
                .where(Order.ball_id == ball_id)
                .group_by(Order.status)
            ).all()
        )
    )
    return {
        "sold": int(sold),
        "oversold": max(0, int(sold) - seats),
        "types_over_quantity": over_type,
        "paid_orders_with_wrong_tickets": int(wrong_orders),
        "duplicate_codes": int(codes) - int(distinct),
        "orders": {str(status): count for status, count in statuses.items()},
    }


# --- The run -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--seats", type=int, default=350)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=4, help="threads per worker (1: sync workers)"
    )
    parser.add_argument(
        "--warm-up", type=int, default=None, help="buyers who cancel first (default 2 a worker)"
    )
    args = parser.parse_args()
    _enough_open_files(args.buyers)

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        print(
            "WARNING: BENCH_DATABASE_URL is not set, so this runs on a temporary SQLite file. "
            "The goal is about PostgreSQL: set BENCH_DATABASE_URL to a scratch PostgreSQL "
            "database (its schema is wiped) for the figures that count.",
            file=sys.stderr,
        )
    with scratch_database("bench-ticket-rush-") as (url_or_file, folder):
        results = _run(url_or_file, args, folder)
    print(json.dumps(results))
    if not results["ok"]:
        sys.exit(1)


def _run(url: str, args: argparse.Namespace, folder: str) -> dict:
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        ball_id = _make_ball(args.seats)
        db.session.remove()
        db.engine.dispose()
    backend = make_url(url).get_backend_name()
    reference_s = _reference_s()

    server = Server(url, args.workers, args.threads, folder)
    meter = CpuMeter(server, url)
    runner = asyncio.Runner()  # the buyers' event loop
    sampler = None
    try:
        server.wait_until_up()
        warm_up = args.warm_up if args.warm_up is not None else 2 * args.workers
        # Two rounds of two buyers a worker, so that every worker has most likely
        # compiled its templates and opened its database connections.
        for _ in range(2):
            extra = [Buyer(-i) for i in range(1, warm_up + 1)]
            runner.run(_all_at_once(extra, server.base, cancel=True))
            failed = [b.problem for b in extra if b.outcome != "cancelled"]
            if failed:
                raise RuntimeError(f"a warm-up buyer failed: {failed[0]}")
        open(server.access_log, "w").close()  # gunicorn appends: the rush's lines only

        buyers = [Buyer(i) for i in range(1, args.buyers + 1)]
        if backend == "postgresql":
            sampler = LockSampler(url)
            sampler.start()
        load_before = load_average()
        cpu_before = meter.snapshot()
        began = time.perf_counter()
        runner.run(_all_at_once(buyers, server.base))  # no connection is opened before
        rush_s = max(b.done_at for b in buyers) - began
        cpu = meter.used(cpu_before, meter.snapshot())
        load_after = load_average()
        locks = sampler.finish() if sampler else "(PostgreSQL only)"
        sampler = None
        server_ms = server.server_ms()
    finally:
        if sampler is not None:
            sampler.finish()
        runner.close()
        meter.close()
        server.stop()

    outcomes = Counter(b.outcome for b in buyers)
    holds = [b.held_at - began for b in buyers if b.held_at is not None]
    hold_phase = max(holds) if holds else rush_s
    holds_per_s = len(holds) / hold_phase if hold_phase else 0.0
    with app.app_context():
        found = _check(ball_id, args.seats)
        db.session.remove()
        db.engine.dispose()

    expected = min(args.buyers, args.seats)
    problems = []
    if found["sold"] != expected:
        problems.append(f"{found['sold']} seats sold, not {expected}")
    if found["oversold"] or found["types_over_quantity"]:
        problems.append(f"oversold: {found['oversold']} {found['types_over_quantity']}")
    if found["paid_orders_with_wrong_tickets"]:
        problems.append(f"{found['paid_orders_with_wrong_tickets']} paid orders' tickets wrong")
    if found["duplicate_codes"]:
        problems.append(f"{found['duplicate_codes']} ticket codes used twice")
    if outcomes["paid"] != found["sold"]:
        problems.append(f"{outcomes['paid']} buyers saw their tickets, {found['sold']} sold")

    print(
        f"{args.buyers} buyers for {args.seats} seats on {backend}, gunicorn "
        f"{args.workers} workers x {args.threads} thread(s) ({os.cpu_count()} CPUs)"
    )
    print(
        f"rush: {rush_s:.2f} s; {len(holds)} seats held in {hold_phase:.2f} s "
        f"({holds_per_s:.1f} holds/s); {outcomes['paid']} paid, {outcomes['refused']} "
        f"refused (sold out), {outcomes['error']} errors"
    )
    for problem in Counter(b.problem for b in buyers if b.outcome == "error").most_common(3):
        print(f"  error x{problem[1]}: {problem[0]}")
    print("each step, ms: as the buyers saw it | as the server timed it (the rest is queueing)")
    for step in STEPS:
        seen = [b.took[step] for b in buyers if step in b.took]
        print(f"  {step:13} {_spread(seen, 1000)} | {_spread(server_ms.get(step, []))}")
    print(f"CPU during the rush: {cpu}")
    print(f"database sessions: {locks}")
    print(
        f"database: {found['sold']} seats sold, oversold {found['oversold']}, orders "
        f"{found['orders']}, {'all checks pass' if not problems else 'PROBLEMS: '}"
        + "; ".join(problems)
    )
    print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    print(f"this machine's CPU: a reference loop took {reference_s:.2f} s (lower is quicker)")
    return {
        "buyers": args.buyers,
        "seats": args.seats,
        "sold": found["sold"],
        "oversold": found["oversold"],
        "rush_s": round(rush_s, 2),
        "holds_per_s": round(holds_per_s, 1),
        "hold_phase_s": round(hold_phase, 2),
        "refused": outcomes["refused"],
        "errors": outcomes["error"],
        "workers": args.workers,
        "threads": args.threads,
        "database": backend,
        "ok": not problems,
        "load_average": load_after,
        "reference_s": round(reference_s, 2),
    }


if __name__ == "__main__":
    main()
