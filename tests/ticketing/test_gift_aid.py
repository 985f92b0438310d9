"""Gift Aid claims: the schedule's columns and formats (read back from the file), which
donations are eligible, each claimed once (also when two team members claim at the
same moment), the team's page and its period form, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, func, insert, select

from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds
from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.ticketing import gift_aid, refunds
from brokerage.ticketing.models import Ball, GiftAidClaim, Order, OrderStatus
from tests import factories
from tests.helpers import (
    counted_statements,
    error_summary,
    field_errors,
    flashes,
    page_text,
    submit,
    table_rows,
)
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy
from tests.ticketing.schedules import ods_rows, ods_value_types, zip_files

HEADER = [
    "Title",
    "First name",
    "Last name",
    "House name or number",
    "Postcode",
    "Aggregated donations",
    "Sponsored event",
    "Donation date",
    "Amount",
]
# 23:30 on 30 June in UTC is half past midnight on 1 July in Leeds (summer time).
SUMMER_NIGHT = datetime(2027, 6, 30, 23, 30, tzinfo=UTC)


def _day(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _period(start: date, end: date) -> dict:
    """The period form's two dates, as the day, month and year boxes send them."""
    return {"period_from": _day(start), "period_to": _day(end)}


def _claim_through_the_page(client, ball: Ball, start: date, end: date):
    url = f"/team/ball/{ball.id}/gift-aid"
    return submit(client, url, _period(start, end))


def _claims() -> list[GiftAidClaim]:
    db.session.expire_all()
    return list(db.session.scalars(select(GiftAidClaim).order_by(GiftAidClaim.id)))


def test_the_schedule_has_hmrcs_columns_and_formats(client, team, clock):
    clock(SUMMER_NIGHT)
    ball = ticketing_make.ball()
    single = ball.ticket_types[0].id
    buy(
        ball,
        {single: 1},
        donation=2_050,
        gift_aid=True,
        name="Ada Lovelace",
        gift_aid_title="Dr",
        gift_aid_last_name="Lovelace-Byron",
        gift_aid_house="Rose Cottage",
        gift_aid_postcode="ls1  5ab",
    )
    clock(SUMMER_NIGHT + timedelta(days=1, hours=12))  # 2 July, midday
    buy(ball, {single: 1}, donation=500, gift_aid=True, name="Bo Smith-Jones-Ali")
    buy(ball, {single: 1}, donation=123_456, gift_aid=True, name="Cy Dee", gift_aid_house="7")
    buy(ball, {single: 1}, donation=7, gift_aid=True, name="Di Eve")
    buy(ball, {single: 1}, donation=5_000, name="No Gift Aid")

    response = _claim_through_the_page(client, ball, date(2027, 7, 1), date(2027, 7, 2))
    assert response.status_code == 302
    [claim] = _claims()
    assert (claim.donations, claim.total_pence) == (4, 2_050 + 500 + 123_456 + 7)
    page = client.get(response.headers["Location"])
    assert f"Claim {claim.id} is made: 4 donations, £1,260.13" in flashes(page)

    download = client.get(f"/team/ball/{ball.id}/gift-aid/claims/{claim.id}/schedule")
    assert download.status_code == 200
    assert download.mimetype == gift_aid.ODS_TYPE
    assert download.headers["Content-Disposition"] == (
        f'attachment; filename="{ball.slug}-gift-aid-claim-{claim.id}.ods"'
    )
    rows = ods_rows(download.get_data())
    assert rows == [
        HEADER,
        ["Dr", "Ada", "Lovelace Byron", "Rose Cottage", "LS1 5AB", "", "", "01/07/27", "20.50"],
        ["", "Bo", "Smith Jones Ali", "1", "LS1 5AB", "", "", "02/07/27", "5.00"],
        ["", "Cy", "Dee", "7", "LS1 5AB", "", "", "02/07/27", "1234.56"],
        ["", "Di", "Eve", "1", "LS1 5AB", "", "", "02/07/27", "0.07"],
    ]
    # The amount is a number to the spreadsheet; the rest is text, the empty cells empty.
    assert ods_value_types(download.get_data())[1] == [
        *["string"] * 5,
        "",
        "",
        "string",
        "float",
    ]


