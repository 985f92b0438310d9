"""The ball: this year's on sale with some tickets sold, and last year's held (sold
out, with donations and guests checked in at the door, and the Gift Aid on the first
half of its donations claimed)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import LONDON, today_in_leeds, utcnow
from brokerage.demo import names
from brokerage.extensions import db
from brokerage.ticketing import checkout as ticketing
from brokerage.ticketing import door, invoices, messages, seating, waiting_list
from brokerage.ticketing import gift_aid as gift_aid_claims
from brokerage.ticketing import orders as ball_orders
from brokerage.ticketing import setup as ball_team
from brokerage.ticketing.message_models import Audience
from brokerage.ticketing.models import Ball, TicketType

# The ball, on sale now, with a few paid orders (paid through the stand-in, as the
# demo's checkout is), some guests named and one already checked in.
BALL_SLUG = "digital-charity-ball-2027"
BALL_TYPES = [
    # (name, description, price in pence, seats per ticket, quantity, per-order limit, code)
    (
        "Single seat",
        "One seat at a shared table, with a three-course dinner.",
        9_500,
        1,
        350,
        10,
        None,
    ),
    (
        "Table of 10",
        "A table for you and nine guests, with a three-course dinner.",
        90_000,
        10,
        1,  # sold out (Jo Carter's): its waiting list has people on it
        2,
        None,
    ),
    (
        "Sponsor package",
        "A table of 10, your logo on the screens and a thank-you from the stage.",
        250_000,
        10,
        5,
        1,
        "SPONSOR-2027",
    ),
]
BALL_ORDERS = [
    # (buyer, email, {type name: quantity}, donation in pence, Gift Aid?, guests)
    (
        "Amira Hussain",
        "amira@example.org",
        {"Single seat": 2},
        2_500,
        True,
        [("Amira Hussain", "Vegetarian", None), ("Yusuf Hussain", None, "Step-free access")],
    ),
    (
        "Jo Carter",
        "jo.carter@example.com",
        {"Table of 10": 1},
        0,
        False,
        [("Jo Carter", None, None), ("Sam Patel", "Gluten free", None)],
    ),
    ("Ben Walsh", "ben@example.net", {"Single seat": 1}, 5_000, False, [("Ben Walsh", None, None)]),
    ("Tom Whitaker", "company@example.org", {"Sponsor package": 1}, 0, False, []),
]
# Waiting for a table of 10, which is sold out: (name, email, tables), first come first.
BALL_WAITING = [
    ("Priya Shah", "priya.shah@example.org", 1),
    ("Aire Valley Software", "events@airevalley.example.com", 2),
]


def _declaration(title, first, last, house, street, postcode) -> dict:
    """A Gift Aid declaration's part of a basket."""
    return {
        "gift_aid_title": title,
        "gift_aid_first_name": first,
        "gift_aid_last_name": last,
        "gift_aid_house": house,
        "gift_aid_address": street,
        "gift_aid_postcode": postcode,
    }


def _random_declaration(rng: random.Random, buyer: str) -> dict:
    first, last = buyer.split(" ", 1)
    if rng.random() < 0.1:  # a double-barrelled surname now and then
        last = f"{last}-{rng.choice(names.LAST_NAMES)}"
    return _declaration(
        rng.choice([None, None, "Mr", "Mrs", "Ms", "Dr"]),
        first,
        last,
        str(rng.randint(1, 99)),
        f"{rng.choice(names.STREETS)}, Leeds",
        f"{rng.choice(names.DISTRICTS)} {rng.randint(1, 9)}AB",
    )


