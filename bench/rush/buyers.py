"""The buyers: each walks from the ball page to a paid order, or is turned away when the
seats have gone; all start at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from rush.browser import Browser, Response
from rush.constants import CSRF, QUANTITY, SOLD_OUT


class Refused(Exception):
    """Turned away because the seats have gone: a normal outcome."""


@dataclass
class Buyer:
    number: int
    outcome: str = "not started"  # paid | refused | error
    problem: str = ""
    held_at: float | None = None  # when the hold was answered
    done_at: float | None = None
    took: dict[str, float] = field(default_factory=dict)  # step -> seconds

    def open_browser(self) -> Browser:
        """The buyer's browser (the scale-out bench gives one that alternates between
        the app's instances)."""
        return Browser()

    async def run(self, base: str, cancel: bool = False) -> None:
        browser = self.open_browser()
        try:
            await self._buy(browser, base, cancel)
            self.outcome = "paid" if not cancel else "cancelled"
        except Refused as exc:
            self.outcome, self.problem = "refused", str(exc)
        except Exception as exc:  # every failure is counted and reported, not raised
            self.outcome, self.problem = "error", f"{type(exc).__name__}: {exc}"
        self.done_at = time.perf_counter()
        await browser.close()

    async def _timed(self, step: str, request: Awaitable[Response]) -> Response:
        started = time.perf_counter()
        response = await request
        self.took[step] = self.took.get(step, 0.0) + time.perf_counter() - started
        return response

    async def _buy(self, browser: Browser, base: str, cancel: bool) -> None:
        page = await self._timed("ball page", browser.get(base + "/ball"))
        expect(page, 200, "the ball page")
        token, quantity = CSRF.search(page.text), QUANTITY.search(page.text)
        if token is None or quantity is None:
            if SOLD_OUT.search(page.text):
                raise Refused("sold out on the ball page")
            raise RuntimeError("the ball page has no form")
        held = await self._timed(
            "hold",
            browser.post(
                base + "/ball",
                {
                    "csrf_token": token.group(1),
                    quantity.group(1): "1",
                    "donation": "",
                    "buyer_name": f"Buyer {self.number}",
                    "buyer_email": f"buyer{self.number}@example.org",
                    "code": "",
                    "submit": "Continue to payment",
                },
            ),
        )
        if held.status_code == 400 and SOLD_OUT.search(held.text):
            raise Refused("sold out when holding")
        expect(held, 303, "holding a seat")
        self.held_at = time.perf_counter()
        checkout_url = urljoin(held.url, held.headers["location"])

        checkout = await self._timed("checkout page", browser.get(checkout_url))
        expect(checkout, 200, "the checkout page")
        token = CSRF.search(checkout.text)
        if token is None:
            raise RuntimeError("the checkout page has no form")
        button = {"cancel": "Cancel"} if cancel else {"pay": "Pay (test)"}
        paid = await self._timed(
            "pay", browser.post(checkout_url, {"csrf_token": token.group(1), **button})
        )
        expect(paid, 303, "paying")
        landing = await self._timed(
            "paid page", browser.get(urljoin(paid.url, paid.headers["location"]))
        )
        expect(landing, 200, "the paid page")
        if cancel:
            return
        if "Payment received" not in landing.text:
            raise RuntimeError("the paid page does not say Payment received")
        order_url = landing.url.split("?")[0].removesuffix("/paid")
        order = await self._timed("order page", browser.get(order_url))
        expect(order, 200, "the order page")
        if ">Paid</strong>" not in order.text or "Ticket code" not in order.text:
            raise RuntimeError("the order page does not show a paid order with a ticket")


def expect(response: Response, status: int, what: str) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{what}: {response.status_code}, not {status}")


async def all_at_once(buyers: list[Buyer], base: str, cancel: bool = False) -> None:
    """Every buyer at once, on this event loop (each opens its connection as it starts)."""
    await asyncio.gather(*(buyer.run(base, cancel) for buyer in buyers))


# --- Where the time went -----------------------------------------------------------------
