"""The team's ball pages through the test client: setting up the ball and its ticket
types (London times, the clock changes, the capacity warning), sales figures, finding
orders, the CSVs, complimentary tickets, refunds, and check-in at the door; bad input
on every form gets a message beside the field, saves nothing and is never a 500."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import utcnow
from brokerage.demo import seed_demo
from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.ticketing import (
    availability,
    checkout,
    door,
    guests,
    orders,
    refunds,
    setup,
    waiting_list,
)
from brokerage.ticketing.models import (
    Ball,
    Order,
    OrderStatus,
    Refund,
    Ticket,
    TicketStatus,
    TicketType,
)
from tests.helpers import (
    elements,
    emails_to,
    field_errors,
    flashes,
    main_html,
    page_text,
    submit,
    table_rows,
    texts,
)
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy, post_event
from tests.ticketing.fake_stripe import charge_refunded, event


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def when(day: str, clock: str) -> list[str]:
    """A date-and-time field's four boxes: '27 11 2027', '7pm'."""
    return [*day.split(), clock]


def ball_data(**changes) -> dict:
    data = {
        "name": "Digital Charity Ball 2028",
        "venue": "Leeds Town Hall, The Headrow, Leeds LS1 3AD",
        "starts_at": when("25 11 2028", "7pm"),
        "sales_open_at": when("1 6 2028", "9am"),
        "sales_close_at": when("18 11 2028", "23:59"),
        "capacity": "350",
        "description": "Dinner and dancing.",
        "guest_changes_until": when("20 11 2028", "midday"),
    }
    data.update(changes)
    return data


def type_data(**changes) -> dict:
    data = {
        "name": "Single seat",
        "description": "One seat at a shared table.",
        "price": "95",
        "seats_per_ticket": "1",
        "quantity": "350",
        "per_order_limit": "10",
        "on_sale_from": ["", "", "", ""],
        "on_sale_until": ["", "", "", ""],
        "access_code": "",
    }
    data.update(changes)
    return data


# --- Setting up the ball ------------------------------------------------------------------


def test_the_team_sets_up_a_ball_in_london_time_and_adds_its_ticket_types(client, team):
    response = submit(client, "/team/ball/new", ball_data())
    ball = db.session.scalars(select(Ball)).one()
    assert response.headers["Location"] == f"/team/ball/{ball.id}"
    # November is GMT; June is BST: stored as UTC either way.
    assert ball.starts_at == moment("2028-11-25T19:00")
    assert ball.sales_open_at == moment("2028-06-01T08:00")
    assert ball.sales_close_at == moment("2028-11-18T23:59")
    assert ball.guest_changes_until == moment("2028-11-20T12:00")
    assert ball.capacity == 350
    assert ball.slug == "digital-charity-ball-2028"

    # The edit form shows the times as they were typed, in London time.
    edit = client.get(f"/team/ball/{ball.id}/edit").get_data(as_text=True)
    assert 'id="sales_open_at-day" name="sales_open_at" type="text" value="01"' in edit
    assert 'id="sales_open_at-time" name="sales_open_at" type="text" value="9am"' in edit
    assert 'id="starts_at-time" name="starts_at" type="text" value="7pm"' in edit

    new_type = f"/team/ball/{ball.id}/types/new"
    assert submit(client, new_type, type_data()).status_code == 302
    submit(client, new_type, type_data(name="Table of 10", price="900", seats_per_ticket="10"))
    response = submit(
        client,
        new_type,
        type_data(
            name="Sponsor package",
            price="2,500",
            seats_per_ticket="10",
            quantity="5",
            per_order_limit="1",
            hidden="y",
            access_code="SPONSOR-2028",
            on_sale_from=when("1 7 2028", "10am"),
        ),
    )
    assert response.headers["Location"] == f"/team/ball/{ball.id}#ticket-types"
    single, table, sponsor = ball.ticket_types
    assert (table.price_pence, table.seats_per_ticket) == (90_000, 10)
    assert sponsor.hidden and sponsor.access_code == "SPONSOR-2028"
    assert sponsor.on_sale_from == moment("2028-07-01T09:00")
    assert [row[:6] for row in table_rows(client.get(f"/team/ball/{ball.id}"))[:3]] == [
        ["Single seat", "£95", "1", "0", "0", "350 of 350"],
        ["Table of 10", "£900", "10", "0", "0", "350 of 350"],
        [
            "Sponsor package Hidden: code SPONSOR-2028 On sale from 1 July 2028 at 10:00am",
            "£2,500",
            "10",
            "0",
            "0",
            "5 of 5",
        ],
    ]

    edit_url = f"/team/ball/{ball.id}/types/{single.id}/edit"
    assert 'value="95"' in client.get(edit_url).get_data(as_text=True)
    submit(client, edit_url, type_data(price="99.50", per_order_limit="6"))
    assert (single.price_pence, single.per_order_limit) == (9_950, 6)


