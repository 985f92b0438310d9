"""A buyer who lost the confirmation email gets back to their tickets: the public
"Find your tickets" page emails the links to the address's paid orders (and says the
same whether or not it has any), and the team sends an order's confirmation again,
correcting a mistyped address on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import utcnow
from brokerage.errors import NotAllowed
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from brokerage.ticketing import checkout, models, orders, refunds
from brokerage.ticketing.models import BallChange, OrderStatus
from tests.helpers import emails_to, field_errors, flashes, link_in, page_text, submit
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

FIND = "/ball/find-your-tickets"


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail))


def links_sent_to(address: str) -> list[OutboxEmail]:
    return [e for e in emails_to(address) if e.template == "ball_order_links"]


def test_the_ball_page_points_to_find_your_tickets(client):
    ticketing_make.ball()
    page = client.get("/ball")
    assert "Already bought tickets?" in page_text(page)
    assert f'href="{FIND}"' in page.get_data(as_text=True)


def test_a_buyer_gets_links_to_each_paid_order_and_opens_one(client):
    ball = ticketing_make.ball()
    single, table, _ = ball.ticket_types
    first = buy(ball, {single.id: 2})
    second = buy(ball, {table.id: 1})
    buy(ball, {single.id: 1}, email="someone.else@example.org")

    # Typed in other letter cases, with spaces: the same address.
    response = submit(client, FIND, {"email": "  ADA@example.ORG "})
    assert response.status_code == 200
    assert "Check your email" in page_text(response)

    [email] = links_sent_to("ada@example.org")
    assert email.subject == f"Links to your tickets for {ball.name}"
    assert f"/ball/orders/{first.token}" in email.body_text
    assert f"/ball/orders/{second.token}" in email.body_text
    assert "2 seats ordered on" in email.body_text and "10 seats ordered on" in email.body_text
    assert "someone.else" not in email.body_text
    order_page = client.get(link_in(email))
    assert order_page.status_code == 200
    assert "Ticket code" in page_text(order_page)


def test_the_answer_is_the_same_whether_or_not_the_address_bought_anything(client):
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1})
    before = outbox_count()

    known = submit(client, FIND, {"email": "ada@example.org"})
    unknown = submit(client, FIND, {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_text(known).replace("ada@", "X@") == page_text(unknown).replace("nobody@", "X@")
    assert outbox_count() == before + 1  # only the buyer's


def test_unpaid_and_refunded_orders_are_not_sent(app, team):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    refunded = buy(ball, {single.id: 1})
    refunds.refund_tickets(refunded, [refunded.tickets[0].id], team, "Cannot come", 9_500)
    pending = checkout.hold(ball, checkout.Basket({single.id: 1}, "Ada Buyer", "ada@example.org"))
    db.session.commit()
    assert refunded.status is OrderStatus.REFUNDED and pending.status is OrderStatus.PENDING
    with app.test_request_context():
        assert orders.send_order_links("ada@example.org") == 0
    assert links_sent_to("ada@example.org") == []


def test_orders_are_found_until_the_morning_after_the_ball(app):
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1})
    with app.test_request_context():
        later = ball.starts_at + timedelta(hours=13)
        assert orders.send_order_links("ada@example.org", later) == 0
        on_the_night = ball.starts_at + timedelta(hours=3)
        assert orders.send_order_links("ada@example.org", on_the_night) == 1


def test_one_email_of_links_per_address_every_ten_minutes(app):
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1})
    now = utcnow()
    with app.test_request_context():
        assert orders.send_order_links("ada@example.org", now) == 1
        db.session.commit()
        assert orders.send_order_links("ADA@example.org", now + timedelta(minutes=9)) == 0
        db.session.commit()
        assert len(links_sent_to("ada@example.org")) == 1
        assert orders.send_order_links("ada@example.org", now + timedelta(minutes=11)) == 1
        db.session.commit()
    assert len(links_sent_to("ada@example.org")) == 2


def test_bad_addresses_are_explained_beside_the_field_and_send_nothing(client):
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1})
    before = outbox_count()
    for typed, message in [
        ("", "Enter the email address you bought the tickets with"),
        ("ada.example.org", "Enter an email address in the correct format, like name@example.com"),
        ("a" * 250 + "@example.org", "Email address must be 254 characters or fewer"),
    ]:
        response = submit(client, FIND, {"email": typed})
        assert response.status_code == 400
        assert field_errors(response) == {"email": message}
    assert outbox_count() == before


def test_the_team_sends_the_confirmation_again_without_refunded_seats(client, team):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2})
    kept, refunded = order.tickets
    refunds.refund_tickets(order, [refunded.id], team, "Cannot come", 9_500)
    db.session.commit()
    order_url = f"/team/ball/{ball.id}/orders/{order.id}"

    page = client.get(order_url)
    assert 'value="ada@example.org"' in page.get_data(as_text=True)  # the Send to box
    response = submit(client, f"{order_url}/resend", {"email": "ada@example.org"}, page=order_url)
    assert response.headers["Location"] == order_url
    assert "The confirmation is on its way to ada@example.org." in flashes(client.get(order_url))

    first, again = [e for e in emails_to("ada@example.org") if e.template == "ball_confirmation"]
    assert "sending you this email again" in again.body_text
    assert "sending you this email again" not in first.body_text
    assert models.normalise_code(kept.code) in again.body_text.replace(" ", "")
    assert models.normalise_code(refunded.code) not in again.body_text.replace(" ", "")
    [change] = db.session.scalars(select(BallChange).where(BallChange.ball_id == ball.id))
    assert (change.what, change.changes) == (
        f"Sent order #{order.id}'s confirmation again",
        "To ada@example.org",
    )
    assert change.actor_id == team.id


def test_the_team_corrects_a_mistyped_address_and_the_history_says_so(client, team):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 1}, email="ada@exmaple.org")
    order_url = f"/team/ball/{ball.id}/orders/{order.id}"

    submit(client, f"{order_url}/resend", {"email": " Ada@Example.org "}, page=order_url)
    assert "ada@example.org, now the order's email address." in flashes(client.get(order_url))
    assert order.buyer_email == "ada@example.org"
    [email] = [e for e in emails_to("ada@example.org") if e.template == "ball_confirmation"]
    assert f"/ball/orders/{order.token}" in email.body_text
    assert "Email: ada@exmaple.org → ada@example.org" in page_text(
        client.get(f"/team/ball/{ball.id}")
    )
    # The corrected address now finds the order for the buyer too.
    with client.application.test_request_context():
        assert orders.send_order_links("ada@example.org") == 1


def test_bad_resends_are_explained_and_change_nothing(client, team):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 1})
    order_url = f"/team/ball/{ball.id}/orders/{order.id}"
    before = outbox_count()

    response = submit(client, f"{order_url}/resend", {"email": "ada@"}, page=order_url)
    assert response.status_code == 400
    assert field_errors(response) == {
        "email": "Enter an email address in the correct format, like name@example.com"
    }
    assert "Order #" in page_text(response)  # the order's own page, with the error
    response = submit(client, f"{order_url}/resend", {"email": ""}, page=order_url)
    assert field_errors(response) == {"email": "Enter the email address to send it to"}

    refunds.refund_tickets(order, [order.tickets[0].id], team, "Cannot come", 9_500)
    db.session.commit()
    page = client.get(order_url)
    assert "Send the confirmation again" not in page_text(page)
    token_page = f"/team/ball/{ball.id}/orders"  # any team page's token will do
    response = submit(client, f"{order_url}/resend", {"email": "x@example.org"}, page=token_page)
    assert response.headers["Location"] == order_url
    assert "Only a paid order with valid tickets has a confirmation to send" in flashes(
        client.get(order_url)
    )
    assert order.buyer_email == "ada@example.org"
    assert outbox_count() == before + 1  # the refund's email only
    assert db.session.scalar(select(func.count()).select_from(BallChange)) == 0


def test_only_the_team_resends(make):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 1})
    with pytest.raises(NotAllowed):
        orders.resend_confirmation(order, "ada@example.org", make.user())


def test_asking_is_rate_limited_and_looking_is_not(client):
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1})
    statuses = [submit(client, FIND, {"email": "ada@example.org"}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    assert client.get(FIND).status_code == 200
    assert len(links_sent_to("ada@example.org")) == 1  # and one email, not five


def test_on_the_night_the_page_without_a_ball_still_finds_the_tickets(client, clock):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 1})
    clock(ball.starts_at + timedelta(hours=2))
    page = client.get("/ball")
    assert "There is no ball on sale at the moment" in page_text(page)
    assert f'href="{FIND}"' in page.get_data(as_text=True)
    submit(client, FIND, {"email": "ada@example.org"})
    [email] = links_sent_to("ada@example.org")
    assert f"/ball/orders/{order.token}" in email.body_text
