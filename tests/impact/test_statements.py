"""A company's impact statement and what a community organisation received: only the
organisation's own completed matches in the period, only the quotes the charities
allowed; the CSV has the statement's figures, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from brokerage.clock import today_in_leeds
from brokerage.impact import filters, statements
from brokerage.impact.figures import Figures
from brokerage.organisations.models import OrganisationKind
from tests import factories
from tests.brokering import factories as brokering_make
from tests.helpers import page_text, table_rows
from tests.impact.make import EQUIPMENT, SPONSORSHIP, confirmed, feedback
from tests.listings import factories as listings_make

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = today_in_leeds(NOW)
LAST_YEAR = (TODAY - timedelta(days=364), TODAY)


@pytest.fixture
def world(make):
    """Company A and company B; charities C1 (Armley) and C2 (Leeds-wide).

    A -> C1: 10 hours, completed 3 days ago, quote allowed
    A -> C2: 5 devices, completed 20 days ago, charity's feedback not for quoting
    A -> C1: agreed, not delivered yet
    A -> C2: £500, completed 400 days ago (outside the last year)
    B -> C1: 7 hours, completed 2 days ago, quote allowed
    """
    a = make.organisation(kind=OrganisationKind.COMPANY, name="Aire Software")
    b = make.organisation(kind=OrganisationKind.COMPANY, name="Bramley Bytes")
    c1 = make.organisation(name="Chapel Allerton Hub")
    c2 = make.organisation(name="City Wide Digital")
    armley = [factories.ward("armley").id]
    citywide = [factories.ward("leeds-wide").id]

    first = confirmed(
        org=c1,
        company=a,
        hours=10,
        people=12,
        closed_at=NOW - timedelta(days=3),
        ward_ids=armley,
        title="Drop-in helpers",
    )
    feedback(first, "They were brilliant with our older learners.", quote_allowed=True)
    feedback(first, "A well run drop-in.", quote_allowed=True, side="offer")
    second = confirmed(
        EQUIPMENT,
        org=c2,
        company=a,
        devices=5,
        people=5,
        closed_at=NOW - timedelta(days=20),
        ward_ids=citywide,
        title="Laptops for the library",
    )
    feedback(second, "Private words for the team only.", quote_allowed=False)
    brokering_make.agreed(
        need=listings_make.need(c1, kind=EQUIPMENT), offer=listings_make.offer(a, kind=EQUIPMENT)
    )
    confirmed(
        SPONSORSHIP,
        org=c2,
        company=a,
        pence=50_000,
        closed_at=NOW - timedelta(days=400),
        ward_ids=citywide,
    )
    other = confirmed(
        org=c1, company=b, hours=7, people=3, closed_at=NOW - timedelta(days=2), ward_ids=armley
    )
    feedback(other, "Bramley Bytes were great too.", quote_allowed=True)
    return {"a": a, "b": b, "c1": c1, "c2": c2}


def test_a_statement_has_only_the_companys_completed_matches_in_the_period(world):
    statement = statements.company_statement(world["a"], *LAST_YEAR)

    assert [m.need_title for m in statement.matches] == [
        "Drop-in helpers",
        "Laptops for the library",
    ]
    assert {m.company for m in statement.matches} == {"Aire Software"}
    assert [m.charity for m in statement.matches] == ["Chapel Allerton Hub", "City Wide Digital"]
    assert statement.matches[0].wards == ("Armley",)
    assert statement.totals.figures == Figures(
        matches=2, hours=10, devices=5, pence=0, people=17, organisations=2
    )
    assert [(w.label, w.figures.matches) for w in statement.wards] == [
        ("Leeds-wide", 1),
        ("Armley", 1),
    ]


def test_a_statement_quotes_only_what_the_charities_allowed(world):
    statement = statements.company_statement(world["a"], *LAST_YEAR)

    assert [m.quote for m in statement.quotes] == ["They were brilliant with our older learners."]
    assert statement.matches[1].quote is None


def test_a_longer_period_takes_in_older_matches(world):
    statement = statements.company_statement(world["a"], TODAY - timedelta(days=500), TODAY)

    assert statement.totals.figures.matches == 3
    assert statement.totals.figures.pence == 50_000


def test_what_a_community_organisation_received_and_from_whom(world):
    received = statements.received(world["c1"], *LAST_YEAR)

    assert [(m.company, m.hours) for m in received.matches] == [
        ("Bramley Bytes", 7),
        ("Aire Software", 10),
    ]
    assert received.totals.figures == Figures(
        matches=2, hours=17, devices=0, pence=0, people=15, organisations=1
    )


# --- The pages -----------------------------------------------------------------------------


def _statement_url(org, **args) -> str:
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/organisations/{org.id}/impact" + (f"?{query}" if query else "")


def test_the_statement_page_shows_the_companys_matches_and_allowed_quotes(world, client, login):
    login(world["a"].owners[0])

    response = client.get(_statement_url(world["a"]))

    assert response.status_code == 200
    text = page_text(response)
    assert "Impact statement" in text
    assert "They were brilliant with our older learners." in text
    assert "Private words for the team only." not in text
    assert "A well run drop-in." not in text
    assert "Bramley Bytes" not in text
    assert "Print" in text
    rows = table_rows(response)
    assert ["Drop-in helpers" in " ".join(r) for r in rows].count(True) == 1


def test_another_company_cannot_see_or_download_a_companys_statement(world, client, login):
    login(world["b"].owners[0])

    assert client.get(_statement_url(world["a"])).status_code == 403
    assert client.get(f"/organisations/{world['a'].id}/impact.csv").status_code == 403
    assert client.get(_statement_url(world["b"])).status_code == 200


def test_the_team_sees_any_statement_and_visitors_are_asked_to_sign_in(world, client, login, make):
    anonymous = client.get(_statement_url(world["a"]))
    assert anonymous.status_code == 302
    assert "/account/sign-in" in anonymous.headers["Location"]

    login(make.team_member())
    assert client.get(_statement_url(world["a"])).status_code == 200
    assert client.get(_statement_url(world["c1"])).status_code == 200


def test_a_community_organisation_sees_what_it_received_and_from_whom(world, client, login):
    login(world["c1"].owners[0])

    response = client.get(_statement_url(world["c1"]))

    assert response.status_code == 200
    text = page_text(response)
    assert "What you received" in text
    assert "Bramley Bytes" in text and "Aire Software" in text
    assert "City Wide Digital" not in text


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_the_csv_has_the_statements_figures(world, client, login):
    login(world["a"].owners[0])
    statement = statements.company_statement(world["a"], *LAST_YEAR)

    rows = _csv(client.get(f"/organisations/{world['a'].id}/impact.csv"))

    header, *matches, total, value = rows
    assert header[:4] == ["Completed on", "Charity", "Need", "Wards"]
    assert [row[2] for row in matches] == [m.need_title for m in statement.matches]
    assert matches[0][1] == "Chapel Allerton Hub"
    assert matches[0][4] == "10" and matches[0][8] == "They were brilliant with our older learners."
    assert matches[1][8] == ""  # not for quoting
    f = statement.totals.figures
    assert total == [
        "Total",
        "2 organisations helped",
        "2 matches completed",
        "",
        str(f.hours),
        str(f.devices),
        "0.00",
        str(f.people),
    ]
    assert value[1] == "£135 to £300"  # 10 hours at £13.50 to £30


def test_the_csv_follows_the_period_and_a_junk_period_falls_back_to_the_last_year(
    world, client, login
):
    login(world["a"].owners[0])
    base = f"/organisations/{world['a'].id}/impact.csv"
    start = (TODAY - timedelta(days=500)).isoformat()

    longer = _csv(client.get(f"{base}?from={start}&to={TODAY.isoformat()}"))
    junk = _csv(client.get(f"{base}?from=banana&to=2026-02-31"))

    assert longer[-2][2] == "3 matches completed"
    assert junk[-2][2] == "2 matches completed"


def test_the_csv_neutralises_cells_a_spreadsheet_would_run(make, client, login):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    charity = make.organisation(name="@Home Digital")
    match = confirmed(
        org=charity,
        company=company,
        title='=HYPERLINK("http://evil.example","Click")',
        closed_at=NOW - timedelta(days=1),
    )
    feedback(match, "+44 people came; -2 left early", quote_allowed=True)
    login(company.owners[0])

    rows = _csv(client.get(f"/organisations/{company.id}/impact.csv"))

    assert rows[1][1] == "'@Home Digital"
    assert rows[1][2] == '\'=HYPERLINK("http://evil.example","Click")'
    assert rows[1][8] == "'+44 people came; -2 left early"


def test_the_period_form_refuses_junk_with_messages_and_shows_the_last_year(world, client, login):
    login(world["a"].owners[0])

    response = client.get(
        _statement_url(world["a"], **{"from": "31", "to": "2"}) + "&from=2&from=2026"
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "There is a problem" in text
    assert "The start date must be a real date" in text
    assert f"{LAST_YEAR[0].day} {LAST_YEAR[0]:%B %Y}" in text


def test_the_period_defaults_to_the_last_twelve_months():
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    assert filters.last_twelve_months(now) == (date(2025, 3, 2), date(2026, 3, 1))
    leap = datetime(2028, 2, 29, 12, tzinfo=UTC)
    assert filters.last_twelve_months(leap) == (date(2027, 3, 1), date(2028, 2, 29))
