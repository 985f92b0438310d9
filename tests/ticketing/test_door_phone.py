"""The door on a phone (issue 18): a scan sent again after the connection dropped is given
its first answer and admits once; the arrivals count, overall, by ticket type and by table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing import door, refunds, seating
from brokerage.ticketing.models import CheckInEvent
from tests.helpers import counted_statements, elements, main_html, submit, table_rows
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

SCAN = "0f8e2c1a-5b7d-4e21-9a3c-7d1e2f3a4b5c"


def admissions() -> int:
    return db.session.scalar(
        select(func.count()).select_from(CheckInEvent).where(CheckInEvent.action == "admit")
    )


def test_a_scan_sent_again_gets_its_first_answer_and_admits_once(team, make):
    ball = ticketing_make.ball()
    ticket = buy(ball, {ball.ticket_types[0].id: 1}).tickets[0]
    ticket.guest_name = "Gina Guest"
    night = datetime(2027, 11, 27, 20, 14, tzinfo=UTC)  # 8:14pm in Leeds

    first = door.check_in(ball, ticket.code, team, now=night, scan_id=SCAN)
    again = door.check_in(ball, ticket.code, team, now=night + timedelta(seconds=20), scan_id=SCAN)

    assert first.outcome == again.outcome == "admitted"
    assert again.headline == "Admitted: Gina Guest (this scan, answered at 8:14pm by Dee Door)"
    assert admissions() == 1
    # Another scan of the same ticket (a second phone, or the guest again) is warned.
    other = door.check_in(ball, ticket.code, make.team_member(name="Sam Second"), scan_id="a" * 36)
    assert other.outcome == "already"
    assert admissions() == 1


def test_a_retried_post_of_the_same_scan_shows_admitted_not_a_warning(client, team):
    ball = ticketing_make.ball()
    ticket = buy(ball, {ball.ticket_types[0].id: 1}).tickets[0]
    url = f"/team/ball/{ball.id}/door"
    for _ in range(2):  # the answer to the first was lost on the way back
        response = submit(client, url, {"code": ticket.code, "scan": SCAN})
        assert response.status_code == 302
        [(_, answer)] = elements(
            main_html(client.get(url)), lambda tag, a: a.get("id") == "door-answer"
        )
        assert answer.startswith("Admitted: a guest of Ada Buyer")
        assert "do not admit twice" not in answer
    assert admissions() == 1
    # A scan id that is not one of ours is refused beside the form, and admits nobody else.
    response = submit(client, url, {"code": ticket.code, "scan": "<script>"})
    assert response.status_code == 400


def test_arrivals_count_admitted_of_expected_overall_and_by_type(client, team):
    ball = ticketing_make.ball()
    single, table = ball.ticket_types[0], ball.ticket_types[1]
    singles = buy(ball, {single.id: 3}).tickets
    buy(ball, {table.id: 1}, name="Tom Table", email="tom@example.org")
    refunds.refund_tickets(singles[0].order, [singles[2].id], team, "Not coming", 9_500)
    for ticket in singles[:2]:
        door.check_in(ball, ticket.code, team)
    db.session.commit()

    counts = door.arrivals(ball)
    assert (counts.admitted, counts.expected) == (2, 12)
    assert [(g.label, g.admitted, g.expected) for g in counts.groups["By ticket type"]] == [
        (single.name, 2, 2),
        (table.name, 0, 10),
    ]
    page = client.get(f"/team/ball/{ball.id}/door")
    assert "2 of 12 guests admitted" in page.get_data(as_text=True)
    assert table_rows(page)[-2:] == [[single.name, "2", "2"], [table.name, "0", "10"]]
    assert "By table" not in counts.groups  # no tables set up: nothing to show


def test_arrivals_by_table_once_the_team_has_placed_guests(client, team):
    ball = ticketing_make.ball()
    table_of_ten = buy(ball, {ball.ticket_types[1].id: 1}, email="tom@example.org").tickets
    singles = buy(ball, {ball.ticket_types[0].id: 2}).tickets
    first = seating.add_table(ball, "1", 10, team)
    top = seating.add_table(ball, "Top table", 4, team)
    seating.place(first, table_of_ten[0])  # a table-of-10 order is placed whole
    seating.place(top, singles[0])
    db.session.commit()
    for ticket in (table_of_ten[0], table_of_ten[1], singles[1]):
        door.check_in(ball, ticket.code, team)
    db.session.commit()

    counts = door.arrivals(ball)
    assert [(g.label, g.admitted, g.expected) for g in counts.groups["By table"]] == [
        ("Table 1", 2, 10),
        ("Table Top table", 0, 1),
        ("Not placed at a table", 1, 1),
    ]
    page = client.get(f"/team/ball/{ball.id}/door")
    assert table_rows(page)[-3:] == [
        ["Table 1", "2", "10"],
        ["Table Top table", "0", "1"],
        ["Not placed at a table", "1", "1"],
    ]


def test_the_arrivals_count_takes_the_same_queries_whatever_the_guests(team):
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1})
    db.session.refresh(ball)
    with counted_statements() as few:
        door.arrivals(ball)
    buy(ball, {ball.ticket_types[0].id: 5}, email="b@example.org")
    buy(ball, {ball.ticket_types[1].id: 2}, email="c@example.org")
    db.session.refresh(ball)
    with counted_statements() as many:
        door.arrivals(ball)
    assert len(few) == len(many) == 2  # by ticket type, by table
