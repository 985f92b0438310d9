"""The impact summary: the figures the pages read from it are the figures the matches
give, as matches complete, are cancelled, are set back, have their confirmed figures or
hours changed, across months in Leeds time; a rebuild (or the migration's filling)
finds nothing to change."""

from __future__ import annotations

import contextvars
import importlib.util
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from brokerage.extensions import db
from brokerage.impact import figures, summary
from brokerage.impact.figures import Figures
from brokerage.impact.filters import ImpactFilters
from brokerage.impact.models import ImpactMonth, ImpactOrganisationMonth, ImpactWardMonth
from brokerage.listings.models import ListingKind
from brokerage.matches import services as brokering
from brokerage.matches.models import Match, MatchStatus
from brokerage.volunteering import hours
from tests import factories
from tests.factories import make_session
from tests.helpers import main_html, page_text
from tests.impact.make import EQUIPMENT, SPONSORSHIP, confirmed, copies, utc
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make
from tests.volunteering import make as volunteering_make

NOW = utc(2026, 11, 21, 12)
MODELS = (ImpactMonth, ImpactOrganisationMonth, ImpactWardMonth)
MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0026_impact_summary.py"

# Whole months, which the summary answers; the others fall back to the matches.
WHOLE_MONTHS = [
    ImpactFilters(),
    ImpactFilters(start=date(2026, 4, 1), end=date(2026, 4, 30)),
    ImpactFilters(start=date(2026, 2, 1)),
    ImpactFilters(end=date(2026, 3, 31)),
    ImpactFilters(start=date(2025, 12, 1), end=date(2026, 12, 31)),
]


def ward_ids(*slugs: str) -> list[int]:
    return [factories.ward(slug).id for slug in slugs]


def rows() -> dict[str, list[tuple]]:
    """Every row of the summary, comparable."""
    found = {}
    for model in MODELS:
        columns = [c.key for c in model.__table__.columns]
        found[model.__tablename__] = sorted(
            tuple(getattr(row, c) for c in columns) for row in db.session.scalars(select(model))
        )
    return found


def assert_summary_is_right() -> None:
    """What the summary answers equals what the matches give, and a rebuild from the
    matches changes no row of it."""
    for filters in WHOLE_MONTHS:
        assert summary.answers(filters)
        assert summary.report(filters, NOW) == figures.report(filters, NOW), filters
        assert summary.totals(filters) == figures.totals(filters)
    kept = rows()
    summary.rebuild()
    assert rows() == kept


@pytest.fixture
def spread():
    """Matches in several months, across the clocks changing, in several wards, for two
    charities; one cancelled, one only agreed."""
    moments = (
        utc(2026, 1, 31, 23, 30),  # GMT: still 31 January in Leeds
        utc(2026, 3, 31, 23, 30),  # BST: 00:30 on 1 April in Leeds
        utc(2026, 4, 30, 22, 59),  # BST: 23:59 on 30 April
        utc(2026, 4, 30, 23, 0),  # BST: midnight, 1 May
        utc(2026, 10, 31, 23, 30),  # GMT again: 31 October
    )
    made = []
    for number, moment in enumerate(moments):
        made.append(
            confirmed(
                hours=number + 1,
                people=10 * number + 1,
                closed_at=moment,
                ward_ids=ward_ids("armley", "pudsey") if number % 2 else ward_ids("armley"),
            )
        )
    confirmed(
        EQUIPMENT,
        devices=7,
        people=4,
        closed_at=utc(2026, 4, 2),
        org=made[0].need.organisation,
    )
    confirmed(SPONSORSHIP, pence=125_050, people=2, closed_at=utc(2026, 4, 3))
    brokering_make.agreed()
    cancelled = brokering_make.agreed()
    brokering.cancel(cancelled, listings_make.team_member(), "The company had to withdraw")
    db.session.commit()
    return made


def test_the_summary_gives_the_matches_figures_across_months_in_leeds(spread):
    total = summary.totals(ImpactFilters())
    assert total.figures == Figures(
        matches=7, hours=15, devices=7, pence=125_050, people=111, organisations=6
    )
    april = summary.report(ImpactFilters(start=date(2026, 4, 1), end=date(2026, 4, 30)), NOW)
    assert april.totals.figures.matches == 4  # 00:30 on 1 April to 23:59 on 30 April
    assert [row.key for row in april.months] == ["2026-04"]
    assert_summary_is_right()


