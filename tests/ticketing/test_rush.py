"""What keeps a ticket rush quick: the ball page shared for a moment between visitors
who are not signed in, and the few statements each step of a purchase sends."""

from __future__ import annotations

import re
import time

import pytest

from brokerage.extensions import db
from brokerage.ticketing import availability, views
from brokerage.ticketing.models import OrderStatus
from tests.helpers import counted_statements, page_text
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import ball_form, buy, latest_order, order_count, stand_in_path

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token_on(response) -> str:
    found = TOKEN.search(response.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


def hold_one(client, single_id: int, token: str, email: str):
    data = ball_form({single_id: 1}, buyer_email=email)
    data["csrf_token"] = token
    return client.post("/ball", data=data)


@pytest.fixture
def shared_for(app, monkeypatch):
    def set_seconds(seconds: int) -> None:
        monkeypatch.setitem(app.config, "BALL_PAGE_CACHE_SECONDS", seconds)
        app.extensions.pop("ball_page", None)

    yield set_seconds
    app.extensions.pop("ball_page", None)


def test_tests_see_the_ball_page_afresh_by_default(app):
    assert app.config["BALL_PAGE_CACHE_SECONDS"] == 0


def test_the_ball_page_is_shared_between_visitors_each_with_their_own_working_token(
    app, shared_for
):
    shared_for(60)
    ball = ticketing_make.ball(capacity=100)
    single = ball.ticket_types[0]
    first, second = app.test_client(), app.test_client()

    page = first.get("/ball")
    assert "100 left" in page_text(page)
    with counted_statements() as statements:
        again = second.get("/ball")
    assert again.status_code == 200
    assert statements == []  # served as it was drawn for the first visitor
    assert "100 left" in page_text(again)
    assert again.headers["Content-Security-Policy"]  # the usual headers still apply

    # Each visitor's form carries their own token, and each token works.
    assert token_on(page) != token_on(again)
    assert hold_one(second, single.id, token_on(again), "second@example.org").status_code == 303
    assert hold_one(first, single.id, token_on(page), "first@example.org").status_code == 303
    assert availability.seats_taken(ball) == 2


def test_what_the_shared_page_says_is_at_most_that_many_seconds_old(app, shared_for, monkeypatch):
    shared_for(10)
    ball = ticketing_make.ball(capacity=100)
    single = ball.ticket_types[0]
    client = app.test_client()
    page = client.get("/ball")
    assert hold_one(client, single.id, token_on(page), "ada@example.org").status_code == 303

    assert "100 left" in page_text(app.test_client().get("/ball"))  # as drawn
    later = time.monotonic() + 10
    monkeypatch.setattr(views, "monotonic", lambda: later)
    assert "99 left" in page_text(app.test_client().get("/ball"))


def test_signed_in_visitors_codes_and_messages_are_never_shared(
    app, client, login, make, shared_for
):
    shared_for(60)
    ball = ticketing_make.ball(capacity=100)
    sponsor = ball.ticket_types[2]
    app.test_client().get("/ball")  # the shared page is drawn

    login(make.user(email="member@example.org"))
    mine = client.get("/ball").get_data(as_text=True)
    assert ">Your account<" in mine and ">Sign in<" not in mine

    with_code = page_text(app.test_client().get(f"/ball?code={sponsor.access_code}"))
    assert "Sponsor package" in with_code

    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Your guest details are saved.")]
    assert "Your guest details are saved." in page_text(visitor.get("/ball"))


def test_a_failed_hold_is_never_shared(app, shared_for):
    shared_for(60)
    ball = ticketing_make.ball(capacity=100)
    single = ball.ticket_types[0]
    client = app.test_client()
    page = client.get("/ball")
    data = ball_form({single.id: 1}, buyer_email="not an address")
    data["csrf_token"] = token_on(page)
    assert client.post("/ball", data=data).status_code == 400
    assert "Enter an email address" not in page_text(app.test_client().get("/ball"))


# --- Statements per step --------------------------------------------------------------------


def test_each_step_of_a_purchase_sends_a_handful_of_statements(app, client):
    """The steps of the ticket rush (bench/ticket_rush.py) and the statements each may
    send: a hold is decided in two statements under the ball's lock, and no page reads
    an order's lines, tickets or ball one by one. (Rows inserted together are one
    statement on PostgreSQL and may be one each on SQLite: they are left out.)"""
    ball = ticketing_make.ball(capacity=100)
    single, table, _ = ball.ticket_types
    db.session.commit()

    def step(call, *args, **kwargs):
        with counted_statements() as statements:
            response = call(*args, **kwargs)
        many = ("INSERT INTO ticket_order_line ", "INSERT INTO ticket ")
        return response, len([s for s in statements if not s.startswith(many)])

    page, sent = step(client.get, "/ball")
    assert page.status_code == 200 and sent == 1  # the ball, its types, what is taken
    data = ball_form({single.id: 2, table.id: 1})
    data["csrf_token"] = token_on(page)
    held, sent = step(client.post, "/ball", data=data)
    assert held.status_code == 303
    # the ball with its types counted, the order; under the lock: the lock, the types
    # counted again; after it, the Checkout session
    assert sent == 5
    stand_in = stand_in_path(held)
    checkout, sent = step(client.get, stand_in)
    assert checkout.status_code == 200 and sent <= 1
    paid, sent = step(client.post, stand_in, data={"csrf_token": token_on(checkout), "pay": "y"})
    assert paid.status_code == 303
    # the order, the event's id, paid, the email: the webhook's code takes the order the
    # page loaded rather than reading it again
    assert sent == 4
    landing, sent = step(client.get, paid.headers["Location"])
    assert "Payment received" in page_text(landing) and sent <= 1
    order = latest_order()
    assert order.status is OrderStatus.PAID and len(order.tickets) == 12
    page, sent = step(client.get, f"/ball/orders/{order.token}")
    assert page.get_data(as_text=True).count('<svg role="img"') == 12
    assert sent <= 1  # the order with its ball, lines and tickets, joined


def test_a_buyer_too_late_for_the_last_seat_is_told_in_one_statement_and_nothing_is_written(
    app, client
):
    """In a rush most buyers find the seats gone: the count the ball page reads refuses
    them before an order is written or the ball's lock waited for."""
    ball = ticketing_make.ball(capacity=4)
    single = ball.ticket_types[0]
    page = client.get("/ball")  # seen while seats were left
    assert "4 left" in page_text(page)
    other = app.test_client()
    assert hold_one(other, single.id, token_on(other.get("/ball")), "b@x.org").status_code == 303
    orders_before = order_count()

    data = ball_form({single.id: 4}, buyer_email="late@example.org")
    data["csrf_token"] = token_on(page)
    with counted_statements() as statements:
        refused = client.post("/ball", data=data)
    assert refused.status_code == 400
    assert len(statements) == 1  # the ball, its types and what is taken: nothing else
    text = page_text(refused)
    assert "Only 3 of Single seat left" in text
    assert "3 left" in text  # the page counted as the refusal was
    assert order_count() == orders_before
    assert availability.seats_taken(ball) == 1


def test_a_sold_out_ball_refuses_a_buyer_whose_page_still_showed_seats(app, client):
    ball = ticketing_make.ball(capacity=3)
    single = ball.ticket_types[0]
    page = client.get("/ball")
    buy(ball, {single.id: 3}, email="first@example.org")

    single_id, token = single.id, token_on(page)
    with counted_statements() as statements:
        refused = hold_one(client, single_id, token, "late@example.org")
    assert refused.status_code == 400
    text = page_text(refused)
    # Told at the top that they were too late, shown the sold-out page with the waiting
    # list, and not given back a form that can only be refused again.
    assert text.startswith("Important The last tickets went while you were choosing.")
    assert "No seats are held for you and nothing was charged." in text
    assert "All the tickets are sold out." in text
    assert f'href="/ball/waiting-list/{single_id}"' in refused.get_data(as_text=True)
    assert "Continue to payment" not in text and 'name="buyer_email"' not in text
    assert len(statements) == 1  # the ball counted: no lock waited for, nothing written
    assert order_count() == 1  # theirs was never written


def test_a_buyer_too_late_is_told_so_whatever_else_is_wrong_with_their_form(app, client):
    """With nothing left to hold, a form's mistakes are beside the point: the buyer is
    told the tickets have gone, not asked to correct a form that cannot succeed."""
    ball = ticketing_make.ball(capacity=3)
    single = ball.ticket_types[0]
    page = client.get("/ball")
    buy(ball, {single.id: 3}, email="first@example.org")
    data = ball_form({single.id: "two"}, buyer_email="late@", buyer_name=" ")
    data["csrf_token"] = token_on(page)

    refused = client.post("/ball", data=data)
    assert refused.status_code == 400
    text = page_text(refused)
    assert "The last tickets went while you were choosing." in text
    assert "There is a problem" not in text and "enter a whole number" not in text
    assert order_count() == 1
