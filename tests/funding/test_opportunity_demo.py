"""The demo's opportunities: three, loaded once, fitting the organisations they name."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from brokerage.demo.opportunities import seed_opportunities
from brokerage.extensions import db
from brokerage.funding import opportunities
from brokerage.funding.opportunity_models import FundingOpportunity
from brokerage.organisations.models import OrganisationType

NOW = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def test_three_opportunities_loaded_once_that_fit_whom_they_say(make):
    team = make.team_member()
    harehills = make.organisation(
        ward_ids=[make.ward("gipton-and-harehills").id],
        beneficiary_group_ids=[make.group("young-people").id],
    )
    elders = make.organisation(org_type=OrganisationType.CIO, ward_ids=[make.ward("wetherby").id])
    seed_opportunities(team, NOW)
    db.session.commit()
    seed_opportunities(team, NOW)
    db.session.commit()
    assert db.session.scalar(select(func.count(FundingOpportunity.id))) == 3

    today = NOW.date()
    fit = opportunities.for_organisation
    assert [o.title for o in fit(harehills, today).fitting] == [
        "Getting online in Gipton and Harehills",
        "Digital inclusion small grants",
    ]
    assert [o.title for o in fit(elders, today).fitting] == [
        "Staying connected in later life",
        "Digital inclusion small grants",
    ]