def test_the_balls_history_says_who_set_up_and_changed_what(client, team):
    submit(client, "/team/ball/new", ball_data())
    ball = db.session.scalars(select(Ball)).one()
    submit(client, f"/team/ball/{ball.id}/types/new", type_data())
    single = ball.ticket_types[0]
    submit(
        client,
        f"/team/ball/{ball.id}/types/{single.id}/edit",
        type_data(price="99.50", per_order_limit="6"),
    )
    submit(client, f"/team/ball/{ball.id}/edit", ball_data(capacity="300"))
    submit(client, f"/team/ball/{ball.id}/edit", ball_data(capacity="300"))  # nothing changed

    page = client.get(f"/team/ball/{ball.id}")
    assert "History" in page_text(page)
    history = table_rows(page)[1:]  # after the ticket types
    assert [row[1:3] for row in history] == [
        ["Dee Door", "Ball changed"],
        ["Dee Door", "Ticket type changed: Single seat"],
        ["Dee Door", "Ticket type added: Single seat"],
        ["Dee Door", "Ball set up"],
    ]
    assert history[0][3] == "Capacity: 350 → 300"
    assert history[1][3] == "Price: £95 → £99.50; Most in one order: 10 → 6"
    assert history[2][3].startswith("Name: Single seat; Description: (text); Price: £95;")
    # Times as the team typed them, in London time.
    assert "Sales open: 1 June 2028 at 9:00am" in history[3][3]
    assert "Capacity: 350" in history[3][3]


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {k: "" for k in ("name", "venue", "capacity")}
            | {k: ["", "", "", ""] for k in ("starts_at", "sales_open_at", "sales_close_at")},
            {
                "name": "Enter the ball's name",
                "venue": "Enter the venue, with its address",
                "starts_at": "Enter the date and time the ball starts",
                "sales_open_at": "Enter when ticket sales open",
                "sales_close_at": "Enter when ticket sales close",
                "capacity": "Enter the total capacity",
            },
        ),
        (
            {"sales_close_at": when("31 5 2028", "9am")},
            {"sales_close_at": "Ticket sales must close after they open"},
        ),
        (
            {"starts_at": when("1 6 2028", "8am"), "guest_changes_until": ["", "", "", ""]},
            {"starts_at": "The ball must start after ticket sales open"},
        ),
        (
            {"sales_close_at": when("26 11 2028", "9am")},
            {"sales_close_at": "Ticket sales must close by the time the ball starts"},
        ),
        (
            {"guest_changes_until": when("26 11 2028", "9am")},
            {
                "guest_changes_until": "Guest details must be final by the time the ball "
                "starts, or earlier"
            },
        ),
        ({"capacity": "0"}, {"capacity": "Total capacity must be 1 or more"}),
        ({"capacity": "lots"}, {"capacity": "Total capacity must be a whole number, like 12"}),
        ({"capacity": "100001"}, {"capacity": "Total capacity must be 100,000 or fewer"}),
        (
            {"starts_at": when("25 11 2028", "")},
            {"starts_at": "Starts must include a time, like 7pm or 19:00"},
        ),
        (
            {"starts_at": ["", "", "", "7pm"]},
            {"starts_at": "Starts must include a day, month and year"},
        ),
        (
            {"starts_at": when("25 11 2028", "25:00")},
            {"starts_at": "Starts must have a real time, like 7pm or 19:00"},
        ),
        (
            {"starts_at": when("25 11 2028", "7")},
            {"starts_at": "Starts must have a real time, like 7pm or 19:00"},
        ),
        (
            {"starts_at": when("31 11 2028", "7pm")},
            {"starts_at": "Starts must be a real date"},
        ),
        (
            {"starts_at": ["25", "11", "28", "7pm"]},
            {"starts_at": "Starts must have a year of 4 numbers, like 2027"},
        ),
        # The clocks go forward at 1am on 26 March 2028: 1:30am never happens.
        (
            {"sales_open_at": when("26 3 2028", "1:30am")},
            {
                "sales_open_at": "Ticket sales open: there is no 1:30am on 26 March 2028 in "
                "the UK (the clocks go forward from 1am to 2am). Enter a time before 1am or "
                "from 2am"
            },
        ),
        # They go back at 2am on 29 October 2028: 1:30am happens twice.
        (
            {"sales_open_at": when("29 10 2028", "1:30am")},
            {
                "sales_open_at": "Ticket sales open: 1:30am on 29 October 2028 happens twice "
                "in the UK (the clocks go back from 2am to 1am). Enter a time before 1am or "
                "from 2am"
            },
        ),
        ({"name": "x" * 161}, {"name": "Name must be 160 characters or fewer"}),
    ],
)
def test_bad_ball_details_are_explained_beside_each_field(client, team, changes, errors):
    response = submit(client, "/team/ball/new", ball_data(**changes))

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert count(Ball) == 0


