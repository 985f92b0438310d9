"""How fast are suggestions with 10,000 published needs and 10,000 published offers?

Loads a realistic mix (the three kinds; skills, wards with some Leeds-wide, device
types, beneficiary groups, amounts with some already held by matches, availability
windows and start dates) into a scratch database: SQLite in a temporary folder, or
the database BENCH_DATABASE_URL names, whose schema is wiped before and after.
Then times, end to end from the database, the way the team's pages do it:

- one need's suggested offers (`offers_for_need`: the need's facts, the kept pool
  of open offers checked against the database, the ranking, and the listed offers
  read again and scored with their reasons), median over 50 different needs;
- the same for one offer's suggested needs (`needs_for_offer`);
- every open need's suggestions at once (`offers_for_every_need`: reading all open
  needs and offers, ranking, and the reasons for each need's top 10), best of 3.

For one need and one offer it also times the two other ways: reading just that
listing's candidates fresh, with no pool ("uncached"), and the first call after
a change, when the pool must be read again ("pool rebuilt").

It prints the figures and the load average (other work on the machine slows every
figure); the last line is one JSON object:

    {"one_need_ms": ..., "one_offer_ms": ..., "all_needs_s": ..., ...}

Goal (the matching issue): under 50 ms for one need, under 5 s for all needs, on
a 2-core machine.

    .venv/bin/python bench/matching.py [--items 10000] [--samples 50]
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/scratch \\
        .venv/bin/python bench/matching.py
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
from scratch_database import load_average, organisation_rows, scratch_database
from sqlalchemy import insert, make_url, select, text

from brokerage import create_app
from brokerage.clock import today_in_leeds
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
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward
from brokerage.suggestions import services as suggestions
from brokerage.suggestions.loading import (
    facts_for_need,
    facts_for_offer,
    open_need_facts,
    open_offer_facts,
)
from brokerage.suggestions.ranking import rank_all_needs, suggest_needs, suggest_offers
from brokerage.suggestions.services import (
    needs_for_offer,
    offers_for_every_need,
    offers_for_need,
)


def _load(items: int, rng: random.Random) -> None:
    now = datetime.now(UTC)
    today = today_in_leeds(now)
    wards = list(db.session.scalars(select(Ward.id).where(Ward.is_citywide.is_(False))))
    leeds_wide = db.session.scalar(select(Ward.id).where(Ward.is_citywide.is_(True)))
    groups = list(db.session.scalars(select(BeneficiaryGroup.id)))
    skills = list(db.session.scalars(select(Skill.id)))
    devices = list(db.session.scalars(select(DeviceType.id)))
    # Laptops and tablets are most of what is asked for and given.
    device_weights = [5, 3, 2, 1, 2, 1][: len(devices)]

    db.session.execute(
        insert(Organisation),
        organisation_rows("community", 400, now) + organisation_rows("company", 200, now),
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

    for model, orgs, links in (
        (Need, community, (need_ward, need_skill, need_beneficiary_group)),
        (Offer, companies, (offer_ward, offer_skill, offer_beneficiary_group)),
    ):
        rows, kinds = [], []
        for i in range(items):
            kind = rng.choices(["volunteering", "equipment", "sponsorship"], [4, 4, 2])[0]
            kinds.append(kind)
            row = dict(
                organisation_id=rng.choice(orgs),
                created_by_id=user_id,
                kind=kind,
                title=f"Bench {model.__tablename__} {i}",
                description="A benchmark listing.",
                status=rng.choices(["published", "partly_met"], [9, 1])[0],
                submitted_at=now,
                published_at=now - timedelta(minutes=i),
                created_at=now,
                updated_at=now,
            )
            if kind == "volunteering":
                volunteers, each = rng.randint(1, 8), rng.choice([2, 3, 4, 6, 8, 12, 20, 40])
                row.update(
                    volunteers=volunteers,
                    hours_per_volunteer=each,
                    location_mode=rng.choice(["on_site", "remote", "either"]),
                )
                if rng.random() < 0.2:  # a match already holds some of it
                    held = rng.randint(0, volunteers - 1)
                    row.update(held_volunteers=held, held_hours=held * each)
            elif kind == "equipment":
                quantity = rng.choice([1, 2, 5, 10, 15, 20, 25, 40, 50, 100])
                row.update(
                    device_type_id=rng.choices(devices, device_weights)[0],
                    quantity=quantity,
                    condition=rng.choice(["new", "refurbished", "used"]),
                )
                if rng.random() < 0.2:
                    row.update(held_quantity=rng.randint(0, quantity - 1))
            else:
                pence = rng.choice([250, 500, 1_000, 2_000, 2_500, 5_000, 10_000, 25_000]) * 100
                row.update(amount_pence=pence)
                if rng.random() < 0.2:
                    row.update(held_pence=rng.randint(0, pence // 100 - 1) * 100)
            if model is Need:
                row.update(
                    deadline=today + timedelta(days=rng.randint(1, 180)),
                    safeguarding="none" if kind == "volunteering" else None,
                    purpose="Benchmark" if kind == "equipment" else None,
                    pays_for="Benchmark" if kind == "sponsorship" else None,
                )
                if kind == "volunteering" and rng.random() < 0.5:
                    row["starts_on"] = today + timedelta(days=rng.randint(0, 60))
            else:
                row["available_until"] = today + timedelta(days=rng.randint(1, 365))
                if rng.random() < 0.3:
                    row["available_from"] = today + timedelta(days=rng.randint(1, 90))
                    row["available_until"] = row["available_from"] + timedelta(
                        days=rng.randint(7, 365)
                    )
            rows.append(row)
        db.session.execute(insert(model), rows)
        ids = list(db.session.scalars(select(model.id).order_by(model.id)))
        key = f"{model.__tablename__}_id"
        ward_table, skill_table, group_table = links
        ward_rows, skill_rows, group_rows = [], [], []
        for listing_id, kind in zip(ids, kinds, strict=True):
            if rng.random() < 0.15:
                ward_rows.append({key: listing_id, "ward_id": leeds_wide})
            else:
                for ward in rng.sample(wards, rng.randint(1, 3)):
                    ward_rows.append({key: listing_id, "ward_id": ward})
            for group in rng.sample(groups, rng.randint(1, 3)):
                group_rows.append({key: listing_id, "beneficiary_group_id": group})
            if kind == "volunteering":  # only volunteering has skills
                for skill in rng.sample(skills, rng.randint(1, 4)):
                    skill_rows.append({key: listing_id, "skill_id": skill})
        db.session.execute(insert(ward_table), ward_rows)
        db.session.execute(insert(group_table), group_rows)
        db.session.execute(insert(skill_table), skill_rows)
    db.session.commit()


def _median_ms(call, items: list) -> tuple[float, list]:
    timings, results = [], []
    for item in items:
        start = time.perf_counter()
        results.append(call(item))
        timings.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(timings), 2), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(2027)

    with scratch_database("bench-matching-") as (url, _):
        results = _run(url, args, rng)
    print(json.dumps(results))


def _run(url: str, args: argparse.Namespace, rng: random.Random) -> dict:
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    try:
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            _load(args.items, rng)
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
            today = today_in_leeds()
            session = db.session
            needs = rng.sample(list(session.scalars(select(Need))), args.samples)
            offers = rng.sample(list(session.scalars(select(Offer))), args.samples)

            def need_uncached(need):
                facts = facts_for_need(session, need)
                offers = open_offer_facts(session, today, for_need=facts)
                return suggest_offers(facts, offers, today)

            def offer_uncached(offer):
                facts = facts_for_offer(session, offer)
                needs = open_need_facts(session, today, for_offer=facts)
                return suggest_needs(facts, needs, today)

            def rebuilt(call, item):
                suggestions._kept.clear()  # as after any change to the listings
                return call(session, item, today)

            # Warm up (the first statements compile and cache; the pools are read).
            for need, offer in zip(needs[:3], offers[:3], strict=True):
                offers_for_need(session, need, today)
                needs_for_offer(session, offer, today)
                need_uncached(need)
                offer_uncached(offer)

            load_before = load_average()
            one_need_ms, found = _median_ms(lambda n: offers_for_need(session, n, today), needs)
            lengths = [len(f) for f in found]
            one_offer_ms, _ = _median_ms(lambda o: needs_for_offer(session, o, today), offers)
            need_uncached_ms, again = _median_ms(need_uncached, needs)
            assert [[s.offer.id for s in f] for f in found] == [
                [s.offer.id for s in f] for f in again
            ], "the kept pool and a fresh read disagree"
            offer_uncached_ms, _ = _median_ms(offer_uncached, offers)
            few = max(3, args.samples // 5)
            need_rebuilt_ms, _ = _median_ms(lambda n: rebuilt(offers_for_need, n), needs[:few])
            offer_rebuilt_ms, _ = _median_ms(lambda o: rebuilt(needs_for_offer, o), offers[:few])

            all_runs, parts = [], []
            for _ in range(3):
                start = time.perf_counter()
                every = offers_for_every_need(session, today)
                all_runs.append(time.perf_counter() - start)
                # The same again, in parts: how much of it is reading, how much ranking.
                start = time.perf_counter()
                need_facts = open_need_facts(session, today)
                offer_facts = open_offer_facts(session, today)
                read = time.perf_counter() - start
                start = time.perf_counter()
                rank_all_needs(need_facts, offer_facts, today)
                parts.append((read, time.perf_counter() - start))
            all_needs_s = round(min(all_runs), 3)
            read_s, rank_s = min(parts, key=sum)
            load_after = load_average()

            suggested = sum(len(s) for s in every.values())
            print(
                f"one need's offers:   median {one_need_ms} ms over {args.samples} needs "
                f"(median {statistics.median(lengths)} suggestions), with the kept pool; "
                f"{need_uncached_ms} ms reading its candidates fresh; "
                f"{need_rebuilt_ms} ms when the pool must be read again"
            )
            print(
                f"one offer's needs:   median {one_offer_ms} ms over {args.samples} offers, "
                f"with the kept pool; {offer_uncached_ms} ms reading its candidates fresh; "
                f"{offer_rebuilt_ms} ms when the pool must be read again"
            )
            print(
                f"every need's offers: {all_needs_s} s, best of 3 (reading {read_s:.2f} s, "
                f"ranking with reasons {rank_s:.2f} s); {len(every):,} open needs, "
                f"{suggested:,} suggestions"
            )
            print(f"load average (1, 5, 15 min): {load_before} before, {load_after} after")
    finally:
        with app.app_context():
            db.engine.dispose()
    return {
        "one_need_ms": one_need_ms,
        "one_offer_ms": one_offer_ms,
        "all_needs_s": all_needs_s,
        "one_need_uncached_ms": need_uncached_ms,
        "one_offer_uncached_ms": offer_uncached_ms,
        "one_need_pool_rebuilt_ms": need_rebuilt_ms,
        "one_offer_pool_rebuilt_ms": offer_rebuilt_ms,
        "items": args.items,
        "database": make_url(url).get_backend_name(),
        "load_average": load_after,
    }


if __name__ == "__main__":
    main()
