"""The app under test: a scratch ball on sale, served by gunicorn in its own process
group, and how quick this machine is."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.ticketing.models import (
    Ball,
    TicketType,
)
from rush.browser import step_of
from rush.constants import ROOT, UNSET


def machine_reference_s() -> float:
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


def enough_open_files(buyers: int) -> None:
    """Every buyer holds a connection open at once: raise the soft limit on open files
    if it is too low for that (gunicorn, started from here, inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = buyers + 100  # and the logs, the database connections, the interpreter's own
    if soft != resource.RLIM_INFINITY and soft < wanted:
        limit = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- The ball ----------------------------------------------------------------------------


def make_ball(seats: int, slug: str = "bench-ball", days: int = 40) -> int:
    """A ball on sale now, starting in `days` days (the ball page shows the next to
    start), `seats` seats, one Single seat ticket type of as many tickets, one per
    order. Returns its id."""
    now = utcnow()
    ball = Ball(
        slug=slug,
        name="Digital Charity Ball (bench)",
        venue="The Queens Hotel, City Square, Leeds LS1 1PJ",
        description="A benchmark ball.",
        starts_at=now + timedelta(days=days),
        sales_open_at=now - timedelta(days=1),
        sales_close_at=now + timedelta(days=days - 10),
        capacity=seats,
        guest_changes_until=now + timedelta(days=days - 7),
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
        self.port = free_port()
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
                timings[step_of(method, path)].append(float(ms))
        return timings
