"""The sales window around the clock changes (the last Sundays of October and March,
Europe/London). Times are stored in UTC and shown in London's time: 1:30am happens twice
on 25 October 2026 and not at all on 28 March 2027, so on those days the page says
which (GMT or BST), and sales open at the stored instant to the minute."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from brokerage.clock import LONDON
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.ticketing import checkout
from tests.helpers import error_summary, page_text
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import ball_form, latest_order, order_count
from tests.ticketing.buying import checkout as buy

MINUTE = timedelta(minutes=1)

OPENINGS = {
    # 1:30am British Summer Time, the first of the two 1:30ams.
    "october-first-1.30am": (
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        "25 October 2026 at 1:30am BST",
    ),
    # An hour later by the clock on the wall it is 1:30am again, now Greenwich Mean Time.
    "october-second-1.30am": (
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),
        "25 October 2026 at 1:30am GMT",
    ),
    # 1:30am London time does not exist in March: the clocks jump from 1am to 2am, so
    # "1:30am" taken as GMT is 2:30am British Summer Time.
    "march-1.30am": (
        datetime(2027, 3, 28, 1, 30, tzinfo=LONDON).astimezone(UTC),
        "28 March 2027 at 2:30am BST",
    ),
    "march-just-before-the-change": (
        datetime(2027, 3, 28, 0, 30, tzinfo=UTC),
        "28 March 2027 at 12:30am GMT",
    ),
}


def ball_opening_at(opens: datetime):
    return ticketing_make.ball(
        capacity=50,
        sales_open_at=opens,
        sales_close_at=opens + timedelta(days=20),
        starts_at=opens + timedelta(days=30),
        guest_changes_until=opens + timedelta(days=25),
    )


def test_the_clock_changes_fall_on_the_last_sundays():
    for opens, _ in OPENINGS.values():
        local = opens.astimezone(LONDON)
        assert local.weekday() == 6 and (local + timedelta(days=7)).month != local.month


@pytest.mark.parametrize("case", list(OPENINGS))
def test_the_page_says_when_sales_open_in_london_time(client, clock, case):
    opens, shown = OPENINGS[case]
    ball_opening_at(opens)
    clock(opens - timedelta(days=3))

    page = client.get("/ball")
    assert f"Tickets go on sale on {shown} (UK time)" in page_text(page)
    assert "Continue to payment" not in page_text(page)


@pytest.mark.parametrize("case", list(OPENINGS))
def test_sales_open_at_the_stored_instant_to_the_minute(client, clock, case):
    opens, _ = OPENINGS[case]
    ball = ball_opening_at(opens)
    single = ball.ticket_types[0]

    # The rule itself.
    basket = checkout.Basket({single.id: 1}, "Ada Buyer", "ada@example.org")
    with pytest.raises(DomainError, match="Tickets are not on sale now"):
        checkout.hold(ball, basket, opens - MINUTE)
    assert checkout.hold(ball, basket, opens + MINUTE).seats == 1
    db.session.rollback()

    # Through the page: a minute early is refused and holds nothing ...
    clock(opens - MINUTE)
    response = buy_before_the_form_shows(client, {single.id: 1})
    assert response.status_code == 400
    assert "Tickets are not on sale now" in error_summary(response)
    assert order_count() == 0

    # ... a minute after, the seats are held for the next 30 minutes or more.
    clock(opens + MINUTE)
    assert "Continue to payment" in page_text(client.get("/ball"))
    response = buy(client, {single.id: 1})
    assert response.status_code == 303
    order = latest_order()
    assert order.hold_expires_at - (opens + MINUTE) >= timedelta(minutes=30)


def buy_before_the_form_shows(client, quantities):
    """Post the form before sales open (a page left open, or a hand-made request)."""
    from tests.helpers import csrf_token

    data = ball_form(quantities)
    data["csrf_token"] = csrf_token(client, "/account/sign-in")
    return client.post("/ball", data=data)
