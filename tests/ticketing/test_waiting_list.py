"""The ball's waiting list: joining a sold-out type, offers when seats come free (a
refund, a hold or offer that ran out, more capacity), first come first offered and
never more than was freed, the offer link to the checkout, and the team's list."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage import cli
from brokerage.clock import utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from brokerage.ticketing import availability, refunds, setup, waiting_list
from brokerage.ticketing.models import (
    Ball,
    Order,
    OrderStatus,
    TicketStatus,
    WaitingEntry,
    WaitingStatus,
)
from tests.helpers import counted_statements, emails_to, link_in, submit
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy, stand_in_path


def sold_out_ball(seats: int = 3) -> Ball:
    """A ball of `seats` single seats, all sold to Sam in one order."""
    ball = ticketing_make.ball(capacity=seats)
    single = ball.ticket_types[0]
    buy(ball, {single.id: seats}, name="Sam Sold", email="sam@example.org")
    return ball


def join_page(client, ball: Ball, name: str, email: str, quantity="1", page=None):
    url = f"/ball/waiting-list/{ball.ticket_types[0].id}"
    data = {"name": name, "email": email, "quantity": quantity}
    return submit(client, url, data, page=page)


def entry_of(email: str) -> WaitingEntry:
    db.session.expire_all()
    return db.session.scalar(select(WaitingEntry).where(WaitingEntry.email == email))


def offers_to(email: str) -> list[OutboxEmail]:
    return [e for e in emails_to(email) if e.template == "ball_waiting_offer"]


def refund_one(ball: Ball, team) -> None:
    """The team refunds one of Sam's seats."""
    order = db.session.scalar(select(Order).where(Order.buyer_email == "sam@example.org"))
    ticket = next(t for t in order.tickets if t.status is TicketStatus.VALID)
    refunds.refund_tickets(order, [ticket.id], team, "Cannot come", 9_500)
    db.session.commit()


def test_a_sold_out_type_offers_its_waiting_list_and_joining_is_confirmed(client):
    ball = sold_out_ball()
    page = client.get("/ball").get_data(as_text=True)
    assert "Join the waiting list" in page
    assert client.get(f"/ball/waiting-list/{ball.ticket_types[0].id}").status_code == 200

    response = join_page(client, ball, "Wendy Wait", "Wendy@Example.org", "2")
    assert response.status_code == 200
    assert "You are on the waiting list" in response.get_data(as_text=True)
    entry = entry_of("wendy@example.org")
    assert (entry.name, entry.quantity, entry.status) == ("Wendy Wait", 2, WaitingStatus.WAITING)
    (email,) = emails_to("wendy@example.org")
    assert email.template == "ball_waiting_joined"
    assert "Single seat" in email.body_text

    again = join_page(client, ball, "Wendy Wait", "wendy@example.org", "1")
    assert "You are already on the waiting list" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(WaitingEntry)) == 1
    assert len(emails_to("wendy@example.org")) == 1


def test_a_type_on_sale_has_no_waiting_list(client):
    ball = ticketing_make.ball(capacity=10)
    page = client.get(f"/ball/waiting-list/{ball.ticket_types[0].id}").get_data(as_text=True)
    assert "is not sold out" in page
    response = join_page(client, ball, "Wendy", "w@example.org", page="/ball")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(WaitingEntry)) == 0
    # Hidden types (sponsor packages) and types of other balls have no list at all.
    assert client.get(f"/ball/waiting-list/{ball.ticket_types[2].id}").status_code == 404
    assert client.get("/ball/waiting-list/999999").status_code == 404


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"quantity": "0"}, "How many must be 1 or more"),
        ({"quantity": "11"}, "Ask for between 1 and 10 of Single seat"),
        ({"quantity": "9" * 40}, "How many must be 999 or fewer"),
        ({"quantity": "-3"}, "How many must be a whole number"),
        ({"quantity": "two"}, "How many must be a whole number"),
        ({"quantity": ""}, "Enter how many you want"),
        ({"name": ""}, "Enter your full name"),
        ({"name": "A" * 100_000}, "Full name must be 120 characters or fewer"),
        ({"name": "Ada\x00Lovelace"}, None),
        ({"email": "not an email"}, "Enter an email address in the correct format"),
        ({"email": "a" * 100_000 + "@example.org"}, "254 characters or fewer"),
    ],
)
def test_bad_input_on_the_form_is_explained_and_saves_nothing(client, data, field_error):
    ball = sold_out_ball()
    values = {"name": "Wendy Wait", "email": "wendy@example.org", "quantity": "1", **data}
    response = submit(client, f"/ball/waiting-list/{ball.ticket_types[0].id}", values)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    if field_error:
        assert field_error in page
    assert db.session.scalar(select(func.count()).select_from(WaitingEntry)) == 0
    assert emails_to("wendy@example.org") == []