def test_it_follows_a_match_through_its_life(spread):
    # Completed through the service today: this month.
    match = brokering_make.completed(ListingKind.EQUIPMENT)
    assert summary.totals(ImpactFilters()).figures.matches == 8
    assert_summary_is_right()

    # Confirmed figures changed, and moved to another month (as the demo backdates).
    match.people_reached = 99
    match.delivered_devices = 2
    match.closed_at = utc(2026, 2, 14, 10)
    db.session.commit()
    february = ImpactFilters(start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert summary.totals(february).figures.devices == 2
    assert summary.totals(february).figures.people == 99
    assert_summary_is_right()

    # Set back to in progress (a data fix: the app itself never reopens a match).
    match.status = MatchStatus.IN_PROGRESS
    db.session.commit()
    assert summary.totals(february).figures.matches == 0
    assert_summary_is_right()

    # Changed with an UPDATE statement rather than the object.
    db.session.execute(
        update(Match)
        .where(Match.id == spread[0].id)
        .values(closed_at=utc(2026, 6, 15), people_reached=500)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    june = ImpactFilters(start=date(2026, 6, 1), end=date(2026, 6, 30))
    assert summary.totals(june).figures.people == 500
    assert_summary_is_right()


def test_it_follows_a_needs_wards(spread):
    need = spread[0].need
    need.wards = [factories.ward("pudsey")]
    db.session.commit()
    pudsey = {row.key: row for row in summary.by_ward(ImpactFilters())}["pudsey"]
    assert pudsey.figures.matches == 3
    assert_summary_is_right()


def test_matches_inserted_in_bulk_are_counted(spread):
    copies(spread[1], 5, closed_at=utc(2026, 8, 9))
    assert summary.totals(ImpactFilters()).figures.matches == 12
    assert_summary_is_right()


def test_changes_not_yet_flushed_or_committed_are_counted_when_read(spread):
    spread[2].people_reached = 1_000
    assert summary.totals(ImpactFilters()) == figures.totals(ImpactFilters())
    db.session.execute(
        update(Match)
        .where(Match.id == spread[3].id)
        .values(status=MatchStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    assert summary.totals(ImpactFilters()) == figures.totals(ImpactFilters())
    db.session.rollback()
    assert_summary_is_right()


def test_a_savepoint_rolled_back_leaves_the_changes_before_it_counted(spread):
    """Months are recomputed at the commit: a savepoint undone on the way (a service's
    begin_nested that met a duplicate) must not make the summary forget the rest."""
    spread[0].people_reached = 777
    db.session.flush()
    with pytest.raises(RuntimeError), db.session.begin_nested():
        spread[1].people_reached = 5
        db.session.flush()
        raise RuntimeError("a duplicate, say")
    db.session.commit()
    assert summary.totals(ImpactFilters()).figures.people == 111 - 1 + 777
    assert_summary_is_right()


def test_a_month_is_recomputed_once_however_often_the_service_flushes(spread, monkeypatch):
    match = brokering_make.agreed(ListingKind.EQUIPMENT)
    recomputed = []
    real = summary.recompute
    monkeypatch.setattr(summary, "recompute", lambda c, m: recomputed.append(set(m)) or real(c, m))
    charity = match.need.organisation.owners[0]
    brokering.complete(match, charity, brokering.Delivery(devices=3, people_reached=2))
    db.session.flush()
    match.people_reached = 4
    db.session.flush()
    db.session.commit()
    assert len(recomputed) == 1
    assert_summary_is_right()


@pytest.fixture
def sessions():
    """A completed volunteering match with a session that two volunteers were on."""
    org, _lead = volunteering_make.company()
    asha = volunteering_make.volunteer(org, name="Asha Able")
    ben = volunteering_make.volunteer(org, name="Ben Baker")
    match = volunteering_make.agreed_match(org, 2)
    session = make_session(match, [asha, ben])
    charity = match.need.organisation.owners[0]
    brokering.complete(match, charity, brokering.Delivery(hours=40, people_reached=5))
    db.session.commit()
    return match, session, charity, asha, ben


def test_hours_confirmed_and_corrected_after_completion_are_counted(sessions):
    _match, session, charity, asha, ben = sessions
    # A match with sessions counts its confirmed hour logs, not the 40 typed: none yet.
    assert summary.totals(ImpactFilters()).figures.hours == 0
    assert_summary_is_right()

    hours.confirm_hours(hours.log_hours(session, asha, 150), charity, 150, None)
    db.session.commit()
    assert summary.totals(ImpactFilters()).figures.hours == 3  # 2.5 hours, to the nearest
    assert_summary_is_right()

    log = hours.log_hours(session, ben, 120)
    db.session.commit()
    hours.confirm_hours(log, charity, 90, "Left half an hour early")
    db.session.commit()
    assert summary.totals(ImpactFilters()).figures.hours == 4  # 150 + 90 minutes
    assert_summary_is_right()


# --- The pages ---------------------------------------------------------------------------------


def _pages(client, login, team) -> dict[str, str]:
    """The main part of each page that reads the summary, and the team's page with a
    filter it cannot answer."""
    shown = {}
    with client.session_transaction() as session:
        session.clear()
    for url in ("/", "/impact"):
        response = client.get(url)
        assert response.status_code == 200
        shown[url] = main_html(response)
    login(team)
    for url in (
        "/team/impact",
        "/team/impact?from=2026-04-01&to=2026-04-30&show=people",
        "/team/impact?ward=pudsey",
        "/team/impact?from=2026-04-02",
    ):
        response = client.get(url)
        assert response.status_code == 200
        shown[url] = main_html(response)
    return shown


def test_the_pages_show_what_the_matches_give(spread, sessions, client, login, make, monkeypatch):
    _match, session, charity, asha, _ben = sessions
    hours.confirm_hours(hours.log_hours(session, asha, 200), charity, 200, None)
    db.session.commit()
    team = make.team_member()

    from_summary = _pages(client, login, team)
    monkeypatch.setattr(summary, "answers", lambda filters: False)
    from_matches = _pages(client, login, team)

    assert from_summary == from_matches
    home = page_text(client.get("/"))
    assert "8 matches completed" in home and "116 people reached" in home


# --- Rebuilding ----------------------------------------------------------------------------------


def test_the_command_rebuilds_the_summary(app, spread):
    kept = rows()
    db.session.execute(delete(ImpactWardMonth))
    db.session.execute(delete(ImpactMonth))
    db.session.commit()

    result = contextvars.Context().run(
        app.test_cli_runner().invoke, args=["rebuild-impact-summary"]
    )
    db.session.expire_all()

    assert result.exit_code == 0, result.output
    assert "4 months with completed matches" in result.output
    assert rows() == kept


def test_the_migration_fills_the_summary_as_the_app_would(spread, sessions):
    _match, session, charity, asha, _ben = sessions
    hours.confirm_hours(hours.log_hours(session, asha, 95), charity, 95, None)
    db.session.commit()
    kept = rows()
    for model in MODELS:
        db.session.execute(delete(model))
    spec = importlib.util.spec_from_file_location("impact_summary_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    migration.fill(db.session.connection())

    assert rows() == kept
    assert summary.totals(ImpactFilters()) == figures.totals(ImpactFilters())


def test_a_month_without_matches_left_has_no_rows(spread):
    last = spread[-1]
    last.status = MatchStatus.IN_PROGRESS
    db.session.commit()
    october = date(2026, 10, 1)
    assert db.session.get(ImpactMonth, october) is None
    assert not db.session.scalars(
        select(ImpactWardMonth).where(ImpactWardMonth.month == october)
    ).all()
    assert summary.report(ImpactFilters(end=date(2026, 10, 31)), NOW).months[-1].figures == (
        Figures()
    )


def test_a_filter_the_summary_cannot_answer_reads_the_matches():
    for filters in (
        ImpactFilters(start=date(2026, 4, 2)),
        ImpactFilters(end=date(2026, 4, 29)),
        ImpactFilters(ward="armley"),
        ImpactFilters(kind=ListingKind.EQUIPMENT),
        ImpactFilters(group="older-people"),
        ImpactFilters(company_id=1),
        ImpactFilters(community_id=1),
    ):
        assert not summary.answers(filters)
    assert summary.answers(ImpactFilters(start=date(2026, 2, 1), end=date(2026, 2, 28)))
    assert summary.answers(ImpactFilters(end=date(2028, 2, 29)))
