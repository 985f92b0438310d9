"""The app as the README's production recipe runs it: instances (the Procfile's `web`,
gunicorn) on their own ports and workers (its `worker`), all with one environment on
one PostgreSQL and one Redis; and the visitors' browsers, which alternate between the
instances request by request (as a load balancer may), sharing one cookie jar."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urljoin, urlsplit, urlunsplit

from rush.browser import Browser, Response
from rush.buyers import Buyer, expect
from rush.constants import CSRF, ROOT, UNSET
from rush.server import Server

from scale import recipe


def environment(database_url: str, redis_url: str, smtp_port: int, base_url: str) -> dict:
    """The README's exports, for this machine. APP_ENV is development only because
    production refuses the stand-in checkout (there are no Stripe keys here)."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET and not k.startswith("BENCH_")}
    env.update(
        APP_ENV="development",
        SECRET_KEY="bench-scale-out-key-shared-by-every-instance",  # noqa: S106 (throwaway)
        DATABASE_URL=database_url,
        RATELIMIT_STORAGE_URI=redis_url,
        TRUSTED_PROXIES="1",
        BASE_URL=base_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        OUTBOX_VIEW="false",
    )
    return env


def run_release(env: dict) -> None:
    """The Procfile's `release` (the database migrations), once."""
    done = subprocess.run(
        recipe.argv("release", env),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"release failed: {done.stderr[-3000:]}")


class Instance(Server):
    """One instance: the Procfile's `web` with PORT and WEB_CONCURRENCY (gunicorn's own
    setting for its worker processes) in its environment."""

    def __init__(self, env: dict, port: int, processes: int, folder: str) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.access_log = os.path.join(folder, f"access-{port}.log")
        self.error_log = os.path.join(folder, f"gunicorn-{port}.log")
        mine = dict(
            env,
            PORT=str(port),
            WEB_CONCURRENCY=str(processes),
            GUNICORN_CMD_ARGS=f"--error-logfile {self.error_log}",  # the bench's logs only
        )
        output = open(os.path.join(folder, f"output-{port}.log"), "w")  # noqa: SIM115 (the child's)
        self.process = subprocess.Popen(
            recipe.argv("web", mine),
            cwd=ROOT,
            env=mine,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


class WorkerProcess:
    """One worker: the Procfile's `worker`, its output in a log file."""

    def __init__(self, env: dict, number: int, folder: str) -> None:
        self.log_path = os.path.join(folder, f"worker{number}.log")
        log = open(self.log_path, "w")  # noqa: SIM115 (kept by the child)
        self.process = subprocess.Popen(
            recipe.argv("worker", env),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def answers(base: str, path: str = "/ball", timeout: float = 10) -> int | str:
    """The status of one GET (or the error's name)."""
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:
        return type(exc).__name__


def wait_until_all_answer(bases: list[str], timeout: float = 120) -> float | None:
    """Seconds until every instance answers the ball page with 200 (None: not in time)."""
    started = time.perf_counter()
    waiting = set(bases)
    while waiting and time.perf_counter() - started < timeout:
        waiting = {base for base in waiting if answers(base, timeout=5) != 200}
        if waiting:
            time.sleep(0.05)
    return None if waiting else time.perf_counter() - started


class AlternatingBrowser(Browser):
    """A visitor's browser behind a load balancer that sends each request to the next
    instance in turn: one keep-alive connection to each, one cookie jar for all."""

    def __init__(self, bases: list[str], address: str) -> None:
        super().__init__()
        self.headers["X-Forwarded-For"] = address  # the proxy's word for the visitor
        self.lanes = []
        for _ in bases:
            lane = Browser()
            lane.cookies, lane.headers = self.cookies, self.headers
            self.lanes.append(lane)
        self.origins = [urlsplit(base).netloc for base in bases]
        self.turn = 0
        self.used: list[str] = []  # which instance answered each request
        self.checkout_url: str | None = None  # where a hold sent the buyer to pay

    async def request(self, method: str, url: str, form: bytes | None = None) -> Response:
        n = self.turn % len(self.lanes)
        self.turn += 1
        self.used.append(self.origins[n])
        parts = urlsplit(url)._replace(netloc=self.origins[n])
        answer = await self.lanes[n].request(method, urlunsplit(parts), form)
        if "/ball/checkout/stand-in/" in answer.headers.get("location", ""):
            self.checkout_url = urljoin(answer.url, answer.headers["location"])
        return answer

    async def close(self) -> None:
        for lane in self.lanes:
            await lane.close()


def visitor_address(number: int) -> str:
    """A visitor's own address (documentation range 198.18.0.0/15), from its number."""
    return f"198.18.{number // 250}.{number % 250 + 1}"


@dataclass
class ScaleBuyer(Buyer):
    """bench/rush's buyer, from an address of its own, through both instances. One
    whose payment was answered by the busy page tries again where it was: `resume`,
    the checkout page of the order whose seats it still holds."""

    resume: str | None = None
    bases: ClassVar[list[str]] = []

    def open_browser(self) -> Browser:
        self.browser = AlternatingBrowser(self.bases, visitor_address(abs(self.number)))
        return self.browser

    async def _buy(self, browser: Browser, base: str, cancel: bool) -> None:
        if self.resume is None:
            return await super()._buy(browser, base, cancel)
        checkout = await self._timed("checkout page", browser.get(self.resume))
        if checkout.status_code == 303:  # the payment had gone through after all
            landing_url = urljoin(self.resume, checkout.headers["location"])
        else:
            expect(checkout, 200, "the checkout page, again")
            token = CSRF.search(checkout.text)
            if token is None:
                raise RuntimeError("the checkout page has no form, again")
            paid = await self._timed(
                "pay",
                browser.post(self.resume, {"csrf_token": token.group(1), "pay": "Pay (test)"}),
            )
            expect(paid, 303, "paying again")
            landing_url = urljoin(paid.url, paid.headers["location"])
        landing = await self._timed("paid page", browser.get(landing_url))
        expect(landing, 200, "the paid page")
        if "Payment received" not in landing.text:
            raise RuntimeError("the paid page does not say Payment received")
        order = await self._timed(
            "order page", browser.get(landing.url.split("?")[0].removesuffix("/paid"))
        )
        expect(order, 200, "the order page")
        if ">Paid</strong>" not in order.text or "Ticket code" not in order.text:
            raise RuntimeError("the order page does not show a paid order with a ticket")
        return None