def test_each_column_is_cut_to_hmrcs_limits():
    order = Order(
        gift_aid_title="Prof",
        gift_aid_first_name="A" * 35,
        gift_aid_last_name="B-" * 20,
        gift_aid_house="H" * 40,
        gift_aid_postcode="ls15ab",
        paid_at=datetime(2027, 1, 5, 12, tzinfo=UTC),
        gift_aid_claimed_pence=100_000,
    )
    row = gift_aid.schedule_row(order)
    assert row[0] == "Prof"
    assert (len(row[1]), len(row[2]), len(row[3])) == (35, 35, 40)
    assert row[2].startswith("B B B") and "-" not in row[2]
    assert row[4:] == ["LS1 5AB", "", "", "05/01/27", "1000.00"]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("ls15ab", "LS1 5AB"),
        (" LS1  5AB ", "LS1 5AB"),
        ("sw1a1aa", "SW1A 1AA"),
        ("m11ae", "M1 1AE"),
    ],
)
def test_postcodes_are_kept_in_capitals_with_a_space(typed, stored):
    assert gift_aid.normal_postcode(typed) == stored


@pytest.mark.parametrize("typed", ["", "LS1", "12345", "LS1 5A", "LS1 5ABC", "L$1 5AB"])
def test_a_postcode_that_is_not_one_is_refused(typed):
    assert gift_aid.normal_postcode(typed) is None


def test_refunded_donations_are_left_out_and_part_refunds_take_the_tickets_first(
    client, team, make
):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0].id
    tickets_refunded = buy(ball, {single: 2}, donation=2_000, gift_aid=True, name="Ann Aye")
    into_donation = buy(ball, {single: 1}, donation=2_000, gift_aid=True, name="Ben Bee")
    whole = buy(ball, {single: 1}, donation=2_000, gift_aid=True, name="Cat Cee")
    all_of_it = buy(ball, {single: 2}, donation=1_500, gift_aid=True, name="Dan Dee")
    kept = buy(ball, {single: 1}, donation=1_000, gift_aid=True, name="Eve Eff")
    member = db.session.get(User, team.id)
    # One of two seats, at its price: the donation is untouched.
    refunds.refund_tickets(tickets_refunded, [tickets_refunded.tickets[0].id], member, None, 9_500)
    # Its only seat and £5 beyond it: the order counts as refunded, yet £15 of the
    # donation is kept, and claimed.
    refunds.refund_tickets(into_donation, [into_donation.tickets[0].id], member, None, 10_000)
    # Everything: the order is refunded, the donation with it.
    refunds.refund_tickets(whole, [whole.tickets[0].id], member, None, 11_500)
    # One seat at its price, then the other with the whole donation.
    refunds.refund_tickets(all_of_it, [all_of_it.tickets[0].id], member, None, 9_500)
    refunds.refund_tickets(all_of_it, [all_of_it.tickets[1].id], member, None, 11_000)
    db.session.commit()
    assert db.session.get(Order, whole.id).status is OrderStatus.REFUNDED
    assert db.session.get(Order, into_donation.id).status is OrderStatus.REFUNDED

    waiting = gift_aid.waiting(ball)
    assert (waiting.donations, waiting.total_pence) == (3, 2_000 + 1_500 + 1_000)
    today = today_in_leeds()
    claim = gift_aid.make_claim(ball, today, today, member)
    db.session.commit()
    rows = gift_aid.schedule_rows(claim)
    assert [(row[2], row[8]) for row in rows] == [
        ("Aye", "20.00"),
        ("Bee", "15.00"),
        ("Eff", "10.00"),
    ]
    assert db.session.get(Order, kept.id).gift_aid_claim_id == claim.id
    assert db.session.get(Order, whole.id).gift_aid_claim_id is None
    assert db.session.get(Order, all_of_it.id).gift_aid_claim_id is None


