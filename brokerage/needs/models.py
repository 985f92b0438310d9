"""Needs: what a community organisation asks the tech sector for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.columns import str_enum
from brokerage.extensions import db
from brokerage.listings.models import (
    DeviceType,
    ListingEvent,
    ListingMixin,
    ListingSide,
    Safeguarding,
    Skill,
    link_table,
)
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward

need_skill = link_table(ListingSide.NEED, "skill", "skill")
need_ward = link_table(ListingSide.NEED, "ward", "ward")
need_beneficiary_group = link_table(ListingSide.NEED, "beneficiary_group", "beneficiary_group")


class Need(ListingMixin, db.Model):
    __tablename__ = "need"
    __table_args__ = (
        Index("ix_need_status_published_at", "status", "published_at"),
        Index("ix_need_status_deadline", "status", "deadline"),
        Index("ix_need_status_submitted_at", "status", "submitted_at"),
    )
    side = ListingSide.NEED

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    # The last day it is wanted, in Leeds: after it, the need expires.
    deadline: Mapped[date] = mapped_column(Date, nullable=False)
    # Volunteering
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    safeguarding: Mapped[Safeguarding | None] = mapped_column(str_enum(Safeguarding))
    # Equipment
    minimum_spec: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str | None] = mapped_column(Text)
    # Sponsorship
    pays_for: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    device_type: Mapped[DeviceType | None] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=need_skill, order_by=Skill.position)
    wards: Mapped[list[Ward]] = relationship(secondary=need_ward, order_by=Ward.position)
    beneficiary_groups: Mapped[list[BeneficiaryGroup]] = relationship(
        secondary=need_beneficiary_group, order_by=BeneficiaryGroup.position
    )
    events: Mapped[list[ListingEvent]] = relationship(
        order_by=ListingEvent.id, cascade="all, delete-orphan", foreign_keys=[ListingEvent.need_id]
    )

    @property
    def closes_on(self) -> date:
        return self.deadline

    @classmethod
    def link_tables(cls) -> dict[str, Table]:
        return {
            "skill": need_skill,
            "ward": need_ward,
            "beneficiary_group": need_beneficiary_group,
        }

    @classmethod
    def closes_on_column(cls):
        """The column holding the last day it is open, for queries."""
        return cls.deadline

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.kind.value} {self.status.value}>"
