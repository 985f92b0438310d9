"""One buyer's walk through the rush, in this process: each step's CPU and calls.

Drives the rush's walk (ball page, hold, stand-in checkout page, pay, paid page, order
page) with Flask's test client against the database BENCH_DATABASE_URL names (its
schema is wiped before and after; without it a temporary SQLite file), the app set up
as bench/ticket_rush.py serves it. For each step it prints the best CPU time over the
buyers (other work on the machine only ever adds to a single run), the SQL statements
it sent and the Python function calls it made (cProfile; a count does not depend on the
machine's load). `--top N` lists each step's N costliest functions (by own time).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/rush_profile.py [--buyers 40] [--top 0]
"""

import argparse
import cProfile
import io
import os
import pstats
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rush.constants import CSRF, QUANTITY, SOLD_OUT, STEPS, UNSET
from rush.server import make_ball
from scratch_database import load_average, scratch_database
from sqlalchemy import event

from brokerage import create_app, ready_to_serve
from brokerage.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=40)
    parser.add_argument("--top", type=int, default=0, help="each step's costliest functions")
    parser.add_argument("--sort", default="tottime", help="cProfile's order for --top")
    parser.add_argument("--only", default="", help="--top lists functions matching this")
    parser.add_argument(
        "--refused", type=int, default=0, help="then as many buyers whose hold is refused"
    )
    args = parser.parse_args()
    for name in UNSET:
        os.environ.pop(name, None)
    with scratch_database("bench-rush-profile-") as (url, _folder):
        os.environ.update(
            APP_ENV="development",
            DATABASE_URL=url,
            SECRET_KEY="bench",  # noqa: S106 (a throwaway key for a throwaway database)
            RATELIMIT_ENABLED="false",
            OUTBOX_VIEW="false",
        )
        from flask_migrate import upgrade

        app = ready_to_serve(create_app())  # as wsgi.py serves it
        with app.app_context():
            upgrade()
            # With --refused, exactly the paid buyers' seats: the rest find it sold out.
            make_ball(args.buyers + 1 if args.refused else args.buyers + 10)
            db.session.remove()
        try:
            _walks(app, args)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _walks(app, args) -> None:
    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    waiting = _waiting(app, args)
    cpu = defaultdict(list)
    sent = {}
    calls = {}
    tops = {}
    for number in range(args.buyers + 1):
        profiled = number == args.buyers  # the last buyer, once every step is warm
        client = app.test_client()
        for step, request in _walk(client, number):
            profile = cProfile.Profile() if profiled else None
            before_sql = statements[0]
            started = time.process_time()
            if profile:
                profile.enable()
            response = request()
            if profile:
                profile.disable()
                stats = pstats.Stats(profile)
                calls[step] = stats.total_calls
                if args.top:
                    out = io.StringIO()
                    restrict = [args.only, args.top] if args.only else [args.top]
                    pstats.Stats(profile, stream=out).sort_stats(args.sort).print_stats(*restrict)
                    tops[step] = out.getvalue()
            else:
                cpu[step].append(time.process_time() - started)
            sent[step] = statements[0] - before_sql
            yield_check(step, response)
    print(f"{args.buyers} buyers in one process; load average {load_average()}")
    print(f"{'step':14} {'best ms':>8} {'median':>8} {'SQL':>4} {'calls':>7}")
    total = [0.0, 0, 0]
    for step in STEPS:
        times = sorted(cpu[step])
        best, median = times[0] * 1000, times[len(times) // 2] * 1000
        total[0] += best
        total[1] += sent[step]
        total[2] += calls[step]
        print(f"{step:14} {best:8.2f} {median:8.2f} {sent[step]:4} {calls[step]:7}")
    print(f"{'a paid buyer':14} {total[0]:8.2f} {'':8} {total[1]:4} {total[2]:7}")
    if args.refused:
        _refused(waiting, statements)
    for step, text in tops.items():
        print(f"\n=== {step}\n{text}")


def _waiting(app, args) -> list:
    """The --refused buyers, each with the ball page as they saw it while seats were left."""
    waiting = []
    for number in range(args.refused):
        client = app.test_client()
        waiting.append((client, client.get("/ball"), args.buyers + 1 + number))
    return waiting


def _refused(waiting, statements) -> None:
    """Buyers who find the ball sold out when they ask for a seat: the hold's CPU and
    statements (a rush has more of them than seats)."""
    cpu, sent = [], 0
    for client, page, number in waiting:
        before_sql = statements[0]
        started = time.process_time()
        response = client.post("/ball", data=_form(page, number))
        cpu.append(time.process_time() - started)
        sent = statements[0] - before_sql
        if response.status_code != 400 or not SOLD_OUT.search(response.get_data(as_text=True)):
            raise RuntimeError(f"a refused hold: {response.status_code}, not 400 sold out")
    cpu.sort()
    best, median = cpu[0] * 1000, cpu[len(cpu) // 2] * 1000
    print(f"{'refused hold':14} {best:8.2f} {median:8.2f} {sent:4}")


def _form(page, number: int) -> dict:
    text = page.get_data(as_text=True)
    return {
        "csrf_token": CSRF.search(text).group(1),
        QUANTITY.search(text).group(1): "1",
        "donation": "",
        "buyer_name": f"Buyer {number}",
        "buyer_email": f"buyer{number}@example.org",
        "code": "",
        "submit": "Continue to payment",
    }


def _walk(client, number: int):
    """(step, a function making its request) for each step, in order."""
    box = {}

    def ball_page():
        box["page"] = client.get("/ball")
        return box["page"]

    def hold():
        box["held"] = client.post("/ball", data=_form(box["page"], number))
        return box["held"]

    def checkout_page():
        box["checkout"] = client.get(box["held"].headers["location"])
        return box["checkout"]

    def pay():
        text = box["checkout"].get_data(as_text=True)
        box["paid"] = client.post(
            box["held"].headers["location"],
            data={"csrf_token": CSRF.search(text).group(1), "pay": "Pay (test)"},
        )
        return box["paid"]

    def paid_page():
        box["landing"] = client.get(box["paid"].headers["location"])
        return box["landing"]

    def order_page():
        path = re.sub(r"/paid(\?.*)?$", "", box["paid"].headers["location"])
        return client.get(path)

    return zip(STEPS, (ball_page, hold, checkout_page, pay, paid_page, order_page), strict=True)


def yield_check(step: str, response) -> None:
    expected = 303 if step in ("hold", "pay") else 200
    if response.status_code != expected:
        raise RuntimeError(f"{step}: {response.status_code}, not {expected}")


if __name__ == "__main__":
    main()