def test_first_come_first_offered_and_never_more_offers_than_freed_seats(client, make):
    team = make.team_member()
    ball = sold_out_ball(3)
    single = ball.ticket_types[0]
    for name, quantity in (("ann", 1), ("bob", 2), ("cat", 1), ("dan", 1)):
        ticketing_make.waiting_entry(single, name.title(), f"{name}@example.org", quantity)

    refund_one(ball, team)  # one seat free: Ann, first in line, is offered it
    assert [len(offers_to(f"{n}@example.org")) for n in ("ann", "bob", "cat", "dan")] == [
        1,
        0,
        0,
        0,
    ]
    assert entry_of("ann@example.org").status is WaitingStatus.OFFERED
    assert availability.seats_taken(ball) == 3  # her offer holds the freed seat

    refund_one(ball, team)  # one more: Bob wants two, so Cat (next whose number fits)
    assert entry_of("bob@example.org").status is WaitingStatus.WAITING
    assert entry_of("cat@example.org").status is WaitingStatus.OFFERED
    assert entry_of("dan@example.org").status is WaitingStatus.WAITING
    assert availability.seats_taken(ball) == 3
    offered = db.session.scalar(
        select(func.count()).where(WaitingEntry.status == WaitingStatus.OFFERED)
    )
    assert offered == 2


def test_an_offer_holds_the_seats_at_the_current_price_and_its_link_leads_to_the_checkout(
    client, make
):
    team = make.team_member()
    ball = sold_out_ball(2)
    single = ball.ticket_types[0]
    ticketing_make.waiting_entry(single, "Ann Wait", "ann@example.org", 1)
    single.price_pence = 12_000  # the price changed since she joined
    db.session.commit()
    refund_one(ball, team)

    (offer,) = offers_to("ann@example.org")
    assert "£120" in offer.body_text
    link = link_in(offer)
    page = client.get(link).get_data(as_text=True)
    assert "Seats held for you" in page
    assert "Ann Wait" in page and "ann@example.org" in page  # the checkout, prefilled
    response = submit(client, link, {})
    assert response.status_code == 303
    paid = submit(client, stand_in_path(response), {"pay": "y"}, page=link)
    assert paid.status_code == 303
    order = entry_of("ann@example.org").order
    assert order.status is OrderStatus.PAID
    assert order.tickets_pence == 12_000
    assert "You have bought these seats" in client.get(link).get_data(as_text=True)

    # The next round of offers settles her place as bought.
    waiting_list.offer_freed_seats(db.session.get(Ball, ball.id))
    db.session.commit()
    assert entry_of("ann@example.org").status is WaitingStatus.BOUGHT
    assert client.get("/ball/waiting-list/offers/not-a-token").status_code == 404


