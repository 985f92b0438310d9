"""The impact pages: who sees them, what they show, junk in their filters, the same
queries whatever the data size, and the same figures on every page and in the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from brokerage import page_cache
from brokerage.accounts.models import User
from brokerage.demo import seed_demo
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from brokerage.notifications.services import queue_email
from brokerage.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from tests import factories
from tests.helpers import (
    counted_statements,
    elements,
    error_summary,
    field_errors,
    main_html,
    page_text,
    sign_in_as,
)
from tests.impact.make import confirmed, copies, feedback
from tests.matches import factories as brokering_make

NOW = datetime.now(UTC).replace(microsecond=0)


def shown_figures(response, list_id: str = "totals") -> dict[str, str]:
    """The totals list's figures, by name (matches, hours, value ...)."""
    html = main_html(response)
    start = html.index(f'id="{list_id}"')
    found = elements(html[start:], lambda tag, a: "data-figure" in a)
    figures = {}
    for attrs, text in found:
        figures.setdefault(attrs["data-figure"], text)
    return figures


@pytest.fixture
def team(make, login):
    return login(make.team_member())


# --- Who sees what --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/team/dashboard", "/team/impact"])
def test_the_team_pages_are_the_teams(url, client, login, make):
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/account/sign-in" in anonymous.headers["Location"]
    login(make.member(make.organisation(kind=OrganisationKind.COMPANY)))
    assert client.get(url).status_code == 403
    login(make.team_member())
    assert client.get(url).status_code == 200


def test_the_public_page_is_for_everyone_and_names_nobody(client, make):
    charity = make.organisation(name="Seacroft Silver Surfers")
    company = make.organisation(kind=OrganisationKind.COMPANY, name="Kirkstall Code Ltd")
    match = confirmed(
        org=charity,
        company=company,
        hours=12,
        people=9,
        title="Tablet club helpers",
        closed_at=NOW - timedelta(days=2),
    )
    feedback(match, "Lovely volunteers, Mrs Patel said so.", quote_allowed=True)
    confirmed(hours=3, people=1)
    unconfirmed = brokering_make.agreed()  # agreed, not delivered: not counted

    response = client.get("/impact")

    assert response.status_code == 200
    html = main_html(response)
    for private in (
        "Seacroft Silver Surfers",
        "Kirkstall Code Ltd",
        "Tablet club helpers",
        "Mrs Patel",
        match.need.organisation.owners[0].name,
        unconfirmed.need.title,
    ):
        assert private not in html
    assert shown_figures(response)["hours"] == "15"
    assert shown_figures(response)["matches"] == "2"


def test_a_signed_in_person_gets_the_shared_figures_around_their_own_header(app, make, monkeypatch):
    """The figures are the same for everyone: with pages shared for a few seconds, as in
    production, a signed-in person's /impact reads only their session (not the ten
    statements of the figures, the balls and the grants), shows their own header, is
    never kept as a whole, and a match confirmed in this process shows at once."""
    monkeypatch.setitem(app.config, "SHARED_PAGE_SECONDS", 10)
    page_cache.clear()
    try:
        confirmed(hours=12, people=9)
        charity = make.organisation(name="Seacroft Silver Surfers")
        company = make.organisation(kind=OrganisationKind.COMPANY, name="Kirkstall Code Ltd")
        one, other = app.test_client(), app.test_client()
        sign_in_as(one, charity.owners[0])  # both first: a sign-in is a commit
        sign_in_as(other, company.owners[0])
        first = one.get("/impact")
        assert shown_figures(first)["hours"] == "12"

        with counted_statements() as statements:
            page = other.get("/impact")
        assert len(statements) == 1, statements  # the session, with the person
        assert shown_figures(page) == shown_figures(first)
        assert main_html(page) == main_html(first)
        assert "Sign out" in page.get_data(as_text=True)
        assert page.headers["Cache-Control"] == "no-store"
        # Another measure is its own copy.
        by_people = other.get("/impact?show=people")
        assert by_people.status_code == 200 and main_html(by_people) != main_html(page)

        confirmed(hours=3, people=1)  # committed in this process
        assert shown_figures(other.get("/impact"))["hours"] == "15"
    finally:
        page_cache.clear()


# --- What the team's pages show -------------------------------------------------------------


