"""The 360Giving file: the standard's column titles, its required fields filled, ISO
dates, amounts as numbers in GBP, org-ids from register numbers. No 360Giving
validator can be installed from PyPI here (lib360dataquality is not published there,
and flattentool converts but carries no schema), so the file is checked against the
published spreadsheet template's titles, kept in fixtures/360giving_columns.json."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from brokerage.config import ConfigError, load
from brokerage.extensions import db
from brokerage.funding import awards
from brokerage.funding.giving360 import org_identifier
from brokerage.funding.models import RoundStatus
from brokerage.organisations.models import OrganisationType, RegistrationScheme
from tests.funding import factories as funding_make

STANDARD = json.loads((Path(__file__).parent / "fixtures" / "360giving_columns.json").read_text())
NOW = datetime(2027, 3, 1, 10, tzinfo=UTC)


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _check_against_the_standard(rows: list[dict[str, str]], header: list[str]) -> None:
    unknown = [title for title in header if title not in STANDARD["titles"]]
    assert not unknown, f"not a 360Giving column title: {unknown}"
    assert len(set(header)) == len(header)
    missing = [title for title in STANDARD["required"] if title not in header]
    assert not missing, f"required columns missing: {missing}"
    for row in rows:
        for title in STANDARD["required"]:
            assert row[title].strip(), f"{title} is empty in {row['Identifier']}"
        for title in STANDARD["numbers"]:
            if row.get(title):
                assert Decimal(row[title]) >= 0
        for title in STANDARD["dates"]:
            if row.get(title):
                date.fromisoformat(row[title])
        for title in STANDARD["date_times"]:
            if row.get(title):
                assert datetime.fromisoformat(row[title]).tzinfo is not None
        assert row["Currency"] in STANDARD["currencies"]
        assert row["From an open call?"] in ("Yes", "No")
        for title in ("Recipient Org:Identifier", "Funding Org:Identifier"):
            assert row[title].startswith(tuple(STANDARD["org_id_prefixes"])), row[title]


@pytest.fixture
def grants(make, clock):
    """A published round with two awards (a charity's, paid; a company's) and a decided
    round, not yet published, with one (an unregistered group's)."""
    clock(NOW)
    published = funding_make.grant_round(
        name="Digital Inclusion Fund 2026",
        status=RoundStatus.PUBLISHED,
        opens_in=timedelta(days=-200),
        closes_in=timedelta(days=-170),
    )
    charity = make.organisation(name="Armley Digital", registration_number="1123456")
    cic = make.organisation(
        name="Beeston Bytes CIC",
        org_type=OrganisationType.CIC,
        registration_scheme=RegistrationScheme.COMPANIES_HOUSE,
        registration_number="09876543",
    )
    paid = funding_make.award(funding_make.application(published, charity, amount_pence=1_000_000))
    funding_make.award(funding_make.application(published, cic, amount_pence=250_050))
    decided = funding_make.grant_round(
        name="Digital Inclusion Fund 2027",
        status=RoundStatus.DECIDED,
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-30),
    )
    group = make.organisation(
        name="Seacroft Silver Surfers",
        org_type=OrganisationType.COMMUNITY_GROUP,
        registration_scheme=RegistrationScheme.NONE,
        registration_number=None,
    )
    hidden = funding_make.award(funding_make.application(decided, group))
    awards.record_payment(paid, make.team_member(), date(2027, 3, 1), "BACS 1")
    db.session.commit()
    return paid, hidden


