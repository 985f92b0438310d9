"""The ball's orders and guest list as CSV, through the shared helper: the search and
status kept, formulas neutralised, money as numbers, and a cost that does not grow."""

from __future__ import annotations

import pytest

from brokerage.extensions import db
from brokerage.ticketing import checkout
from brokerage.ticketing.models import Ball, Order
from tests.exports.reading import body, column, read_csv, refused, statements_for
from tests.ticketing import factories as ticketing_make


def buy(ball: Ball, seats: int = 1, *, name: str = "Ada Buyer", donation: int = 0) -> Order:
    """A paid order of single seats, through the hold and fulfilment the checkout uses."""
    order = checkout.hold(
        ball,
        checkout.Basket(
            quantities={ball.ticket_types[0].id: seats},
            buyer_name=name,
            buyer_email="buyer@example.org",
            donation_pence=donation,
        ),
    )
    order.stripe_session_id = f"cs_test_{order.id}"
    db.session.flush()
    checkout.fulfil(
        checkout.Payment(order.stripe_session_id, order.total_pence, "gbp", f"pi_{order.id}", True)
    )
    db.session.commit()
    return order


@pytest.mark.parametrize("csv", ["orders.csv", "guests.csv"])
def test_only_the_team_downloads_the_ball_lists(client, login, make, csv):
    ball = ticketing_make.ball()
    url = f"/team/ball/{ball.id}/{csv}"
    refused(client, login, make, url)
    login(make.team_member())
    assert client.get(url).status_code == 200


def test_orders_keep_the_status_and_money_is_a_number(client, login, make):
    ball = ticketing_make.ball()
    paid = buy(ball, 2, name="@Paid Person", donation=1_050)
    checkout.hold(
        ball,
        checkout.Basket({ball.ticket_types[0].id: 1}, "=Pending Person", "pen@example.org"),
    )
    db.session.commit()
    login(make.team_member())
    url = f"/team/ball/{ball.id}/orders.csv"

    rows = read_csv(client.get(url, query_string={"status": "paid"}))
    assert column(rows, "Buyer") == ["'@Paid Person"]
    pending = read_csv(client.get(url, query_string={"status": "pending"}))
    assert column(pending, "Buyer") == ["'=Pending Person"]
    line = body(client.get(url, query_string={"status": "paid"})).splitlines()[1]
    assert line.startswith(f"{paid.id},")
    assert ",2,190.00,10.50,No,0.00,No," in line


def test_the_downloads_cost_the_same_queries_for_2_or_20_orders(client, login, make):
    ball = ticketing_make.ball()
    login(make.team_member())
    for _ in range(2):
        buy(ball, 2)
    urls = [f"/team/ball/{ball.id}/orders.csv", f"/team/ball/{ball.id}/guests.csv"]
    with_2 = [statements_for(client, url) for url in urls]
    for _ in range(18):
        buy(ball, 2)
    assert [len(read_csv(client.get(url))) for url in urls] == [21, 41]
    assert [statements_for(client, url) for url in urls] == with_2