def test_the_dashboard_shows_work_waiting_and_matches(team, make):
    confirmed(hours=4, people=2)
    make.organisation(status=OrganisationStatus.PENDING)

    response = team.get("/team/dashboard")

    assert response.status_code == 200
    text = page_text(response)
    assert "Organisations waiting for verification 1" in text
    assert "Needs waiting for review 0 Nothing waiting" in text
    assert "Completed 1" in text
    assert "Median: less than a day, over the 1 match agreed in the last 12 months" in text
    assert "Needs open longest without a match" in text


def test_the_impact_page_filters_and_charts(team):
    armley = [factories.ward("armley").id]
    confirmed(hours=5, ward_ids=armley, closed_at=NOW - timedelta(days=1))
    confirmed(hours=7, ward_ids=[factories.ward("pudsey").id], closed_at=NOW - timedelta(days=1))

    everything = team.get("/team/impact")
    armley_only = team.get("/team/impact?ward=armley&show=hours")

    assert shown_figures(everything)["hours"] == "12"
    assert shown_figures(armley_only)["hours"] == "5"
    html = main_html(armley_only)
    # Two charts, each an image with a title and a summary, and a table beside it.
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) == 2
    for svg in svgs:
        assert 'role="img"' in svg and "aria-labelledby=" in svg and "aria-describedby=" in svg
        assert "<title" in svg and "<desc" in svg
        assert "style" not in svg
    assert "Volunteer hours by ward" in html
    assert 'id="wards-chart-table"' in html and 'id="months-chart-table"' in html
    assert "<style" not in html and " style=" not in html


@pytest.mark.parametrize(
    ("query", "told"),
    [
        ("from=31&from=2&from=2026", True),
        ("from=1&from=&from=2026&to=x", True),
        ("ward=atlantis&kind=rockets&group=%3Cscript%3E", True),
        ("from=2026-05-01&to=2026-04-01", True),
        ("to=1&to=1&to=99999999999999999999", True),
        ("from=%C2%B2&from=1&from=2026", True),
        ("from=0001-01-01", True),
        ("show=everything&kind=", False),
        ("ward=armley&ward=pudsey", False),
    ],
)
def test_junk_in_the_filters_is_refused_with_a_message_never_an_error(team, query, told):
    confirmed(hours=2)

    response = team.get(f"/team/impact?{query}")

    assert response.status_code == 200
    assert ("There is a problem" in page_text(response)) is told


def test_filter_messages_are_beside_their_boxes_and_in_the_summary(team):
    response = team.get("/team/impact?from=31&from=2&from=2026&ward=atlantis")

    summary = error_summary(response)
    assert "The start date must be a real date" in summary
    assert "Choose a ward from the list" in summary
    assert field_errors(response) == {
        "from": "The start date must be a real date",
        "filter-ward": "Choose a ward from the list",
    }
    assert 'href="#from-day"' in main_html(response)
    assert "<title>Error: Impact" in response.get_data(as_text=True)


# --- The same queries whatever the data ---------------------------------------------------------


def _statements(client, url: str) -> int:
    client.get(url)  # warm up
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_each_page_costs_the_same_queries_for_2_or_200_matches(client, login, make):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    member = company.owners[0]
    first = confirmed(company=company, hours=3, closed_at=NOW - timedelta(days=3))
    feedback(first, "Thank you", quote_allowed=True)
    second = confirmed(company=company, hours=3, closed_at=NOW - timedelta(days=4))
    charity = second.need.organisation
    team = make.team_member()
    urls = {
        "/team/dashboard": team,
        "/team/impact?ward=armley&kind=volunteering&from=2020-01-01": team,
        "/impact": None,
        f"/organisations/{company.id}/impact": member,
        f"/organisations/{company.id}/impact.csv": member,
        f"/organisations/{charity.id}/impact": charity.owners[0],
    }

    def costs() -> dict[str, int]:
        result = {}
        for url, person in urls.items():
            if person is None:
                with client.session_transaction() as session:
                    session.clear()
            else:
                login(person)
            result[url] = _statements(client, url)
        return result

    with_2 = costs()
    copies(first, 99, closed_at=NOW - timedelta(days=40))
    copies(second, 99, closed_at=NOW - timedelta(days=400))
    with_200 = costs()

    assert with_2 == with_200
    assert max(with_200.values()) < 25