def seed_this_years_ball(team_member: User) -> None:
    if db.session.scalar(select(Ball.id).where(Ball.slug == BALL_SLUG)):
        return
    now = utcnow()
    night = (now + timedelta(days=70)).astimezone(LONDON).date()
    starts = datetime.combine(night, time(19), tzinfo=LONDON).astimezone(UTC)
    ball = Ball(
        slug=BALL_SLUG,
        name="Digital Charity Ball 2027",
        venue="The Queens Hotel, City Square, Leeds LS1 1PJ",
        description="Dinner, dancing and the year's digital inclusion awards. Every penny "
        "raised is granted to local digital inclusion projects.",
        starts_at=starts,
        sales_open_at=now - timedelta(days=7),
        sales_close_at=starts - timedelta(days=3),
        capacity=350,
        guest_changes_until=starts - timedelta(days=7),
    )
    db.session.add(ball)
    for position, (name, text, price, seats, quantity, limit, code) in enumerate(BALL_TYPES, 1):
        db.session.add(
            TicketType(
                ball=ball,
                name=name,
                description=text,
                price_pence=price,
                seats_per_ticket=seats,
                quantity=quantity,
                per_order_limit=limit,
                hidden=code is not None,
                access_code=code,
                position=position,
                invoice_allowed=seats > 1,  # tables and sponsor packages
            )
        )
    db.session.flush()
    types = {t.name: t.id for t in ball.ticket_types}
    orders = []
    for number, (buyer, email, wanted, donation, gift_aid, guests) in enumerate(BALL_ORDERS, 1):
        order = ticketing.hold(
            ball,
            ticketing.Basket(
                quantities={types[name]: quantity for name, quantity in wanted.items()},
                buyer_name=buyer,
                buyer_email=email,
                donation_pence=donation,
                gift_aid=gift_aid,
                code="SPONSOR-2027" if "Sponsor package" in wanted else None,
                **(
                    _declaration("Mrs", *buyer.split(), "14", "Harehills Lane, Leeds", "ls8 4he")
                    if gift_aid
                    else {}
                ),
            ),
        )
        order.stripe_session_id = f"cs_standin_demo_{number}"
        db.session.flush()
        ticketing.fulfil(
            ticketing.Payment(
                session_id=order.stripe_session_id,
                amount_pence=order.total_pence,
                currency="gbp",
                payment_intent_id=f"pi_standin_demo_{number}",
                paid=True,
            )
        )
        for ticket, (guest, dietary, access) in zip(order.tickets, guests, strict=False):
            ticket.guest_name, ticket.dietary, ticket.access_needs = guest, dietary, access
        orders.append(order)
    ball_orders.issue_complimentary(
        ball,
        next(t for t in ball.ticket_types if t.name == "Single seat"),
        2,
        "Grace Ibekwe",
        "grace@example.org",
        team_member,
        "Hosting the awards",
    )
    db.session.flush()
    door.check_in(ball, orders[0].tickets[0].code, team_member)
    _seat_guests(orders, team_member)
    # One message in the ball's history: the buyers with seats still to name.
    messages.send_message(
        ball,
        messages.Draft(
            Audience.UNNAMED,
            "Who is coming? Name your guests",
            "We are planning the tables and the menu for the night.\n\nPlease name each "
            "guest on your order, with any dietary or access needs, from your order's page.",
        ),
        "demo-2027-name-your-guests",
        team_member,
    )
    table = next(t for t in ball.ticket_types if t.name == "Table of 10")
    for minutes, (name, email, tables) in enumerate(BALL_WAITING):
        waiting_list.join(table, name, email, tables, now + timedelta(minutes=minutes))
    _seed_invoices(ball, team_member, now)


# Companies paying for sponsor packages by invoice: (company, buyer, email, PO, paid?).
BALL_INVOICES = [
    ("Kirkstall Cloud Ltd", "Hannah Brook", "finance@kirkstallcloud.example.com", "PO-4471", True),
    ("Calls Lane Digital LLP", "Omar Farah", "omar@callslane.example.com", None, False),
]


def _seed_invoices(ball: Ball, team_member: User, now: datetime) -> None:
    """One invoice paid by bank transfer (recorded by the team), one still unpaid."""
    sponsor = next(t for t in ball.ticket_types if t.name == "Sponsor package")
    for company, buyer, email, po_number, paid in BALL_INVOICES:
        invoice = invoices.order_by_invoice(
            ball,
            ticketing.Basket({sponsor.id: 1}, buyer, email, code="SPONSOR-2027"),
            invoices.Company(company, "Unit 3, Kirkstall Forge\nLeeds LS5 3BF", po_number),
            now - timedelta(days=2),
        )
        if paid:
            invoices.record_transfer(
                invoice, invoice.amount_pence, today_in_leeds(now), invoice.number, team_member
            )


# Tables (name, seats) and who sits where (the order's number in BALL_ORDERS -> table):
# Ben Walsh and the complimentary seats wait to be seated, Ben's wishes beside him.
BALL_TABLES = [("Top table", 12), ("1", 10), ("2", 10), ("3", 10), ("4", 10)]
BALL_SEATING = {3: "Top table", 1: "1", 0: "2"}


def _seat_guests(orders: list, team_member: User) -> None:
    ball = orders[0].ball
    tables = {
        name: seating.add_table(ball, name, seats, team_member) for name, seats in BALL_TABLES
    }
    for number, table in BALL_SEATING.items():
        for ticket in orders[number].tickets:
            seating.place(tables[table], ticket)
    seating.set_wishes(orders[2], "With Amira Hussain, please: we work together")


