"""How far below the fixed stack's own floor are the signed-in pages' goals?

Serves three apps under bench/pages.py's gunicorn settings (2 sync workers) and drives
each with wrk in one run: the bare Flask app (bench/hello.py), the emptiest signed-in
GOV.UK page the product's fixed stack makes when written the plain way
(bench/floor_app.py: Flask-Login, an ORM person, a CSRF token, govuk-frontend-jinja's
template, header, service navigation and footer, nothing else), and the product on the
demo data (SQLite), signed in as the demo company member: `/accessibility` (a page
with nothing of its own), `/offers` and a match page. Each is printed as a ratio of
the bare app's requests a second, and each product page also as a ratio of the
floor's.

Issue 19 asks for signed-in pages at 0.15 of the bare app. If the floor itself is near
that, the goal asks the product's real pages (a list with its filters, a match with
its messages) to cost little more than a page with nothing on it.

    .venv/bin/python bench/floor.py [--duration 5]

The last line is one JSON object: `floor_ratio`, each product page's `*_ratio` (to the
bare app) and `*_of_floor`, `bare_rps` and the load average.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import shutil
import sys
import tempfile
import urllib.request

import pages
from scratch_database import load_average, scratch_database

PRODUCT_PAGES = {
    "accessibility": "/accessibility",
    "offers": "/offers",
    "match": "/matches/<id>",
}


def floor_cookie(address: str) -> str:
    """The floor app's session cookie, from its /sign-in."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", pages.USER_AGENT)]
    opener.open(address + "/sign-in").close()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds of wrk a page")
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make wrk` installs Debian's (apt-get install wrk).")
    load_before = load_average()
    with (
        scratch_database("bench-floor-") as (url, _),
        tempfile.TemporaryDirectory() as folder,
    ):
        paths = pages.load(url, 0, 0)
        product_env = {
            "APP_ENV": "production",
            "DATABASE_URL": url,
            "SECRET_KEY": "bench-" + "x" * 40,
            "BASE_URL": "http://127.0.0.1",
            "SESSION_COOKIE_SECURE": "false",
        }
        floor_env = {"FLOOR_DATABASE": os.path.join(folder, "floor.db")}
        with (
            pages.gunicorn("hello:app", {}, pages.BENCH) as hello,
            pages.gunicorn("floor_app:app", floor_env, pages.BENCH) as floor,
            pages.gunicorn("brokerage:create_app()", product_env, pages.BENCH.parent) as site,
        ):
            rate = {}

            def measure(name: str, address: str, cookie: str = "") -> None:
                pages.wrk(address, min(2, args.duration), args.connections, cookie)  # warm up
                rate[name] = pages.wrk(address, args.duration, args.connections, cookie)
                print(f"{name:14} {rate[name]:8.0f} requests/s", flush=True)

            measure("bare", hello + "/")
            measure("floor", floor + "/", floor_cookie(floor))
            cookie = pages.sign_in(site, pages.COMPANY_MEMBER)
            for name, path in PRODUCT_PAGES.items():
                measure(name, site + paths.get(path, path), cookie)
            bare_again = pages.wrk(hello + "/", args.duration, args.connections)
            print(f"{'bare again':14} {bare_again:8.0f} requests/s")
    bare = (rate["bare"] + bare_again) / 2
    figures: dict[str, float | str] = {"bare_rps": round(bare), "floor_ratio": 0.0}
    figures["floor_ratio"] = round(rate["floor"] / bare, 3)
    print(f"floor: {rate['floor'] / bare:.2f} of the bare app")
    for name in PRODUCT_PAGES:
        figures[f"{name}_ratio"] = round(rate[name] / bare, 3)
        figures[f"{name}_of_floor"] = round(rate[name] / rate["floor"], 2)
        print(
            f"{name}: {rate[name] / bare:.2f} of the bare app, "
            f"{rate[name] / rate['floor']:.2f} of the floor"
        )
    print(f"load average (1, 5, 15 min): {load_before} before, {load_average()} after")
    figures["load_average"] = load_average()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
