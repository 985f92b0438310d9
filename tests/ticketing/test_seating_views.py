"""Seating and guests' own details through the test client: the team adds tables and
places bookings with plain forms (no JavaScript), a full table is refused beside its
box and nothing moves, the plan and place cards print who sits where; the buyer sends a
guest a link (or copies one), the guest fills in their details, and after the cut-off
the link says it is closed."""

from __future__ import annotations

from datetime import timedelta

from brokerage.extensions import db
from brokerage.ticketing import seating
from brokerage.ticketing.models import Ticket
from tests.helpers import (
    emails_to,
    error_summary,
    field_errors,
    flashes,
    link_in,
    page_text,
    submit,
    table_rows,
)
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy


def _follow(client, response):
    """The page a redirect leads to (this client does not follow them itself)."""
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"])


def _base(ball) -> str:
    return f"/team/ball/{ball.id}"


def test_the_team_adds_tables_and_seats_a_table_booking_and_a_single_guest(client, team):
    ball = ticketing_make.ball()
    single, table_of_10, _ = ball.ticket_types
    company = buy(ball, {table_of_10.id: 1}, name="Aire Valley Software", email="a@avs.example")
    guest = buy(ball, {single.id: 1}, name="Sam Single", email="sam@example.org")
    seating.set_wishes(guest, "With Aire Valley Software")
    guest.tickets[0].guest_name = "Sam Single"
    db.session.commit()
    tables = f"{_base(ball)}/tables"

    bad = submit(client, tables, {"name": "", "seats": "ten"})
    assert bad.status_code == 400
    assert field_errors(bad) == {
        "name": "Enter the table's number or name",
        "seats": "Seats must be a whole number, like 12",
    }
    assert seating.tables(ball) == []
    added = _follow(client, submit(client, tables, {"name": "1", "seats": "11"}))
    assert "Table 1 added, with 11 seats." in flashes(added)
    assert table_rows(added) == [["Table 1", "11", "0", "Change table 1 Remove table 1"]]
    taken = submit(client, tables, {"name": "1", "seats": "8"})
    assert field_errors(taken) == {"name": "There is already a table called 1"}

    [table] = seating.tables(ball)
    page = client.get(f"{_base(ball)}/seating")
    text = page_text(page)
    assert "Seating wishes: With Aire Valley Software" in text
    assert "Table 1 (11 free of 11)" in text
    place = f"{_base(ball)}/seating/place"
    key = company.tickets[0].id
    placed = submit(
        client, place, {"ticket": key, "table": table.id}, page=f"{_base(ball)}/seating"
    )
    assert placed.status_code == 302
    done = _follow(
        client,
        submit(
            client,
            place,
            {"ticket": guest.tickets[0].id, "table": table.id},
            page=f"{_base(ball)}/seating",
        ),
    )
    assert "1 seat placed at table 1." in flashes(done)
    assert "Table 1: 11 of 11 seats taken" in page_text(done)
    assert "Everyone with a ticket has a table." in page_text(done)

    plan = page_text(client.get(f"{_base(ball)}/seating/plan"))
    assert "Table 1" in plan and "Sam Single" in plan and "Guest of Aire Valley Software" in plan
    cards = client.get(f"{_base(ball)}/seating/place-cards")
    assert "Sam Single Table 1" in page_text(cards)
    assert "seating-print.css" in cards.get_data(as_text=True)
    guests_page = client.get(f"{_base(ball)}/guests")
    assert table_rows(guests_page)[-1][:2] == ["Sam Single", "1"]


