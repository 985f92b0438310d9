"""How fast are the needs list and a need's page with 10,000 needs and 10,000 offers?

Loads published needs and offers into a scratch database (SQLite in a temporary
folder, or the database BENCH_DATABASE_URL names, whose schema is wiped before and
after), then asks the app in-process for the filtered list page and for item pages,
200 times each, and prints the median server time, the SQL queries one list page
issues, and the load average (other work on the machine slows every figure). It
leaves nothing behind. The last line is one JSON object:

    {"list_median_ms": ..., "item_median_ms": ..., "list_queries": ..., ...}

Goal (issue 3): under 25 ms median each on a 2-core machine.

    .venv/bin/python bench/listings.py [--items 10000] [--requests 200]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/listings.py
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
from brokerage.extensions import db
from brokerage.listings.models import (
    DeviceType,
    Need,
    Offer,
    Skill,
    need_beneficiary_group,
    need_skill,
    need_ward,
    offer_beneficiary_group,
    offer_skill,
    offer_ward,
)
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Organisation,
    Ward,
)

WORDS = [
    "laptops",
    "tablets",
    "digital",
    "skills",
    "job",
    "club",
    "older",
    "people",
    "drop-in",
    "data",
    "website",
    "volunteers",
    "champions",
    "library",
    "refugees",
    "homework",
    "phones",
    "training",
    "support",
]


def _load(items: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    today = now.date()
    wards = list(db.session.scalars(select(Ward.id)))
    groups = list(db.session.scalars(select(BeneficiaryGroup.id)))
    skills = list(db.session.scalars(select(Skill.id)))
    devices = list(db.session.scalars(select(DeviceType.id)))

    db.session.execute(
        insert(Organisation),
        organisation_rows("community", 200, now) + organisation_rows("company", 100, now),
    )
    user_id = db.session.execute(
        text(
            "INSERT INTO user_account (email, name, password_hash, is_team, active, "
            "session_token, created_at, updated_at) VALUES ('bench@example.org', 'Bench', "
            "'x', false, true, 'bench', :now, :now) RETURNING id"
        ),
        {"now": now},
    ).scalar_one()
    community = list(
        db.session.scalars(select(Organisation.id).where(Organisation.kind == "community"))
    )
    companies = list(
        db.session.scalars(select(Organisation.id).where(Organisation.kind == "company"))
    )

    for model, orgs, links, closes in (
        (Need, community, (need_ward, need_skill, need_beneficiary_group), "deadline"),
        (Offer, companies, (offer_ward, offer_skill, offer_beneficiary_group), "available_until"),
    ):
        rows = []
        for i in range(items):
            kind = ("volunteering", "equipment", "sponsorship")[i % 3]
            row = dict(
                organisation_id=rng.choice(orgs),
                created_by_id=user_id,
                kind=kind,
                title=" ".join(rng.sample(WORDS, 4)).capitalize(),
                description=" ".join(rng.choices(WORDS, k=40)),
                status="published",
                submitted_at=now,
                published_at=now - timedelta(minutes=i),
                created_at=now,
                updated_at=now,
                **{closes: today + timedelta(days=rng.randint(1, 365))},
            )
            if kind == "volunteering":
                row.update(
                    volunteers=rng.randint(1, 6),
                    hours_per_volunteer=rng.randint(2, 40),
                    location_mode=rng.choice(["on_site", "remote", "either"]),
                )
            elif kind == "equipment":
                row.update(
                    device_type_id=rng.choice(devices),
                    quantity=rng.randint(1, 50),
                    condition=rng.choice(["new", "refurbished"]),
                )
            else:
                row.update(amount_pence=rng.randint(100, 10_000) * 100)
            if model is Need:
                row.update(
                    safeguarding="none" if kind == "volunteering" else None,
                    purpose="Benchmark" if kind == "equipment" else None,
                    pays_for="Benchmark" if kind == "sponsorship" else None,
                )
            rows.append(row)
        db.session.execute(insert(model), rows)
        ids = list(db.session.scalars(select(model.id)))
        key = f"{model.__tablename__}_id"
        ward_table, skill_table, group_table = links
        db.session.execute(
            insert(ward_table),
            [{key: i, "ward_id": w} for i in ids for w in rng.sample(wards, 2)],
        )
        db.session.execute(
            insert(group_table),
            [{key: i, "beneficiary_group_id": g} for i in ids for g in rng.sample(groups, 2)],
        )
        db.session.execute(
            insert(skill_table),
            [{key: i, "skill_id": s} for i in ids for s in rng.sample(skills, 2)],
        )
    db.session.commit()


def _median_ms(client, urls: list[str], by_url: dict | None = None) -> float:
    """The median time to answer `urls`; `by_url` collects each URL's timings."""
    timings = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        if by_url is not None:
            by_url.setdefault(url, []).append(timings[-1])
    return round(statistics.median(timings), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(2026)

    with scratch_database("bench-listings-") as (url, _):
        results = _run(url, args, rng)
    print(json.dumps(results))


def _run(url: str, args: argparse.Namespace, rng: random.Random) -> dict:
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            _load(args.items, rng)
            # A database in use has planner statistics (autovacuum on PostgreSQL,
            # `flask expire-listings` daily on SQLite): give the fresh one the same.
            # Autovacuum also marks the new rows all-visible, for index-only scans.
            db.session.commit()
            with db.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                    conn.execute(text("VACUUM ANALYZE"))
                else:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            print(
                f"loaded {args.items:,} needs and {args.items:,} offers in "
                f"{time.perf_counter() - started:.1f} s ({db.engine.dialect.name})"
            )
            need_ids = list(db.session.scalars(select(Need.id)))
            ward = db.session.scalar(select(Ward.slug).where(Ward.is_citywide.is_(False)))
            db.session.remove()

        client = app.test_client()
        filtered = [
            f"/needs?kind=volunteering&ward={ward}&sort=closing",
            "/needs?kind=equipment&device=laptop",
            "/needs?q=laptops&closing=92",
            "/needs?group=older-people&remote=yes&page=2",
        ]
        list_urls = [filtered[i % len(filtered)] for i in range(args.requests)]
        item_urls = [f"/needs/{rng.choice(need_ids)}" for _ in range(args.requests)]
        _median_ms(client, list_urls[:10] + item_urls[:10])  # warm caches
        queries = {page: statements_for(app, client, page) for page in filtered}
        load_before = load_average()
        by_url: dict[str, list[float]] = {}
        list_ms = _median_ms(client, list_urls, by_url)
        item_ms = _median_ms(client, item_urls)
        load_after = load_average()
        for page, count in queries.items():
            median = statistics.median(by_url[page])
            print(f"{page}: median {median:.2f} ms, {count} SQL queries")
        print(f"filtered needs list: median {list_ms} ms over {args.requests} requests")
        print(f"need page:           median {item_ms} ms over {args.requests} requests")
        print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    finally:
        with app.app_context():
            db.engine.dispose()
    return {
        "list_median_ms": list_ms,
        "item_median_ms": item_ms,
        "list_queries": max(queries.values()),
        "items": args.items,
        "database": make_url(url).get_backend_name(),
        "load_average": load_after,
    }


if __name__ == "__main__":
    main()
