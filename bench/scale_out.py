"""Does the production recipe scale out, and survive its parts failing?

Runs the README's production recipe (bench/scale/Procfile: the same commands) on this
machine: the bench's OWN PostgreSQL cluster and Redis on private ports (`--pg-port`,
`--redis-port`; the machine's shared ones are never touched, since the bench stops
and restarts these), a local mail server (aiosmtpd, `--smtp-port`), the migrations
once (`release`), two app instances (`web`: gunicorn, `--processes` each, on
`--ports`) and two workers (`worker`). Every visitor's browser sends each request to
the next instance in turn (one cookie jar), from an address of its own in
X-Forwarded-For (TRUSTED_PROXIES=1, as behind the README's proxy). Parts, each stated
in the output:

1. The rush: `--buyers` (500) for `--seats` (350) through both instances: each seat
   sold once (bench/rush's buyers and checks).
2. The checkout rate limit is shared through Redis: one visitor sends the ball's form
   again and again, alternating instances; refused on one, refused on the other.
3. The two workers drain `--emails` (5,000) queued emails into the mail server: each
   arrives exactly once (by Message-ID).
4. PostgreSQL stopped for `--outage` s in the middle of a second rush (once a third of
   its seats are paid for): the instances
   answer the busy page meanwhile and recover without being restarted
   (`recovered_s`: from PostgreSQL back to both instances serving the ball page),
   no paid order lost or issued twice; a Stripe webhook arriving during the outage
   is answered 5xx, so Stripe sends it again, and fulfils once when it does.
5. The mail server down for `--smtp-down` s with emails queued: none lost, all sent
   when it is back, none twice.
6. Redis down: the pages, a purchase and the forms still work; what the rate limits
   then do.

The last line is one JSON object:

    {"oversold": 0, "lost_orders": 0, "duplicate_tickets": 0, "emails_sent": ...,
     "emails_duplicated": 0, "recovered_s": ..., ...}

    .venv/bin/python bench/scale_out.py [--buyers 500] [--seats 350] [--emails 5000]
        [--pg-port 5544] [--redis-port 6544] [--smtp-port 2526] [--ports 5601,5602]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rush.server import enough_open_files, make_ball
from scale import acts, outages
from scale.fleet import Instance, WorkerProcess, environment, run_release
from scale.services import MailSink, PrivatePostgres, PrivateRedis
from scratch_database import load_average

from brokerage import create_app
from brokerage.extensions import db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=500)
    parser.add_argument("--seats", type=int, default=350)
    parser.add_argument("--emails", type=int, default=5000)
    parser.add_argument("--pg-port", type=int, default=5544, help="the bench's own PostgreSQL")
    parser.add_argument("--redis-port", type=int, default=6544, help="the bench's own Redis")
    parser.add_argument("--smtp-port", type=int, default=2526)
    parser.add_argument("--ports", default="5601,5602", help="the app instances' ports")
    parser.add_argument("--processes", type=int, default=2, help="gunicorn workers each")
    parser.add_argument("--outage", type=float, default=5.0, help="seconds PostgreSQL is down")
    parser.add_argument("--smtp-down", type=float, default=20.0, help="seconds the mail is down")
    args = parser.parse_args()
    enough_open_files(args.buyers * 2)
    with contextlib.ExitStack() as stack:
        results = _run(args, stack)
    print(json.dumps(results))
    bad = ("oversold", "lost_orders", "duplicate_tickets", "emails_duplicated", "emails_lost")
    if any(results[name] for name in bad) or not results["ok"]:
        sys.exit(1)


def _run(args: argparse.Namespace, stack: contextlib.ExitStack) -> dict:
    folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-out-"))
    pg = PrivatePostgres(args.pg_port)
    stack.callback(pg.close)
    redis = PrivateRedis(args.redis_port)
    stack.callback(redis.close)
    sink = MailSink(args.smtp_port)
    stack.callback(sink.close)
    ports = [int(p) for p in args.ports.split(",")]
    env = environment(pg.url, redis.url, args.smtp_port, f"http://127.0.0.1:{ports[0]}")
    print(
        f"the bench's own PostgreSQL on 127.0.0.1:{args.pg_port} ({pg.bin}), its own Redis "
        f"on 127.0.0.1:{args.redis_port}, a mail server (aiosmtpd) on 127.0.0.1:{args.smtp_port}"
    )
    started = time.perf_counter()
    run_release(env)
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": pg.url})
    stack.callback(_dispose, app)
    with app.app_context():
        first_ball = make_ball(args.seats, slug="bench-ball-1", days=60)
        db.session.remove()
    person_id = acts.reader(app)
    instances = []
    for port in ports:
        instance = Instance(env, port, args.processes, folder)
        stack.callback(instance.stop)
        instances.append(instance)
    workers = []
    for n in (1, 2):
        worker = WorkerProcess(env, n, folder)
        stack.callback(worker.stop)
        workers.append(worker)
    for instance in instances:
        instance.wait_until_up()
    bases = [i.base for i in instances]
    print(
        f"release, {len(instances)} instances ({', '.join(bases)}; gunicorn, "
        f"{args.processes} processes each) and {len(workers)} workers up in "
        f"{time.perf_counter() - started:.1f} s, started with bench/scale/Procfile's commands"
    )
    results: dict = {}

    # 1. The rush.
    one = acts.rush(app, bases, first_ball, range(1, args.buyers + 1), args.seats)
    print(
        f"1. rush on two instances: {args.buyers} buyers for {args.seats} seats in "
        f"{one['rush_s']:.1f} s: {one['outcomes']} (first try {one['first_try']}); "
        f"sold {one['sold']}, oversold {one['oversold']}, duplicate tickets "
        f"{one['duplicate_tickets']}, lost orders {one['lost_orders']}"
        + (f"; errors: {one['problems']}" if one["problems"] else "")
    )

    # 2. The shared rate limit, on the next ball (the first is sold out): nothing is held.
    with app.app_context():
        second_ball = make_ball(args.seats, slug="bench-ball-2", days=50)
        db.session.remove()
    limit = acts.knock(bases, "198.19.1.1", 70)
    shared = limit["allowed"] == 60 and limit["all_refused_after"]
    print(
        f"2. checkout attempts (60 a minute per visitor), one visitor alternating "
        f"instances: {limit['allowed']} answered, then refused by {limit['first_refused_by']}"
        f" and after that by {limit['refused_after_by']}: "
        + ("shared through Redis" if shared else "NOT SHARED")
    )

    # 3. Two workers drain the outbox.
    acts.queue(app, person_id, args.emails, "Bench")
    drained_s, _ = acts.wait_for_outbox(app, timeout=900)
    mail = acts.mail_received(sink, app)
    print(
        f"3. two workers sent {args.emails} queued emails (and the rush's) in "
        + (f"{drained_s:.1f} s" if drained_s is not None else "MORE THAN 900 s")
        + f": {mail['emails_sent']} received, {mail['emails_duplicated']} twice, "
        f"{mail['emails_lost']} lost"
    )

    # 4. PostgreSQL restarted mid-rush.
    numbers = range(10_001, 10_001 + args.buyers)
    two = outages.restart_mid_rush(
        app, pg, instances, workers, second_ball, numbers, args.seats, args.outage
    )
    print(
        f"4. PostgreSQL down {two['outage_s']:.1f} s in the middle of a second rush "
        f"({args.buyers} for {args.seats}; stopped when {two['paid_before']} orders were "
        f"paid): {two['outcomes']} (first try {two['first_try']}, "
        f"{two['problems']}); sold {two['sold']} (with the webhook's order) and "
        f"{two['held']} still held by buyers who gave up, oversold {two['oversold']}, "
        f"orders {two['orders']}, duplicate tickets "
        f"{two['duplicate_tickets']}, lost orders {two['lost_orders']}; both instances "
        f"served the ball page {two['recovered_s']} s after PostgreSQL was back, "
        f"restarted: {two['instances_restarted']}, workers alive: {two['workers_alive']}"
    )
    print(
        f"   Stripe webhook: {two['webhook']}; order paid {two['webhook_paid']} with "
        f"{two['webhook_tickets']} ticket(s)"
    )

    # 5. The mail server down.
    down = outages.mail_down(app, sink, person_id, 300, args.smtp_down)
    print(
        f"5. mail server down {down['down_s']:g} s with {down['queued']} emails queued: "
        f"{down['tried_while_down']} tried and waiting; all sent "
        f"{down['drained_after_back_s']} s after it was back (retry after 1 minute)"
    )

    # 6. Redis down.
    with app.app_context():
        third_ball = make_ball(20, slug="bench-ball-3", days=45)
        db.session.remove()
    red = outages.redis_down(app, redis, bases, third_ball, range(20_001, 20_011), 20)
    print(
        f"6. Redis down: ball page {red['ball_page']}, sign-in form {red['sign_in']}, "
        f"{red['buyers_paid']} of {red['buyers']} buyers paid"
        + (f" ({red['buyer_problems']})" if red["buyer_problems"] else "")
        + f"; one visitor's 300 checkout attempts, alternating: {red['limit']['allowed']} "
        f"answered before the first refusal ({red['limit']['statuses']}; each process counts "
        f"on its own while Redis is down), server errors {red['limit']['server_errors']}"
    )

    # The Redis-down buyers' confirmations were queued a moment ago: the workers are
    # given the time to send them before every email is counted.
    acts.wait_for_outbox(app, timeout=300)
    final = acts.mail_received(sink, app)
    webhook_ok = (
        [status >= 500 for _, status, _ in two["webhook"][:1]] == [True]
        and two["webhook"][1][1] == 200
        and two["webhook_paid"]
        and two["webhook_tickets"] == 1
    )
    redis_ok = (
        all(s == 200 for s in red["ball_page"].values())
        and all(s < 500 for s in red["sign_in"].values())
        and red["buyers_paid"] == red["buyers"]
        and not red["limit"]["server_errors"]
    )
    results = {
        "oversold": one["oversold"] + two["oversold"],
        "lost_orders": one["lost_orders"] + two["lost_orders"],
        "duplicate_tickets": one["duplicate_tickets"] + two["duplicate_tickets"],
        "emails_sent": final["emails_sent"],
        "emails_duplicated": final["emails_duplicated"],
        "recovered_s": two["recovered_s"],
        "emails_lost": final["emails_lost"],
        "rush_s": one["rush_s"],
        "sold": one["sold"],
        "limit_shared": shared,
        "emails_drain_s": round(drained_s, 1) if drained_s is not None else None,
        "webhook_ok": webhook_ok,
        "instances_restarted": two["instances_restarted"],
        "redis_down_ok": redis_ok,
        "mail_down_ok": down["still_waiting"] == 0,
        "load_average": load_average(),
    }
    results["ok"] = bool(
        shared
        and webhook_ok
        and redis_ok
        and results["mail_down_ok"]
        and not two["instances_restarted"]
        and two["workers_alive"]
        and one["sold"] == min(args.buyers, args.seats)
    )
    print(f"load average (1, 5, 15 min): {results['load_average']}; CPUs: {os.cpu_count()}")
    return results


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