def test_times_either_side_of_the_clock_change_are_stored_in_utc(client, team):
    submit(
        client,
        "/team/ball/new",
        ball_data(
            sales_open_at=when("26 3 2028", "12:59am"),  # still GMT
            sales_close_at=when("29 10 2028", "2am"),  # GMT again
            starts_at=when("29 10 2028", "7:30 p.m."),
            guest_changes_until=["", "", "", ""],
        ),
    )
    ball = db.session.scalars(select(Ball)).one()
    assert ball.sales_open_at == moment("2028-03-26T00:59")
    assert ball.sales_close_at == moment("2028-10-29T02:00")
    assert ball.starts_at == moment("2028-10-29T19:30")
    assert ball.guest_changes_until is None


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {
                "name": "",
                "price": "",
                "seats_per_ticket": "",
                "quantity": "",
                "per_order_limit": "",
            },
            {
                "name": "Enter the ticket type's name, like Single seat",
                "price": "Enter the price in pounds",
                "seats_per_ticket": "Enter the seats per ticket",
                "quantity": "Enter how many are for sale",
                "per_order_limit": "Enter the most one order can have",
            },
        ),
        ({"price": "ninety"}, {"price": "Enter the amount in pounds, like 2500 or 2500.50"}),
        (
            {"price": "0"},
            {
                "price": "The price must be between £1 and £100,000. To give seats away, issue "
                "complimentary tickets"
            },
        ),
        ({"seats_per_ticket": "0"}, {"seats_per_ticket": "Seats per ticket must be 1 or more"}),
        ({"seats_per_ticket": "51"}, {"seats_per_ticket": "Seats per ticket must be 50 or fewer"}),
        (
            {"per_order_limit": "-1"},
            {"per_order_limit": "Most in one order must be a whole number, like 12"},
        ),
        (
            {"hidden": "y"},
            {"access_code": "Enter the access code buyers need for a hidden ticket type"},
        ),
        (
            {"hidden": "y", "access_code": "two words"},
            {
                "access_code": "The access code must be 4 to 64 letters, numbers or hyphens, "
                "like SPONSOR-2027"
            },
        ),
        (
            {"on_sale_from": when("2 7 2028", "9am"), "on_sale_until": when("1 7 2028", "9am")},
            {"on_sale_until": "On sale until must be after on sale from"},
        ),
        (
            {"on_sale_until": when("1 7 2028", "")},
            {"on_sale_until": "On sale until must include a time, like 7pm or 19:00"},
        ),
    ],
)
def test_bad_ticket_types_are_explained_beside_each_field(client, team, changes, errors):
    ball = ticketing_make.ball()
    before = count(TicketType)

    response = submit(client, f"/team/ball/{ball.id}/types/new", type_data(**changes))

    assert response.status_code == 400
    assert field_errors(response) == errors
    assert count(TicketType) == before


def test_lowering_the_capacity_below_what_is_taken_asks_to_confirm(client, team):
    ball = ticketing_make.ball(capacity=30)
    single, table, _ = ball.ticket_types
    buy(ball, {table.id: 1, single.id: 5})  # 15 seats sold
    checkout.hold(ball, checkout.Basket({single.id: 5}, "Hal Holder", "hal@example.org"))
    db.session.commit()  # 5 more held while Hal pays
    edit = f"/team/ball/{ball.id}/edit"
    values = dict(
        name=ball.name,
        venue=ball.venue,
        starts_at=when("1 12 2040", "7pm"),
        sales_open_at=when("1 1 2020", "9am"),
        sales_close_at=when("30 11 2040", "9am"),
    )

    # Lower, but not below the 20 taken: no question.
    assert submit(client, edit, ball_data(**values, capacity="20")).status_code == 302
    assert ball.capacity == 20

    response = submit(client, edit, ball_data(**values, capacity="18"))
    assert response.status_code == 400
    assert field_errors(response) == {
        "capacity": "20 seats are already sold or held, more than 18. Nobody's seat is "
        "cancelled, but no more are sold. Tick the box to confirm."
    }
    assert "Yes, lower the capacity below the seats already taken" in page_text(response)
    db.session.expire_all()
    assert ball.capacity == 20

    response = submit(client, edit, ball_data(**values, capacity="18", confirm="y"))
    assert response.status_code == 302
    assert ball.capacity == 18
    assert "2 more seats are sold or held than the capacity of 18" in page_text(
        client.get(f"/team/ball/{ball.id}")
    )
    # Nothing was cancelled, and nothing more is sold.
    assert availability.seats_taken(ball) == 20
    with pytest.raises(FieldError, match="sold out"):
        checkout.hold(ball, checkout.Basket({single.id: 1}, "Late Larry", "l@example.org"))


def test_lowering_a_ticket_types_quantity_below_what_is_taken_asks_to_confirm(client, team):
    ball = ticketing_make.ball()
    table = ball.ticket_types[1]
    buy(ball, {table.id: 2})
    edit = f"/team/ball/{ball.id}/types/{table.id}/edit"
    values = type_data(name="Table of 10", price="900", seats_per_ticket="10", per_order_limit="2")

    response = submit(client, edit, values | {"quantity": "1"})
    assert response.status_code == 400
    assert field_errors(response) == {
        "quantity": "2 of these are already sold or held, more than 1. Nobody's ticket is "
        "cancelled, but no more are sold. Tick the box to confirm."
    }
    db.session.expire_all()
    assert table.quantity == 20

    assert submit(client, edit, values | {"quantity": "1", "confirm": "y"}).status_code == 302
    assert table.quantity == 1


