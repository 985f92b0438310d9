"""The waiting list's run, after the rush has sold the ball out: `--waiting` people join
the list through the pages all at once, then `--freed` paid seats are refunded at the
same moment (one refund per thread, each offering what is free to the list under the
ball's lock, as the team's refund page does), with the worker's round among them.
Exactly `--freed` offers must go out, to the first in line, one seat each, and the
ball must still hold exactly its capacity."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass

from sqlalchemy import func, select

from brokerage.accounts import services as accounts
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from brokerage.ticketing import availability, refunds, waiting_list
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    Order,
    OrderStatus,
    TicketStatus,
    WaitingEntry,
    WaitingStatus,
)
from rush.browser import Browser
from rush.buyers import expect
from rush.constants import CSRF


@dataclass
class Waiter:
    number: int
    outcome: str = "not started"  # joined | error
    problem: str = ""

    async def run(self, base: str, type_id: int) -> None:
        browser = Browser()
        url = f"{base}/ball/waiting-list/{type_id}"
        try:
            page = await browser.get(url)
            expect(page, 200, "the waiting list page")
            token = CSRF.search(page.text)
            if token is None:
                raise RuntimeError("the waiting list page has no form (not sold out?)")
            joined = await browser.post(
                url,
                {
                    "csrf_token": token.group(1),
                    "name": f"Waiter {self.number}",
                    "email": f"waiter{self.number}@example.org",
                    "quantity": "1",
                },
            )
            expect(joined, 200, "joining")
            if "You are on the waiting list" not in joined.text:
                raise RuntimeError("joining did not say so")
            self.outcome = "joined"
        except Exception as exc:  # counted and reported, not raised
            self.outcome, self.problem = "error", f"{type(exc).__name__}: {exc}"
        await browser.close()


def join_all(runner: asyncio.Runner, base: str, type_id: int, count: int) -> list[Waiter]:
    waiters = [Waiter(n) for n in range(1, count + 1)]

    async def together() -> None:
        await asyncio.gather(*(w.run(base, type_id) for w in waiters))

    runner.run(together())
    return waiters


def free_seats_at_once(app, ball_id: int, freed: int) -> tuple[float, list[str]]:
    """Refund one seat of each of `freed` paid orders, all at the same moment, with the
    worker's round of offers among them. Returns the seconds taken and any errors."""
    with app.app_context():
        team, _ = accounts.create_team_member(
            "bench-team@example.org", "Bench Team", "a long bench password 2027"
        )
        db.session.commit()
        team_id = team.id
        order_ids = db.session.scalars(
            select(Order.id)
            .where(Order.ball_id == ball_id, Order.status.in_(PAID_STATUSES))
            .order_by(Order.id)
            .limit(freed)
        ).all()
        db.session.remove()
    if len(order_ids) < freed:
        return 0.0, [f"only {len(order_ids)} paid orders to refund"]
    start = threading.Barrier(freed + 1, timeout=60)
    errors: list[str] = []

    def refund(order_id: int) -> None:
        with app.app_context():
            try:
                order = db.session.get(Order, order_id)
                ticket = next(t for t in order.tickets if t.status is TicketStatus.VALID)
                person = db.session.get(type(team), team_id)
                start.wait()
                refunds.refund_tickets(order, [ticket.id], person, "Cannot come", 9_500)
                db.session.commit()
            except Exception as exc:  # counted and reported
                db.session.rollback()
                errors.append(f"refund: {type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    def worker() -> None:
        with app.app_context():
            try:
                start.wait()
                waiting_list.offer_all_freed_seats()
            except Exception as exc:
                db.session.rollback()
                errors.append(f"worker: {type(exc).__name__}: {exc}")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=refund, args=(i,)) for i in order_ids]
    threads.append(threading.Thread(target=worker))
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return time.perf_counter() - began, errors


def check_offers(app, ball_id: int, seats: int, freed: int) -> dict:
    """What the database says was offered: how many, to whom, and whether any seat went
    twice (the ball holding more than its capacity, or one entry with two offers)."""
    with app.app_context():
        offered = db.session.scalars(
            select(WaitingEntry)
            .where(WaitingEntry.ball_id == ball_id, WaitingEntry.status == WaitingStatus.OFFERED)
            .order_by(WaitingEntry.created_at, WaitingEntry.id)
        ).all()
        first_in_line = db.session.scalars(
            select(WaitingEntry.id)
            .where(WaitingEntry.ball_id == ball_id)
            .order_by(WaitingEntry.created_at, WaitingEntry.id)
            .limit(freed)
        ).all()
        held = db.session.scalar(
            select(func.coalesce(func.sum(Order.seats), 0)).where(
                Order.ball_id == ball_id,
                Order.status == OrderStatus.PENDING,
                Order.id.in_([e.order_id for e in offered] or [0]),
            )
        )
        emails = db.session.scalar(
            select(func.count(func.distinct(OutboxEmail.to_address))).where(
                OutboxEmail.template == "ball_waiting_offer"
            )
        )
        offer_emails = db.session.scalar(
            select(func.count()).where(OutboxEmail.template == "ball_waiting_offer")
        )
        taken = availability.seats_taken(db.session.get(Ball, ball_id))
        found = {
            "offers": len(offered),
            "offered_orders": len({e.order_id for e in offered}),
            "offered_seats_held": int(held),
            "offer_emails": int(offer_emails),
            "offer_addresses": int(emails),
            "first_in_line": sorted(e.id for e in offered) == sorted(first_in_line),
            "seats_taken": taken,
            "over_capacity": max(0, taken - seats),
        }
        db.session.remove()
    return found


def waiting_problems(found: dict, freed: int, waiters: list[Waiter], errors: list[str]) -> list:
    problems = list(errors[:3])
    joined = sum(1 for w in waiters if w.outcome == "joined")
    if joined != len(waiters):
        problem = next(w.problem for w in waiters if w.outcome != "joined")
        problems.append(f"{len(waiters) - joined} could not join: {problem}")
    for name in ("offers", "offered_orders", "offered_seats_held", "offer_emails"):
        if found[name] != freed:
            problems.append(f"{found[name]} {name.replace('_', ' ')}, not {freed}")
    if found["offer_addresses"] != found["offer_emails"]:
        problems.append("someone was offered seats twice")
    if not found["first_in_line"]:
        problems.append("the offers did not go to the first in line")
    if found["over_capacity"]:
        problems.append(f"{found['over_capacity']} seats over capacity")
    return problems