def test_a_donation_is_claimed_once_and_the_next_claim_holds_only_new_ones(team, clock):
    clock(datetime(2027, 3, 1, 10, tzinfo=UTC))
    ball = ticketing_make.ball()
    single = ball.ticket_types[0].id
    buy(ball, {single: 1}, donation=1_000, gift_aid=True, name="Ann Aye")
    member = db.session.get(User, team.id)
    first = gift_aid.make_claim(ball, date(2027, 3, 1), date(2027, 3, 1), member)
    db.session.commit()
    assert (first.donations, first.total_pence) == (1, 1_000)

    with pytest.raises(FieldError) as refused:
        gift_aid.make_claim(ball, date(2027, 2, 1), date(2027, 3, 1), member)
    assert str(refused.value) == (
        "No Gift Aid donations received from 1 February 2027 to 1 March 2027 are waiting "
        "to be claimed"
    )
    db.session.rollback()

    clock(datetime(2027, 3, 2, 10, tzinfo=UTC))
    buy(ball, {single: 1}, donation=2_500, gift_aid=True, name="Ben Bee")
    second = gift_aid.make_claim(ball, date(2027, 3, 1), date(2027, 3, 2), member)
    db.session.commit()
    assert (second.donations, second.total_pence) == (1, 2_500)
    assert [row[2] for row in gift_aid.schedule_rows(first)] == ["Aye"]
    assert [row[2] for row in gift_aid.schedule_rows(second)] == ["Bee"]
    assert gift_aid.waiting(ball).donations == 0
    assert len(_claims()) == 2


def test_a_donation_refunded_after_its_claim_is_taken_off_the_next_claim(client, team, clock):
    """HMRC: tax claimed on a donation later refunded is repaid by reducing the next
    claim. The page says how much; the next claim records it once."""
    clock(datetime(2027, 3, 1, 10, tzinfo=UTC))
    ball = ticketing_make.ball()
    single = ball.ticket_types[0].id
    ann = buy(ball, {single: 1}, donation=2_000, gift_aid=True, name="Ann Aye")
    member = db.session.get(User, team.id)
    gift_aid.make_claim(ball, date(2027, 3, 1), date(2027, 3, 1), member)
    db.session.commit()
    # Ann's seat and £12 of her £20 donation are refunded after the claim.
    refunds.refund_tickets(ann, [ann.tickets[0].id], member, None, 9_500 + 1_200)
    db.session.commit()
    owed = gift_aid.overclaimed(ball)
    assert (owed.donations, owed.refunded_pence, owed.tax_pence) == (1, 1_200, 300)
    page = page_text(client.get(f"/team/ball/{ball.id}/gift-aid"))
    assert "£12 of donations, £3 of Gift Aid already claimed on it" in page

    clock(datetime(2027, 3, 2, 10, tzinfo=UTC))
    buy(ball, {single: 1}, donation=1_000, gift_aid=True, name="Ben Bee")
    response = _claim_through_the_page(client, ball, date(2027, 3, 2), date(2027, 3, 2))
    second = _claims()[-1]
    assert (second.total_pence, second.adjustment_pence, second.adjustment_tax_pence) == (
        1_000,
        1_200,
        300,
    )
    assert "Enter £3 as the adjustment on HMRC's claim form" in flashes(
        client.get(response.headers["Location"])
    )
    # Taken off once: the next claim carries nothing more, and the page no longer asks.
    assert gift_aid.overclaimed(ball).refunded_pence == 0
    clock(datetime(2027, 3, 3, 10, tzinfo=UTC))
    buy(ball, {single: 1}, donation=500, gift_aid=True, name="Cat Cee")
    third = gift_aid.make_claim(ball, date(2027, 3, 3), date(2027, 3, 3), member)
    db.session.commit()
    assert third.adjustment_pence == 0
    assert "Refunded after they were claimed" not in page_text(
        client.get(f"/team/ball/{ball.id}/gift-aid")
    )