def test_team_pages_are_for_the_team_and_objects_of_another_ball_are_not_found(client, make, login):
    ball, other = ticketing_make.ball(), ticketing_make.ball()
    order = buy(other, {other.ticket_types[0].id: 1})
    login(make.user())
    assert client.get(f"/team/ball/{ball.id}").status_code == 403
    assert client.get(f"/team/ball/{ball.id}/guests.csv").status_code == 403
    login(make.team_member())
    for url in (
        f"/team/ball/{ball.id}/types/{other.ticket_types[0].id}/edit",
        f"/team/ball/{ball.id}/orders/{order.id}",
        f"/team/ball/{ball.id}/orders/{order.id}/refund?all=yes",
        "/team/ball/999999/door",
    ):
        assert client.get(url).status_code == 404, url


# --- Sales ----------------------------------------------------------------------------------


def test_sales_count_seats_and_keep_tickets_and_donations_apart(client, team):
    ball = ticketing_make.ball(capacity=100)
    single, table, sponsor = ball.ticket_types
    ada = buy(ball, {single.id: 2}, donation=2_500, gift_aid=True)  # £190 + £25 Gift Aided
    bea = buy(ball, {table.id: 1}, donation=5_000, name="Bea", email="bea@example.org")
    buy(ball, {sponsor.id: 1}, code="SPONSOR27", name="Cy", email="cy@example.org")
    orders.issue_complimentary(ball, single, 3, "Host", "host@example.org", team, "Hosting")
    checkout.hold(ball, checkout.Basket({single.id: 4}, "Hal Holder", "hal@example.org"))
    db.session.commit()
    # One of Ada's seats refunded at its price (her donation stays); Bea's whole order.
    refunds.refund_tickets(ada, [ada.tickets[0].id], team, "Cannot come", 9_500)
    refunds.refund_tickets(bea, [t.id for t in bea.tickets], team, "Cancelled", 95_000)
    db.session.commit()

    figures = setup.sales(ball)
    assert (figures.seats_sold, figures.seats_held, figures.seats_free) == (1 + 10 + 3, 4, 82)
    assert figures.tickets_paid_pence == 19_000 + 90_000 + 250_000
    assert figures.tickets_refunded_pence == 9_500 + 90_000
    assert figures.tickets_pence == 9_500 + 250_000
    assert (figures.donations_paid_pence, figures.donations_refunded_pence) == (7_500, 5_000)
    assert figures.donations_pence == 2_500
    assert figures.gift_aid_donations_pence == 2_500
    assert figures.raised_pence == 262_000
    assert (figures.orders, figures.complimentary_orders, figures.complimentary_seats) == (3, 1, 3)
    assert figures.refunded_orders == 1
    assert [(t.sold, t.held, t.left) for t in figures.types] == [(4, 4, 92), (0, 0, 20), (1, 0, 4)]

    text = page_text(client.get(f"/team/ball/{ball.id}"))
    assert "Seats 14 sold, 4 held while buyers pay, 82 free, of 100" in text
    assert "Raised in all £2,620" in text
    assert "From tickets £2,595 (£3,590 paid, £995 refunded)" in text
    assert "From donations £25 (£75 given, £50 refunded)" in text
    assert "Donations eligible for Gift Aid £25" in text
    assert "Orders 3 paid, of which 1 complimentary (3 seats); 1 refunded in full" in text


# --- Orders, search and CSV -----------------------------------------------------------------


def orders_listed(response) -> list[str]:
    return [row[1] for row in table_rows(response)]


def test_orders_are_found_by_name_email_code_guest_and_number(client, team):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    ada = buy(ball, {single.id: 2})
    bob = buy(ball, {single.id: 1}, name="Bob Brown", email="bob@firm.example.com")
    checkout.hold(ball, checkout.Basket({single.id: 1}, "Pat Pending", "pat@example.org"))
    ada.tickets[1].guest_name = "Gina Guest"
    db.session.commit()
    orders = f"/team/ball/{ball.id}/orders"

    assert len(orders_listed(client.get(orders))) == 3
    for q, who in [
        ("ada", "Ada Buyer ada@example.org"),
        ("FIRM.example", "Bob Brown bob@firm.example.com"),
        ("gina", "Ada Buyer ada@example.org"),
        (bob.tickets[0].code.lower(), "Bob Brown bob@firm.example.com"),
        (
            " ".join([bob.tickets[0].code[:4], bob.tickets[0].code[4:8]]),
            "Bob Brown bob@firm.example.com",
        ),
        (f"#{bob.id}", "Bob Brown bob@firm.example.com"),
    ]:
        assert orders_listed(client.get(orders, query_string={"q": q})) == [who], q
    assert orders_listed(client.get(orders, query_string={"q": "nobody"})) == []
    assert orders_listed(client.get(orders, query_string={"q": "%"})) == []
    assert orders_listed(client.get(orders, query_string={"status": "pending"})) == [
        "Pat Pending pat@example.org"
    ]
    # Nonsense in the query string is ignored, never a 500.
    response = client.get(orders, query_string={"status": "nonsense", "page": "²"})
    assert response.status_code == 200
    assert len(orders_listed(response)) == 3

    # The order's page: its tickets, guests and state at the door.
    page = client.get(f"/team/ball/{ball.id}/orders/{ada.id}")
    text = page_text(page)
    assert "Order #" in text and "Gina Guest" in text and "Not named yet" in text
    assert "Not checked in" in text


