"""Buying tickets through the pages: the ball page, the stand-in checkout (no Stripe
keys), and Stripe Checkout played by the fake at its HTTP boundary."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import pytest

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.ticketing import availability
from brokerage.ticketing.gift_aid import declaration_text
from brokerage.ticketing.models import OrderStatus, StripeEvent
from tests.helpers import (
    emails_to,
    error_summary,
    field_errors,
    link_in,
    page_text,
    python_says,
    submit,
)
from tests.test_security import inline_code
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import (
    checkout,
    latest_order,
    order_count,
    post_event,
    stand_in_path,
)
from tests.ticketing.fake_stripe import event


def confirmations(address: str = "ada@example.org") -> list:
    return [e for e in emails_to(address) if e.template == "ball_confirmation"]


# --- The whole journey, offline -------------------------------------------------------------


def test_buying_through_the_stand_in_from_the_ball_page_to_the_tickets(client):
    ball = ticketing_make.ball(capacity=100)
    single, table, _ = ball.ticket_types

    page = client.get("/ball")
    assert page.status_code == 200
    text = page_text(page)
    assert "Digital Charity Ball 2027" in text
    assert "Single seat" in text and "£95 each" in text and "100 left" in text
    assert "Table of 10" in text and "£900 for 10 guests" in text
    assert "dinner included" in text
    assert "Sponsor package" not in text  # hidden without its code

    response = checkout(
        client,
        {single.id: 2, table.id: 1},
        donation="25",
        gift_aid="y",
        gift_aid_title="Dr",
        gift_aid_first_name=" Ada ",
        gift_aid_last_name="Lovelace-Byron",
        gift_aid_house="1",
        gift_aid_address="Park Row, Leeds",
        gift_aid_postcode="ls15ab",
    )
    assert response.status_code == 303
    stand_in = stand_in_path(response)
    order = latest_order()
    assert order.status is OrderStatus.PENDING
    assert order.total_pence == 2 * 9_500 + 90_000 + 2_500
    assert order.gift_aid and order.gift_aid_postcode == "LS1 5AB"
    assert (order.gift_aid_title, order.gift_aid_first_name, order.gift_aid_last_name) == (
        "Dr",
        "Ada",
        "Lovelace-Byron",
    )
    assert (order.gift_aid_house, order.gift_aid_address) == ("1", "Park Row, Leeds")
    # The declaration as the buyer saw it beside the box, and when they made it.
    assert order.gift_aid_declaration == declaration_text("Digital Inclusion Leeds")
    assert order.gift_aid_declaration in text
    assert abs(order.gift_aid_declared_at - order.created_at) < timedelta(seconds=5)
    assert availability.seats_taken(ball) == 12
    # The hold and the session end together, at least 30 minutes away.
    assert order.hold_expires_at - utcnow() > timedelta(minutes=30)
    assert "Single seat" in page_text(client.get("/ball")) and "88 left" in page_text(
        client.get("/ball")
    )

    # The stand-in shows the order and pays it with a signed webhook.
    page = client.get(stand_in)
    assert page.status_code == 200
    assert "No card is asked for and no money is taken" in page_text(page)
    assert "Pay £1,115 (test)" in page_text(page)
    response = submit(client, stand_in, {"pay": "y"})
    assert response.status_code == 303
    returned = response.headers["Location"]
    assert returned == f"/ball/orders/{order.token}/paid?session_id={order.stripe_session_id}"
    assert db.session.query(StripeEvent).count() == 1

    page = client.get(returned)
    assert "Payment received" in page_text(page)
    order = latest_order()
    assert order.status is OrderStatus.PAID
    assert order.stripe_payment_intent_id.startswith("pi_standin_")
    assert len(order.tickets) == 12
    # Twelve seats sold: a table counts its ten seats once.
    assert availability.seats_taken(ball) == 12
    assert "88 left" in page_text(client.get("/ball"))

    # One email, with the order page's link and every seat's code.
    [email] = confirmations()
    assert link_in(email) == f"/ball/orders/{order.token}"
    for ticket in order.tickets:
        assert re.sub(r"\s", "", ticket.code) in email.body_text.replace(" ", "")
    # Each seat's QR code is an image sent with the email (most email programs show
    # no inline SVG).
    assert email.body_html.count('<img src="cid:ticket-') == 12
    assert len(json.loads(email.qr_images)) == 12

    # Paying twice (a second click) changes nothing.
    assert client.get(stand_in).status_code == 303
    assert len(confirmations()) == 1

    page = client.get(f"/ball/orders/{order.token}")
    assert page.status_code == 200
    assert page.get_data(as_text=True).count('<svg role="img"') == 12


def test_cancelling_at_the_stand_in_releases_the_seats(client):
    ball = ticketing_make.ball(capacity=20)
    stand_in = stand_in_path(checkout(client, {ball.ticket_types[0].id: 3}))
    assert availability.seats_taken(ball) == 3

    response = submit(client, stand_in, {"cancel": "y"})
    assert response.status_code == 303
    order = latest_order()
    assert response.headers["Location"] == f"/ball/orders/{order.token}/cancelled"
    assert order.status is OrderStatus.EXPIRED
    assert availability.seats_taken(ball) == 0
    page = client.get(response.headers["Location"])
    assert "Payment cancelled" in page_text(page)
    assert "Nothing was charged" in page_text(page)
    # Nothing can be paid after that.
    assert "This checkout has expired" in page_text(client.get(stand_in))
    assert submit(client, stand_in, {"pay": "y"}, page="/ball").status_code == 409
    assert latest_order().tickets == []


def test_seats_given_up_at_the_checkout_go_to_the_waiting_list_at_once(client):
    ball = ticketing_make.ball(capacity=3)
    stand_in = stand_in_path(checkout(client, {ball.ticket_types[0].id: 3}))
    ticketing_make.waiting_entry(ball.ticket_types[0], "Wes Wait", "wes@example.org", 3)
    db.session.commit()
    submit(client, stand_in, {"cancel": "y"})
    offers = [e for e in emails_to("wes@example.org") if e.template == "ball_waiting_offer"]
    assert len(offers) == 1
    assert "We are holding 3 of Single seat for you" in offers[0].body_text
    assert availability.seats_taken(ball) == 3  # held for Wes now


def test_the_stand_in_will_not_take_payment_once_the_hold_has_run_out(client):
    ball = ticketing_make.ball(capacity=20)
    stand_in = stand_in_path(checkout(client, {ball.ticket_types[0].id: 1}))
    order = latest_order()
    order.hold_expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    page = client.get(stand_in)
    assert "This checkout has expired" in page_text(page)
    assert "Pay £" not in page_text(page)
    assert submit(client, stand_in, {"pay": "y"}, page="/ball").status_code == 409
    assert latest_order().status is OrderStatus.PENDING
    assert confirmations() == []
    returned = client.get(f"/ball/orders/{order.token}/paid?session_id={order.stripe_session_id}")
    assert "Your order was not paid" in page_text(returned)


def test_the_stand_in_only_knows_its_own_sessions(client):
    ticketing_make.ball()
    assert client.get("/ball/checkout/stand-in/cs_standin_nothing").status_code == 404


def test_the_stand_in_refuses_to_run_in_production(app, client, monkeypatch):
    ball = ticketing_make.ball(capacity=20)
    stand_in = stand_in_path(checkout(client, {ball.ticket_types[0].id: 1}))
    monkeypatch.setitem(app.config, "APP_ENV", "production")

    page = client.get(stand_in)
    assert page.status_code == 403
    assert "The stand-in checkout does not run in production" in page_text(page)
    # Nor does a checkout start without Stripe keys: nothing is held.
    response = checkout(client, {ball.ticket_types[0].id: 1})
    assert response.status_code == 503
    assert "We could not start the payment" in error_summary(response)
    assert order_count() == 1
    assert availability.seats_taken(ball) == 1


PRODUCTION_SCRIPT = r"""
import json, os
from brokerage import create_app

