"""The demo: a programme in its second year, the same on every load, loaded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, func, select

from brokerage.clock import LONDON, utcnow
from brokerage.demo import seed_demo
from brokerage.demo.hours import seed_hours
from brokerage.extensions import db
from brokerage.impact import figures
from brokerage.impact.filters import ImpactFilters
from brokerage.listings.models import ListingKind, ListingStatus, Need, Offer
from brokerage.listings.services import review_queue
from brokerage.matches.models import Feedback, Match, MatchMessage, MatchStatus, TeamNote
from brokerage.matches.queries import brokering_queue
from brokerage.notifications.services import mail_flow
from brokerage.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from brokerage.ticketing import setup as ball_sales
from brokerage.ticketing.models import Ball, Ticket
from brokerage.volunteering.checks import needs_checks, state_of
from brokerage.volunteering.models import HourLog
from brokerage.volunteering.places import places_of
from brokerage.volunteering.volunteers import active_volunteers
from tests.conftest import _empty_tables
from tests.factories import make_session
from tests.impact.test_views import shown_figures

# Columns whose values are made afresh on every load, whatever the seed: keys, secret
# codes and hashes, and what is built from them (links, QR codes, email bodies).
FRESH = {
    "token",
    "code",
    "password_hash",
    "qr_svg",
    "body_text",
    "body_html",
    "path",
    "link",
    "qr_images",
    "session_token",
}


def dump() -> dict[str, list[tuple]]:
    """Every table's rows, without keys and fresh values, in a fixed order."""
    rows = {}
    for table in db.metadata.sorted_tables:
        columns = [
            c
            for c in table.columns
            if c.name != "id"
            and not c.name.endswith("_id")
            and c.name not in FRESH
            # Times the services stamp with the clock (dates counted from today stay).
            and not (isinstance(c.type, DateTime) or type(c.type).__name__ == "UTCDateTime")
        ]
        if columns:
            found = db.session.execute(select(*columns)).all()
            rows[table.name] = sorted((tuple(map(repr, row)) for row in found), key=str)
    return rows


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_two_loads_on_empty_databases_give_identical_rows(app):
    now = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    seed_demo(now=now)
    db.session.commit()
    first = dump()
    _empty_tables(app)

    seed_demo(now=now)
    db.session.commit()
    second = dump()

    assert first.keys() == second.keys()
    for table in first:
        assert first[table] == second[table], table
    assert len(first["match"]) > 60 and len(first["organisation"]) > 80


def test_loading_it_again_changes_nothing():
    seed_demo()
    db.session.commit()
    before = {table: len(rows) for table, rows in dump().items()}

    seed_demo()
    db.session.commit()

    assert {table: len(rows) for table, rows in dump().items()} == before
    # The history's emails count as sent: none waits for a worker, and the team's
    # dashboard does not warn that mail is stuck.
    flow = mail_flow()
    assert flow.waiting == 0 and not flow.stuck


def test_it_looks_like_a_programme_about_a_year_old():
    seed_demo()
    db.session.commit()
    now = utcnow()

    orgs = db.session.scalars(select(Organisation)).all()
    community = [o for o in orgs if o.kind is OrganisationKind.COMMUNITY]
    companies = [o for o in orgs if o.kind is OrganisationKind.COMPANY]
    assert 55 <= len(community) <= 70 and 22 <= len(companies) <= 30
    waiting = [o for o in orgs if o.status is OrganisationStatus.PENDING]
    assert len(waiting) >= 3
    assert {o.status for o in orgs} == set(OrganisationStatus)
    wards = {w.slug for o in community for w in o.wards}
    assert len(wards) >= 25  # spread over the city, not one corner of it
    # Registration numbers in ranges no register has reached (the sign-ins' too).
    for org in orgs:
        number = org.registration_number
        assert number is None or number.startswith(("199", "99")), (org.name, number)

    needs, offers = db.session.scalars(select(Need)).all(), db.session.scalars(select(Offer)).all()
    assert 140 <= len(needs) <= 170 and 90 <= len(offers) <= 115
    for listings in (needs, offers):
        assert {item.status for item in listings} == set(ListingStatus)
        assert {item.kind for item in listings} == set(ListingKind)
    assert len(review_queue()) >= 10

    matches = db.session.scalars(select(Match)).all()
    assert 75 <= len(matches) <= 90
    assert {m.status for m in matches} == set(MatchStatus)
    completed = [m for m in matches if m.status is MatchStatus.COMPLETED]
    months = {m.closed_at.astimezone(LONDON).strftime("%Y-%m") for m in completed}
    assert len(months) >= 10
    assert all(now - timedelta(days=366) < m.closed_at <= now for m in completed)
    assert all(m.proposed_at < m.closed_at for m in completed)
    assert count(MatchMessage) > 100 and count(TeamNote) > 20
    quotes = {f.quote_allowed for f in db.session.scalars(select(Feedback))}
    assert quotes == {True, False}

    waiting, _helps = brokering_queue()
    assert len([w for w in waiting if w.flagged]) == 1
    assert len(waiting) >= 5

    # Last year's ball: sold out, money raised, guests at the door; this year's on sale.
    last, this = db.session.scalars(select(Ball).order_by(Ball.starts_at)).all()
    assert last.starts_at < now < this.starts_at
    held = ball_sales.sales(last)
    assert held.seats_sold == last.capacity and held.seats_free == 0
    assert held.raised_pence > 1_000_000 and held.gift_aid_donations_pence > 0
    checked_in = db.session.scalar(
        select(func.count(Ticket.id))
        .join(Ticket.order)
        .where(Ticket.checked_in_at.is_not(None), Ticket.order.has(ball_id=last.id))
    )
    assert 0.8 * last.capacity < checked_in < last.capacity
    selling = ball_sales.sales(this)
    assert 0 < selling.seats_sold < this.capacity


