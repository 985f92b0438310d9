"""How many requests a second do the product's pages answer, against a bare Flask app?

Serves the product and a bare Flask "hello" app (bench/hello.py) under the same
gunicorn settings (2 sync workers), drives each page with wrk in the same run, and
prints each page's requests per second as a ratio of the bare app's: absolute figures
on a shared machine say more about the neighbours than about the code, a ratio
measured minutes apart much less. The bare app is measured before and after the
pages, and the ratio uses the mean of the two.

Pages: the public `/`, `/needs` (plain, filtered by kind and ward, and searched), a
need's page, `/ball` and `/impact`; signed in as the demo company's member, `/offers`
and one of its matches' pages. First on the demo data, then (not with --quick) with
`--items` more published needs and offers (bench/listings.py's generator) and
`--matches` completed matches (bench/impact.py's) added. Data goes into a scratch
database (a temporary SQLite file, or the one BENCH_DATABASE_URL names, wiped before
and after). The last line is one JSON object: each page's ratio keyed by data size
and path, `min_public_ratio`, `min_signed_in_ratio` and the load average.

Goals (issue 19): every public page at least 0.30 of the bare app, signed-in pages at
least 0.15, whatever the data size.

    make wrk    # Debian's wrk, when missing
    .venv/bin/python bench/pages.py [--quick] [--duration 10] [--items 10000] [--matches 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

import impact as impact_bench  # noqa: E402  bench/impact.py: 100,000 completed matches
import listings as listings_bench  # noqa: E402  bench/listings.py: 10,000 needs and offers
from flask_migrate import upgrade  # noqa: E402
from scratch_database import load_average, scratch_database  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from brokerage import create_app  # noqa: E402
from brokerage.accounts.models import User  # noqa: E402
from brokerage.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from brokerage.extensions import db  # noqa: E402
from brokerage.listings.models import Need, Offer  # noqa: E402
from brokerage.matches.models import Match  # noqa: E402
from brokerage.organisations.models import Membership, Ward  # noqa: E402

COMPANY_MEMBER = "company@example.org"
GUNICORN = ["-w", "2", "-k", "sync", "--log-level", "warning"]
PUBLIC = ("/", "/needs", "/needs?kind=…&ward=…", "/needs?q=computers", "/needs/<id>", "/ball")
PUBLIC += ("/impact",)
SIGNED_IN = ("/offers", "/matches/<id>")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], chdir: Path):
    """A gunicorn serving `app` on a free port: yields its address."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", *GUNICORN, "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "--chdir", str(chdir), app], env={**os.environ, **env})
    address = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(address + "/", timeout=5).close()  # noqa: S310
                break
            if server.poll() is not None:
                sys.exit(f"gunicorn for {app} stopped: see above")
            time.sleep(0.1)
        yield address
    finally:
        server.terminate()
        server.wait(timeout=30)


# One browser, as a signed-in person's requests come from: Flask-Login's session
# protection ties a session to its User-Agent, and a different one (wrk sends none)
# made every request mark the session not fresh and send a new cookie.
USER_AGENT = "bench/pages.py"


