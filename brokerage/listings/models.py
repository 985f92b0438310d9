"""Needs and offers, and what they share: kinds, the one lifecycle, taxonomies and history.

A *listing* is a need (asked by a community organisation) or an offer (given
by a company). Both move through the same statuses by the same transition
table, are moderated by the same flow, and keep their history in one table.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.columns import UTCDateTime, str_enum
from brokerage.errors import transition
from brokerage.extensions import db
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward
from brokerage.taxonomy import RetirableTerm


class ListingSide(enum.StrEnum):
    NEED = "need"
    OFFER = "offer"


class ListingKind(enum.StrEnum):
    VOLUNTEERING = "volunteering"
    EQUIPMENT = "equipment"
    SPONSORSHIP = "sponsorship"

    @property
    def label(self) -> str:
        return {
            "volunteering": "Skilled volunteering",
            "equipment": "Equipment",
            "sponsorship": "Sponsorship or funding",
        }[self.value]


class LocationMode(enum.StrEnum):
    ON_SITE = "on_site"
    REMOTE = "remote"
    EITHER = "either"

    @property
    def label(self) -> str:
        return {"on_site": "On site", "remote": "Remote", "either": "On site or remote"}[self.value]


class Safeguarding(enum.StrEnum):
    NONE = "none"
    CHILDREN = "children"
    ADULTS = "vulnerable_adults"
    BOTH = "both"

    @property
    def label(self) -> str:
        return {
            "none": "No regulated activity",
            "children": "Regulated activity with children",
            "vulnerable_adults": "Regulated activity with vulnerable adults",
            "both": "Regulated activity with children and vulnerable adults",
        }[self.value]


class Condition(enum.StrEnum):
    NEW = "new"
    REFURBISHED = "refurbished"
    USED = "used"
    ANY = "any"

    @property
    def label(self) -> str:
        return {
            "new": "New",
            "refurbished": "Refurbished",
            "used": "Used, in working order",
            "any": "Any condition, if it works",
        }[self.value]


class WipeMethod(enum.StrEnum):
    NIST = "nist_800_88"
    ENCRYPTED_RESET = "encrypted_reset"

    @property
    def label(self) -> str:
        return {
            "nist_800_88": "Certified erasure software (NIST 800-88)",
            "encrypted_reset": "Encrypted, then factory reset",
        }[self.value]


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    PUBLISHED = "published"
    PARTLY_MET = "partly_met"
    MET = "met"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return {
            "draft": "Draft",
            "submitted": "Waiting for review",
            "changes_requested": "Changes requested",
            "published": "Published",
            "partly_met": "Partly met",
            "met": "Met",
            "rejected": "Not accepted",
            "withdrawn": "Withdrawn",
            "expired": "Expired",
        }[self.value]

    @property
    def tag_colour(self) -> str:
        return {
            "draft": "grey",
            "submitted": "yellow",
            "changes_requested": "orange",
            "published": "green",
            "partly_met": "turquoise",
            "met": "blue",
            "rejected": "red",
            "withdrawn": "grey",
            "expired": "grey",
        }[self.value]

    @property
    def is_open(self) -> bool:
        """Publicly listed and still wanting (or able to give) something."""
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({ListingStatus.PUBLISHED, ListingStatus.PARTLY_MET})


class ListingAction(enum.StrEnum):
    CREATE = "create"
    SUBMIT = "submit"
    PUBLISH = "publish"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    EDIT_PUBLISHED = "edit_published"
    PARTLY_MEET = "partly_meet"
    MEET = "meet"
    REOPEN = "reopen"

    @property
    def past_tense(self) -> str:
        return {
            "create": "Saved as a draft",
            "submit": "Sent for review",
            "publish": "Published",
            "request_changes": "Changes requested",
            "reject": "Not accepted",
            "withdraw": "Withdrawn",
            "expire": "Expired",
            "edit_published": "Changed, and sent back for review",
            "partly_meet": "Partly met",
            "meet": "Met",
            "reopen": "Open again",
        }[self.value]


_S, _A = ListingStatus, ListingAction
_LIVE = (_S.DRAFT, _S.SUBMITTED, _S.CHANGES_REQUESTED, _S.PUBLISHED, _S.PARTLY_MET)

# The only moves a need or an offer can make.
LISTING_TRANSITIONS: dict[tuple[ListingStatus, ListingAction], ListingStatus] = {
    (_S.DRAFT, _A.SUBMIT): _S.SUBMITTED,
    (_S.CHANGES_REQUESTED, _A.SUBMIT): _S.SUBMITTED,
    (_S.SUBMITTED, _A.PUBLISH): _S.PUBLISHED,
    (_S.SUBMITTED, _A.REQUEST_CHANGES): _S.CHANGES_REQUESTED,
    (_S.SUBMITTED, _A.REJECT): _S.REJECTED,
    (_S.PUBLISHED, _A.EDIT_PUBLISHED): _S.SUBMITTED,
    (_S.PARTLY_MET, _A.EDIT_PUBLISHED): _S.SUBMITTED,
    (_S.PUBLISHED, _A.PARTLY_MEET): _S.PARTLY_MET,
    (_S.PUBLISHED, _A.MEET): _S.MET,
    (_S.PARTLY_MET, _A.MEET): _S.MET,
    (_S.PARTLY_MET, _A.REOPEN): _S.PUBLISHED,
    (_S.MET, _A.REOPEN): _S.PUBLISHED,
    **{(status, _A.WITHDRAW): _S.WITHDRAWN for status in _LIVE},
    **{(status, _A.EXPIRE): _S.EXPIRED for status in _LIVE},
}


def next_listing_status(current: ListingStatus, action: ListingAction) -> ListingStatus:
    """The status after `action`, or IllegalTransition if the move is not allowed."""
    return transition(
        LISTING_TRANSITIONS,
        current,
        action,
        f"Something that is '{current.label.lower()}' cannot be {action.past_tense.lower()}.",
    )


class Skill(RetirableTerm, db.Model):
    """The shared skills taxonomy: data the team extends."""

    __tablename__ = "skill"


class DeviceType(RetirableTerm, db.Model):
    """Kinds of equipment (laptop, tablet, SIM/data ...): data the team extends."""

    __tablename__ = "device_type"


class ListingEvent(db.Model):
    """One line of a need's or an offer's history: who moved it, when, and why."""

    __tablename__ = "listing_event"
    __table_args__ = (
        CheckConstraint("(need_id IS NULL) <> (offer_id IS NULL)", name="one_listing"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    need_id: Mapped[int | None] = mapped_column(
        ForeignKey("need.id", ondelete="CASCADE"), index=True
    )
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offer.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[ListingAction] = mapped_column(str_enum(ListingAction), nullable=False)
    from_status: Mapped[ListingStatus | None] = mapped_column(str_enum(ListingStatus))
    to_status: Mapped[ListingStatus] = mapped_column(str_enum(ListingStatus), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    actor: Mapped[User | None] = relationship()


class ListingMixin:
    """Columns every need and offer has. Kind-specific columns are nullable and
    required by the services for their kind only."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ListingKind] = mapped_column(str_enum(ListingKind), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(160), nullable=False)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[ListingStatus] = mapped_column(
        str_enum(ListingStatus), nullable=False, default=ListingStatus.DRAFT
    )
    # Volunteering: how many people, for how many hours each, where.
    volunteers: Mapped[int | None] = mapped_column(Integer)
    hours_per_volunteer: Mapped[int | None] = mapped_column(Integer)
    location_mode: Mapped[LocationMode | None] = mapped_column(str_enum(LocationMode), index=True)
    # Equipment: what, how many, in what state.
    device_type_id: Mapped[int | None] = mapped_column(ForeignKey("device_type.id"), index=True)
    quantity: Mapped[int | None] = mapped_column(Integer)
    condition: Mapped[Condition | None] = mapped_column(str_enum(Condition))
    # Sponsorship, in pence.
    amount_pence: Mapped[int | None] = mapped_column(Integer)
    # What matches hold of it (proposed, agreed or delivered), in the same units:
    # changed only by brokering's conditional UPDATE, which refuses to go past the whole.
    held_volunteers: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    held_hours: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    held_quantity: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )
    held_pence: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
    # Moderation
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    review_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )

    @property
    def is_open(self) -> bool:
        return self.status.is_open

    @property
    def total_hours(self) -> int | None:
        if self.volunteers is None or self.hours_per_volunteer is None:
            return None
        return self.volunteers * self.hours_per_volunteer

    @property
    def remaining_volunteers(self) -> int | None:
        return None if self.volunteers is None else self.volunteers - self.held_volunteers

    @property
    def remaining_hours(self) -> int | None:
        total = self.total_hours
        return None if total is None else total - self.held_hours

    @property
    def remaining_quantity(self) -> int | None:
        return None if self.quantity is None else self.quantity - self.held_quantity

    @property
    def remaining_pence(self) -> int | None:
        return None if self.amount_pence is None else self.amount_pence - self.held_pence


