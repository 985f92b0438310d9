"""Every match as CSV rows, for the team."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from brokerage.accounts.models import User
from brokerage.exports import joined, money, stream
from brokerage.listings.models import DeviceType, ListingSide, Need, Offer, need_ward
from brokerage.matches.models import Feedback, Match
from brokerage.matches.queries import MatchFilters
from brokerage.organisations.models import Organisation, Ward

MATCH_COLUMNS = [
    "Match ID",
    "Status",
    "Need ID",
    "Need",
    "Need's kind",
    "Community organisation",
    "Need's wards",
    "Offer ID",
    "Offer",
    "Offer's kind",
    "Company",
    "Volunteers",
    "Hours each",
    "Total hours",
    "Devices",
    "Device type",
    "Amount (£)",
    "Proposed (UK time)",
    "Proposed by",
    "Agreed (UK time)",
    "Started (UK time)",
    "Closed (UK time)",
    "Declined by",
    "Reason for declining or cancelling",
    "Hours delivered",
    "Devices delivered",
    "Delivered (£)",
    "People reached",
    "Charity's rating",
    "Company's rating",
]


def match_rows(filters: MatchFilters) -> Iterator[list]:
    """Every match of the status chosen (or all), in the list's order, as CSV rows:
    one query, whatever their number."""
    community, company = aliased(Organisation), aliased(Organisation)

    def rating(side: ListingSide):
        return (
            select(Feedback.rating)
            .where(Feedback.match_id == Match.id, Feedback.side == side)
            .scalar_subquery()
        )

    statement = (
        select(
            Match.id,
            Match.status,
            Need.id.label("need_id"),
            Need.title.label("need"),
            Need.kind.label("need_kind"),
            community.name.label("community"),
            joined(
                select(Ward.name)
                .join(need_ward, need_ward.c.ward_id == Ward.id)
                .where(need_ward.c.need_id == Need.id),
                Ward.position,
                Need,
            ).label("wards"),
            Offer.id.label("offer_id"),
            Offer.title.label("offer"),
            Offer.kind.label("offer_kind"),
            company.name.label("company"),
            Match.volunteers,
            Match.hours_per_volunteer,
            (Match.volunteers * Match.hours_per_volunteer).label("total_hours"),
            Match.quantity,
            DeviceType.name.label("device"),
            Match.amount_pence,
            Match.proposed_at,
            User.name.label("proposed_by"),
            Match.agreed_at,
            Match.started_at,
            Match.closed_at,
            Match.declined_by_side,
            Match.reason,
            Match.delivered_hours,
            Match.delivered_devices,
            Match.delivered_pence,
            Match.people_reached,
            rating(ListingSide.NEED).label("need_rating"),
            rating(ListingSide.OFFER).label("offer_rating"),
        )
        .join(Need, Need.id == Match.need_id)
        .join(community, community.id == Need.organisation_id)
        .join(Offer, Offer.id == Match.offer_id)
        .join(company, company.id == Offer.organisation_id)
        .join(User, User.id == Match.proposed_by_id)
        .outerjoin(
            DeviceType, DeviceType.id == func.coalesce(Need.device_type_id, Offer.device_type_id)
        )
        .where(*filters.conditions())
        .order_by(Match.proposed_at.desc(), Match.id.desc())
    )
    return (_match_row(row) for row in stream(statement))


def _match_row(row) -> list:
    declined_by = {ListingSide.NEED: row.community, ListingSide.OFFER: row.company}
    return [
        row.id,
        row.status,
        row.need_id,
        row.need,
        row.need_kind,
        row.community,
        row.wards,
        row.offer_id,
        row.offer,
        row.offer_kind,
        row.company,
        row.volunteers,
        row.hours_per_volunteer,
        row.total_hours,
        row.quantity,
        row.device if row.quantity else None,
        money(row.amount_pence),
        row.proposed_at,
        row.proposed_by,
        row.agreed_at,
        row.started_at,
        row.closed_at,
        declined_by.get(row.declined_by_side),
        row.reason,
        row.delivered_hours,
        row.delivered_devices,
        money(row.delivered_pence),
        row.people_reached,
        row.need_rating,
        row.offer_rating,
    ]