def read_csv(response) -> list[list[str]]:
    assert response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff"))))


def test_the_orders_csv_keeps_the_search_and_neutralises_formulas(client, team):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    buy(ball, {single.id: 1}, name='=HYPERLINK("http://evil")', email="eve@example.org")
    buy(ball, {single.id: 2}, donation=1_000, gift_aid=True, name="+Plus", email="p@example.org")
    buy(ball, {single.id: 1}, name="Ordinary Person", email="o@example.org")

    response = client.get(f"/team/ball/{ball.id}/orders.csv", query_string={"q": "example.org"})
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{ball.slug}-orders.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response)
    assert rows[0][:6] == ["Order", "Placed (UK time)", "Status", "Buyer", "Email", "Seats"]
    assert [row[3] for row in rows[1:]] == [
        '\'=HYPERLINK("http://evil")',
        "'+Plus",
        "Ordinary Person",
    ]
    assert rows[2][6:10] == ["190.00", "10.00", "Yes", "0.00"]
    only = read_csv(client.get(f"/team/ball/{ball.id}/orders.csv", query_string={"q": "Ordinary"}))
    assert [row[3] for row in only[1:]] == ["Ordinary Person"]
    # The page links to the CSV of what it shows.
    page = client.get(f"/team/ball/{ball.id}/orders", query_string={"q": "Ordinary"})
    assert f"/team/ball/{ball.id}/orders.csv?q=Ordinary" in page.get_data(as_text=True)


def test_the_guest_list_shows_needs_and_leaves_out_refunded_tickets(client, team):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    ada = buy(ball, {single.id: 3})
    first, second, third = ada.tickets
    first.guest_name, first.dietary = "Gina Guest", "Vegan"
    second.guest_name, second.access_needs = "@Sam", "-Wheelchair space"
    db.session.commit()
    refunds.refund_tickets(ada, [third.id], team, "Not coming", 9_500)
    door.check_in(ball, first.code, team, now=moment("2027-06-12T19:14"))
    db.session.commit()

    page = client.get(f"/team/ball/{ball.id}/guests")
    assert "2 guests: 2 named, 1 with dietary needs, 1 with access needs, 1 checked in" in (
        page_text(page)
    )
    assert table_rows(page) == [
        [
            "Gina Guest",
            "Not seated",
            "Single seat",
            "Ada Buyer",
            "Vegan",
            "",
            "12 June 2027 at 8:14pm",
        ],
        ["@Sam", "Not seated", "Single seat", "Ada Buyer", "", "-Wheelchair space", "No"],
    ]
    response = client.get(f"/team/ball/{ball.id}/guests.csv")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="{ball.slug}-guests.csv"'
    )
    assert read_csv(response) == [
        [
            "Guest",
            "Table",
            "Ticket type",
            "Buyer",
            "Buyer's email",
            "Dietary needs",
            "Access needs",
            "Checked in (UK time)",
            "Order",
        ],
        [
            "Gina Guest",
            "",
            "Single seat",
            "Ada Buyer",
            "ada@example.org",
            "Vegan",
            "",
            "2027-06-12 20:14",
            str(ada.id),
        ],
        [
            "'@Sam",
            "",
            "Single seat",
            "Ada Buyer",
            "ada@example.org",
            "",
            "'-Wheelchair space",
            "",
            str(ada.id),
        ],
    ]


def test_unnamed_guests_say_so_and_long_lists_come_in_pages(client, team, monkeypatch):
    monkeypatch.setattr(guests, "GUESTS_PER_PAGE", 2)
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 3})
    first = client.get(f"/team/ball/{ball.id}/guests")
    assert [row[0] for row in table_rows(first)] == ["Not named yet", "Not named yet"]
    second = client.get(f"/team/ball/{ball.id}/guests", query_string={"page": "2"})
    assert len(table_rows(second)) == 1
    assert "Guest list" in page_text(second)
    assert read_csv(client.get(f"/team/ball/{ball.id}/guests.csv"))[1][0] == "Not named yet"


# --- Complimentary tickets -------------------------------------------------------------------


def test_complimentary_tickets_are_issued_free_within_capacity(client, team):
    ball = ticketing_make.ball(capacity=12)
    single, table, _ = ball.ticket_types
    url = f"/team/ball/{ball.id}/complimentary"
    data = {
        "name": "Grace Host",
        "email": "Grace@Example.org",
        "ticket_type": str(table.id),
        "quantity": "1",
        "reason": "Hosting the awards",
    }

    response = submit(client, url, data)
    order = db.session.scalars(select(Order)).one()
    assert response.headers["Location"] == f"/team/ball/{ball.id}/orders/{order.id}"
    assert order.complimentary and order.status is OrderStatus.PAID
    assert (order.total_pence, order.paid_pence, order.seats) == (0, 0, 10)
    assert len(order.tickets) == 10
    assert order.note == "Complimentary, from Dee Door: Hosting the awards"
    [email] = emails_to("grace@example.org")
    assert email.template == "ball_confirmation"
    assert "10 complimentary seats are issued" in flashes(client.get(response.headers["Location"]))

    # Two seats are left: three are refused, beside the number, and nothing is saved.
    response = submit(client, url, data | {"ticket_type": str(single.id), "quantity": "3"})
    assert response.status_code == 400
    assert field_errors(response) == {"quantity": "Only 2 seats are left at the ball"}
    response = submit(client, url, data | {"quantity": "1"})
    assert field_errors(response) == {"quantity": "Only 2 seats are left at the ball"}
    assert count(Order) == 1
    assert (
        submit(client, url, data | {"ticket_type": str(single.id), "quantity": "2"}).status_code
        == 302
    )
    assert availability.seats_taken(ball) == 12


