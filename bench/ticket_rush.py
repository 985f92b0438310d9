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
exit status is 1 if a check fails.

Then the waiting list (bench/rush/waiting.py): with the ball sold out, `--waiting`
people (100) join it through the pages all at once, and `--freed` paid seats (20) are
refunded at the same moment, each refund offering what is free under the ball's lock,
with the worker's round among them: exactly `--freed` offers, to the first in line,
one seat each, nobody offered twice, and the ball at exactly its capacity (`--waiting
0` skips it). The last line is one JSON object:

    {"buyers": ..., "seats": ..., "sold": ..., "oversold": ..., "rush_s": ...,
     "holds_per_s": ..., "refused": ..., "errors": ..., "workers": ...,
     "waiting": 100, "freed": 20, "offers": 20, ...}

Goal (the ticketing issue): 500 buyers for 350 seats on PostgreSQL, every seat sold
exactly once, the rush over in under 10 s on a 2-core machine.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/ticket_rush.py [--buyers 500] [--seats 350] \\
        [--workers 4] [--threads 4]
    .venv/bin/python bench/ticket_rush.py --buyers 50 --seats 30    # SQLite
"""

import argparse
import asyncio
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from rush.buyers import Buyer, all_at_once
from rush.checks import check_sales
from rush.constants import STEPS
from rush.meters import CpuMeter, LockSampler, spread
from rush.server import Server, enough_open_files, machine_reference_s, make_ball
from rush.waiting import check_offers, free_seats_at_once, join_all, waiting_problems
from scratch_database import load_average, scratch_database
from sqlalchemy import make_url

from brokerage import create_app
from brokerage.extensions import db
from brokerage.ticketing.models import Ball

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
    parser.add_argument(
        "--waiting", type=int, default=100, help="people who then join the waiting list (0: none)"
    )
    parser.add_argument("--freed", type=int, default=20, help="seats then freed for them")
    args = parser.parse_args()
    enough_open_files(args.buyers)

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
        ball_id = make_ball(args.seats)
        type_id = db.session.get(Ball, ball_id).ticket_types[0].id
        db.session.remove()
        db.engine.dispose()
    backend = make_url(url).get_backend_name()
    reference_s = machine_reference_s()

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
            runner.run(all_at_once(extra, server.base, cancel=True))
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
        runner.run(all_at_once(buyers, server.base))  # no connection is opened before
        rush_s = max(b.done_at for b in buyers) - began
        cpu = meter.used(cpu_before, meter.snapshot())
        load_after = load_average()
        locks = sampler.finish() if sampler else "(PostgreSQL only)"
        sampler = None
        server_ms = server.server_ms()
        # The ball is sold out: the waiting list's people join it all at once.
        waiters = join_all(runner, server.base, type_id, args.waiting) if args.waiting else []
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
        found = check_sales(ball_id, args.seats)
        db.session.remove()
        db.engine.dispose()

    waiting = _waiting_run(url, ball_id, args, waiters) if args.waiting else {}
    expected = min(args.buyers, args.seats)
    problems = list(waiting.get("problems", []))
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
        print(f"  {step:13} {spread(seen, 1000)} | {spread(server_ms.get(step, []))}")
    print(f"CPU during the rush: {cpu}")
    print(f"database sessions: {locks}")
    print(
        f"database: {found['sold']} seats sold, oversold {found['oversold']}, orders "
        f"{found['orders']}, {'all checks pass' if not problems else 'PROBLEMS: '}"
        + "; ".join(problems)
    )
    if waiting:
        print(
            f"waiting list: {len(waiters)} joined at once; {args.freed} seats freed at once "
            f"in {waiting['free_s']:.2f} s: {waiting['offers']} offers, "
            f"{waiting['offered_seats_held']} seats held for them, "
            f"{waiting['offer_emails']} offer emails, first in line: {waiting['first_in_line']}, "
            f"seats taken {waiting['seats_taken']} of {args.seats}"
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
        "waiting": args.waiting,
        "freed": args.freed if args.waiting else 0,
        "offers": waiting.get("offers"),
        "ok": not problems,
        "load_average": load_after,
        "reference_s": round(reference_s, 2),
    }


def _waiting_run(url: str, ball_id: int, args: argparse.Namespace, waiters: list) -> dict:
    """Free `--freed` seats at once for the `--waiting` people who joined, and check the
    offers (bench/rush/waiting.py): one database connection for each refund at once."""
    pool = {"pool_size": args.freed + 2, "max_overflow": 4}
    app = create_app(
        {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": pool}
    )
    try:
        free_s, errors = free_seats_at_once(app, ball_id, args.freed)
        found = check_offers(app, ball_id, args.seats, args.freed)
    finally:
        with app.app_context():
            db.engine.dispose()  # so that the scratch database can be wiped
    problems = waiting_problems(found, args.freed, waiters, errors)
    return {**found, "free_s": free_s, "problems": problems}


if __name__ == "__main__":
    main()
