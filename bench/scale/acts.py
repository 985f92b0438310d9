"""The scale-out bench's acts on two instances: the rush, the shared rate limit, the
workers draining the outbox; and what every act is checked against (the database)."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

from rush.buyers import all_at_once
from rush.checks import check_sales
from rush.constants import CSRF
from sqlalchemy import func, select

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail, OutboxStatus
from brokerage.notifications.services import queue_email
from brokerage.ticketing.models import PAID_STATUSES, Order, OrderLine, OrderStatus, Ticket
from scale.fleet import AlternatingBrowser, ScaleBuyer

OUTBOX_ID = re.compile(r"<outbox-(\d+)-")


# --- The rush ----------------------------------------------------------------------------


def rush(
    app, bases: list[str], ball_id: int, numbers: range, seats: int, settle=lambda: None
) -> dict:
    """Every buyer at once, each request to the next instance; those turned away by an
    error (the busy page) try again, twice at most, as the page asks them to, once
    `settle()` returns (a fault is over)."""
    ScaleBuyer.bases = bases
    crowd = [ScaleBuyer(n) for n in numbers]
    began = time.perf_counter()
    asyncio.run(all_at_once(crowd, bases[0]))
    rush_s = time.perf_counter() - began
    first_try = Counter(b.outcome for b in crowd)
    settle()
    for _ in range(2):
        again = [
            ScaleBuyer(b.number, resume=b.browser.checkout_url)
            for b in crowd
            if b.outcome == "error"
        ]
        if not again:
            break
        asyncio.run(all_at_once(again, bases[0]))
        crowd = [b for b in crowd if b.outcome != "error"] + again
    outcomes = Counter(b.outcome for b in crowd)
    problems = Counter(b.problem for b in crowd if b.outcome == "error")
    told_paid = {f"buyer{b.number}@example.org" for b in crowd if b.outcome == "paid"}
    sold = sales(app, ball_id, seats)
    lost = len(told_paid - sold.pop("paid_emails")) + sold["paid_orders_with_wrong_tickets"]
    return {
        **sold,
        "rush_s": round(rush_s, 2),
        "first_try": dict(first_try),
        "outcomes": dict(outcomes),
        "problems": dict(problems.most_common(3)),
        "lost_orders": lost,
    }


def sales(app, ball_id: int, seats: int) -> dict:
    """check_sales, and: who has a paid order, tickets issued beyond what an order was
    owed (a fulfilment done twice), and seats still held by unpaid orders."""
    with app.app_context():
        found = check_sales(ball_id, seats)
        found["paid_emails"] = set(
            db.session.scalars(
                select(Order.buyer_email).where(
                    Order.ball_id == ball_id, Order.status.in_(PAID_STATUSES)
                )
            )
        )
        owed = dict(
            db.session.execute(
                select(
                    OrderLine.order_id, func.sum(OrderLine.quantity * OrderLine.seats_per_ticket)
                )
                .join(Order, Order.id == OrderLine.order_id)
                .where(Order.ball_id == ball_id)
                .group_by(OrderLine.order_id)
            ).all()
        )
        issued = db.session.execute(
            select(Ticket.order_id, func.count(Ticket.id))
            .join(Order, Order.id == Ticket.order_id)
            .where(Order.ball_id == ball_id)
            .group_by(Ticket.order_id)
        ).all()
        found["duplicate_tickets"] = found["duplicate_codes"] + sum(
            max(0, count - int(owed.get(order_id, 0))) for order_id, count in issued
        )
        found["held"] = int(
            db.session.scalar(
                select(func.coalesce(func.sum(Order.seats), 0)).where(
                    Order.ball_id == ball_id, Order.status == OrderStatus.PENDING
                )
            )
        )
        db.session.remove()
    return found


# --- The rate limit ------------------------------------------------------------------------


async def _knock(bases: list[str], address: str, times: int) -> list[tuple[str, int]]:
    """One visitor sends the ball's checkout form `times` times (with nothing chosen, so
    each is answered 400 and holds nothing), each to the next instance: which instance
    answered, and how."""
    browser = AlternatingBrowser(bases, address)
    try:
        page = await browser.get(bases[0] + "/ball")
        token = CSRF.search(page.text)
        if token is None:
            raise RuntimeError(f"the ball page has no form ({page.status_code})")
        answers = []
        for _ in range(times):
            answer = await browser.post(
                bases[0] + "/ball",
                {"csrf_token": token.group(1), "buyer_name": "", "buyer_email": "", "code": ""},
            )
            answers.append((browser.used[-1], answer.status_code))
        return answers
    finally:
        await browser.close()


def knock(bases: list[str], address: str, times: int) -> dict:
    answers = asyncio.run(_knock(bases, address, times))
    statuses = [status for _, status in answers]
    first = statuses.index(429) if 429 in statuses else None
    after = answers[first:] if first is not None else []
    return {
        "allowed": first if first is not None else len(statuses),
        "first_refused_by": answers[first][0] if first is not None else None,
        "refused_after_by": sorted({origin for origin, status in after if status == 429}),
        "all_refused_after": all(status == 429 for _, status in after),
        "server_errors": sum(1 for s in statuses if s >= 500),
        "statuses": dict(Counter(statuses)),
    }


# --- The outbox ----------------------------------------------------------------------------


def reader(app) -> int:
    """The account the bench's emails are about (nobody signs in: "!" is no hash)."""
    with app.app_context():
        person = User(email="bench-reader@example.org", name="Bench Reader", password_hash="!")  # noqa: S106
        db.session.add(person)
        db.session.commit()
        person_id = person.id
        db.session.remove()
    return person_id


