"""The fund's grants in the impact figures: money granted (decided and published rounds
for the team, published ones for the public), people reached by accepted reports only,
and on the public page each published round's organisations and amounts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from brokerage.extensions import db
from brokerage.funding import awards
from brokerage.funding.models import RoundStatus
from brokerage.impact import figures
from tests.funding import factories as funding_make
from tests.helpers import counted_statements, elements, main_html, page_text, table_rows


def _shown(response, list_id: str = "grants") -> dict[str, str]:
    html = main_html(response)
    start = html.index(f'id="{list_id}"')
    return {
        a["data-grant-figure"]: text
        for a, text in elements(html[start:], lambda t, a: "data-grant-figure" in a)
    }


def _round(status: RoundStatus, name: str):
    return funding_make.grant_round(
        name=name, status=status, opens_in=timedelta(days=-90), closes_in=timedelta(days=-60)
    )


@pytest.fixture
def fund(make):
    """Published: Armley £10,000 (a report accepted: 120 people; one sent, not
    accepted: 50) and Beeston £2,500. Decided, unpublished: Chapel £4,000. Open: a
    submitted application, no award."""
    published = _round(RoundStatus.PUBLISHED, "Fund 2026")
    armley = make.organisation(name="Armley Digital")
    big = funding_make.award(
        funding_make.application(published, armley, amount_pence=1_000_000),
        reports_due=[date(2026, 6, 1), date(2026, 12, 1)],
    )
    funding_make.award(
        funding_make.application(
            published, make.organisation(name="Beeston Bytes"), amount_pence=250_000
        )
    )
    decided = _round(RoundStatus.DECIDED, "Fund 2027")
    funding_make.award(
        funding_make.application(
            decided, make.organisation(name="Chapel Computers"), amount_pence=400_000
        )
    )
    funding_make.application(_round(RoundStatus.OPEN, "Fund 2028"), armley)
    owner, team = armley.owners[0], make.team_member()
    first, second = big.reports
    awards.submit_report(first, owner, awards.ReportFigures("Sessions.", 120, 3, 40))
    awards.accept_report(first, team, None)
    awards.submit_report(second, owner, awards.ReportFigures("More.", 50, 0, 10))
    db.session.commit()
    return team


def test_the_figures_count_decided_rounds_for_the_team_and_published_for_the_public(fund):
    assert figures.grants(figures.TEAM_GRANT_ROUNDS) == figures.Grants(
        awards=3, pence=1_650_000, organisations=3, people=120
    )
    assert figures.grants(figures.PUBLIC_GRANT_ROUNDS) == figures.Grants(
        awards=2, pence=1_250_000, organisations=2, people=120
    )


def test_the_team_page_has_a_grants_row_beside_the_matches(fund, client, login):
    login(fund)
    response = client.get("/team/impact")
    assert _shown(response) == {
        "grants": "3",
        "granted": "£16,500",
        "funded": "3",
        "people": "120",
    }
    assert "only the monitoring reports the programme team has accepted" in page_text(response)


def test_the_public_page_says_where_the_balls_money_went(fund, client):
    response = client.get("/impact")

    assert _shown(response)["granted"] == "£12,500"
    assert ["Armley Digital", "£10,000"] in table_rows(response)
    assert ["Beeston Bytes", "£2,500"] in table_rows(response)
    assert "Chapel Computers" not in page_text(response)
    assert "Fund 2026: £12,500 to 2 organisations" in page_text(response)
    assert "/funding/grants/360giving.csv" in main_html(response)


def test_the_public_page_without_published_grants(client):
    assert "No round of grants has published its results yet." in page_text(client.get("/impact"))


def _statements(client, url: str) -> int:
    client.get(url)
    with counted_statements() as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_the_impact_pages_cost_the_same_queries_for_3_or_30_grants(fund, client, login, make):
    login(fund)
    before = (_statements(client, "/team/impact"), _statements(client, "/impact"))
    published = _round(RoundStatus.PUBLISHED, "Fund 2025")
    for n in range(27):
        org = make.organisation(name=f"Group {n}")
        funding_make.award(funding_make.application(published, org), reports_due=[date(2026, 1, 1)])
    after = (_statements(client, "/team/impact"), _statements(client, "/impact"))
    assert before == after
