"""Community organisations and companies, their members, and the team's decisions on them."""

from __future__ import annotations

import enum
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import (
    Boolean,
    Column,
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
from brokerage.columns import TimestampMixin, UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db
from brokerage.taxonomy import RetirableTerm, Term


class OrganisationKind(enum.StrEnum):
    COMMUNITY = "community"
    COMPANY = "company"

    @property
    def label(self) -> str:
        return {"community": "Community organisation", "company": "Company"}[self.value]


class OrganisationType(enum.StrEnum):
    REGISTERED_CHARITY = "registered_charity"
    CIO = "cio"
    CIC = "cic"
    COMMUNITY_GROUP = "community_group"
    SOCIAL_ENTERPRISE = "social_enterprise"
    SCHOOL = "school"
    FAITH_GROUP = "faith_group"
    TENANTS_GROUP = "tenants_group"
    OTHER_COMMUNITY = "other_community"
    PRIVATE_LIMITED = "private_limited"
    PUBLIC_LIMITED = "public_limited"
    LLP = "llp"
    SOLE_TRADER = "sole_trader"
    OTHER_COMPANY = "other_company"

    @property
    def label(self) -> str:
        return TYPE_LABELS[self]

    @property
    def kind(self) -> OrganisationKind:
        if self in COMPANY_TYPES:
            return OrganisationKind.COMPANY
        return OrganisationKind.COMMUNITY


TYPE_LABELS = {
    OrganisationType.REGISTERED_CHARITY: "Registered charity",
    OrganisationType.CIO: "Charitable incorporated organisation (CIO)",
    OrganisationType.CIC: "Community interest company (CIC)",
    OrganisationType.COMMUNITY_GROUP: "Community or voluntary group",
    OrganisationType.SOCIAL_ENTERPRISE: "Social enterprise",
    OrganisationType.SCHOOL: "School, college or library",
    OrganisationType.FAITH_GROUP: "Faith group",
    OrganisationType.TENANTS_GROUP: "Tenants' or residents' association",
    OrganisationType.OTHER_COMMUNITY: "Other community organisation",
    OrganisationType.PRIVATE_LIMITED: "Private limited company",
    OrganisationType.PUBLIC_LIMITED: "Public limited company",
    OrganisationType.LLP: "Limited liability partnership",
    OrganisationType.SOLE_TRADER: "Sole trader or partnership",
    OrganisationType.OTHER_COMPANY: "Other business",
}

COMPANY_TYPES = frozenset(
    {
        OrganisationType.PRIVATE_LIMITED,
        OrganisationType.PUBLIC_LIMITED,
        OrganisationType.LLP,
        OrganisationType.SOLE_TRADER,
        OrganisationType.OTHER_COMPANY,
    }
)


class RegistrationScheme(enum.StrEnum):
    NONE = "none"
    CHARITY_EW = "charity_ew"
    CHARITY_SC = "charity_sc"
    CHARITY_NI = "charity_ni"
    COMPANIES_HOUSE = "companies_house"

    @property
    def label(self) -> str:
        return {
            "none": "Not registered",
            "charity_ew": "Charity Commission for England and Wales",
            "charity_sc": "Scottish Charity Regulator (OSCR)",
            "charity_ni": "Charity Commission for Northern Ireland",
            "companies_house": "Companies House",
        }[self.value]

    def entry_url(self, number: str | None) -> str | None:
        """The public register's page for `number` (as stored: normalised), for the team
        to check it; None when the organisation is not registered."""
        if self is RegistrationScheme.NONE or not number:
            return None
        number = quote(number, safe="")
        if self is RegistrationScheme.CHARITY_EW:
            return (
                "https://register-of-charities.charitycommission.gov.uk"
                f"/charity-search/-/charity-details/{number}"
            )
        if self is RegistrationScheme.CHARITY_SC:
            return (
                "https://www.oscr.org.uk/about-charities/search-the-register/charity-details"
                f"?number={number}"
            )
        if self is RegistrationScheme.CHARITY_NI:
            # Its register is addressed by the digits alone: NIC101234 is regId 101234.
            return (
                "https://www.charitycommissionni.org.uk/charity-details/"
                f"?regId={number.removeprefix('NIC')}&subId=0"
            )
        return f"https://find-and-update.company-information.service.gov.uk/company/{number}"


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return {
            "pending": "Waiting for verification",
            "info_requested": "More information needed",
            "approved": "Verified",
            "rejected": "Not approved",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "pending": "yellow",
            "info_requested": "orange",
            "approved": "green",
            "rejected": "red",
        }[self.value]


class OrganisationAction(enum.StrEnum):
    CREATE = "create"
    APPROVE = "approve"
    REJECT = "reject"
    REQUEST_INFO = "request_info"
    RESUBMIT = "resubmit"
    # Changes of people, which leave the status as it is (the event names the member).
    MEMBER_REMOVED = "member_removed"
    MEMBER_LEFT = "member_left"
    OWNERSHIP_HANDED = "ownership_handed"

    @property
    def past_tense(self) -> str:
        return {
            "create": "Registered",
            "approve": "Approved",
            "reject": "Rejected",
            "request_info": "Asked for more information",
            "resubmit": "Sent back for verification",
            "member_removed": "Removed a member",
            "member_left": "Left the organisation",
            "ownership_handed": "Handed ownership to another member",
        }[self.value]


_S = OrganisationStatus
_A = OrganisationAction
# The only moves an organisation's status can make.
ORGANISATION_TRANSITIONS: dict[
    tuple[OrganisationStatus, OrganisationAction], OrganisationStatus
] = {
    (_S.PENDING, _A.APPROVE): _S.APPROVED,
    (_S.PENDING, _A.REJECT): _S.REJECTED,
    (_S.PENDING, _A.REQUEST_INFO): _S.INFO_REQUESTED,
    (_S.INFO_REQUESTED, _A.RESUBMIT): _S.PENDING,
    (_S.INFO_REQUESTED, _A.APPROVE): _S.APPROVED,
    (_S.INFO_REQUESTED, _A.REJECT): _S.REJECTED,
}


def next_status(current: OrganisationStatus, action: OrganisationAction) -> OrganisationStatus:
    """The status after `action`, or IllegalTransition if the move is not allowed."""
    return transition(
        ORGANISATION_TRANSITIONS,
        current,
        action,
        f"An organisation that is '{current.label.lower()}' cannot be {action.past_tense.lower()}.",
    )


class Ward(Term, db.Model):
    """One of Leeds's 33 electoral wards, or the single Leeds-wide row."""

    __tablename__ = "ward"

    is_citywide: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)


