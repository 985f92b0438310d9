"""What matching knows of a need or an offer: plain values, read once from the database.

Scoring and ranking work on these rather than on ORM objects, so that they can be
tested with hand-written examples and run over 10,000 listings without loading
10,000 objects. The amounts are what *remains* (the whole less what matches
already hold), so no suggestion can promise what another match has taken.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from brokerage.listings.models import ListingKind, LocationMode


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingFacts:
    """What needs and offers share.

    `skills`, `wards` and `groups` map each term's id to its name, in the taxonomy's
    own order (the order the words list them in). `wards` holds the Leeds-wide row
    too when the listing is Leeds-wide; `citywide` says so without a lookup.
    Totals are None when they do not belong to the listing's kind; the remaining
    amounts are then 0.
    """

    id: int
    title: str
    organisation_name: str
    kind: ListingKind
    skills: Mapping[int, str] = field(default_factory=dict, hash=False)
    wards: Mapping[int, str] = field(default_factory=dict, hash=False)
    citywide: bool = False
    groups: Mapping[int, str] = field(default_factory=dict, hash=False)
    location_mode: LocationMode | None = None
    device_type_id: int | None = None
    device_name: str | None = None
    # The whole, as posted.
    volunteers: int | None = None
    hours_per_volunteer: int | None = None
    quantity: int | None = None
    amount_pence: int | None = None
    # What is left once the matches' holds are taken off.
    remaining_volunteers: int = 0
    remaining_hours: int = 0
    remaining_quantity: int = 0
    remaining_pence: int = 0

    @property
    def skill_ids(self) -> frozenset[int]:
        return frozenset(self.skills)

    @property
    def ward_ids(self) -> frozenset[int]:
        """The particular wards (the Leeds-wide row is not one: see `citywide`)."""
        return frozenset() if self.citywide else frozenset(self.wards)

    @property
    def group_ids(self) -> frozenset[int]:
        return frozenset(self.groups)

    @property
    def total_hours(self) -> int | None:
        if self.volunteers is None or self.hours_per_volunteer is None:
            return None
        return self.volunteers * self.hours_per_volunteer

    @property
    def has_remaining(self) -> bool:
        """Whether anything is left to give or to meet, in the units of its kind."""
        if self.kind is ListingKind.VOLUNTEERING:
            return (
                self.remaining_volunteers > 0
                and self.remaining_hours > 0
                and (self.hours_per_volunteer or 0) > 0
            )
        if self.kind is ListingKind.EQUIPMENT:
            return self.remaining_quantity > 0
        return self.remaining_pence > 0


@dataclass(frozen=True, slots=True, kw_only=True)
class NeedFacts(ListingFacts):
    """A need: wanted until `deadline`; volunteering may say when the work runs."""

    deadline: date
    starts_on: date | None = None
    ends_on: date | None = None

    def wanted_from(self, today: date) -> date:
        """The first day help is of use: today, or the day the work starts if later
        (but never after the deadline, whatever the dates say)."""
        start = today if self.starts_on is None else max(today, self.starts_on)
        return min(start, self.deadline)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfferFacts(ListingFacts):
    """An offer: available from `available_from` (None: now) until `available_until`."""

    available_until: date
    available_from: date | None = None