def test_bad_complimentary_requests_are_explained(client, team):
    ball = ticketing_make.ball()
    other = ticketing_make.ball()
    response = submit(
        client,
        f"/team/ball/{ball.id}/complimentary",
        {
            "name": "",
            "email": "not an email",
            "ticket_type": str(other.ticket_types[0].id),
            "quantity": "0",
            "reason": "",
        },
    )
    assert response.status_code == 400
    assert field_errors(response) == {
        "name": "Enter the name",
        "email": "Enter an email address in the correct format, like name@example.com",
        "ticket_type": "Choose the ticket type",
        "quantity": "How many tickets must be 1 or more",
        "reason": "Enter why the tickets are complimentary",
    }
    response = submit(
        client,
        f"/team/ball/{ball.id}/complimentary",
        {
            "name": "A",
            "email": "a@example.org",
            "ticket_type": "x",
            "quantity": "51",
            "reason": "r",
        },
    )
    assert field_errors(response) == {
        "ticket_type": "Choose the ticket type",
        "quantity": "How many tickets must be 50 or fewer",
    }
    assert count(Order) == 0


# --- Refunds ------------------------------------------------------------------------------------


def test_a_partial_then_a_full_refund_through_the_pages(client, team, fake_stripe):
    ball = ticketing_make.ball(capacity=20)
    single = ball.ticket_types[0]
    order = buy(ball, {single.id: 3}, donation=1_000)
    first, second, third = order.tickets
    order_url = f"/team/ball/{ball.id}/orders/{order.id}"
    refund_url = f"{order_url}/refund"
    assert availability.seats_taken(ball) == 3

    # The order page sends the chosen tickets to the refund page, priced at their share.
    page = client.get(refund_url, query_string={"ticket": [str(first.id)]})
    assert 'name="amount" type="text" value="95"' in page.get_data(as_text=True)
    assert "The amount is the price of these seats (£95)" in page_text(page)

    response = submit(
        client,
        refund_url,
        {"ticket": [str(first.id)], "amount": "95", "reason": "Cannot come"},
        page=f"{refund_url}?ticket={first.id}",
    )
    assert response.headers["Location"] == order_url
    assert "Refunded £95. 1 seat is released and Ada Buyer is emailed." in flashes(
        client.get(order_url)
    )
    assert first.status is TicketStatus.REVOKED and second.status is TicketStatus.VALID
    assert order.status is OrderStatus.PARTLY_REFUNDED
    assert order.refunded_pence == 9_500
    assert availability.seats_taken(ball) == 2
    assert fake_stripe.refunds[-1]["amount"] == 9_500
    assert fake_stripe.refunds[-1]["payment_intent"] == f"pi_test_{order.id}"
    refund = db.session.scalars(select(Refund)).one()
    assert (refund.reason, refund.created_by_id) == ("Cannot come", team.id)
    assert [e.template for e in emails_to("ada@example.org")][-1] == "ball_refund"
    assert door.check_in(ball, first.code, team).outcome == "not_valid"

    # The whole order: everything left, the donation included.
    page = client.get(refund_url, query_string={"all": "yes"})
    assert 'name="amount" type="text" value="200"' in page.get_data(as_text=True)
    assert "the £10 donation included" in page_text(page)
    submit(
        client,
        refund_url,
        {"ticket": [str(second.id), str(third.id)], "amount": "200", "reason": "Cancelled"},
        page=f"{refund_url}?all=yes",
    )
    assert order.status is OrderStatus.REFUNDED
    assert order.refunded_pence == order.total_pence
    assert {t.status for t in order.tickets} == {TicketStatus.REVOKED}
    assert availability.seats_taken(ball) == 0
    assert len([e for e in emails_to("ada@example.org") if e.template == "ball_refund"]) == 2
    # Nothing is left to refund: the page says so rather than offering a form.
    response = client.get(refund_url, query_string={"all": "yes"})
    assert response.headers["Location"] == order_url
    assert "there is nothing to refund" in flashes(client.get(order_url))