# Last year's ball: held about ten months ago, sold out, its guests checked in.
LAST_CAPACITY = 160
LAST_TYPES = [
    ("Single seat", "One seat at a shared table, with a three-course dinner.", 8_500, 1, 80, 10),
    (
        "Table of 10",
        "A table for you and nine guests, with a three-course dinner.",
        80_000,
        10,
        8,
        2,
    ),
]


def seed_last_years_ball(team_member: User, rng: random.Random, now: datetime) -> Ball | None:
    """Sell every seat through the checkout's own services (at the times the sales
    happened), then admit most guests at the door on the night."""
    night = (now - timedelta(days=300)).astimezone(LONDON).date()
    night -= timedelta(days=(night.weekday() - 5) % 7)  # a Saturday
    name = f"Digital Charity Ball {night.year}"
    if db.session.scalar(select(Ball.id).where(Ball.name == name)):
        return None
    starts = datetime.combine(night, time(19), tzinfo=LONDON).astimezone(UTC)
    opens, closes = starts - timedelta(days=120), starts - timedelta(days=2)
    ball = ball_team.create_ball(
        ball_team.BallDetails(
            name=name,
            venue="Aireside Assembly Rooms, 3 Granary Court, Leeds LS10 1AB",
            description="Dinner, dancing and the digital inclusion awards. Every penny raised "
            "was granted to local digital inclusion projects.",
            starts_at=starts,
            sales_open_at=opens,
            sales_close_at=closes,
            capacity=LAST_CAPACITY,
            guest_changes_until=starts - timedelta(days=7),
        ),
        team_member,
    )
    types = [
        ball_team.add_ticket_type(
            ball,
            ball_team.TicketTypeDetails(
                name=type_name,
                description=text,
                price_pence=price,
                seats_per_ticket=seats,
                quantity=quantity,
                per_order_limit=limit,
            ),
            team_member,
        )
        for type_name, text, price, seats, quantity, limit in LAST_TYPES
    ]
    single, table = types
    baskets = [{table.id: 1} for _ in range(table.quantity)]
    left = single.quantity
    while left:
        count = min(rng.choice([1, 2, 2, 2, 3, 4, 6]), left)
        baskets.append({single.id: count})
        left -= count
    rng.shuffle(baskets)
    tickets = []
    for number, quantities in enumerate(baskets, 1):
        when = opens + (closes - opens) * (number / (len(baskets) + 1))
        buyer = f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"
        email = f"{buyer.lower().replace(' ', '.')}.{number}@example.net"
        donation = rng.choice([0, 0, 0, 500, 1_000, 2_000, 2_500, 5_000, 10_000])
        gift_aid = donation > 0 and rng.random() < 0.6
        order = ticketing.hold(
            ball,
            ticketing.Basket(
                quantities=quantities,
                buyer_name=buyer,
                buyer_email=email,
                donation_pence=donation,
                gift_aid=gift_aid,
                **(_random_declaration(rng, buyer) if gift_aid else {}),
            ),
            now=when,
        )
        order.stripe_session_id = f"cs_standin_demo_{night.year}_{number}"
        db.session.flush()
        ticketing.fulfil(
            ticketing.Payment(
                session_id=order.stripe_session_id,
                amount_pence=order.total_pence,
                currency="gbp",
                payment_intent_id=f"pi_standin_demo_{night.year}_{number}",
                paid=True,
            ),
            now=when,
        )
        order.created_at = order.updated_at = when
        for seat, ticket in enumerate(order.tickets):
            ticket.guest_name = (
                buyer
                if seat == 0
                else f"{rng.choice(names.FIRST_NAMES)} {rng.choice(names.LAST_NAMES)}"
            )
            ticket.dietary = rng.choice(names.GUEST_DIETARY)
            tickets.append(ticket)
    db.session.flush()
    arrivals = starts - timedelta(minutes=30)
    for number, ticket in enumerate(tickets):
        if rng.random() < 0.93:  # a few never came
            door.check_in(
                ball, ticket.code, team_member, now=arrivals + timedelta(seconds=20 * number)
            )
    # The Gift Aid on the first half of the sales is claimed; the rest waits.
    halfway = today_in_leeds(opens + (closes - opens) / 2)
    gift_aid_claims.make_claim(ball, today_in_leeds(opens), halfway, team_member)
    return ball