def test_the_public_file_has_the_published_rounds_grants_in_the_standards_columns(grants, client):
    paid, hidden = grants

    response = client.get("/funding/grants/360giving.csv")

    rows = _rows(response)
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    _check_against_the_standard(rows, header)
    assert [r["Recipient Org:Name"] for r in rows] == ["Armley Digital", "Beeston Bytes CIC"]
    first, second = rows
    assert first["Identifier"] == f"360G-digitalleeds-award-{paid.id}"
    assert first["Recipient Org:Identifier"] == "GB-CHC-1123456"
    assert first["Recipient Org:Charity Number"] == "1123456"
    assert first["Recipient Org:Company Number"] == ""
    assert first["Amount Awarded"] == "10000.00"
    assert first["Amount Disbursed"] == "10000.00"
    assert first["Award Date"] == "2027-03-01"
    assert first["Currency"] == "GBP"
    assert first["Funding Org:Identifier"] == "GB-LAE-LDS"
    assert first["Funding Org:Name"] == "Leeds City Council"
    assert first["Grant Programme:Title"] == "Digital Inclusion Fund 2026"
    assert first["Beneficiary Location:Name"] == "Leeds"
    assert first["Last modified"] == "2027-03-01T10:00:00+00:00"
    assert second["Recipient Org:Identifier"] == "GB-COH-09876543"
    assert second["Recipient Org:Company Number"] == "09876543"
    assert second["Amount Awarded"] == "2500.50"
    assert second["Amount Disbursed"] == ""  # not paid yet
    assert f"award-{hidden.id}" not in response.get_data(as_text=True)
    assert "Seacroft" not in response.get_data(as_text=True)


def test_the_teams_file_adds_the_decided_rounds(grants, client, login, make):
    _, hidden = grants
    login(make.team_member())

    response = client.get("/team/funding/awards/360giving.csv")

    rows = _rows(response)
    header = next(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    _check_against_the_standard(rows, header)
    assert len(rows) == 3
    assert rows[2]["Recipient Org:Name"] == "Seacroft Silver Surfers"
    assert rows[2]["Identifier"] == f"360G-digitalleeds-award-{hidden.id}"
    assert re.fullmatch(r"360G-digitalleeds-org-\d+", rows[2]["Recipient Org:Identifier"])
    assert rows[2]["Recipient Org:Charity Number"] == ""


def test_the_settings_name_the_funder_and_the_prefix(grants, client, app, monkeypatch):
    monkeypatch.setitem(app.config, "GRANTS_360_PREFIX", "360G-example")
    monkeypatch.setitem(app.config, "FUNDER_ORG_ID", "GB-CHC-1000000")
    monkeypatch.setitem(app.config, "FUNDER_ORG_NAME", "Example Trust")

    rows = _rows(client.get("/funding/grants/360giving.csv"))

    assert rows[0]["Identifier"].startswith("360G-example-award-")
    assert rows[0]["Grant Programme:Code"].startswith("360G-example-round-")
    assert {r["Funding Org:Name"] for r in rows} == {"Example Trust"}
    assert {r["Funding Org:Identifier"] for r in rows} == {"GB-CHC-1000000"}


@pytest.mark.parametrize(
    ("scheme", "number", "expected"),
    [
        (RegistrationScheme.CHARITY_EW, "1123456", "GB-CHC-1123456"),
        (RegistrationScheme.CHARITY_SC, "SC012345", "GB-SC-SC012345"),
        (RegistrationScheme.CHARITY_NI, "NIC101234", "GB-NIC-101234"),
        (RegistrationScheme.CHARITY_NI, "101234", "GB-NIC-101234"),
        (RegistrationScheme.COMPANIES_HOUSE, "SC123456", "GB-COH-SC123456"),
        (RegistrationScheme.NONE, None, "360G-digitalleeds-org-7"),
    ],
)
def test_org_ids_come_from_the_register_numbers(scheme, number, expected):
    assert org_identifier("360G-digitalleeds", scheme, number, 7) == expected


def test_an_empty_file_still_has_the_header(client):
    response = client.get("/funding/grants/360giving.csv")
    assert _rows(response) == []
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith("Identifier,Title,")


@pytest.mark.parametrize("value", ["digitalleeds", "360G-", "360G-a b"])
def test_a_bad_prefix_stops_the_app(monkeypatch, value):
    monkeypatch.setenv("GRANTS_360_PREFIX", value)
    with pytest.raises(ConfigError, match="GRANTS_360_PREFIX"):
        load({"APP_ENV": "testing"})
