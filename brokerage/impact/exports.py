"""An organisation's impact page as a spreadsheet: a row a completed match, then the
totals and the value of the volunteer hours."""

from __future__ import annotations

from datetime import date

from brokerage.clock import london
from brokerage.exports import money
from brokerage.impact.statements import Statement
from brokerage.money import pounds
from brokerage.organisations.models import Organisation, OrganisationKind


def statement_filename(org: Organisation, start: date, end: date) -> str:
    name = "impact-statement" if org.kind is OrganisationKind.COMPANY else "impact-received"
    return f"{name}-{org.id}-{start.isoformat()}-to-{end.isoformat()}.csv"


def statement_header(org: Organisation) -> list[str]:
    """A company's statement names the charities and quotes them; what a community
    organisation received names the companies."""
    company = org.kind is OrganisationKind.COMPANY
    header = [
        "Completed on",
        "Charity" if company else "Company",
        "Need",
        "Wards",
        "Volunteer hours",
        "Devices",
        "Money (£)",
        "People reached",
    ]
    if company:
        header.append("The charity's words")
    return header


def statement_rows(statement: Statement) -> list[list]:
    company = statement.organisation.kind is OrganisationKind.COMPANY
    rows = []
    for m in statement.matches:
        row = [
            london(m.completed_at).date(),
            m.charity if company else m.company,
            m.need_title,
            ", ".join(m.wards),
            m.hours,
            m.devices,
            money(m.pence),
            m.people,
        ]
        if company:
            row.append(m.quote)
        rows.append(row)
    total = statement.totals
    f = total.figures
    rows.append(
        [
            "Total",
            f"{f.organisations:,} organisation{'s' if f.organisations != 1 else ''} helped",
            f"{f.matches:,} match{'es' if f.matches != 1 else ''} completed",
            "",
            f.hours,
            f.devices,
            money(f.pence),
            f.people,
        ]
    )
    rows.append(
        [
            "Value of the volunteer hours",
            f"{pounds(total.value_low_pence)} to {pounds(total.value_high_pence)}",
            f"at {pounds(total.rate.low_pence)} to {pounds(total.rate.high_pence)} an hour",
        ]
    )
    return rows