def wrk(url: str, seconds: float, connections: int, cookie: str = "") -> float:
    """Requests a second wrk reaches on `url`; refuses any answer but 200."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", url]
    command[1:1] = ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:  # 30 s unanswered, or refused
        sys.exit(f"wrk saw errors on {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def sign_in(address: str, email: str) -> str:
    """The Cookie header of a real sign-in through the form."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(address + "/account/sign-in").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    token = token or re.search(r'name="csrf_token" value="([^"]+)"', page)
    form = {"csrf_token": token.group(1), "email": email, "password": DEMO_PASSWORD}
    opener.open(address + "/account/sign-in", urllib.parse.urlencode(form).encode()).close()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    headers = {"Cookie": cookie, "User-Agent": USER_AGENT}
    check = urllib.request.Request(address + "/offers", headers=headers)  # noqa: S310
    with urllib.request.urlopen(check) as response:  # noqa: S310
        assert response.url.endswith("/offers"), "the bench's sign-in did not work"
        assert "Set-Cookie" not in response.headers, "each request would renew the session"
    return cookie


def load(url: str, items: int, matches: int) -> dict[str, str]:
    """Load the demo (and `items` listings, `matches` matches): the pages' real paths."""
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    rng = random.Random(2026)
    try:
        with app.app_context():
            upgrade()
            if items:  # first: it links every need and offer in the database
                listings_bench._load(items, rng)
            with app.test_request_context(base_url=app.config["BASE_URL"]):
                seed_demo()
                db.session.commit()
            if matches:
                impact_bench._load(matches, rng)
            db.session.commit()
            with db.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                    conn.execute(text("VACUUM ANALYZE"))
                else:
                    conn.execute(text("ANALYZE"))
                    conn.commit()
            return _paths()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _paths() -> dict[str, str]:
    ward = db.session.scalar(select(Ward.slug).where(Ward.is_citywide.is_(False)))
    need = db.session.scalar(
        select(Need.id).where(Need.status == "published").order_by(Need.id.desc())
    )
    company = db.session.scalar(
        select(Membership.organisation_id)
        .join(User, User.id == Membership.user_id)
        .where(User.email == COMPANY_MEMBER)
    )
    match = db.session.scalar(
        select(Match.id)
        .join(Offer, Offer.id == Match.offer_id)
        .where(Offer.organisation_id == company)
        .order_by(Match.id)
    )
    return {
        "/": "/",
        "/needs": "/needs",
        "/needs?kind=…&ward=…": f"/needs?kind=volunteering&ward={ward}",
        "/needs?q=computers": "/needs?q=computers",
        "/needs/<id>": f"/needs/{need}",
        "/ball": "/ball",
        "/impact": "/impact",
        "/offers": "/offers",
        "/matches/<id>": f"/matches/{match}",
    }


def measure(size: str, url: str, paths: dict[str, str], args) -> dict[str, float]:
    """Each page's ratio to the bare app, served from the database at `url`."""
    env = {
        "APP_ENV": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "BASE_URL": "http://127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
    }
    ratios = {}
    with (
        gunicorn("hello:app", {}, BENCH) as hello,
        gunicorn("brokerage:create_app()", env, BENCH.parent) as site,
    ):
        bare = [wrk(hello + "/", args.duration, args.connections)]
        cookie = sign_in(site, COMPANY_MEMBER)
        rates = {}
        for name in PUBLIC + SIGNED_IN:
            page = site + paths[name]
            # Warm up: each worker's first requests load templates and fill caches.
            wrk(page, min(2, args.duration), args.connections, cookie if name in SIGNED_IN else "")
            rates[name] = wrk(
                page, args.duration, args.connections, cookie if name in SIGNED_IN else ""
            )
            print(f"{size}: {name:24} {rates[name]:8.0f} requests/s", flush=True)
        bare.append(wrk(hello + "/", args.duration, args.connections))
    hello_rate = sum(bare) / len(bare)
    print(f"{size}: bare Flask app {bare[0]:.0f} and {bare[1]:.0f} requests/s")
    for name, rate in rates.items():
        ratios[f"{size} {name}"] = round(rate / hello_rate, 3)
        print(f"{size}: {name:24} {rate:8.0f} requests/s  {rate / hello_rate:.2f} of bare")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 s a page, the demo data only")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk a page")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--matches", type=int, default=100_000)
    parser.add_argument("--large-only", action="store_true", help="skip the demo-only run")
    args = parser.parse_args()
    if args.quick:
        args.duration = 1
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make wrk` installs Debian's (apt-get install wrk).")
    sizes = {} if args.large_only and not args.quick else {"demo": (0, 0)}
    if not args.quick:
        sizes[f"{args.items} listings, {args.matches} matches"] = (args.items, args.matches)
    load_before = load_average()
    ratios: dict[str, float] = {}
    for size, (items, matches) in sizes.items():
        with scratch_database("bench-pages-") as (url, _):
            started = time.perf_counter()
            paths = load(url, items, matches)
            print(f"{size}: loaded in {time.perf_counter() - started:.0f} s")
            ratios.update(measure(size, url, paths, args))
    public = [r for key, r in ratios.items() if key.split(" ")[-1] in PUBLIC]
    signed_in = [r for key, r in ratios.items() if key.split(" ")[-1] in SIGNED_IN]
    print(f"load average (1, 5, 15 min): {load_before} before, {load_average()} after")
    ratios["min_public_ratio"] = min(public)
    ratios["min_signed_in_ratio"] = min(signed_in)
    ratios["load_average"] = load_average()
    print(json.dumps(ratios))


if __name__ == "__main__":
    main()
