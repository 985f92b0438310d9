"""The scale-out bench's faults: PostgreSQL restarted mid-rush (with a Stripe webhook
arriving while it is down), the mail server down for a while, Redis down."""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import urllib.request

from rush.buyers import all_at_once
from sqlalchemy import func, select

from brokerage.config import STAND_IN_WEBHOOK_SECRET
from brokerage.extensions import db
from brokerage.ticketing.checkout import order_for_session
from brokerage.ticketing.models import PAID_STATUSES, Order, TicketStatus
from brokerage.ticketing.stand_in import stand_in_session
from scale import acts
from scale.fleet import AlternatingBrowser, ScaleBuyer, answers, wait_until_all_answer
from tests.ticketing.fake_stripe import event, signed

SESSION = re.compile(r"/ball/checkout/stand-in/([^/?]+)")


# --- A Stripe webhook through the outage ---------------------------------------------------


async def _hold(bases: list[str], number: int) -> str:
    """One buyer holds a seat and goes to pay: the Checkout session's id."""
    browser = AlternatingBrowser(bases, "198.19.0.1")
    try:
        page = await browser.get(bases[0] + "/ball")
        token, quantity = (
            acts.CSRF.search(page.text),
            re.search(r'name="(quantity_\d+)"', page.text),
        )
        held = await browser.post(
            bases[0] + "/ball",
            {
                "csrf_token": token.group(1),
                quantity.group(1): "1",
                "donation": "",
                "buyer_name": f"Webhook Buyer {number}",
                "buyer_email": f"webhook{number}@example.org",
                "code": "",
                "submit": "Continue to payment",
            },
        )
        if held.status_code != 303:
            raise RuntimeError(f"holding the webhook buyer's seat: {held.status_code}")
        return SESSION.search(held.headers["location"]).group(1)
    finally:
        await browser.close()


class Webhook:
    """Stripe's checkout.session.completed for one held order, signed as Stripe signs
    (the tests' helper, with the stand-in's secret the instances check), sent again
    as Stripe does until it is answered 2xx."""

    def __init__(self, app, bases: list[str]) -> None:
        self.bases = bases
        self.session_id = asyncio.run(_hold(bases, 1))
        with app.app_context():
            order = order_for_session(self.session_id)
            self.order_id = order.id
            body = event("checkout.session.completed", stand_in_session(order))
            db.session.remove()
        self.body, self.headers = signed(body, STAND_IN_WEBHOOK_SECRET)
        self.answers: list[tuple[str, int, str]] = []  # when, status, outcome

    def deliver(self, when: str, instance: int = 0) -> int:
        request = urllib.request.Request(  # noqa: S310 (our own http:// address)
            self.bases[instance] + "/ball/stripe/webhook",
            data=self.body.encode(),
            headers=self.headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                status, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, ""
        except OSError as exc:
            status, text = 0, type(exc).__name__
        outcome = json.loads(text).get("outcome", "") if text.startswith("{") else text[:40]
        self.answers.append((when, status, outcome))
        return status

    def tickets(self, app) -> tuple[bool, int]:
        with app.app_context():
            order = order_for_session(self.session_id)
            paid = order.status in PAID_STATUSES
            valid = sum(1 for t in order.tickets if t.status is TicketStatus.VALID)
            db.session.remove()
        return paid, valid


# --- PostgreSQL restarted mid-rush -----------------------------------------------------------


def _paid(app, ball_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Order.id)).where(
                Order.ball_id == ball_id, Order.status.in_(PAID_STATUSES)
            )
        )
        db.session.remove()
    return int(count)


def restart_mid_rush(app, pg, instances, workers, ball_id, numbers, seats, outage):
    """PostgreSQL stopped once a third of the seats are paid for (the middle of the
    rush, however quick this machine is), and started again `outage` s later."""
    bases = [i.base for i in instances]
    webhook = Webhook(app, bases)
    pids_before = [sorted(i.pids()) for i in instances]
    fault: dict = {}

    def restart() -> None:
        deadline = time.monotonic() + 600
        while _paid(app, ball_id) < seats // 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        fault["paid_before"] = _paid(app, ball_id)
        began = time.perf_counter()
        pg.stop()
        fault["down_s"] = time.perf_counter()
        webhook.deliver("while PostgreSQL is down", 1)
        time.sleep(max(0.0, outage - (time.perf_counter() - began)))
        pg.start()
        fault["outage_s"] = time.perf_counter() - began
        fault["recovered_s"] = wait_until_all_answer(bases)

    timer = threading.Thread(target=restart)
    timer.start()
    found = acts.rush(app, bases, ball_id, numbers, seats, settle=timer.join)
    # Stripe delivers the event again (and again: the second is a replay).
    webhook.deliver("when it is back", 0)
    webhook.deliver("once more", 1)
    paid, valid = webhook.tickets(app)
    after = acts.sales(app, ball_id, seats)  # with the webhook's order
    found.update({k: after[k] for k in ("sold", "held", "oversold", "duplicate_tickets", "orders")})
    found.update(
        webhook=webhook.answers,
        webhook_paid=paid,
        webhook_tickets=valid,
        outage_s=round(fault.get("outage_s", 0), 2),
        paid_before=fault.get("paid_before"),
        recovered_s=round(fault["recovered_s"], 2) if fault.get("recovered_s") else None,
        instances_restarted=[sorted(i.pids()) for i in instances] != pids_before,
        workers_alive=all(w.alive for w in workers),
    )
    return found


# --- The mail server down ----------------------------------------------------------------------


def mail_down(app, sink, person_id: int, emails: int, down_s: float) -> dict:
    sink.stop()
    acts.queue(app, person_id, emails, "While the mail server is down")
    time.sleep(down_s)
    tried = acts.outbox(app)["tried_and_waiting"]
    sink.start()
    drained_s, found = acts.wait_for_outbox(app, timeout=600)
    return {
        "queued": emails,
        "down_s": down_s,
        "tried_while_down": tried,
        "drained_after_back_s": round(drained_s, 1) if drained_s is not None else None,
        "still_waiting": found["waiting"],
    }


# --- Redis down --------------------------------------------------------------------------------


def redis_down(app, redis, bases: list[str], ball_id: int, numbers: range, seats: int) -> dict:
    redis.stop()
    try:
        pages = {base: answers(base) for base in bases}
        sign_in = {base: _sign_in_status(base) for base in bases}
        ScaleBuyer.bases = bases
        crowd = [ScaleBuyer(n) for n in numbers]
        asyncio.run(all_at_once(crowd, bases[0]))
        bought = acts.sales(app, ball_id, seats)
        limits = acts.knock(bases, "198.19.0.2", 300)
    finally:
        redis.start()
    return {
        "ball_page": pages,
        "sign_in": sign_in,
        "buyers": len(crowd),
        "buyers_paid": sum(1 for b in crowd if b.outcome == "paid"),
        "buyer_problems": [b.problem for b in crowd if b.outcome == "error"][:3],
        "sold": bought["sold"],
        "limit": limits,
    }


def _sign_in_status(base: str) -> int:
    """A sign-in form sent (no CSRF token: the answer is a page, never a 500)."""
    request = urllib.request.Request(  # noqa: S310 (our own http:// address)
        base + "/account/sign-in", data=b"email=a%40example.org&password=x", method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
