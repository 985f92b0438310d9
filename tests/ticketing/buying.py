"""The buyer's steps through the real pages, and Stripe's webhook deliveries; `buy`, a
paid order made through the services, for tests about what comes after."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing.checkout import Basket, Payment, fulfil, hold
from brokerage.ticketing.models import Ball, Order
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


def declaration(name: str = "Ada Buyer", **changes) -> dict:
    """A Gift Aid declaration's part of a Basket: the buyer's own name (Ada Buyer when it
    is not a person's name, like "+Plus"), at 1 Park Row."""
    named = re.fullmatch(r"([A-Za-z]+) ([A-Za-z' -]+)", name)
    first, last = named.groups() if named else ("Ada", "Buyer")
    return {
        "gift_aid_first_name": first,
        "gift_aid_last_name": last,
        "gift_aid_house": "1",
        "gift_aid_address": "Park Row, Leeds",
        "gift_aid_postcode": "LS1 5AB",
        **changes,
    }


def buy(
    ball: Ball,
    quantities: dict[int, int],
    *,
    donation: int = 0,
    gift_aid: bool = False,
    name: str = "Ada Buyer",
    email: str = "ada@example.org",
    code: str | None = None,
    **declared,
) -> Order:
    """A paid order, through the hold and fulfilment the checkout uses; a Gift Aid
    declaration's fields may be changed through `declared` (gift_aid_house="Rose Cottage")."""
    order = hold(
        ball,
        Basket(
            quantities=quantities,
            buyer_name=name,
            buyer_email=email,
            donation_pence=donation,
            gift_aid=gift_aid,
            code=code,
            **(declaration(name, **declared) if gift_aid else {}),
        ),
    )
    order.stripe_session_id = f"cs_test_{order.id}"
    db.session.flush()
    fulfil(Payment(order.stripe_session_id, order.total_pence, "gbp", f"pi_test_{order.id}", True))
    db.session.commit()
    return order