class BeneficiaryGroup(RetirableTerm, db.Model):
    """Who an organisation's work reaches; data the team can extend."""

    __tablename__ = "beneficiary_group"


organisation_ward = Table(
    "organisation_ward",
    db.metadata,
    Column(
        "organisation_id",
        ForeignKey("organisation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("ward_id", ForeignKey("ward.id"), primary_key=True, index=True),
)

organisation_beneficiary_group = Table(
    "organisation_beneficiary_group",
    db.metadata,
    Column(
        "organisation_id",
        ForeignKey("organisation.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column(
        "beneficiary_group_id",
        ForeignKey("beneficiary_group.id"),
        primary_key=True,
        index=True,
    ),
)


class Organisation(TimestampMixin, db.Model):
    __tablename__ = "organisation"
    __table_args__ = (Index("ix_organisation_status_submitted_at", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[OrganisationKind] = mapped_column(str_enum(OrganisationKind), nullable=False)
    org_type: Mapped[OrganisationType] = mapped_column(str_enum(OrganisationType), nullable=False)
    name: Mapped[str] = mapped_column(String(160), nullable=False, index=True)
    registration_scheme: Mapped[RegistrationScheme] = mapped_column(
        str_enum(RegistrationScheme), nullable=False, default=RegistrationScheme.NONE
    )
    registration_number: Mapped[str | None] = mapped_column(String(16))
    address_line_1: Mapped[str] = mapped_column(String(160), nullable=False)
    address_line_2: Mapped[str | None] = mapped_column(String(160))
    town: Mapped[str] = mapped_column(String(80), nullable=False)
    postcode: Mapped[str] = mapped_column(String(10), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    website: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus), nullable=False, default=OrganisationStatus.PENDING
    )
    # When it last entered the team's queue: the queue is ordered by this.
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reason or question from the team's latest decision, shown to the owner.
    status_message: Mapped[str | None] = mapped_column(Text)

    wards: Mapped[list[Ward]] = relationship(secondary=organisation_ward, order_by=Ward.position)
    beneficiary_groups: Mapped[list[BeneficiaryGroup]] = relationship(
        secondary=organisation_beneficiary_group, order_by=BeneficiaryGroup.position
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrganisationEvent]] = relationship(
        back_populates="organisation",
        order_by="OrganisationEvent.id",
        cascade="all, delete-orphan",
    )

    @property
    def is_approved(self) -> bool:
        return self.status is OrganisationStatus.APPROVED

    @property
    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.status is MembershipStatus.ACTIVE]

    @property
    def owners(self) -> list[User]:
        return [m.user for m in self.active_memberships if m.role is MembershipRole.OWNER]

    @property
    def join_requests(self) -> list[Membership]:
        return [m for m in self.memberships if m.status is MembershipStatus.REQUESTED]

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r} {self.status.value}>"


class MembershipRole(enum.StrEnum):
    OWNER = "owner"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {"owner": "Owner", "member": "Member"}[self.value]


class MembershipStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACTIVE = "active"
    DECLINED = "declined"


class Membership(TimestampMixin, db.Model):
    """A person's place in an organisation, from their request to join onwards."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organisation_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False, index=True)
    role: Mapped[MembershipRole] = mapped_column(
        str_enum(MembershipRole), nullable=False, default=MembershipRole.MEMBER
    )
    status: Mapped[MembershipStatus] = mapped_column(
        str_enum(MembershipStatus), nullable=False, default=MembershipStatus.REQUESTED
    )
    message: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships", foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class Invitation(db.Model):
    """An owner's invitation for a colleague's email address to join the organisation."""

    __tablename__ = "invitation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    # Only a hash of the emailed token is kept, so a database leak opens no invitation.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and now < self.expires_at


class OrganisationEvent(db.Model):
    """One line of an organisation's history: who did what, when, and why."""

    __tablename__ = "organisation_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[OrganisationAction] = mapped_column(str_enum(OrganisationAction), nullable=False)
    from_status: Mapped[OrganisationStatus | None] = mapped_column(str_enum(OrganisationStatus))
    to_status: Mapped[OrganisationStatus] = mapped_column(
        str_enum(OrganisationStatus), nullable=False
    )
    reason: Mapped[str | None] = mapped_column(Text)
    # The person a change of people was about (removed, left, made owner).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    organisation: Mapped[Organisation] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    member: Mapped[User | None] = relationship(foreign_keys=[member_id])