app = create_app({
    "APP_ENV": "production",
    "SECRET_KEY": "k" * 64,
    "BASE_URL": "http://localhost",
    "SQLALCHEMY_DATABASE_URI": os.environ["DB_URL"],
})
client = app.test_client()
response = client.get("/ball/checkout/stand-in/cs_standin_anything")
print(json.dumps({
    "status": response.status_code,
    "refused": "does not run in production" in response.get_data(as_text=True),
}))
"""


def test_an_app_configured_for_production_has_no_stand_in(app):
    env = dict(os.environ, DB_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    for name in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "APP_ENV"):
        env.pop(name, None)
    assert python_says(PRODUCTION_SCRIPT, env) == {"status": 403, "refused": True}


# --- With Stripe (the fake at its HTTP boundary) ---------------------------------------------


def test_checkout_prices_come_from_the_database_and_the_session_ends_with_the_hold(
    client, fake_stripe
):
    ball = ticketing_make.ball(capacity=100)
    single, table, _ = ball.ticket_types
    # Whatever else the browser sends, the prices are the server's.
    response = checkout(
        client,
        {single.id: 2, table.id: 1},
        donation="10.50",
        price="1",
        unit_amount="1",
        amount_total="1",
    )
    assert response.status_code == 303
    order = latest_order()
    created = fake_stripe.last("/v1/checkout/sessions")
    assert (
        response.headers["Location"]
        == f"https://checkout.stripe.test/c/pay/{order.stripe_session_id}"
    )
    assert created.method == "POST"
    assert created.idempotency_key == f"checkout-order-{order.id}-attempt-1"
    params = created.params
    assert params["mode"] == "payment"
    assert [
        (i["price_data"]["product_data"]["name"], i["price_data"]["unit_amount"], i["quantity"])
        for i in params["line_items"]
    ] == [("Single seat", "9500", "2"), ("Table of 10", "90000", "1"), ("Donation", "1050", "1")]
    assert {i["price_data"]["currency"] for i in params["line_items"]} == {"gbp"}
    assert params["client_reference_id"] == str(order.id)
    assert params["metadata"] == {"order_id": str(order.id)}
    assert params["customer_email"] == "ada@example.org"
    # The session expires with the hold, to the second, and Stripe's 30 minutes are met.
    assert int(params["expires_at"]) == order.hold_expires_at.timestamp()
    assert (
        int(params["expires_at"]) - fake_stripe.sessions[order.stripe_session_id]["created"]
        >= 30 * 60
    )
    assert params["success_url"] == (
        f"http://localhost/ball/orders/{order.token}/paid?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert params["cancel_url"] == f"http://localhost/ball/orders/{order.token}/cancelled"
    # There is no stand-in once Stripe's keys are set.
    assert client.get(f"/ball/checkout/stand-in/{order.stripe_session_id}").status_code == 404


def test_the_return_page_fulfils_before_the_webhook_and_the_webhook_changes_nothing(
    client, fake_stripe
):
    ball = ticketing_make.ball(capacity=100)
    checkout(client, {ball.ticket_types[0].id: 2})
    order = latest_order()
    returned = f"/ball/orders/{order.token}/paid?session_id={order.stripe_session_id}"

    # Back from Stripe before paying (or before Stripe has finished): waiting.
    assert "waiting for your payment" in page_text(client.get(returned))
    assert latest_order().status is OrderStatus.PENDING

    paid_session = fake_stripe.pay(order.stripe_session_id)
    page = client.get(returned)
    assert "Payment received" in page_text(page)
    assert fake_stripe.last(f"/v1/checkout/sessions/{order.stripe_session_id}").method == "GET"
    order = latest_order()
    assert order.status is OrderStatus.PAID
    assert order.stripe_payment_intent_id == paid_session["payment_intent"]
    assert len(order.tickets) == 2
    assert len(confirmations()) == 1

    # Stripe's webhook arrives afterwards: nothing more happens.
    assert post_event(client, event("checkout.session.completed", paid_session)).status_code == 200
    client.get(returned)
    assert len(latest_order().tickets) == 2
    assert len(confirmations()) == 1


def test_a_return_with_another_orders_session_fulfils_nothing(client, fake_stripe):
    ball = ticketing_make.ball(capacity=100)
    checkout(client, {ball.ticket_types[0].id: 1})
    first = latest_order()
    checkout(client, {ball.ticket_types[0].id: 1}, buyer_email="bo@example.org")
    second = latest_order()
    fake_stripe.pay(second.stripe_session_id)

    page = client.get(f"/ball/orders/{first.token}/paid?session_id={second.stripe_session_id}")
    assert "waiting for your payment" in page_text(page)
    assert latest_order().status is OrderStatus.PENDING


def test_when_stripe_fails_nothing_is_held(client, fake_stripe):
    ball = ticketing_make.ball(capacity=100)
    fake_stripe.fail_next = 500
    response = checkout(client, {ball.ticket_types[0].id: 2})
    assert response.status_code == 503
    assert "Nothing was charged and no seats are held" in error_summary(response)
    assert order_count() == 0
    assert availability.seats_taken(ball) == 0


def test_cancelling_at_stripe_releases_the_seats(client, fake_stripe):
    ball = ticketing_make.ball(capacity=100)
    checkout(client, {ball.ticket_types[1].id: 1})
    assert availability.seats_taken(ball) == 10
    order = latest_order()
    page = client.get(f"/ball/orders/{order.token}/cancelled")
    assert "Payment cancelled" in page_text(page)
    assert availability.seats_taken(ball) == 0
    assert latest_order().status is OrderStatus.EXPIRED
    # ... and the Checkout session is closed, so it cannot be paid later.
    call = fake_stripe.last(f"/v1/checkout/sessions/{order.stripe_session_id}/expire")
    assert call.idempotency_key == f"expire-order-{order.id}-attempt-1"
    assert fake_stripe.sessions[order.stripe_session_id]["status"] == "expired"
    # Coming back to the page asks Stripe nothing more.
    client.get(f"/ball/orders/{order.token}/cancelled")
    assert len([c for c in fake_stripe.calls if c.path.endswith("/expire")]) == 1


def test_cancelling_when_stripe_cannot_be_asked_still_releases_the_seats(client, fake_stripe):
    ball = ticketing_make.ball(capacity=100)
    checkout(client, {ball.ticket_types[0].id: 2})
    order = latest_order()
    fake_stripe.fail_next = 500
    page = client.get(f"/ball/orders/{order.token}/cancelled")
    assert page.status_code == 200 and "Payment cancelled" in page_text(page)
    assert fake_stripe.calls[-1].path.endswith("/expire")
    assert fake_stripe.sessions[order.stripe_session_id]["status"] == "open"
    assert availability.seats_taken(ball) == 0
    assert latest_order().status is OrderStatus.EXPIRED


def test_cancelling_after_paying_in_another_tab_keeps_the_payment(client, fake_stripe):
    """Stripe will not close a paid session; its payment is decided as a late one."""
    ball = ticketing_make.ball(capacity=100)
    checkout(client, {ball.ticket_types[0].id: 2})
    order = latest_order()
    paid = fake_stripe.pay(order.stripe_session_id)
    page = client.get(f"/ball/orders/{order.token}/cancelled")
    assert page.status_code == 200
    assert latest_order().status is OrderStatus.EXPIRED
    assert post_event(client, event("checkout.session.completed", paid)).status_code == 200
    order = latest_order()
    assert order.status is OrderStatus.PAID and len(order.tickets) == 2
    assert "Paid after the seats' hold expired" in order.note


# --- Hidden packages, sold out, not on sale -------------------------------------------------


def test_a_sponsor_code_shows_the_sponsor_packages(client):
    ball = ticketing_make.ball(capacity=100)
    sponsor = ball.ticket_types[2]
    wrong = client.get("/ball?code=NOPE")
    assert "No tickets match the code “NOPE”" in page_text(wrong)
    assert "Sponsor package" not in page_text(wrong)

    page = client.get("/ball?code=sponsor27")
    assert "Sponsor package" in page_text(page)
    assert "£2,500 for 10 guests" in page_text(page)
    response = checkout(client, {sponsor.id: 1}, code="sponsor27")
    assert response.status_code == 303
    assert latest_order().seats == 10


def test_a_sponsor_package_cannot_be_bought_without_its_code(client):
    ball = ticketing_make.ball(capacity=100)
    single, _, sponsor = ball.ticket_types
    response = checkout(client, {single.id: 1, sponsor.id: 1})
    # The form knows nothing of the package: only the single seat is asked for.
    assert response.status_code == 303
    assert latest_order().seats == 1


def test_sold_out_and_not_yet_on_sale_types_say_so(client):
    ball = ticketing_make.ball(capacity=12)
    single, table, _ = ball.ticket_types
    table.on_sale_from = utcnow() + timedelta(days=2)
    db.session.commit()
    checkout(client, {single.id: 10})
    text = page_text(client.get("/ball"))
    assert "2 left" in text
    assert "Table of 10" in text and "On sale from" in text
    checkout(client, {single.id: 2}, buyer_email="bo@example.org")
    text = page_text(client.get("/ball"))
    assert "All the tickets are sold out" in text
    assert "Sold out" in text


def test_without_a_ball_the_page_says_so(client):
    page = client.get("/ball")
    assert page.status_code == 200
    assert "There is no ball on sale at the moment" in page_text(page)


def test_the_next_ball_is_the_one_on_sale(client):
    past = ticketing_make.ball(starts_at=utcnow() - timedelta(days=30), name="Last year's ball")
    later = ticketing_make.ball(
        starts_at=utcnow() + timedelta(days=400), name="The ball after next"
    )
    ticketing_make.ball(name="This year's ball")
    text = page_text(client.get("/ball"))
    assert "This year's ball" in text
    assert past.name not in text and later.name not in text


def test_sales_closed(client):
    ticketing_make.ball(sales_close_at=utcnow() - timedelta(minutes=1))
    page = client.get("/ball")
    assert "Ticket sales have closed" in page_text(page)
    assert "Continue to payment" not in page_text(page)


# --- Bad input: a message beside the field, in the summary, and nothing held -----------------


def _bad_cases(single, table):
    return {
        "no tickets": ({}, {}, {"tickets": "Choose at least one ticket"}),
        "zeros": ({single: "0", table: ""}, {}, {"tickets": "Choose at least one ticket"}),
        "too many": (
            {single: "11"},
            {},
            {f"quantity_{single}": "You can buy up to 10 of Single seat at once"},
        ),
        "negative": ({single: "-1"}, {}, {f"quantity_{single}": "Single seat: enter 0 or more"}),
        "garbage": (
            {single: "two", table: "1.5"},
            {},
            {
                f"quantity_{single}": "Single seat: enter a whole number, like 2",
                f"quantity_{table}": "Table of 10: enter a whole number, like 2",
            },
        ),
        "more than the ball holds": (
            {table: "2", single: "3"},
            {},
            {"tickets": "Only 22 seats are left"},
        ),
        "bad email": (
            {single: "1"},
            {"buyer_email": "ada@"},
            {"buyer_email": "Enter an email address in the correct format, like name@example.com"},
        ),
        "no name or email": (
            {single: "1"},
            {"buyer_name": " ", "buyer_email": ""},
            {
                "buyer_name": "Enter your full name",
                "buyer_email": "Enter your email address, so we can send your tickets",
            },
        ),
        "gift aid without a declaration": (
            {single: "1"},
            {"donation": "20", "gift_aid": "y"},
            {
                "gift_aid_first_name": "Enter your first name for Gift Aid",
                "gift_aid_last_name": "Enter your last name for Gift Aid",
                "gift_aid_house": "Enter your house name or number for Gift Aid",
                "gift_aid_address": "Enter your street and town for Gift Aid",
                "gift_aid_postcode": "Enter your postcode for Gift Aid",
            },
        ),
        "gift aid with a bad postcode": (
            {single: "1"},
            {"donation": "20", "gift_aid": "y", **GIFT_AID, "gift_aid_postcode": "LS1"},
            {"gift_aid_postcode": "Enter a real postcode, like LS1 1PJ"},
        ),
        "gift aid without a donation": (
            {single: "1"},
            {"gift_aid": "y", **GIFT_AID},
            {"gift_aid": "Gift Aid is for a donation: enter one, or untick Gift Aid"},
        ),
        "gift aid title too long": (
            {single: "1"},
            {"donation": "20", "gift_aid": "y", **GIFT_AID, "gift_aid_title": "Professor"},
            {"gift_aid_title": "Title must be 4 characters or fewer, like Mrs or Prof"},
        ),
        "gift aid title not a title": (
            {single: "1"},
            {"donation": "20", "gift_aid": "y", **GIFT_AID, "gift_aid_title": "M1"},
            {"gift_aid_title": "Title must be letters only, like Dr"},
        ),
        "gift aid names too long or not names": (
            {single: "1"},
            {
                "donation": "20",
                "gift_aid": "y",
                **GIFT_AID,
                "gift_aid_first_name": "A" * 36,
                "gift_aid_last_name": "<script>",
                "gift_aid_house": "9" * 41,
                "gift_aid_address": "x" * 501,
            },
            {
                "gift_aid_first_name": "First name must be 35 characters or fewer",
                "gift_aid_last_name": "Last name must be letters, with any spaces, hyphens "
                "or apostrophes",
                "gift_aid_house": "House name or number must be 40 characters or fewer",
                "gift_aid_address": "Street and town must be 500 characters or fewer",
            },
        ),
        "gift aid name of digits": (
            {single: "1"},
            {"donation": "20", "gift_aid": "y", **GIFT_AID, "gift_aid_first_name": "123"},
            {
                "gift_aid_first_name": "First name must be letters, with any spaces, hyphens "
                "or apostrophes"
            },
        ),
        "donation garbage": (
            {single: "1"},
            {"donation": "lots"},
            {"donation": "Enter the donation in pounds, like 25 or 25.50"},
        ),
        "negative donation": (
            {single: "1"},
            {"donation": "-5"},
            {"donation": "Enter the donation in pounds, like 25 or 25.50"},
        ),
        "huge donation": (
            {single: "1"},
            {"donation": "100000.01"},
            {"donation": "Enter a donation of £100,000 or less"},
        ),
    }


# A whole Gift Aid declaration, as the buyer types it.
GIFT_AID = {
    "gift_aid_first_name": "Ada",
    "gift_aid_last_name": "Buyer",
    "gift_aid_house": "1",
    "gift_aid_address": "Park Row, Leeds",
    "gift_aid_postcode": "LS1 5AB",
}

BAD_CASES = list(_bad_cases(0, 0))


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_input_is_shown_beside_its_field_and_holds_nothing(client, case):
    ball = ticketing_make.ball(capacity=22)
    single, table, _ = (t.id for t in ball.ticket_types)
    quantities, extra, expected = _bad_cases(single, table)[case]

    response = checkout(client, quantities, **extra)
    assert response.status_code == 400
    assert field_errors(response) == expected
    summary = error_summary(response)
    for message in expected.values():
        assert message in summary
    assert order_count() == 0
    assert availability.seats_taken(ball) == 0


def test_forms_sent_back_for_mistakes_do_not_use_up_the_checkout_limit(client):
    """An office buying tables behind one shared address on launch day: typos cost
    nothing but a message."""
    ball = ticketing_make.ball(capacity=100)
    statuses = [checkout(client, {ball.ticket_types[0].id: "x"}).status_code for _ in range(25)]
    assert statuses == [400] * 25
    assert checkout(client, {ball.ticket_types[0].id: 1}).status_code == 303


def test_holds_are_limited_per_buyer_email(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKOUT_EMAIL", "2 per minute")
    ball = ticketing_make.ball(capacity=100)
    single = ball.ticket_types[0].id
    assert [checkout(client, {single: 1}).status_code for _ in range(3)] == [303, 303, 429]
    # Another buyer from the same address is not held up by the first.
    assert checkout(client, {single: 1}, buyer_email="bo@example.org").status_code == 303
    assert order_count() == 3


def test_holds_are_limited_per_visitor(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKOUT", "3 per minute")
    ball = ticketing_make.ball(capacity=100)
    single = ball.ticket_types[0].id
    statuses = [
        checkout(client, {single: 1}, buyer_email=f"buyer{i}@example.org").status_code
        for i in range(4)
    ]
    assert statuses == [303, 303, 303, 429]
    assert order_count() == 3
    # Looking at the page is not limited.
    assert client.get("/ball").status_code == 200


def test_hammering_the_checkout_form_is_still_refused(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_CHECKOUT_ATTEMPTS", "5 per minute")
    ball = ticketing_make.ball(capacity=100)
    statuses = [checkout(client, {ball.ticket_types[0].id: "x"}).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]


def test_no_page_of_the_journey_has_inline_script_or_style(client):
    ball = ticketing_make.ball(capacity=100)
    single = ball.ticket_types[0]
    pages = [client.get("/ball"), client.get("/ball?code=SPONSOR27"), checkout(client, {})]
    stand_in = stand_in_path(checkout(client, {single.id: 2}))
    pages.append(client.get(stand_in))
    returned = submit(client, stand_in, {"pay": "y"}).headers["Location"]
    order = latest_order()
    pages += [client.get(returned), client.get(f"/ball/orders/{order.token}")]
    pages.append(
        submit(client, f"/ball/orders/{order.token}", {f"guest_{order.tickets[0].id}": "x" * 200})
    )
    pages.append(client.get(f"/ball/orders/{order.token}/cancelled"))
    for page in pages:
        assert page.status_code in (200, 400), page.request.path
        assert inline_code(page.get_data(as_text=True)) == [], page.request.path


def test_a_form_sent_back_shows_what_is_left_counted_after_the_buyers_own_try(client):
    # A POST reads the types without counting them (the hold counts under the lock): a
    # page shown again for a mistake counts them then.
    ball = ticketing_make.ball(capacity=30)
    single, table, _ = ball.ticket_types
    checkout(client, {table.id: 1})  # ten seats held: 20 left
    response = checkout(client, {single.id: 2}, buyer_name="")
    assert response.status_code == 400
    text = page_text(response)
    assert "Enter your full name" in text
    assert "20 left; up to 10 in one order" in text  # single seats
    assert f"2 left; up to {table.per_order_limit} in one order" in text  # tables of 10
