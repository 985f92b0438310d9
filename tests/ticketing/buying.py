"""The buyer's steps through the real pages, and Stripe's webhook deliveries."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing.models import Order
from tests.helpers import submit
from tests.ticketing.fake_stripe import WEBHOOK_SECRET, signed


def ball_form(quantities: dict[int, int | str], **extra) -> dict:
    data = {f"quantity_{type_id}": str(n) for type_id, n in quantities.items()}
    data.update(buyer_name="Ada Buyer", buyer_email="ada@example.org")
    data.update({k: str(v) for k, v in extra.items()})
    return data


def checkout(client, quantities: dict[int, int | str], *, code: str = "", **extra):
    """Fill in the ball page and press "Continue to payment"."""
    page = "/ball" + (f"?code={code}" if code else "")
    if code:
        extra["code"] = code
    return submit(client, "/ball", ball_form(quantities, **extra), page=page)


def latest_order() -> Order:
    db.session.expire_all()
    return db.session.scalars(select(Order).order_by(Order.id.desc())).first()


def order_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def stand_in_path(response) -> str:
    location = response.headers["Location"]
    found = re.fullmatch(r"http://localhost(/ball/checkout/stand-in/cs_standin_[\w-]+)", location)
    assert found, location
    return found.group(1)


def post_event(client, event: dict, secret: str = WEBHOOK_SECRET):
    body, headers = signed(event, secret)
    return client.post("/ball/stripe/webhook", data=body, headers=headers)