def test_bad_refunds_are_explained_and_change_nothing(client, team, fake_stripe):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2})
    ticket = order.tickets[0]
    refund_url = f"/team/ball/{ball.id}/orders/{order.id}/refund"
    page = f"{refund_url}?ticket={ticket.id}"

    response = submit(
        client, refund_url, {"ticket": [str(ticket.id)], "amount": "", "reason": ""}, page=page
    )
    assert response.status_code == 400
    assert field_errors(response) == {
        "amount": "Enter the amount to refund, or 0",
        "reason": "Enter the reason for the refund",
    }
    response = submit(
        client, refund_url, {"ticket": [str(ticket.id)], "amount": "500", "reason": "x"}, page=page
    )
    assert field_errors(response) == {"amount": "Refund between £0 and £190.00"}
    response = submit(
        client, refund_url, {"ticket": [str(ticket.id)], "amount": "£1.5", "reason": "x"}, page=page
    )
    assert field_errors(response) == {"amount": "Enter the amount in pounds, like 2500 or 2500.50"}
    fake_stripe.fail_next = 402
    response = submit(
        client, refund_url, {"ticket": [str(ticket.id)], "amount": "95", "reason": "x"}, page=page
    )
    assert response.status_code == 400
    assert "Stripe did not make the refund" in page_text(response)
    # No ticket chosen (or one of another order): back to the order, asked to choose.
    response = submit(
        client, refund_url, {"ticket": ["999999"], "amount": "1", "reason": "x"}, page=page
    )
    assert response.headers["Location"].endswith(f"/orders/{order.id}#refund")
    assert "Choose the tickets to refund." in flashes(client.get(response.headers["Location"]))

    db.session.expire_all()
    assert order.status is OrderStatus.PAID and order.refunded_pence == 0
    assert {t.status for t in order.tickets} == {TicketStatus.VALID}
    assert count(Refund) == 0


def test_after_a_refund_in_the_stripe_dashboard_the_team_releases_the_seats(
    client, team, fake_stripe
):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2})
    post_event(
        client, event("charge.refunded", charge_refunded(f"pi_test_{order.id}", 19_000, 9_500))
    )
    db.session.expire_all()
    assert order.status is OrderStatus.PARTLY_REFUNDED and order.refunded_pence == 9_500
    assert availability.seats_taken(ball) == 2  # Stripe does not know which seat

    ticket = order.tickets[1]
    refund_url = f"/team/ball/{ball.id}/orders/{order.id}/refund"
    submit(
        client,
        refund_url,
        {"ticket": [str(ticket.id)], "amount": "0", "reason": "Refunded in Stripe"},
        page=f"{refund_url}?ticket={ticket.id}",
    )
    assert ticket.status is TicketStatus.REVOKED
    assert order.refunded_pence == 9_500
    assert availability.seats_taken(ball) == 1
    assert fake_stripe.refunds == []  # nothing more paid back


def test_a_complimentary_order_is_cancelled_with_a_refund_of_nothing(client, team):
    ball = ticketing_make.ball()
    order = orders.issue_complimentary(
        ball, ball.ticket_types[0], 2, "Host", "host@example.org", team, "Hosting"
    )
    db.session.commit()
    refund_url = f"/team/ball/{ball.id}/orders/{order.id}/refund"
    page = client.get(refund_url, query_string={"all": "yes"})
    assert 'name="amount" type="text" value="0"' in page.get_data(as_text=True)
    assert "These tickets were complimentary" in page_text(page)
    submit(
        client,
        refund_url,
        {"ticket": [str(t.id) for t in order.tickets], "amount": "0", "reason": "Not coming"},
        page=f"{refund_url}?all=yes",
    )
    assert order.status is OrderStatus.REFUNDED
    assert availability.seats_taken(ball) == 0


# --- The door ------------------------------------------------------------------------------------


def _answers(response) -> list[str]:
    return [
        text
        for _, text in elements(main_html(response), lambda tag, a: a.get("id") == "door-answer")
    ]


def door_answer(response) -> str:
    [answer] = _answers(response)
    return answer


def test_checking_in_at_the_door_without_javascript(client, team, make, login):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2})
    gina, other = order.tickets
    gina.guest_name, gina.access_needs = "Gina Guest", "Step-free access"
    db.session.commit()
    door = f"/team/ball/{ball.id}/door"

    page = client.get(door)
    html = page.get_data(as_text=True)
    # A plain form: a code box and a button, and a search by name; the camera is extra.
    assert '<form method="post" action="/team/ball/' in html
    assert 'name="code"' in html
    assert "Check in" in texts(page, "govuk-button")
    assert re.search(
        r'<script type="module" src="/static/[0-9a-f]{12}/js/check-in.js"></script>', html
    )
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert "camera=()" in client.get(f"/team/ball/{ball.id}").headers["Permissions-Policy"]

    # Admitted, with who and their needs, and a way to undo it.
    code = " ".join(gina.code[i : i + 4] for i in range(0, 32, 4)).lower()
    response = submit(client, door, {"code": code})
    assert response.status_code == 302 and response.headers["Location"] == door
    answered = client.get(door)
    assert door_answer(answered).startswith(
        "Admitted: Gina Guest Single seat, booked by Ada Buyer Access needs: Step-free access"
    )
    assert "Undo this check-in" in page_text(answered)
    assert gina.checked_in_by_id == team.id
    # The answer is shown once: the next guest starts from a clean page.
    assert _answers(client.get(door)) == []

    # A second scan, by someone else: who admitted it and when, in London time.
    gina.checked_in_at = moment("2027-06-12T19:14")  # 8:14pm BST
    db.session.commit()
    login(make.team_member(name="Sam Second"))
    submit(client, door, {"code": gina.code})
    assert door_answer(client.get(door)).startswith(
        "Warning: do not admit twice Already admitted at 12 June 2027 at 8:14pm by Dee Door"
    )

    # Undo, then admitted again.
    submit(client, f"/team/ball/{ball.id}/door/tickets/{gina.id}/undo", page=door)
    assert door_answer(client.get(door)) == "Check-in undone: Gina Guest is not checked in"
    assert gina.checked_in_at is None
    submit(client, door, {"code": gina.code})
    assert door_answer(client.get(door)).startswith("Admitted: Gina Guest")

    # Refunded and unknown codes are not valid.
    refunds.refund_tickets(order, [other.id], team, "Not coming", 9_500)
    db.session.commit()
    submit(client, door, {"code": other.code})
    assert door_answer(client.get(door)).startswith("Not valid: refunded Do not admit")
    submit(client, door, {"code": "NOTAREALCODE"})
    assert door_answer(client.get(door)) == (
        "Not valid: unknown code Do not admit with this ticket. The code entered was NOTAREALCODE."
    )

    response = submit(client, door, {"code": "  "})
    assert response.status_code == 400
    assert field_errors(response) == {"code": "Enter the ticket code"}