def test_a_claim_holds_only_its_own_balls_donations_and_its_period(team, clock):
    clock(datetime(2027, 3, 1, 10, tzinfo=UTC))
    ball, other = ticketing_make.ball(), ticketing_make.ball(slug="other-ball")
    buy(ball, {ball.ticket_types[0].id: 1}, donation=1_000, gift_aid=True, name="Ann Aye")
    buy(other, {other.ticket_types[0].id: 1}, donation=3_000, gift_aid=True, name="Oz Other")
    clock(datetime(2027, 3, 3, 10, tzinfo=UTC))
    buy(ball, {ball.ticket_types[0].id: 1}, donation=2_000, gift_aid=True, name="Late Lee")
    member = db.session.get(User, team.id)
    claim = gift_aid.make_claim(ball, date(2027, 3, 1), date(2027, 3, 2), member)
    assert [row[2] for row in gift_aid.schedule_rows(claim)] == ["Aye"]
    assert gift_aid.waiting(other).donations == 1
    assert gift_aid.waiting(ball).donations == 1


def test_only_the_team_claims():
    ball = ticketing_make.ball()
    with pytest.raises(Exception, match="Only the programme team claims Gift Aid"):
        gift_aid.make_claim(ball, date(2027, 1, 1), date(2027, 1, 2), factories.user())


def test_two_team_members_claiming_at_once_claim_each_donation_once(app, clock):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0].id
    for name in ("Ann Aye", "Ben Bee", "Cat Cee"):
        buy(ball, {single: 1}, donation=1_000, gift_aid=True, name=name)
    staff = [factories.team_member(name="Tam One"), factories.team_member(name="Tim Two")]
    ball_id, staff_ids = ball.id, [s.id for s in staff]
    today = today_in_leeds()
    db.session.remove()

    # Both threads meet just before their first write (the ball's lock): the two
    # transactions truly overlap.
    barrier = threading.Barrier(2, timeout=20)
    waiting = threading.local()

    def meet_before_claiming(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE BALL") and not getattr(
            waiting, "done", False
        ):
            waiting.done = True
            barrier.wait()

    outcomes: dict[int, str] = {}

    def claim(number: int) -> None:
        with app.test_request_context(base_url="http://localhost"):
            try:
                made = gift_aid.make_claim(
                    db.session.get(Ball, ball_id),
                    today - timedelta(days=1),
                    today,
                    db.session.get(User, staff_ids[number]),
                )
                db.session.commit()
                outcomes[number] = f"claimed {made.donations}"
            except FieldError as exc:
                db.session.rollback()
                outcomes[number] = str(exc)
            finally:
                db.session.remove()

    event.listen(db.engine, "before_cursor_execute", meet_before_claiming)
    try:
        threads = [threading.Thread(target=claim, args=(n,)) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(db.engine, "before_cursor_execute", meet_before_claiming)

    [won] = [n for n, outcome in outcomes.items() if outcome == "claimed 3"]
    assert outcomes[1 - won].startswith("No Gift Aid donations received"), outcomes
    [made] = _claims()
    assert (made.donations, made.total_pence) == (3, 3_000)
    claimed = db.session.scalars(select(Order.gift_aid_claim_id)).all()
    assert claimed == [made.id] * 3


def test_more_than_1000_donations_come_as_several_files_in_a_zip(client, team):
    ball = ticketing_make.ball()
    member = db.session.get(User, team.id)
    claim = GiftAidClaim(
        ball_id=ball.id,
        period_from=date(2027, 1, 1),
        period_to=date(2027, 1, 31),
        made_by_id=member.id,
        donations=1_001,
        total_pence=1_001 * 500,
    )
    db.session.add(claim)
    db.session.flush()
    paid = datetime(2027, 1, 10, 12, tzinfo=UTC)
    db.session.execute(
        insert(Order),
        [
            {
                "ball_id": ball.id,
                "token": secrets.token_urlsafe(16),
                "status": OrderStatus.PAID,
                "buyer_name": f"Donor {n}",
                "buyer_email": f"donor{n}@example.org",
                "tickets_pence": 0,
                "donation_pence": 500,
                "seats": 0,
                "gift_aid": True,
                "gift_aid_first_name": "Donor",
                "gift_aid_last_name": f"Number{'x' * (n % 3)}",
                "gift_aid_house": str(n),
                "gift_aid_postcode": "LS1 5AB",
                "paid_at": paid + timedelta(minutes=n),
                "paid_pence": 500,
                "gift_aid_claim_id": claim.id,
                "gift_aid_claimed_pence": 500,
            }
            for n in range(1_001)
        ],
    )
    db.session.commit()

    download = client.get(f"/team/ball/{ball.id}/gift-aid/claims/{claim.id}/schedule")
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].endswith(f'-gift-aid-claim-{claim.id}.zip"')
    files = zip_files(download.get_data())
    base = f"{ball.slug}-gift-aid-claim-{claim.id}"
    assert sorted(files) == [f"{base}-part-1-of-2.ods", f"{base}-part-2-of-2.ods"]
    first, second = (ods_rows(files[f"{base}-part-{n}-of-2.ods"]) for n in (1, 2))
    assert (len(first), len(second)) == (1 + 1_000, 1 + 1)
    assert first[0] == second[0] == HEADER
    assert [row[3] for row in first[1:]] + [second[1][3]] == [str(n) for n in range(1_001)]