def _number(text: str) -> int:
    """A figure as the page shows it ("1,234" or "£1,234.50"), in units or pence."""
    text = text.strip().replace(",", "")
    if text.startswith("£"):
        return round(float(text[1:]) * 100)
    return int(text)


def test_the_public_impact_page_shows_the_figures_of_the_rows(client):
    seed_demo()
    db.session.commit()

    response = client.get("/impact")
    assert response.status_code == 200
    shown = shown_figures(response)
    report = figures.report(ImpactFilters(), utcnow())
    f = report.totals.figures

    # The page equals the figures module, and both equal the rows added up here.
    completed = db.session.scalars(select(Match).where(Match.status == MatchStatus.COMPLETED)).all()
    assert _number(shown["matches"]) == f.matches == len(completed)
    assert _number(shown["hours"]) == f.hours == sum(m.delivered_hours or 0 for m in completed)
    assert (
        _number(shown["devices"]) == f.devices == sum(m.delivered_devices or 0 for m in completed)
    )
    assert _number(shown["money"]) == f.pence == sum(m.delivered_pence or 0 for m in completed)
    assert (
        _number(shown["organisations"])
        == f.organisations
        == len({m.need.organisation_id for m in completed})
    )
    assert f.devices > 0 and f.hours > 0 and f.pence > 0
    # A year of bars, and wards that are not all zero.
    assert len([row for row in report.months if row.figures.matches]) >= 10
    assert len([row for row in report.wards if row.figures.matches]) >= 15


def test_the_demo_company_has_three_volunteers_on_a_regulated_activity_match():
    seed_demo()
    db.session.commit()
    company = db.session.scalars(
        select(Organisation).where(Organisation.name == "Aire Valley Software Ltd")
    ).one()
    assert [v.user.name for v in active_volunteers(company)] == [
        "Asha Patel",
        "Ben Hughes",
        "Chloe Nowak",
    ]
    match = db.session.scalars(
        select(Match)
        .join(Need)
        .where(Need.title == "Digital skills sessions at the children's centre")
    ).one()
    assert match.status is MatchStatus.AGREED and needs_checks(match)
    shown = [(p.number, p.volunteer.user.name, p.status.value) for p in places_of(match)]
    assert shown == [
        (1, "Asha Patel", "confirmed"),
        (2, "Ben Hughes", "taken"),
        (3, "Chloe Nowak", "taken"),
    ]
    states = [state_of(p) for p in places_of(match)]
    assert [s.ok for s in states] == [True, False, False]
    assert states[1].flagged and "more than 3 years ago" in states[1].problem
    assert "no disclosure check recorded" in states[2].problem


def test_the_demo_logs_and_confirms_hours_for_past_sessions_once():
    seed_demo()
    db.session.commit()
    match = db.session.scalars(
        select(Match)
        .join(Need)
        .where(Need.title == "Digital skills sessions at the children's centre")
    ).one()
    seed_hours()  # no sessions yet: nothing
    assert count(HourLog) == 0
    people = [p.volunteer for p in places_of(match)][:2]
    make_session(match, people, starts_in=timedelta(days=-14), minutes=150)
    make_session(match, people, starts_in=timedelta(days=-7), minutes=120)
    make_session(match, people, starts_in=timedelta(days=7))  # still to come
    seed_hours()
    seed_hours()  # again: nothing more
    db.session.commit()
    logs = db.session.scalars(select(HourLog).order_by(HourLog.worked_on, HourLog.id)).all()
    assert [(log.status.value, log.minutes, log.confirmed_minutes) for log in logs] == [
        ("confirmed", 150, 120),
        ("confirmed", 150, 150),
        ("logged", 120, None),
        ("logged", 120, None),
    ]
    assert logs[0].note
