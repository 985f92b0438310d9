"""The background worker's loop: jobs run in rounds, and a database error ends a
round, never the process.

A round that fails on the database (a restart, a refused or hung connection) is
logged, the session is thrown away, and the next round waits longer (the interval
doubling up to MAX_BACKOFF_S) until the database answers again. The process stops
only when told to: SIGTERM or SIGINT set a flag that jobs read between emails, so
the email in hand is finished and recorded first.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from brokerage.extensions import db

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300.0

# What a database outage looks like from here: connection refused or dropped
# (OperationalError), a driver error on a broken connection (DBAPIError), or no
# connection free in the pool (PoolTimeout).
DATABASE_ERRORS = (OperationalError, DBAPIError, PoolTimeout)


@dataclass
class Job:
    """One piece of the worker's work. `run(stopping)` returns a line for the log
    (or None); `every_s` spaces it out (0: every round)."""

    name: str
    run: Callable[[Callable[[], bool]], str | None]
    every_s: float = 0.0
    last_ok: float | None = None

    def due(self, clock: float) -> bool:
        return self.last_ok is None or clock - self.last_ok >= self.every_s


class Worker:
    def __init__(
        self,
        jobs: list[Job],
        *,
        interval: float,
        rounds: int = 0,
        echo: Callable[[str], None] = print,
        max_backoff: float = MAX_BACKOFF_S,
    ) -> None:
        self.jobs = jobs
        self.interval = interval
        self.rounds = rounds
        self.echo = echo
        self.max_backoff = max_backoff
        self.failed_rounds = 0  # in a row; 0 once a round succeeds
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def run_round(self) -> bool:
        """Run each due job once. False when the database failed the round."""
        try:
            for job in self.jobs:
                if self.stopping:
                    break
                if not job.due(time.monotonic()):
                    continue
                line = job.run(lambda: self.stopping)
                job.last_ok = time.monotonic()
                if line:
                    self.echo(line)
            return True
        except DATABASE_ERRORS as exc:
            log.warning("Worker round failed on the database: %s", exc.__class__.__name__)
            self.echo(f"database unavailable ({type(exc).__name__}); will retry")
            with suppress(Exception):
                db.session.rollback()
            return False
        finally:
            # A fresh session (and connection from the pool) for every round.
            with suppress(Exception):
                db.session.remove()

    def wait_s(self) -> float:
        if not self.failed_rounds:
            return self.interval
        return min(self.interval * 2 ** (self.failed_rounds - 1), self.max_backoff)

    def run(self) -> int:
        """Run rounds until stopped (or `rounds` done). Returns the rounds run."""
        done = 0
        while not self.stopping:
            if self.run_round():
                self.failed_rounds = 0
            else:
                self.failed_rounds += 1
            done += 1
            if self.rounds and done >= self.rounds:
                break
            self._stop.wait(self.wait_s())
        return done


@contextmanager
def stopped_by_signals(worker: Worker) -> Iterator[None]:
    """SIGTERM (systemd, a deploy) and SIGINT (Ctrl-C) ask `worker` to stop after
    the email in hand; the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals can be handled only on the main thread
        return

    def ask_to_stop(signum, frame) -> None:
        log.info("Worker asked to stop (signal %s)", signum)
        worker.stop()

    previous = {sig: signal.signal(sig, ask_to_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
