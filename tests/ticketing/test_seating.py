"""Seating without HTTP: tables, a table-of-10 placed whole, a table never over its
seats, refunds leaving their seats, the plan and place cards, and guests filling in
their own details through a link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from brokerage.clock import utcnow
from brokerage.errors import Conflict, FieldError
from brokerage.extensions import db
from brokerage.ticketing import exports, guest_details, guests, refunds, seating
from brokerage.ticketing.guests import GuestDetails
from brokerage.ticketing.models import BallChange, Ticket
from tests.helpers import counted_statements, emails_to, link_in
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy


@pytest.fixture
def ball():
    return ticketing_make.ball()


def _table(ball, name, seats, make):
    table = seating.add_table(ball, name, seats, make.team_member())
    db.session.commit()
    return table


def test_the_team_adds_changes_and_removes_tables_and_each_is_in_the_balls_history(ball, make):
    team = make.team_member(name="Tam Team")
    one = seating.add_table(ball, "1", 10, team)
    top = seating.add_table(ball, "Top table", 12, team)
    db.session.commit()
    assert [t.name for t in seating.tables(ball)] == ["1", "Top table"]

    with pytest.raises(FieldError) as taken:
        seating.add_table(ball, "top TABLE", 8, team)
    assert taken.value.field == "name"
    assert str(taken.value) == "There is already a table called top TABLE"
    db.session.rollback()

    seating.change_table(one, "1", 8, team)
    seating.remove_table(top, team)
    db.session.commit()
    assert [(t.name, t.seats) for t in seating.tables(ball)] == [("1", 8)]
    history = db.session.scalars(select(BallChange.what).order_by(BallChange.id)).all()
    assert history == ["Added table 1", "Added table Top table", "Changed table 1",
                       "Removed table Top table"]  # fmt: skip


def test_a_table_of_ten_is_placed_whole_and_a_single_seat_alone(ball, make):
    single, table_of_10, _ = ball.ticket_types
    company = buy(ball, {table_of_10.id: 1}, name="Aire Valley Software", email="a@avs.example")
    guest = buy(ball, {single.id: 1}, name="Sam Single", email="sam@example.org")
    seating.set_wishes(guest, "With Aire Valley Software, please")
    db.session.commit()
    twelve = _table(ball, "1", 12, make)

    assert seating.place(twelve, company.tickets[3]) == 10
    assert seating.place(twelve, guest.tickets[0]) == 1
    db.session.commit()

    plan = seating.plan(ball)
    [planned] = plan.tables
    assert [(p.buyer_name, p.size) for p in planned.parties] == [
        ("Aire Valley Software", 10),
        ("Sam Single", 1),
    ]
    assert planned.parties[1].seating_wishes == "With Aire Valley Software, please"
    assert planned.free == 1 and plan.unplaced == []

    # Taking any seat of the table booking off takes all ten.
    assert seating.unplace(company.tickets[7]) == 10
    db.session.commit()
    assert [p.size for p in seating.plan(ball).unplaced] == [10]


def test_a_booking_that_does_not_fit_is_refused_and_nothing_moves(ball, make):
    single, table_of_10, _ = ball.ticket_types
    company = buy(ball, {table_of_10.id: 1}, name="Bytes Ltd")
    three = buy(ball, {single.id: 3}, name="Three Friends")
    ten = _table(ball, "5", 10, make)
    for ticket in three.tickets:
        seating.place(ten, ticket)
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        seating.place(ten, company.tickets[0])
    assert str(refused.value) == "Table 5 has 7 free seats: this booking needs 10 seats together"
    db.session.rollback()
    assert seating.seated_counts(ball) == {ten.id: 3}

    # Nor can the team shrink a table below who sits there.
    with pytest.raises(FieldError) as shrink:
        seating.change_table(ten, "5", 2, make.team_member())
    db.session.rollback()
    assert shrink.value.field == "seats"
    assert str(shrink.value).startswith("3 guests sit at table 5: give it at least 3 seats")


def test_refunded_seats_leave_their_table_and_their_guest_link(ball, make, fake_stripe):
    single, _, _ = ball.ticket_types
    order = buy(ball, {single.id: 2}, name="Ada Buyer")
    table = _table(ball, "2", 10, make)
    seating.place(table, order.tickets[0])
    seating.place(table, order.tickets[1])
    guest_details.make_link(order, order.tickets[0])
    db.session.commit()

    refunds.refund_tickets(order, [order.tickets[0].id], make.team_member(), "Cannot come", 9_500)
    db.session.commit()

    assert order.tickets[0].table_id is None
    assert order.tickets[0].guest_token_hash is None
    assert seating.seated_counts(ball) == {table.id: 1}
    assert seating.plan(ball).tables[0].seated == 1


def test_the_guest_list_its_csv_and_the_place_cards_show_each_guests_table(ball, make):
    single, _, _ = ball.ticket_types
    order = buy(ball, {single.id: 2})
    order.tickets[0].guest_name = "Grace Hopper"
    order.tickets[1].guest_name = "Alan Turing"
    table = _table(ball, "Top table", 10, make)
    seating.place(table, order.tickets[0])
    db.session.commit()

    page = guests.guest_list(ball, 1)
    assert {(row.guest_name, row.table) for row in page.items} == {
        ("Grace Hopper", "Top table"),
        ("Alan Turing", None),
    }
    csv_rows = list(exports.guest_rows(ball))
    assert exports.GUEST_COLUMNS[:2] == ["Guest", "Table"]
    assert [row[:2] for row in csv_rows] == [["Grace Hopper", "Top table"], ["Alan Turing", None]]
    assert [(c.guest, c.table) for c in seating.place_cards(ball)] == [
        ("Grace Hopper", "Top table")
    ]
    assert guests.find_guests(ball, "grace")[0].table == "Top table"


def test_the_plan_takes_the_same_number_of_queries_for_many_guests(ball, make):
    single, table_of_10, _ = ball.ticket_types
    buy(ball, {single.id: 1})
    _table(ball, "1", 10, make)
    assert ball.name  # loaded before counting: the page has it already
    with counted_statements() as few:
        seating.plan(ball)
    for n in range(4):
        buy(ball, {table_of_10.id: 1}, email=f"t{n}@example.org")
        _table(ball, f"T{n}", 10, make)
    assert ball.name
    with counted_statements() as many:
        seating.plan(ball)
    assert len(many) == len(few) == 2


def test_a_guest_fills_in_their_own_details_through_the_emailed_link(ball, make, client):
    _, table_of_10, _ = ball.ticket_types
    order = buy(ball, {table_of_10.id: 1}, name="Aire Valley Software")
    ticket = order.tickets[4]
    guest_details.invite_guest(order, ticket, "grace@example.org")
    db.session.commit()

    [email] = emails_to("grace@example.org")
    assert email.subject == f"Your seat at {ball.name}: tell us your name and needs"
    link = link_in(email)
    assert link.startswith("/ball/guest/")
    token = link.removeprefix("/ball/guest/")
    # Only the key's hash is kept.
    assert ticket.guest_token_hash == guest_details.token_hash(token)
    assert token not in {t.guest_token_hash for t in db.session.scalars(select(Ticket))}
    assert guest_details.ticket_for_token(token) == ticket

    guest_details.fill_in(ticket, GuestDetails("Grace Hopper", "Vegetarian", "Step-free access"))
    db.session.commit()
    assert (ticket.guest_name, ticket.dietary, ticket.access_needs) == (
        "Grace Hopper",
        "Vegetarian",
        "Step-free access",
    )
    assert ticket.guest_filled_at is not None

    # A new link replaces the old one.
    guest_details.make_link(order, ticket)
    db.session.commit()
    assert guest_details.ticket_for_token(token) is None


def test_after_the_cut_off_no_link_is_made_and_a_guest_cannot_save(ball, clock):
    single, _, _ = ball.ticket_types
    order = buy(ball, {single.id: 2})
    ticket = order.tickets[0]
    guest_details.make_link(order, ticket)
    db.session.commit()
    clock(ball.guest_changes_until + timedelta(minutes=1))

    assert not guest_details.is_open(ticket)
    with pytest.raises(Conflict, match="could be changed until"):
        guest_details.make_link(order, ticket)
    with pytest.raises(Conflict, match="could be changed until"):
        guest_details.fill_in(ticket, GuestDetails("Late Larry", None, None))
    with pytest.raises(Conflict, match="could be changed until"):
        seating.set_wishes(order, "Near the stage")
    db.session.rollback()
    assert order.tickets[0].guest_name is None
    assert utcnow() > ball.guest_changes_until