# --- The team's page --------------------------------------------------------------------


def test_the_page_shows_whats_waiting_and_the_claims_made(client, team, clock):
    clock(datetime(2027, 3, 1, 10, tzinfo=UTC))
    ball = ticketing_make.ball()
    single = ball.ticket_types[0].id
    url = f"/team/ball/{ball.id}/gift-aid"
    assert "Claim Gift Aid on donations" in page_text(client.get(f"/team/ball/{ball.id}"))
    text = page_text(client.get(url))
    assert "No donations are waiting to be claimed." in text and "No claims yet." in text

    buy(ball, {single: 1}, donation=1_000, gift_aid=True, name="Ann Aye")
    clock(datetime(2027, 3, 4, 10, tzinfo=UTC))
    buy(ball, {single: 1}, donation=2_500, gift_aid=True, name="Ben Bee")
    old = buy(ball, {single: 1}, donation=700, gift_aid=True, name="Old Order")
    old.gift_aid_first_name = old.gift_aid_last_name = old.gift_aid_house = None
    db.session.commit()
    text = page_text(client.get(url))
    assert "2 donations worth £35, received from 1 March 2027 to 4 March 2027." in text
    assert (
        "1 Gift Aid donation cannot be claimed: its declaration lacks the donor's name, "
        "house name or number, or postcode." in text
    )

    _claim_through_the_page(client, ball, date(2027, 3, 1), date(2027, 3, 2))
    page = client.get(url)
    assert "1 donation worth £25, received from 4 March 2027 to 4 March 2027." in page_text(page)
    [claim] = _claims()
    [row] = table_rows(page)
    assert row[:6] == [
        str(claim.id),
        "1 March 2027 to 2 March 2027",
        "4 March 2027 at 10:00am by Dee Door",
        "1",
        "£10",
        "None",  # no adjustment: nothing claimed earlier was refunded
    ]
    assert row[6].startswith("Download")


def test_a_claim_of_another_ball_is_not_found(client, team):
    ball, other = ticketing_make.ball(), ticketing_make.ball(slug="other-ball")
    buy(ball, {ball.ticket_types[0].id: 1}, donation=1_000, gift_aid=True)
    today = today_in_leeds()
    claim = gift_aid.make_claim(ball, today, today, db.session.get(User, team.id))
    db.session.commit()
    assert (
        client.get(f"/team/ball/{other.id}/gift-aid/claims/{claim.id}/schedule").status_code == 404
    )
    assert (
        client.get(f"/team/ball/{ball.id}/gift-aid/claims/{claim.id + 1}/schedule").status_code
        == 404
    )


