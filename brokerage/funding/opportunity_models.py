"""Other funders' open calls, posted by the team for the organisations they fit."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import TimestampMixin, UTCDateTime
from brokerage.extensions import db
from brokerage.organisations.models import BeneficiaryGroup, Ward

opportunity_ward = Table(
    "opportunity_ward",
    db.metadata,
    Column(
        "opportunity_id", ForeignKey("funding_opportunity.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("ward_id", ForeignKey("ward.id"), primary_key=True, index=True),
)

opportunity_beneficiary_group = Table(
    "opportunity_beneficiary_group",
    db.metadata,
    Column(
        "opportunity_id", ForeignKey("funding_opportunity.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "beneficiary_group_id", ForeignKey("beneficiary_group.id"), primary_key=True, index=True
    ),
)


class FundingOpportunity(TimestampMixin, db.Model):
    """Another funder's open call, posted by the team for the organisations it fits.
    Empty wards, groups or types mean any."""

    __tablename__ = "funding_opportunity"
    __table_args__ = (Index("ix_funding_opportunity_deadline", "withdrawn", "deadline"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    funder: Mapped[str] = mapped_column(String(160), nullable=False)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    what_it_funds: Mapped[str] = mapped_column(Text, nullable=False)
    who_may_apply: Mapped[str] = mapped_column(Text, nullable=False, default="")
    min_amount_pence: Mapped[int | None] = mapped_column(Integer)
    max_amount_pence: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    link: Mapped[str] = mapped_column(String(500), nullable=False)
    # OrganisationType values, space separated; empty: any type.
    organisation_types: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    withdrawn: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    wards: Mapped[list[Ward]] = relationship(secondary=opportunity_ward, order_by=Ward.position)
    beneficiary_groups: Mapped[list[BeneficiaryGroup]] = relationship(
        secondary=opportunity_beneficiary_group, order_by=BeneficiaryGroup.position
    )
    created_by: Mapped[User | None] = relationship()


class OpportunityDismissal(db.Model):
    """An organisation said an opportunity is not for it: no more reminders about it."""

    __tablename__ = "opportunity_dismissal"
    __table_args__ = (UniqueConstraint("opportunity_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("funding_opportunity.id", ondelete="CASCADE"), nullable=False
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    dismissed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
