"""The team's ranked table: weighted means over submitted reviews, the spread and its
"discuss" flag, the running total against the pot, the CSV, and a fixed number of
queries whatever the round's size."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.funding import panel, ranking
from brokerage.funding.models import (
    ApplicationStatus,
    GrantApplication,
    PanelMember,
    Review,
    ReviewStatus,
    RoundFunder,
    RoundStatus,
    Score,
)
from brokerage.funding.panel import Entry
from brokerage.organisations.models import (
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    OrganisationType,
)
from tests.funding import factories as funding_make
from tests.helpers import counted_statements, page_text, table_rows


def _round(**kwargs):
    return funding_make.grant_round(
        status=RoundStatus.SCORING,
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-30),
        **kwargs,
    )


def _score(member, application, values, submit=True, comment=""):
    """values: one score per criterion, in the round's order."""
    criteria = application.round.criteria
    panel.save_review(
        member,
        application,
        {c.id: Entry(v, comment) for c, v in zip(criteria, values, strict=True)},
        submit=submit,
    )
    db.session.commit()


@pytest.fixture
def scored(make):
    """Reach weighs 2, value for money 1. Three applications, three members."""
    grant_round = _round(pot_pence=1_000_000)
    orgs = [make.organisation(name=n) for n in ("Armley Digital", "Beeston Hub", "Chapel Tech")]
    amounts = (400_000, 500_000, 300_000)
    apps = [
        funding_make.application(
            grant_round, org, status=ApplicationStatus.ELIGIBLE, amount_pence=amount
        )
        for org, amount in zip(orgs, amounts, strict=True)
    ]
    members = [funding_make.panel_member(grant_round, make.user()) for _ in range(3)]
    # Armley: (5,5), (3,3) -> totals 5 and 3: mean reach 4, vfm 4 -> 4.00; spread 2.00.
    _score(members[0], apps[0], (5, 5))
    _score(members[1], apps[0], (3, 3))
    # Beeston: (4,1), (4,4) -> totals 3.00 and 4.00 -> mean (2*4 + 2.5)/3 = 3.50; spread 1.
    _score(members[0], apps[1], (4, 1))
    _score(members[1], apps[1], (4, 4))
    # A draft does not count.
    _score(members[2], apps[1], (1, 1), submit=False)
    # Chapel: nobody has submitted.
    return grant_round, apps


def test_the_weighted_mean_spread_and_running_total(scored):
    grant_round, apps = scored

    table = ranking.ranking(grant_round)

    got = [(r.rank, r.application.id, r.mean, r.reviews, r.spread, r.discuss) for r in table.rows]
    assert got == [
        (1, apps[0].id, Decimal("4.00"), 2, Decimal("2.00"), True),
        (2, apps[1].id, Decimal("3.50"), 2, Decimal("1.00"), False),
        (3, apps[2].id, None, 0, None, False),
    ]
    assert [r.running_total_pence for r in table.rows] == [400_000, 900_000, 1_200_000]
    assert [r.within_pot for r in table.rows] == [True, True, False]


def test_the_discuss_flag_follows_the_setting(app, scored, monkeypatch):
    grant_round, _ = scored
    monkeypatch.setitem(app.config, "FUNDING_SPREAD_FLAG", 1.0)

    table = ranking.ranking(grant_round)

    assert [r.discuss for r in table.rows] == [True, True, False]


def test_the_page_shows_the_table_and_the_pot_with_other_funders(client, login, make, scored):
    grant_round, apps = scored
    db.session.add(
        RoundFunder(round=grant_round, name="Leeds Building Society", amount_pence=250_000)
    )
    db.session.commit()
    login(make.team_member())

    response = client.get(f"/team/funding/rounds/{grant_round.id}/ranking")

    rows = table_rows(response)
    assert rows[0][:7] == [
        "1",
        f"{apps[0].title} Armley Digital",
        "4.00",
        "2",
        "2.00 Discuss",
        "£4,000",
        "£4,000",
    ]
    assert rows[2][2] == "Not scored"
    assert rows[2][6] == "£12,000 Over the pot"
    text = page_text(response)
    assert "£10,000, of which:" in text
    assert "the Digital Inclusion Fund: £7,500" in text
    assert "Leeds Building Society: £2,500" in text


def test_the_csv_has_the_same_rows(client, login, make, scored):
    grant_round, apps = scored
    login(make.team_member())

    response = client.get(f"/team/funding/rounds/{grant_round.id}/ranking.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0][:4] == ["Rank", "Organisation", "Application", "Weighted mean score"]
    assert lines[1] == [
        "1",
        "Armley Digital",
        apps[0].title,
        "4.00",
        "2",
        "2.00",
        "Yes",
        "4000.00",
        "4000.00",
        "Yes",
        "Eligible",
        "",
    ]
    assert lines[3][3] == "" and lines[3][9] == "No"


def _bulk_round(make, size: int, criteria: int = 3, members: int = 3):
    """A round of `size` eligible applications, each scored by every member, written in
    bulk (the services would take minutes at 200)."""
    people = [make.user() for _ in range(members)]
    with db.session.no_autoflush:
        grant_round = _round(criteria=[(f"Criterion {n}", n) for n in range(1, criteria + 1)])
        orgs = [
            Organisation(
                kind=OrganisationKind.COMMUNITY,
                org_type=OrganisationType.REGISTERED_CHARITY,
                name=f"Group {n}",
                address_line_1="1 Park Row",
                town="Leeds",
                postcode="LS1 5AB",
                description="Helps people get online.",
                status=OrganisationStatus.APPROVED,
            )
            for n in range(size)
        ]
        apps = [
            GrantApplication(
                round=grant_round,
                organisation=org,
                status=ApplicationStatus.ELIGIBLE,
                title=f"Project {n}",
                amount_pence=100_000 + n,
                submitted_at=utcnow(),
            )
            for n, org in enumerate(orgs)
        ]
        panel_members = [PanelMember(round=grant_round, user=p) for p in people]
        reviews = [
            Review(
                panel_member=m,
                application=a,
                status=ReviewStatus.SUBMITTED,
                submitted_at=utcnow(),
                scores=[
                    Score(criterion=c, value=1 + (a_n + m_n + c_n) % 5)
                    for c_n, c in enumerate(grant_round.criteria)
                ],
            )
            for a_n, a in enumerate(apps)
            for m_n, m in enumerate(panel_members)
        ]
        db.session.add_all([*orgs, *apps, *panel_members, *reviews])
    db.session.commit()
    return grant_round


def _statements(client, url: str) -> int:
    client.get(url)  # warm: the first request of a run loads what later ones reuse
    with counted_statements() as statements:
        response = client.get(url)
        response.get_data()  # a download is written after the view returns
    assert response.status_code == 200
    return len(statements)


def test_the_ranking_takes_the_same_queries_for_10_and_200_applications(client, login, make):
    small, large = _bulk_round(make, 10), _bulk_round(make, 200)
    login(make.team_member())

    few = _statements(client, f"/team/funding/rounds/{small.id}/ranking")
    many = _statements(client, f"/team/funding/rounds/{large.id}/ranking")

    assert few == many
    few_csv = _statements(client, f"/team/funding/rounds/{small.id}/ranking.csv")
    many_csv = _statements(client, f"/team/funding/rounds/{large.id}/ranking.csv")
    assert few_csv == many_csv
    assert len(table_rows(client.get(f"/team/funding/rounds/{large.id}/ranking"))) == 200
