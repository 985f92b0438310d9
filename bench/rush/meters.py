"""Where the time went: CPU per process, the machine's load, and sessions waiting on a
lock (PostgreSQL)."""

from __future__ import annotations

import os
import statistics
import threading
from collections import Counter

from scratch_database import BENCH_APPLICATION, bench_engine
from sqlalchemy import text

from rush.server import Server


def cpu_seconds(pids: list[int]) -> dict[int, float]:
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


def machine_busy() -> tuple[float, float]:
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
            "machine": machine_busy(),
            "app": cpu_seconds(self.server.pids()),
            "database": cpu_seconds(self._backends()),
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
    at `UPDATE ball ...`, availability.lock_ball)."""

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


def spread(values: list[float], scale: float = 1.0) -> str:
    if not values:
        return "-"
    ordered = sorted(v * scale for v in values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):7.0f}  p95 {p95:7.0f}  max {ordered[-1]:7.0f}"


# --- The checks --------------------------------------------------------------------------