def link_table(side: ListingSide, name: str, other: str) -> Table:
    """A need's or an offer's link to a taxonomy (skills, wards, beneficiary groups).

    Besides the primary key (listing, term), an index (term, listing) lets the
    filters "listings with this ward" read their ids from the index alone."""
    listing = side.value
    return Table(
        f"{listing}_{name}",
        db.metadata,
        Column(f"{listing}_id", ForeignKey(f"{listing}.id", ondelete="CASCADE"), primary_key=True),
        Column(f"{name}_id", ForeignKey(f"{other}.id"), primary_key=True),
        Index(f"ix_{listing}_{name}_{name}_id_{listing}_id", f"{name}_id", f"{listing}_id"),
    )


# --- Needs: what a community organisation asks the tech sector for ----------------

need_skill = link_table(ListingSide.NEED, "skill", "skill")
need_ward = link_table(ListingSide.NEED, "ward", "ward")
need_beneficiary_group = link_table(ListingSide.NEED, "beneficiary_group", "beneficiary_group")


# What the lists' word search reads: each need's and offer's words of its title and
# description, stemmed ("computers" finds "computer"). On PostgreSQL an English
# tsvector, kept in a generated column with a GIN index (migration 0025_search_vector),
# so a search never works it out again row by row; on SQLite FTS5 tables, need_fts and
# offer_fts, kept in step by triggers (migration 0027_sqlite_fts). Neither is in the
# models: the ORM never reads or writes them (search.py names them), and Alembic is
# told to leave them be, with the tables FTS5 keeps for each (its "shadow" tables).
SEARCH_VECTOR = "search_vector"


def fts_table(listing: str) -> str:
    """The name of SQLite's FTS5 table of `listing`s ("need" or "offer")."""
    return f"{listing}_fts"


_FTS_SHADOWS = ("", "_data", "_idx", "_docsize", "_config", "_content")
_OUTSIDE_THE_MODELS = {
    ("column", SEARCH_VECTOR),
    ("index", "ix_need_search"),
    ("index", "ix_offer_search"),
    *(
        ("table", fts_table(listing) + shadow)
        for listing in ("need", "offer")
        for shadow in _FTS_SHADOWS
    ),
}


def outside_the_models(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's `include_object`: False for the search column, tables and indexes,
    which the database has and the models do not describe."""
    return (type_, name) not in _OUTSIDE_THE_MODELS


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


# --- Offers: what a company gives: skilled volunteers, equipment or sponsorship ---

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