def test_a_lapsed_offer_goes_to_the_next_through_the_workers_expire_job(app, make, clock):
    start = utcnow()
    clock(start)
    team = make.team_member()
    ball = sold_out_ball(2)
    single = ball.ticket_types[0]
    ticketing_make.waiting_entry(single, "Ann Wait", "ann@example.org", 1)
    ticketing_make.waiting_entry(single, "Bob Wait", "bob@example.org", 1)
    refund_one(ball, team)
    ann_order = entry_of("ann@example.org").order
    assert ann_order.hold_expires_at == start + timedelta(hours=24)

    clock(start + timedelta(hours=23))
    with app.test_request_context():
        assert cli._expire_job(None) is None  # still held for Ann
    assert offers_to("bob@example.org") == []

    clock(start + timedelta(hours=25))
    with app.test_request_context():
        assert cli._expire_job(None) == "offered 1"
    assert entry_of("ann@example.org").status is WaitingStatus.LAPSED
    assert entry_of("bob@example.org").status is WaitingStatus.OFFERED
    assert len(offers_to("bob@example.org")) == 1
    # Ann hears that her seats went on, once, with a link from BASE_URL.
    (lapsed,) = [e for e in emails_to("ann@example.org") if e.template == "ball_waiting_lapsed"]
    assert "were not paid for before the offer ended" in lapsed.body_text
    assert f"{app.config['BASE_URL']}/ball" in lapsed.body_text
    with app.test_request_context():
        cli._expire_job(None)
    assert (
        len([e for e in emails_to("ann@example.org") if e.template == "ball_waiting_lapsed"]) == 1
    )
    assert availability.seats_taken(db.session.get(Ball, ball.id)) == 2


def test_one_balls_bad_offer_does_not_stop_the_next_balls_offers(app, make, monkeypatch):
    team = make.team_member()
    first, second = sold_out_ball(1), sold_out_ball(1)
    for ball in (first, second):  # a seat comes free on each ball before anyone waits
        order = db.session.scalar(
            select(Order).where(Order.ball_id == ball.id, Order.buyer_email == "sam@example.org")
        )
        refunds.refund_tickets(order, [order.tickets[0].id], team, "Cannot come", 9_500)
        db.session.commit()
    ticketing_make.waiting_entry(first.ticket_types[0], "Bad Row", "bad@example.org", 1)
    ticketing_make.waiting_entry(second.ticket_types[0], "Cat Wait", "cat@example.org", 1)
    db.session.commit()
    real_offer = waiting_list._offer

    def offer(entry, now, by=None):
        if entry.email == "bad@example.org":
            raise RuntimeError("a bad row")
        real_offer(entry, now, by)

    monkeypatch.setattr(waiting_list, "_offer", offer)
    with app.test_request_context():
        assert waiting_list.offer_all_freed_seats() == 1
    assert entry_of("bad@example.org").status is WaitingStatus.WAITING
    assert entry_of("cat@example.org").status is WaitingStatus.OFFERED
    assert len(offers_to("cat@example.org")) == 1
    assert availability.seats_taken(db.session.get(Ball, first.id)) == 0  # nothing half-made
    assert availability.seats_taken(db.session.get(Ball, second.id)) == 1  # held for Cat


def test_an_expired_buyers_hold_is_offered_by_the_expire_job(app, clock):
    ball = ticketing_make.ball(capacity=2)
    single = ball.ticket_types[0]
    buy(ball, {single.id: 1})
    held = waiting_list.checkout.hold(
        ball, waiting_list.checkout.Basket({single.id: 1}, "Hal Held", "hal@example.org")
    )
    db.session.commit()
    ticketing_make.waiting_entry(single, "Ann Wait", "ann@example.org", 1)
    clock(held.hold_expires_at + timedelta(minutes=1))
    with app.test_request_context():
        assert cli._expire_job(None) == "offered 1"
    assert entry_of("ann@example.org").status is WaitingStatus.OFFERED


def test_raising_the_capacity_or_a_types_quantity_offers_the_new_seats(make):
    team = make.team_member()
    ball = sold_out_ball(2)
    single = ball.ticket_types[0]
    single.quantity = 2
    db.session.commit()
    ticketing_make.waiting_entry(single, "Ann Wait", "ann@example.org", 1)
    ticketing_make.waiting_entry(single, "Bob Wait", "bob@example.org", 1)

    details = setup.BallDetails(
        **{name: getattr(ball, name) for name, _ in setup.BALL_FIELDS} | {"capacity": 4}
    )
    setup.update_ball(ball, details, team, confirmed=False)
    db.session.commit()
    # The ball has room, but the type has none left: nobody yet.
    assert offers_to("ann@example.org") == []

    fields = {name: getattr(single, name) for name, _ in setup.TYPE_FIELDS}
    setup.update_ticket_type(
        single, setup.TicketTypeDetails(**fields | {"quantity": 3}), team, confirmed=False
    )
    db.session.commit()
    assert entry_of("ann@example.org").status is WaitingStatus.OFFERED
    assert entry_of("bob@example.org").status is WaitingStatus.WAITING