def test_a_ticket_for_another_ball_is_not_valid_at_this_door(client, team):
    ball = ticketing_make.ball()
    other = ticketing_make.ball(name="Summer Social 2027")
    ticket = buy(other, {other.ticket_types[0].id: 1}).tickets[0]
    door = f"/team/ball/{ball.id}/door"
    submit(client, door, {"code": ticket.code})
    assert door_answer(client.get(door)).startswith(
        "Not valid: this ticket is for Summer Social 2027"
    )
    assert ticket.checked_in_at is None


def test_the_door_finds_guests_by_name_and_checks_them_in(client, team):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2}, name="Bob Brown", email="bob@example.org")
    gina = order.tickets[0]
    gina.guest_name = "Gina Guest"
    db.session.commit()
    door = f"/team/ball/{ball.id}/door"

    found = client.get(door, query_string={"q": "gina"})
    assert texts(found, "app-results__item") == [
        "Gina Guest Single seat, booked by Bob Brown Check in Gina Guest"
    ]
    both = texts(client.get(door, query_string={"q": "brown"}), "app-results__item")
    assert len(both) == 2
    assert "Not named yet" in both[1] and "Check in a guest of Bob Brown" in both[1]

    submit(client, door, {"code": gina.code}, page=f"{door}?q=gina")
    assert door_answer(client.get(door)).startswith("Admitted: Gina Guest")
    [result] = texts(client.get(door, query_string={"q": "gina"}), "app-results__item")
    assert result.startswith("Gina Guest Single seat, booked by Bob Brown Checked in")
    assert "by Dee Door Undo check-in" in result
    assert "No valid ticket" in page_text(client.get(door, query_string={"q": "zed"}))


def test_the_door_says_already_with_the_time_alone_on_the_night(team):
    ball = ticketing_make.ball()
    ticket = buy(ball, {ball.ticket_types[0].id: 1}).tickets[0]
    night = moment("2027-11-27T20:14")  # GMT: 8:14pm in Leeds
    assert door.check_in(ball, ticket.code, team, now=night).outcome == "admitted"
    again = door.check_in(ball, ticket.code, team, now=night + timedelta(minutes=5))
    assert again.headline == "Already admitted at 8:14pm by Dee Door"


# --- The demo -------------------------------------------------------------------------------------


def test_the_demo_ball_is_on_sale_with_orders_and_loads_once():
    seed_demo()
    db.session.commit()
    seed_demo()
    db.session.commit()

    ball = db.session.scalars(select(Ball).where(Ball.slug == "digital-charity-ball-2027")).one()
    assert ball.name == "Digital Charity Ball 2027" and ball.capacity == 350
    assert availability.sales_open(ball, utcnow())
    assert [(t.name, t.price_pence, t.seats_per_ticket, t.hidden) for t in ball.ticket_types] == [
        ("Single seat", 9_500, 1, False),
        ("Table of 10", 90_000, 10, False),
        ("Sponsor package", 250_000, 10, True),
    ]
    figures = setup.sales(ball)
    # Four bought, one complimentary, and a sponsor package paid by invoice (a second
    # invoice, unpaid, holds its seats).
    assert figures.orders == 6 and figures.complimentary_orders == 1
    assert figures.seats_sold == 2 + 10 + 1 + 10 + 2 + 10
    assert figures.seats_held == 10
    assert figures.gift_aid_donations_pence == 2_500
    this_years = Ticket.order.has(ball_id=ball.id)
    checked_in = db.session.scalar(
        select(func.count(Ticket.id)).where(this_years, Ticket.checked_in_at.is_not(None))
    )
    assert checked_in == 1
    assert (
        db.session.scalar(
            select(func.count(Ticket.id)).where(this_years, Ticket.guest_name.is_not(None))
        )
        >= 4
    )
    # The table of 10 is sold out, and two are waiting for one.
    assert [row.reason for row in availability.on_sale(ball)][:2] == [None, "Sold out"]
    assert [(e.name, e.quantity) for e in waiting_list.entries(ball)] == [
        ("Priya Shah", 1),
        ("Aire Valley Software", 2),
    ]