# --- The same figures everywhere ------------------------------------------------------------------


def test_the_dashboard_the_csv_and_the_statement_agree_on_the_demo_data(client, login):
    seed_demo()
    db.session.commit()
    team = db.session.scalars(select(User).where(User.email == "team@example.org")).one()
    company_member = db.session.scalars(
        select(User).where(User.email == "company@example.org")
    ).one()
    company = db.session.scalars(
        select(Organisation).where(Organisation.name == "Aire Valley Software Ltd")
    ).one()

    login(team)
    dashboard = shown_figures(client.get("/team/dashboard"), "statuses")
    impact = shown_figures(client.get("/team/impact"))
    public = shown_figures(client.get("/impact"))
    login(company_member)
    statement_page = client.get(f"/organisations/{company.id}/impact")
    statement = shown_figures(statement_page)
    csv_response = client.get(f"/organisations/{company.id}/impact.csv")
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))

    # Aire Valley Software's one completed match in the demo: 16 hours, 38 people; the
    # programme's figures (the team's and the public's) count every completed match.
    assert dashboard["status-completed"] == impact["matches"] == public["matches"]
    assert impact == public
    assert int(impact["matches"]) > int(statement["matches"])
    assert statement["hours"] == "16" and statement["people"] == "38"
    assert statement["matches"] == "1" and statement["organisations"] == "1"
    header, *_matches, total, value = rows
    assert total[0] == "Total"
    assert total[1] == f"{statement['organisations']} organisation helped"
    assert total[2] == f"{statement['matches']} match completed"
    hours_at = header.index("Volunteer hours")
    people_at = header.index("People reached")
    devices_at = header.index("Devices")
    assert total[hours_at] == statement["hours"]
    assert total[people_at] == statement["people"]
    assert total[devices_at] == statement["devices"]
    assert f"£{float(total[header.index('Money (£)')]):,.0f}" == statement["money"]
    assert value[1] == statement["value"]
    assert "Patient, friendly volunteers" in page_text(statement_page)


def test_the_dashboard_and_healthz_warn_when_email_is_not_going_out(team, client, make):
    person = make.user()
    queue_email(person.email, "password_changed", "Changed", user=person, reset="r")
    db.session.commit()
    assert client.get("/healthz").get_json()["mail"] == "ok"
    text = page_text(team.get("/team/dashboard"))
    assert "Waiting to be sent 1 (the oldest has waited under a minute)" in text
    assert "Email is not going out" not in text

    # Nobody has sent it for 20 minutes: the worker is down, or cannot reach SMTP.
    row = db.session.scalars(select(OutboxEmail)).one()
    row.created_at = row.created_at - timedelta(minutes=20)
    db.session.commit()

    text = page_text(team.get("/team/dashboard"))
    assert "Email is not going out: the oldest waiting email has waited 20 minutes" in text
    health = client.get("/healthz").get_json()
    assert health["mail"] == "stuck" and health["mail_waiting"] == 1
    assert health["mail_oldest_waiting_s"] >= 20 * 60


def test_the_team_menu_is_short_and_its_dashboard_leads_to_every_team_area(team):
    """15 links wrapped to three rows at 1280 px: the team's work is one menu item,
    and the dashboard lists each area."""
    response = team.get("/needs")
    html = response.get_data(as_text=True)
    menu = html[
        html.index('aria-label="Menu"') : html.index("</nav>", html.index('aria-label="Menu"'))
    ]
    items = re.findall(r'class="govuk-service-navigation__link"[^>]*>\s*([^<]+?)\s*<', menu)
    assert "Team" in items and "Brokering" not in items and "Review posts" not in items
    assert len(items) <= 9, items  # and Sign out

    dashboard = team.get("/team/dashboard")
    areas = elements(
        main_html(dashboard), lambda tag, a: tag == "a" and "govuk-link" in a.get("class", "")
    )
    names = [text for _, text in areas]
    for area in (
        "Brokering",
        "Review posts",
        "Verify organisations",
        "Ball",
        "Impact report",
        "Lists",
    ):
        assert area in names
    assert (
        '<a class="govuk-service-navigation__link" href="/team/dashboard" aria-current="page">'
        in (dashboard.get_data(as_text=True))
    )
