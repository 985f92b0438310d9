"""How fast are the team's dashboard and impact page with 100,000 completed matches?

Loads a realistic three years into a scratch database (SQLite in a temporary folder,
or the database BENCH_DATABASE_URL names, whose schema is wiped before and after):
300 organisations, 30,000 needs (a few Leeds-wide, most in one to three wards, each
for one to three beneficiary groups) and 10,000 offers of the three kinds, 100,000
completed matches confirmed at random times over the last three years (more in
recent months, as a programme grows), and some thousands of matches proposed,
agreed, in progress, declined and cancelled, pending organisations and listings
waiting for review. Inserted in bulk, straight into the tables.

The impact summary (brokerage/impact/summary.py) is not followed during the bulk
load: it is rebuilt once after it (`flask rebuild-impact-summary` does the same), and
the time that takes is printed.

Then asks the app in-process, signed in as a team member, for GET /team/dashboard
and GET /team/impact (`--requests` times each, after a warm-up), and prints the
median server time of each, the SQL queries each sends, and the load average
(other work on the machine slows every figure); then the filtered team page (which
reads the matches), the public /impact page and the home page. The last line is one
JSON object:

    {"dashboard_ms": ..., "impact_ms": ..., "public_ms": ..., "home_ms": ..., ...}

Goal (issue 6): the dashboard under 200 ms.

    .venv/bin/python bench/impact.py [--matches 100000] [--requests 20]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/impact.py
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from scratch_database import load_average, organisation_rows, scratch_database, statements_for
from sqlalchemy import insert, make_url, select, text

from brokerage import create_app
from brokerage.accounts import sessions
from brokerage.accounts.models import User
from brokerage.accounts.signing_in import SESSION_KEY
from brokerage.extensions import db
from brokerage.impact import summary
from brokerage.impact.models import ImpactMonth
from brokerage.listings.models import (
    DeviceType,
    Need,
    Offer,
    need_beneficiary_group,
    need_ward,
    offer_ward,
)
from brokerage.matches.models import Match
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward

KINDS = ("volunteering", "equipment", "sponsorship")
YEARS = 3


def _insert_ids(model, rows: list[dict]) -> list[int]:
    """Insert `rows` in batches; their ids, in order."""
    ids: list[int] = []
    for start in range(0, len(rows), 5_000):
        batch = rows[start : start + 5_000]
        ids.extend(
            db.session.scalars(
                insert(model).returning(model.id, sort_by_parameter_order=True), batch
            )
        )
    return ids


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), 20_000):
        db.session.execute(insert(table), rows[start : start + 20_000])


def _listing(kind: str, rng: random.Random, devices: list[int]) -> dict:
    if kind == "volunteering":
        return dict(
            volunteers=rng.randint(1, 6),
            hours_per_volunteer=rng.randint(2, 40),
            location_mode=rng.choice(["on_site", "remote", "either"]),
        )
    if kind == "equipment":
        return dict(
            device_type_id=rng.choice(devices),
            quantity=rng.randint(1, 50),
            condition=rng.choice(["new", "refurbished"]),
        )
    return dict(amount_pence=rng.randint(100, 10_000) * 100)


def _load(matches: int, rng: random.Random) -> tuple[str, str]:
    """Load the data; return the team member's login id and signed-in session's token."""
    now = datetime.now(UTC)
    today = now.date()
    start = now - timedelta(days=365 * YEARS)
    wards = list(db.session.scalars(select(Ward.id).where(Ward.is_citywide.is_(False))))
    citywide = db.session.scalar(select(Ward.id).where(Ward.is_citywide.is_(True)))
    groups = list(db.session.scalars(select(BeneficiaryGroup.id)))
    devices = list(db.session.scalars(select(DeviceType.id)))

    def org_rows(kind: str, count: int, status: str = "approved") -> list[dict]:
        return organisation_rows(
            kind,
            count,
            start,
            status=status,
            submitted_at=lambda: now - timedelta(days=rng.randint(0, 30)),
        )

    community = _insert_ids(Organisation, org_rows("community", 200))
    companies = _insert_ids(Organisation, org_rows("company", 100))
    _insert_ids(Organisation, org_rows("community", 12, "pending"))
    session_token = "bench-session"  # noqa: S105  a scratch database's sign-in
    team_id = db.session.execute(
        text(
            "INSERT INTO user_account (email, name, password_hash, is_team, active, "
            "session_token, email_verified_at, created_at, updated_at) VALUES "
            "('team@bench.example.org', 'Bench Team', 'x', true, true, :token, :now, :now, "
            ":now) RETURNING id"
        ),
        {"now": now, "token": session_token},
    ).scalar_one()
    # Signed in as the sign-in page would: a session recorded on the server.
    browser_token = sessions.start(db.session.get(User, team_id), "bench", now)

    def listing_rows(model, count: int, orgs: list[int], closes: str) -> list[dict]:
        rows = []
        for i in range(count):
            kind = KINDS[i % 3]
            # A growing programme: more of them in recent months.
            published = start + timedelta(seconds=365 * YEARS * 86400 * rng.random() ** 0.7)
            # Most have closed by now; some are open, and a few wait for review.
            status = rng.choices(
                ["met", "partly_met", "published", "expired", "submitted"], [60, 10, 15, 13, 2]
            )[0]
            row = dict(
                organisation_id=rng.choice(orgs),
                created_by_id=team_id,
                kind=kind,
                title=f"Bench {model.__name__.lower()} {i}",
                description="Benchmark listing",
                status=status,
                submitted_at=published - timedelta(days=rng.randint(1, 10)),
                published_at=None if status == "submitted" else published,
                created_at=published - timedelta(days=12),
                updated_at=published,
                **{closes: today + timedelta(days=rng.randint(-400, 200))},
                **_listing(kind, rng, devices),
            )
            if status in {"published", "partly_met"}:
                row[closes] = today + timedelta(days=rng.randint(1, 200))
            if model is Need:
                row.update(
                    safeguarding="none" if kind == "volunteering" else None,
                    purpose="Benchmark" if kind == "equipment" else None,
                    pays_for="Benchmark" if kind == "sponsorship" else None,
                )
            rows.append(row)
        return rows

    need_rows = listing_rows(Need, 30_000, community, "deadline")
    need_ids = _insert_ids(Need, need_rows)
    published = {i: row["published_at"] for i, row in zip(need_ids, need_rows, strict=True)}
    matchable = [i for i in need_ids if published[i] is not None]
    offer_ids = _insert_ids(Offer, listing_rows(Offer, 10_000, companies, "available_until"))
    ward_links, group_links = [], []
    for need_id in need_ids:
        chosen = [citywide] if rng.random() < 0.1 else rng.sample(wards, rng.randint(1, 3))
        ward_links += [{"need_id": need_id, "ward_id": w} for w in chosen]
        group_links += [
            {"need_id": need_id, "beneficiary_group_id": g}
            for g in rng.sample(groups, rng.randint(1, 3))
        ]
    _insert(need_ward, ward_links)
    _insert(need_beneficiary_group, group_links)
    _insert(offer_ward, [{"offer_id": o, "ward_id": citywide} for o in offer_ids])
    kinds = {need_id: KINDS[i % 3] for i, need_id in enumerate(need_ids)}
    offers_by_kind = {k: [o for i, o in enumerate(offer_ids) if KINDS[i % 3] == k] for k in KINDS}

    def match_row(status: str) -> dict:
        need_id = rng.choice(matchable)
        kind = kinds[need_id]
        # Proposed some days after the need was published, agreed within a fortnight,
        # delivered within two months; all before now.
        proposed = published[need_id] + timedelta(hours=rng.expovariate(1 / (24 * 14)))
        agreed = proposed + timedelta(hours=rng.uniform(2, 24 * 14))
        closed = agreed + timedelta(hours=rng.uniform(24 * 3, 24 * 60))
        if closed >= now:
            closed = now - timedelta(minutes=rng.randint(1, 60 * 24 * 30))
            agreed = min(agreed, closed - timedelta(hours=1))
            proposed = min(proposed, agreed - timedelta(hours=1))
        offer_kind = "sponsorship" if rng.random() < 0.05 else kind
        # Every row names the same columns: one INSERT for a batch.
        row = dict.fromkeys(
            (
                "volunteers",
                "hours_per_volunteer",
                "quantity",
                "amount_pence",
                "closed_at",
                "delivered_hours",
                "delivered_devices",
                "delivered_pence",
                "people_reached",
            )
        )
        row.update(
            need_id=need_id,
            offer_id=rng.choice(offers_by_kind[offer_kind]),
            status=status,
            proposed_by_id=team_id,
            proposed_at=proposed,
            need_accepted_at=agreed,
            offer_accepted_at=agreed,
            agreed_at=agreed,
            updated_at=closed,
        )
        if kind == "volunteering":
            row.update(volunteers=rng.randint(1, 4), hours_per_volunteer=rng.randint(2, 8))
        elif kind == "equipment":
            row.update(quantity=rng.randint(1, 30))
        else:
            row.update(amount_pence=rng.randint(5, 500) * 1000)
        if offer_kind == "sponsorship" and kind != "sponsorship":
            row.update(amount_pence=rng.randint(5, 500) * 1000)
        if status == "completed":
            row.update(
                closed_at=closed,
                delivered_hours=(row["volunteers"] * row["hours_per_volunteer"])
                if kind == "volunteering"
                else None,
                delivered_devices=row.get("quantity") if kind == "equipment" else None,
                delivered_pence=row.get("amount_pence"),
                people_reached=rng.randint(1, 120),
            )
        elif status in {"proposed"}:
            row.update(
                proposed_at=now - timedelta(days=rng.randint(0, 20)),
                agreed_at=None,
                need_accepted_at=None,
                offer_accepted_at=None,
            )
        elif status in {"declined", "cancelled"}:
            row.update(closed_at=closed, agreed_at=None if status == "declined" else agreed)
        else:  # agreed, in progress: recently
            row.update(agreed_at=now - timedelta(days=rng.randint(0, 60)))
        return row

    others = ["proposed"] * 600 + ["agreed"] * 1_500 + ["in_progress"] * 900
    others += ["declined"] * 2_000 + ["cancelled"] * 1_000
    rows = [match_row("completed") for _ in range(matches)] + [match_row(s) for s in others]
    with summary.paused(db.session):
        _insert(Match.__table__, rows)
    db.session.commit()
    return f"{team_id}:{session_token}", browser_token


def _median_ms(client, url: str, requests: int) -> float:
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return round(statistics.median(timings), 1)


def _run(url: str, args: argparse.Namespace, rng: random.Random) -> dict:
    app = create_app(
        {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}
    )
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            login_id, browser_token = _load(args.matches, rng)
            # A database in use has planner statistics (autovacuum on PostgreSQL,
            # `flask expire-listings` daily on SQLite): give the fresh one the same.
            with db.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                    conn.execute(text("VACUUM ANALYZE"))
                else:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            count = db.session.scalar(select(db.func.count(Match.id)))
            print(
                f"loaded {args.matches:,} completed matches ({count:,} in all) in "
                f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
            )
            started = time.perf_counter()
            months = summary.rebuild()
            db.session.commit()
            rebuild_s = round(time.perf_counter() - started, 2)
            print(f"rebuilt the impact summary ({months} months) in {rebuild_s} s")
            # What completing a match now costs on top: its month recomputed.
            busiest = db.session.scalar(
                select(ImpactMonth.month).order_by(ImpactMonth.matches.desc()).limit(1)
            )
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                summary.recompute(db.session.connection(), [busiest])
                timings.append((time.perf_counter() - started) * 1000)
            db.session.commit()
            month_ms = round(statistics.median(timings), 1)
            print(f"recomputing the busiest month ({busiest:%B %Y}): median {month_ms} ms")
            db.session.remove()

        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = login_id
            session["_fresh"] = True
            session[SESSION_KEY] = browser_token
        pages = {"dashboard": "/team/dashboard", "impact": "/team/impact"}
        extra = {
            "impact, filtered": "/team/impact?from=2025-01-01&ward=armley&kind=volunteering",
            "public": "/impact",
            "home": "/",
        }
        for page in (*pages.values(), *extra.values()):
            for _ in range(2):  # warm caches
                client.get(page)
        queries = {name: statements_for(app, client, page) for name, page in pages.items()}
        load_before = load_average()
        results = {name: _median_ms(client, page, args.requests) for name, page in pages.items()}
        others = {name: _median_ms(client, page, args.requests) for name, page in extra.items()}
        load_after = load_average()
        for name, page in pages.items():
            print(f"{page}: median {results[name]} ms, {queries[name]} SQL queries")
        for name, page in extra.items():
            print(f"{page}: median {others[name]} ms")
        print(f"over {args.requests} requests each")
        print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    finally:
        with app.app_context():
            db.engine.dispose()
    return {
        "dashboard_ms": results["dashboard"],
        "impact_ms": results["impact"],
        "dashboard_queries": queries["dashboard"],
        "impact_queries": queries["impact"],
        "public_ms": others["public"],
        "home_ms": others["home"],
        "impact_filtered_ms": others["impact, filtered"],
        "summary_rebuild_s": rebuild_s,
        "summary_month_ms": month_ms,
        "matches": args.matches,
        "database": make_url(url).get_backend_name(),
        "load_average": load_after,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--matches", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(2026)

    with scratch_database("bench-impact-") as (url, _):
        results = _run(url, args, rng)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
