"""The team's CSV of needs or offers: every one in any status (or one status), with
the list's filters, in the list's order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import select

from brokerage.exports import joined, money, stream
from brokerage.listings.models import (
    OPEN_STATUSES,
    DeviceType,
    ListingSide,
    ListingStatus,
    Skill,
)
from brokerage.listings.search import Filters, filter_conditions
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward

# The CSV's `status` besides the list's filters: "open" is just what the list shows
# (open, and not past its date); one status; or, when not given, every status.
STATUSES = {"open": "Open, as listed", **{s.value: s.label for s in ListingStatus}}


def status_filter(value: str | None) -> str | None:
    return value if value in STATUSES else None


def export_columns(model) -> list[str]:
    return [
        "ID",
        "Title",
        "Kind",
        "Status",
        "Organisation ID",
        "Organisation",
        "Wards",
        "Helps",
        "Skills",
        "Volunteers",
        "Hours each",
        "Total hours",
        "Where",
        "Device",
        "Quantity",
        "Condition",
        "Amount (£)",
        "Needed by" if model.side is ListingSide.NEED else "Available until",
        "Created (UK time)",
        "Sent for review (UK time)",
        "Published (UK time)",
    ]


def export_rows(model, filters: Filters, status: str | None, today: date) -> Iterator[list]:
    """Every need or offer (`model`) of `status` matching `filters` (without pages), in
    the list's order, as CSV rows: one query, whatever their number."""
    closes = model.closes_on_column()
    if status == "open":
        chosen = [model.status.in_(OPEN_STATUSES), closes >= today]
    elif status:
        chosen = [model.status == ListingStatus(status)]
    else:
        chosen = []
    if filters.closing_within and status != "open":
        # "Closing within a week" is from today, whatever the status.
        chosen.append(closes >= today)
    conditions = chosen + filter_conditions(model, filters, today)
    order = (
        (closes.asc(), model.id.asc())
        if filters.sort == "closing"
        else (model.published_at.is_(None), model.published_at.desc(), model.id.desc())
    )
    key = f"{model.__tablename__}_id"
    links = model.link_tables()

    def names(link: str, target):
        link_table = links[link]
        return joined(
            select(target.name)
            .join(link_table, link_table.c[f"{link}_id"] == target.id)
            .where(link_table.c[key] == model.id),
            target.position,
            model,
        )

    statement = (
        select(
            model.id,
            model.title,
            model.kind,
            model.status,
            model.organisation_id,
            Organisation.name.label("organisation"),
            names("ward", Ward).label("wards"),
            names("beneficiary_group", BeneficiaryGroup).label("groups"),
            names("skill", Skill).label("skills"),
            model.volunteers,
            model.hours_per_volunteer,
            (model.volunteers * model.hours_per_volunteer).label("total_hours"),
            model.location_mode,
            DeviceType.name.label("device"),
            model.quantity,
            model.condition,
            model.amount_pence,
            closes.label("closes_on"),
            model.created_at,
            model.submitted_at,
            model.published_at,
        )
        .join(Organisation, Organisation.id == model.organisation_id)
        .outerjoin(DeviceType, DeviceType.id == model.device_type_id)
        .where(*conditions)
        .order_by(*order)
    )
    return (_export_row(row) for row in stream(statement))


def _export_row(row) -> list:
    return [
        row.id,
        row.title,
        row.kind,
        row.status,
        row.organisation_id,
        row.organisation,
        row.wards,
        row.groups,
        row.skills,
        row.volunteers,
        row.hours_per_volunteer,
        row.total_hours,
        row.location_mode,
        row.device,
        row.quantity,
        row.condition,
        money(row.amount_pence),
        row.closes_on,
        row.created_at,
        row.submitted_at,
        row.published_at,
    ]
