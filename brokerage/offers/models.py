"""Offers: what a company gives: skilled volunteers, equipment or sponsorship."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Index, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.columns import str_enum
from brokerage.extensions import db
from brokerage.listings.models import (
    DeviceType,
    ListingEvent,
    ListingMixin,
    ListingSide,
    Skill,
    WipeMethod,
    link_table,
)
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward

offer_skill = link_table(ListingSide.OFFER, "skill", "skill")
offer_ward = link_table(ListingSide.OFFER, "ward", "ward")
offer_beneficiary_group = link_table(ListingSide.OFFER, "beneficiary_group", "beneficiary_group")


class Offer(ListingMixin, db.Model):
    __tablename__ = "offer"
    __table_args__ = (
        Index("ix_offer_status_published_at", "status", "published_at"),
        Index("ix_offer_status_available_until", "status", "available_until"),
        Index("ix_offer_status_submitted_at", "status", "submitted_at"),
    )
    side = ListingSide.OFFER

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id"), nullable=False, index=True
    )
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    # The availability window; after available_until the offer expires.
    available_from: Mapped[date | None] = mapped_column(Date)
    available_until: Mapped[date] = mapped_column(Date, nullable=False)
    # Equipment: how data is wiped, and whether a certificate per serial number comes with it.
    wipe_method: Mapped[WipeMethod | None] = mapped_column(str_enum(WipeMethod))
    certificate_per_serial: Mapped[bool | None] = mapped_column(Boolean)

    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User] = relationship()
    device_type: Mapped[DeviceType | None] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=offer_skill, order_by=Skill.position)
    wards: Mapped[list[Ward]] = relationship(secondary=offer_ward, order_by=Ward.position)
    beneficiary_groups: Mapped[list[BeneficiaryGroup]] = relationship(
        secondary=offer_beneficiary_group, order_by=BeneficiaryGroup.position
    )
    events: Mapped[list[ListingEvent]] = relationship(
        order_by=ListingEvent.id,
        cascade="all, delete-orphan",
        foreign_keys=[ListingEvent.offer_id],
    )

    @property
    def closes_on(self) -> date:
        return self.available_until

    @classmethod
    def link_tables(cls) -> dict[str, Table]:
        return {
            "skill": offer_skill,
            "ward": offer_ward,
            "beneficiary_group": offer_beneficiary_group,
        }

    @classmethod
    def closes_on_column(cls):
        """The column holding the last day it is open, for queries."""
        return cls.available_until

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.kind.value} {self.status.value}>"
