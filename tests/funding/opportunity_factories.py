"""Other funders' opportunities as the tests need them: committed rows."""

from __future__ import annotations

import itertools
from datetime import timedelta

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.funding.opportunity_models import FundingOpportunity
from tests.factories import group, ward

_numbers = itertools.count(1)


def opportunity(
    *,
    title: str | None = None,
    funder: str = "Example Fund",
    deadline=None,
    wards=(),
    groups=(),
    types=(),
    withdrawn: bool = False,
    **values,
) -> FundingOpportunity:
    """An opportunity for anyone unless told (wards and groups by slug, types as
    OrganisationType), its deadline in 30 days."""
    new = FundingOpportunity(
        funder=funder,
        title=title or f"Opportunity {next(_numbers)}",
        what_it_funds="Devices and volunteer time for digital skills.",
        deadline=deadline or today_in_leeds() + timedelta(days=30),
        link="https://example.org/apply",
        organisation_types=" ".join(t.value for t in types),
        withdrawn=withdrawn,
        **values,
    )
    new.wards = [ward(slug) for slug in wards]
    new.beneficiary_groups = [group(slug) for slug in groups]
    db.session.add(new)
    db.session.commit()
    return new