BAD_PERIODS = {
    "nothing": (
        {},
        {
            "period_from": "Enter the first day of the period",
            "period_to": "Enter the last day of the period",
        },
    ),
    "half a date": (
        {**_period(date(2027, 3, 1), date(2027, 3, 2)), "period_from": ["1", "", "2027"]},
        {"period_from": "From must include a day, month and year"},
    ),
    "not a date": (
        {**_period(date(2027, 3, 1), date(2027, 3, 2)), "period_from": ["31", "2", "2027"]},
        {"period_from": "From must be a real date"},
    ),
    "words": (
        {**_period(date(2027, 3, 1), date(2027, 3, 2)), "period_to": ["2", "March", "2027"]},
        {"period_to": "To must be a real date"},
    ),
    "two-digit year": (
        {**_period(date(2027, 3, 1), date(2027, 3, 2)), "period_to": ["2", "3", "27"]},
        {"period_to": "To must have a year of 4 numbers, like 2027"},
    ),
    "backwards": (
        _period(date(2027, 3, 2), date(2027, 3, 1)),
        {"period_to": "The end of the period must be on or after its start"},
    ),
    "in the future": (
        _period(date(2027, 3, 6), date(2027, 3, 9)),
        {"period_from": "The period must start today or before"},
    ),
    "nothing waiting": (
        _period(date(2027, 1, 1), date(2027, 1, 31)),
        {
            "period_from": "No Gift Aid donations received from 1 January 2027 to 31 January "
            "2027 are waiting to be claimed"
        },
    ),
}


@pytest.mark.parametrize("case", list(BAD_PERIODS))
def test_a_bad_period_is_shown_beside_its_field_and_claims_nothing(client, team, clock, case):
    clock(datetime(2027, 3, 5, 10, tzinfo=UTC))
    ball = ticketing_make.ball()
    buy(ball, {ball.ticket_types[0].id: 1}, donation=1_000, gift_aid=True)
    data, expected = BAD_PERIODS[case]
    response = submit(client, f"/team/ball/{ball.id}/gift-aid", data)
    assert response.status_code == 400
    assert field_errors(response) == expected
    for message in expected.values():
        assert message in error_summary(response)
    assert _claims() == []
    assert db.session.scalar(select(func.count()).where(Order.gift_aid_claim_id.is_not(None))) == 0


def test_the_page_costs_the_same_queries_for_1_or_12_claims(client, team, clock):
    clock(datetime(2027, 3, 1, 10, tzinfo=UTC))
    ball = ticketing_make.ball()
    member = db.session.get(User, team.id)
    url = f"/team/ball/{ball.id}/gift-aid"

    def one_claim():
        buy(ball, {ball.ticket_types[0].id: 1}, donation=1_000, gift_aid=True)
        gift_aid.make_claim(ball, date(2027, 3, 1), date(2027, 3, 1), member)
        db.session.commit()

    def statements() -> int:
        client.get(url)
        with counted_statements() as sent:
            assert client.get(url).status_code == 200
        return len(sent)

    one_claim()
    with_one = statements()
    for _ in range(11):
        one_claim()
    assert len(table_rows(client.get(url))) == 12
    assert statements() == with_one


def test_the_order_pages_show_the_declaration_and_its_claim(client, team, clock):
    clock(datetime(2027, 3, 1, 10, tzinfo=UTC))
    ball = ticketing_make.ball()
    order = buy(
        ball,
        {ball.ticket_types[0].id: 1},
        donation=1_000,
        gift_aid=True,
        name="Ada Lovelace",
        gift_aid_title="Dr",
        gift_aid_house="Rose Cottage",
    )
    claim = gift_aid.make_claim(
        ball, date(2027, 3, 1), date(2027, 3, 1), db.session.get(User, team.id)
    )
    db.session.commit()
    text = page_text(client.get(f"/team/ball/{ball.id}/orders/{order.id}"))
    assert "Gift Aid donor Dr Ada Lovelace" in text
    assert "Gift Aid address Rose Cottage Park Row, Leeds LS1 5AB" in text
    assert "Gift Aid declared 1 March 2027 at 10:00am" in text
    assert f"Gift Aid claimed £10 in claim {claim.id}" in text
    buyers_page = page_text(client.get(f"/ball/orders/{order.token}"))
    # (Line breaks between the three parts: the page's text runs them together.)
    assert (
        "Yes, on the donation of £10.Dr Ada LovelaceRose Cottage Park Row, Leeds LS1 5AB"
        in buyers_page
    )