def test_the_team_sees_the_list_removes_someone_and_offers_by_hand(client, make, login):
    team = make.team_member(name="Tess Team")
    ball = sold_out_ball(2)
    single = ball.ticket_types[0]
    for name in ("ann", "bob", "cat"):
        ticketing_make.waiting_entry(single, f"{name.title()} Wait", f"{name}@example.org")
    login(team)
    url = f"/team/ball/{ball.id}/waiting-list"
    assert url in client.get(f"/team/ball/{ball.id}").get_data(as_text=True)
    page = client.get(url).get_data(as_text=True)
    assert page.index("Ann Wait") < page.index("Bob Wait") < page.index("Cat Wait")

    # Nothing free: an offer by hand is refused and says why.
    cat = entry_of("cat@example.org")
    assert submit(client, f"{url}/{cat.id}/offer", {}, page=url).status_code == 302
    assert "Not enough free" in client.get(url).get_data(as_text=True)
    assert entry_of("cat@example.org").status is WaitingStatus.WAITING

    refund_one(ball, team)  # Ann is offered the seat
    ann = entry_of("ann@example.org")
    assert submit(client, f"{url}/{ann.id}/remove", {}, page=url).status_code == 302
    assert "Ann Wait is off the waiting list" in client.get(url).get_data(as_text=True)
    # Her offer ended and its seat went to Bob, next in line.
    assert entry_of("ann@example.org").status is WaitingStatus.REMOVED
    assert entry_of("ann@example.org").order.status is OrderStatus.EXPIRED
    assert entry_of("bob@example.org").status is WaitingStatus.OFFERED

    refund_one(ball, team)  # free again: Cat is offered (she is next)
    assert entry_of("cat@example.org").status is WaitingStatus.OFFERED
    page = client.get(url).get_data(as_text=True)
    assert "Removed" in page and "Offered" in page

    download = client.get(f"{url}.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["Place", "Joined (UK time)", "Name", "Email"]
    assert [row[2] for row in rows[1:]] == ["Ann Wait", "Bob Wait", "Cat Wait"]
    assert [row[6] for row in rows[1:]] == ["Removed", "Offered", "Offered"]


def test_an_offer_by_hand_skips_the_line_when_the_seats_fit(make):
    team = make.team_member()
    ball = sold_out_ball(2)
    single = ball.ticket_types[0]
    ticketing_make.waiting_entry(single, "Ann Wait", "ann@example.org", 2)
    ticketing_make.waiting_entry(single, "Bob Wait", "bob@example.org", 1)
    refund_one(ball, team)  # Ann wants two: Bob's one fits, so he is offered it
    assert entry_of("bob@example.org").status is WaitingStatus.OFFERED
    with pytest.raises(Conflict):
        waiting_list.offer_by_hand(entry_of("bob@example.org"), team)
    db.session.rollback()
    ann = entry_of("ann@example.org")
    with pytest.raises(Conflict, match="Not enough free"):
        waiting_list.offer_by_hand(ann, team)


def test_the_teams_list_page_sends_as_many_statements_for_twelve_as_for_two(client, make, login):
    team = make.team_member()
    ball = sold_out_ball(3)
    single = ball.ticket_types[0]
    login(team)
    url = f"/team/ball/{ball.id}/waiting-list"

    def statements_for_page() -> int:
        client.get(url)  # once first, so that both counts see the same warm session
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    for number in range(2):
        ticketing_make.waiting_entry(single, f"Few {number}", f"few{number}@example.org")
    refund_one(ball, team)  # an offer on the list, with its order
    few = statements_for_page()
    for number in range(10):
        ticketing_make.waiting_entry(single, f"Many {number}", f"many{number}@example.org")
    refund_one(ball, team)
    assert statements_for_page() == few
