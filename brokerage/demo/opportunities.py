"""Other funders' opportunities the team has posted: one Leeds-wide, one for a ward and
one for work with older people, their deadlines counted from the day the demo is loaded."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.funding import opportunities
from brokerage.funding.opportunity_models import FundingOpportunity
from brokerage.organisations.models import BeneficiaryGroup, OrganisationType, Ward

OPPORTUNITIES = [
    {
        "funder": "Leeds Community Foundation",
        "title": "Digital inclusion small grants",
        "what_it_funds": "Devices, data and volunteer costs for projects that help people "
        "in Leeds get online for the first time.",
        "who_may_apply": "Charities and community groups working anywhere in Leeds.",
        "min_amount_pence": 500_00,
        "max_amount_pence": 5_000_00,
        "days": 40,
        "wards": ["leeds-wide"],
        "groups": [],
        "types": [],
    },
    {
        "funder": "Harehills Together Fund",
        "title": "Getting online in Gipton and Harehills",
        "what_it_funds": "Drop-in digital help sessions and loaned tablets for residents "
        "of Gipton and Harehills.",
        "who_may_apply": "Groups based in or serving the ward.",
        "min_amount_pence": None,
        "max_amount_pence": 2_000_00,
        "days": 12,
        "wards": ["gipton-and-harehills"],
        "groups": [],
        "types": [],
    },
    {
        "funder": "Age Well Yorkshire Trust",
        "title": "Staying connected in later life",
        "what_it_funds": "Digital skills sessions, tablets and phone support for people "
        "over 65, especially those living alone.",
        "who_may_apply": "Registered charities and CIOs with an income under £500,000.",
        "min_amount_pence": 1_000_00,
        "max_amount_pence": 10_000_00,
        "days": 6,
        "wards": [],
        "groups": ["older-people"],
        "types": [OrganisationType.REGISTERED_CHARITY, OrganisationType.CIO],
    },
]


def _ids(model, slugs: list[str]) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.slug.in_(slugs))))


def seed_opportunities(team: User, now: datetime) -> None:
    """Post each opportunity unless it is there already (by funder and title), through
    the service, so the organisations it fits have its notice."""
    today = today_in_leeds(now)
    for spec in OPPORTUNITIES:
        found = db.session.scalars(
            select(FundingOpportunity.id).where(
                FundingOpportunity.funder == spec["funder"],
                FundingOpportunity.title == spec["title"],
            )
        ).first()
        if found is not None:
            continue
        details = opportunities.OpportunityDetails(
            funder=spec["funder"],
            title=spec["title"],
            what_it_funds=spec["what_it_funds"],
            who_may_apply=spec["who_may_apply"],
            min_amount_pence=spec["min_amount_pence"],
            max_amount_pence=spec["max_amount_pence"],
            deadline=today + timedelta(days=spec["days"]),
            link="https://example.org/funding/" + spec["title"].lower().replace(" ", "-"),
            ward_ids=_ids(Ward, spec["wards"]),
            beneficiary_group_ids=_ids(BeneficiaryGroup, spec["groups"]),
            organisation_types=spec["types"],
        )
        opportunities.post_opportunity(details, team, today)
