"""The impact pages in Chromium: axe finds nothing on them with charts full of data or
with filter errors, and they read the same without JavaScript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from brokerage.organisations.models import OrganisationKind
from tests import factories
from tests.impact.make import EQUIPMENT, confirmed, copies, feedback

pytestmark = pytest.mark.browser

NOW = datetime.now(UTC)


@pytest.fixture
def world(make):
    company = make.organisation(kind=OrganisationKind.COMPANY, name="Aire Software")
    charity = make.organisation(name="Chapel Allerton Hub")
    first = confirmed(
        org=charity,
        company=company,
        hours=12,
        people=30,
        closed_at=NOW - timedelta(days=3),
        ward_ids=[factories.ward("armley").id, factories.ward("pudsey").id],
    )
    feedback(first, "Patient and kind volunteers.", quote_allowed=True)
    laptops = confirmed(
        EQUIPMENT, company=company, devices=8, people=8, closed_at=NOW - timedelta(days=50)
    )
    copies(laptops, 20, closed_at=NOW - timedelta(days=300))
    return {"company": company, "charity": charity, "team": make.team_member()}


PAGES = [
    ("team", "/team/dashboard", "Dashboard"),
    ("team", "/team/impact", "Impact"),
    ("team", "/team/impact?show=money&ward=armley", "Impact"),
    ("team", "/team/impact?from=31&from=2&from=2026&ward=atlantis", "Impact"),
    (None, "/impact", "Our impact"),
    ("company", "/organisations/{company}/impact", "Impact statement"),
    ("company", "/organisations/{company}/impact?from=1&from=13&from=2026", "Impact statement"),
    ("charity", "/organisations/{charity}/impact", "What you received"),
]


@pytest.mark.parametrize(("who", "url", "heading"), PAGES)
def test_the_impact_pages_pass_axe(world, new_context, sign_in, check_page, who, url, heading):
    page = new_context().new_page()
    if who is not None:
        person = world[who] if who == "team" else world[who].owners[0]
        sign_in(page, person.email, check=False)
    ids = {"company": world["company"].id, "charity": world["charity"].id}

    page.goto(url.format(**ids))

    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    check_page(page)


def test_charts_and_their_tables_read_without_javascript(world, new_context, check_page):
    page = new_context(java_script_enabled=False).new_page()

    page.goto("/impact")

    charts = page.get_by_role("img")
    expect(charts).to_have_count(2)
    expect(charts.first).to_have_accessible_name("Matches completed by month")
    expect(page.get_by_role("table", name="Matches completed by ward")).to_be_visible()
    expect(page.get_by_role("row", name="Pudsey 1")).to_be_visible()
    check_page(page, axe=False)
