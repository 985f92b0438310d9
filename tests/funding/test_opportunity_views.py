"""The opportunity pages: the team posts, changes, withdraws and downloads them; an
organisation's members see those that fit and say "not for us"."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.funding.opportunity_models import FundingOpportunity, OpportunityDismissal
from brokerage.notifications.models import Notice
from tests.funding.opportunity_factories import opportunity
from tests.helpers import (
    counted_statements,
    field_errors,
    flashes,
    page_text,
    submit,
    table_rows,
    texts,
)

NEW = "/team/funding/opportunities/new"
LIST = "/team/funding/opportunities"


def _form(**changes) -> dict:
    deadline = today_in_leeds() + timedelta(days=20)
    data = {
        "funder": "Leeds Community Foundation",
        "title": "Tablets for older people",
        "what_it_funds": "Tablets and data for people over 65.",
        "min_amount": "500",
        "max_amount": "£2,500",
        "deadline": [str(deadline.day), str(deadline.month), str(deadline.year)],
        "who_may_apply": "Charities in Leeds",
        "link": "https://example.org/tablets",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _count() -> int:
    return db.session.scalar(select(func.count(FundingOpportunity.id)))


@pytest.fixture
def team(make, login):
    person = make.team_member(name="Tam Team")
    login(person)
    return person


def test_the_team_posts_one_and_the_charity_it_fits_is_told(client, make, team):
    charity = make.organisation(name="Armley Elders")
    older = make.group("older-people").id
    response = submit(client, NEW, {**_form(), "beneficiary_groups": [str(older)]})
    assert response.status_code == 302
    page = client.get(LIST)
    assert "Tablets for older people is posted" in flashes(page)
    [row] = table_rows(page)
    assert row[0] == "Tablets for older people Leeds Community Foundation"
    assert row[1] == "£500 to £2,500"
    assert row[3] == "Anywhere in Leeds; work with older people"
    saved = db.session.scalars(select(FundingOpportunity)).one()
    assert (saved.min_amount_pence, saved.max_amount_pence) == (50000, 250000)
    assert saved.created_by_id == team.id
    notice = db.session.scalars(
        select(Notice).where(
            Notice.user_id == charity.owners[0].id, Notice.message.contains("may suit")
        )
    ).one()
    assert notice.path == f"/organisations/{charity.id}/funding"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"funder": "  "}, "funder", "Enter the funder's name"),
        ({"title": "x" * 161}, "title", "Title must be 160 characters or fewer"),
        ({"what_it_funds": ""}, "what_it_funds", "Enter what it funds"),
        ({"min_amount": "lots"}, "min_amount", "Enter the amount in pounds, like 2500 or 2500.50"),
        ({"min_amount": "0"}, "min_amount", "The amount must be more than £0"),
        ({"max_amount": "30,000,000"}, "max_amount", "The amount must be £10,000,000 or less"),
        (
            {"min_amount": "3000"},
            "max_amount",
            "The most must be the same as or more than the least",
        ),
        (
            {"deadline": ["", "", ""]},
            "deadline",
            "Enter the deadline",
        ),
        ({"deadline": ["31", "2", "2030"]}, "deadline", "Deadline must be a real date"),
        (
            {"deadline": ["1", "1", "2020"]},
            "deadline",
            "The deadline must be today or in the future",
        ),
        (
            {"link": "http://example.org"},
            "link",
            "Enter a link that starts with https://, like https://example.org",
        ),
        (
            {"link": "javascript:alert(1)"},
            "link",
            "Enter a link that starts with https://, like https://example.org",
        ),
        ({"wards": ["1", "2"]}, "wards", None),
        ({"wards": ["999999"]}, "wards", "Choose Leeds-wide or wards from the list"),
        ({"organisation_types": ["private_limited"]}, "organisation_types", None),
        ({"title": "Bad\x1bname"}, "title", None),
    ],
)
def test_bad_input_is_told_beside_the_field_and_nothing_is_saved(
    client, make, team, changes, field, message
):
    if field == "wards" and message is None:
        leeds_wide, armley = make.ward("leeds-wide").id, make.ward("armley").id
        changes = {"wards": [str(leeds_wide), str(armley)]}
        message = "Choose Leeds-wide or particular wards, not both"
    response = submit(client, NEW, _form(**changes))
    assert response.status_code == 400
    errors = field_errors(response)
    assert field in errors, errors
    if message:
        assert errors[field] == message
    assert _count() == 0


def test_the_team_changes_one(client, team):
    opp = opportunity(title="Old title", wards=["armley"])
    url = f"/team/funding/opportunities/{opp.id}/edit"
    page = client.get(url)
    assert "Change Old title" in page_text(page)
    response = submit(client, url, _form(title="New title", wards=[str(opp.wards[0].id)]))
    assert response.status_code == 302
    db.session.refresh(opp)
    assert opp.title == "New title"
    assert [w.slug for w in opp.wards] == ["armley"]


def test_the_team_withdraws_one_and_it_is_marked_with_past_ones(client, team):
    opp = opportunity(title="Going")
    opportunity(title="Gone by", deadline=today_in_leeds() - timedelta(days=1))
    response = submit(client, f"/team/funding/opportunities/{opp.id}/withdraw", page=LIST)
    assert response.status_code == 302
    page = client.get(LIST)
    assert "Going is withdrawn" in flashes(page)
    rows = {row[0]: row for row in table_rows(page)}
    assert "Withdrawn" in rows["Going Example Fund"][2]
    assert "Past its deadline" in rows["Gone by Example Fund"][2]
    # A withdrawn one cannot be changed.
    edit = client.get(f"/team/funding/opportunities/{opp.id}/edit")
    assert edit.status_code == 302


def test_the_csv_has_every_opportunity(client, team, make):
    opp = opportunity(
        title="=cmd()",
        wards=["armley", "bramley-and-stanningley"],
        groups=["older-people"],
        min_amount_pence=100_00,
    )
    charity = make.organisation()
    db.session.add(OpportunityDismissal(opportunity_id=opp.id, organisation_id=charity.id))
    db.session.commit()
    response = client.get("/team/funding/opportunities.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="funding-opportunities-'
    )
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, row = rows
    got = dict(zip(header, row, strict=True))
    assert got["Title"] == "'=cmd()"
    assert got["Wards"] == "Armley, Bramley and Stanningley"
    assert got["Beneficiary groups"] == "Older people"
    assert got["Organisation types"] == "Any"
    assert got["Least (£)"] == "100.00"
    assert got["State"] == "Open"
    assert got["Organisations that said not for us"] == "1"


def test_the_team_list_is_a_fixed_number_of_queries(client, team):
    def count() -> int:
        with counted_statements() as statements:
            assert client.get(LIST).status_code == 200
        return len(statements)

    opportunity(wards=["armley"], groups=["older-people"])
    client.get(LIST)
    few = count()
    for n in range(10):
        opportunity(title=f"More {n}", wards=["armley"], groups=["older-people"])
    assert count() == few


def test_members_see_those_that_fit_and_dismiss_one(client, login, make):
    charity = make.organisation(name="Armley Elders")
    member = make.member(charity)
    today = today_in_leeds()
    opportunity(title="Later", deadline=today + timedelta(days=40))
    soon = opportunity(title="Sooner", deadline=today + timedelta(days=5))
    opportunity(title="Elsewhere", wards=["wetherby"])
    login(member)
    show = client.get(f"/organisations/{charity.id}")
    assert "Funding from other funders" in page_text(show)
    url = f"/organisations/{charity.id}/funding"
    page = client.get(url)
    assert page.status_code == 200
    assert texts(page, "govuk-summary-card__title") == ["Sooner", "Later"]
    assert "The soonest deadline comes first" in page_text(page)

    response = submit(client, f"{url}/{soon.id}/dismiss", page=url)
    assert response.status_code == 302
    page = client.get(url)
    assert "moved to 'Not for us'" in flashes(page)
    assert texts(page, "govuk-summary-card__title") == ["Later", "Sooner"]
    assert "Not for us" in page_text(page)
    assert db.session.scalar(select(func.count(OpportunityDismissal.id))) == 1


def test_one_that_does_not_fit_cannot_be_dismissed(client, login, make):
    charity = make.organisation()
    elsewhere = opportunity(wards=["wetherby"])
    login(charity.owners[0])
    url = f"/organisations/{charity.id}/funding"
    response = submit(client, f"{url}/{elsewhere.id}/dismiss", page=url)
    assert response.status_code == 404


def test_the_organisation_page_is_a_fixed_number_of_queries(client, login, make):
    charity = make.organisation()
    url = f"/organisations/{charity.id}/funding"
    login(charity.owners[0])

    def count() -> int:
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    opportunity(wards=["armley"], groups=["older-people"])
    client.get(url)
    few = count()
    for n in range(10):
        opportunity(title=f"More {n}", wards=["armley"], groups=["older-people"])
    assert count() == few