def queue(app, person_id: int, count: int, label: str) -> None:
    with app.app_context():
        person = db.session.get(User, person_id)
        for i in range(count):
            queue_email(person.email, "password_changed", f"{label} {i}", user=person, reset="r")
        db.session.commit()
        db.session.remove()


def outbox(app) -> dict:
    """The outbox's rows by status, and the ids of those the app counts as sent."""
    with app.app_context():
        statuses = dict(
            db.session.execute(
                select(OutboxEmail.status, func.count(OutboxEmail.id)).group_by(OutboxEmail.status)
            ).all()
        )
        sent_ids = set(
            db.session.scalars(
                select(OutboxEmail.id).where(OutboxEmail.status == OutboxStatus.SENT)
            )
        )
        tried = db.session.scalar(
            select(func.count(OutboxEmail.id)).where(
                OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.attempts > 0
            )
        )
        db.session.remove()
    waiting = sum(n for status, n in statuses.items() if status is not OutboxStatus.SENT)
    return {
        "total": sum(statuses.values()),
        "waiting": waiting,
        "failed": statuses.get(OutboxStatus.FAILED, 0),
        "tried_and_waiting": int(tried),
        "sent_ids": sent_ids,
    }


def wait_for_outbox(app, timeout: float) -> tuple[float | None, dict]:
    """Seconds until nothing waits in the outbox (None: not in time)."""
    started = time.perf_counter()
    while True:
        found = outbox(app)
        if not found["waiting"]:
            return time.perf_counter() - started, found
        if time.perf_counter() - started > timeout:
            return None, found
        time.sleep(0.5)


def mail_received(sink, app) -> dict:
    """What the mail server got, against the outbox: each email once?"""
    received = Counter(sink.received)
    ids = {int(m.group(1)) for message_id in received if (m := OUTBOX_ID.search(message_id))}
    found = outbox(app)
    return {
        "emails_sent": sum(received.values()),
        "emails_duplicated": sum(n - 1 for n in received.values()),
        "emails_lost": found["total"] - len(ids),
        "emails_waiting": found["waiting"],
        "emails_failed": found["failed"],
    }