def test_a_full_table_is_refused_beside_its_box_and_nothing_moves(client, team):
    ball = ticketing_make.ball()
    single, table_of_10, _ = ball.ticket_types
    company = buy(ball, {table_of_10.id: 1}, name="Bytes Ltd")
    buy(ball, {single.id: 1}, name="Sam Single")
    table = seating.add_table(ball, "2", 9, team)
    db.session.commit()
    key = company.tickets[0].id

    refused = submit(
        client,
        f"{_base(ball)}/seating/place",
        {"ticket": key, "table": table.id},
        page=f"{_base(ball)}/seating",
    )
    assert refused.status_code == 409
    assert field_errors(refused) == {
        f"table-{key}": "Table 2 has 9 free seats: this booking needs 10 seats together"
    }
    assert "Table 2 has 9 free seats" in error_summary(refused)
    assert seating.seated_counts(ball) == {}

    unchosen = submit(
        client,
        f"{_base(ball)}/seating/place",
        {"ticket": key, "table": ""},
        page=f"{_base(ball)}/seating",
    )
    assert unchosen.status_code == 400
    assert field_errors(unchosen) == {f"table-{key}": "Choose a table"}


def test_a_buyer_emails_one_guest_a_link_and_copies_another(client):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    order = buy(ball, {single.id: 2}, name="Ada Buyer")
    first, second = (t.id for t in order.tickets)
    page = f"/ball/orders/{order.token}/guests"
    assert "Ask your guests to fill in their own details" in page_text(
        client.get(f"/ball/orders/{order.token}")
    )

    bad = submit(client, page, {"ticket": first, "email": "not an email", "send": "y"})
    assert bad.status_code == 400
    assert field_errors(bad) == {
        f"email-{first}": "Enter an email address in the correct format, like name@example.com"
    }
    assert emails_to("not an email") == []

    sent = _follow(
        client,
        submit(
            client,
            page,
            {"ticket": first, "email": "grace@example.org", "send": "y"},
        ),
    )
    assert "We emailed the link to grace@example.org." in flashes(sent)
    assert "Link emailed to grace@example.org" in page_text(sent)
    copied = submit(client, page, {"ticket": second, "copy": "y"})
    assert copied.status_code == 200
    assert "copy it now, it is shown only once" in page_text(copied)
    assert 'value="http://localhost/ball/guest/' in copied.get_data(as_text=True)

    wishes = _follow(
        client,
        submit(
            client,
            f"/ball/orders/{order.token}/seating-wishes",
            {"seating_wishes": "Near the stage"},
            page=page,
        ),
    )
    assert "Seating wishes saved." in flashes(wishes)
    db.session.expire_all()
    assert order.seating_wishes == "Near the stage"

    # The guest opens the emailed link and fills in their own details.
    link = link_in(emails_to("grace@example.org")[0])
    guest_page = client.get(link)
    assert "booked by Ada Buyer" in page_text(guest_page)
    assert "Dietary and access needs can be health information" in page_text(guest_page)
    empty = submit(client, link, {"name": "", "dietary": "", "access_needs": ""})
    assert field_errors(empty) == {"name": "Enter your full name"}
    saved = _follow(
        client,
        submit(
            client,
            link,
            {"name": "Grace Hopper", "dietary": "Vegetarian", "access_needs": ""},
        ),
    )
    assert "Thank you: your details are saved." in flashes(saved)
    db.session.expire_all()
    ticket = db.session.get(Ticket, first)
    assert (ticket.guest_name, ticket.dietary, ticket.access_needs) == (
        "Grace Hopper",
        "Vegetarian",
        None,
    )
    # The buyer sees it filled in.
    assert "Filled in by the guest on" in page_text(client.get(page))
    assert "Grace Hopper" in page_text(client.get(f"/ball/orders/{order.token}"))


def test_after_the_cut_off_the_guests_link_says_it_is_closed(client, clock):
    ball = ticketing_make.ball()
    order = buy(ball, {ball.ticket_types[0].id: 2})
    page = f"/ball/orders/{order.token}/guests"
    submit(client, page, {"ticket": order.tickets[0].id, "email": "g@example.org", "send": "y"})
    link = link_in(emails_to("g@example.org")[0])
    clock(ball.guest_changes_until + timedelta(seconds=1))

    closed = client.get(link)
    assert closed.status_code == 410
    assert "Guest details are closed" in page_text(closed)
    assert "Guest details and seating wishes could be changed until" in page_text(client.get(page))
    gone = client.get("/ball/guest/not-a-real-key")
    assert gone.status_code == 404
    assert "This link does not work" in page_text(gone)
