"""How well one offer fits one need: the hard rules, the score, the reasons, the allocation.

`fit(need, offer, today)` is the one definition of a suggestion. It says None when
the pair is not a suggestion at all, else a `Fit`: a score, the reasons in plain
words, and the largest allocation that fits what remains on both sides (what the
team's "propose a match" form is filled in with). The fast ranking in ranking.py
computes the same points for thousands of pairs at once, and is tested against it.

The score is whole-number arithmetic throughout (points out of 10,000), so the
fast path and this one agree exactly, not just nearly, and ties fall to the id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from brokerage.listings.models import ListingKind, LocationMode
from brokerage.money import pounds
from brokerage.suggestions import words
from brokerage.suggestions.facts import NeedFacts, OfferFacts

# Each part of the score is first worked out as a share of FULL (10,000 = a perfect
# fit on that part), then weighted.
FULL = 10_000

VOLUNTEERING = ListingKind.VOLUNTEERING
EQUIPMENT = ListingKind.EQUIPMENT
SPONSORSHIP = ListingKind.SPONSORSHIP
REMOTE_OK = frozenset({LocationMode.REMOTE, LocationMode.EITHER})


@dataclass(frozen=True)
class Weights:
    """Every number that decides the order of suggestions, in one place.

    A suggestion's score is the weighted mean of five parts, each from 0 to 1:

    - skills (35): the share of the need's skills the volunteers bring. Heaviest,
      because volunteers without the skill cannot do the work. Volunteering only:
      for equipment and sponsorship needs the part is left out (the other weights
      then make up the whole), and money offered towards a volunteering need
      scores 0 on it (money brings no skills).
    - coverage (25): the share of what the need still lacks that the suggested
      allocation meets (hours for volunteering, devices, pence). A large part
      because one offer that meets the whole need is one match to run, not three.
    - place (20): 1 when the two share a ward, or when volunteering can be done
      remotely on both sides (then the ward does not matter); `leeds_wide_place`
      when either side is Leeds-wide (it reaches the need's ward, but is not
      local to it); 0 for different wards. Still a suggestion: Leeds is one city.
    - timing (10): the share of the days the need is wanted (from today, or the
      day its work starts, to its deadline) that the offer is available for.
      Small, because a delivery or a day's work fits in a shorter window.
    - groups (10): the share of the need's beneficiary groups the offer also
      names: a company that wants to reach older people is likelier to say yes.

    Money offered towards a need of another kind (a sponsorship offer paying for
    laptops or volunteers' costs) cannot be turned into laptops or hours by us, so:
    the suggestion is the offer's remaining money up to `towards_cap_pence` (a
    starting figure the team changes on the form; it keeps one large pot from being
    proposed whole to the first need it meets), and its coverage part is at most
    `towards_coverage`, in proportion to that figure: money is a fallback to the
    thing itself.
    """

    skills: int = 35
    coverage: int = 25
    place: int = 20
    timing: int = 10
    groups: int = 10
    leeds_wide_place: int = 7_500  # of FULL: three quarters of the place part
    towards_coverage: int = 5_000  # of FULL: at most half the coverage part
    towards_cap_pence: int = 100_000  # £1,000

    def __post_init__(self):
        if min(self.skills, self.coverage, self.place, self.timing, self.groups) < 0:
            raise ValueError("weights cannot be negative")
        if self.total(EQUIPMENT) <= 0 or self.towards_cap_pence <= 0:
            raise ValueError("some weight other than skills, and the cap, must be above 0")
        if not (0 <= self.leeds_wide_place <= FULL and 0 <= self.towards_coverage <= FULL):
            raise ValueError(f"the Leeds-wide and towards shares run from 0 to {FULL}")

    def total(self, need_kind: ListingKind) -> int:
        """What the weights add up to for a need of this kind (the skills part
        counts only for volunteering)."""
        parts = self.coverage + self.place + self.timing + self.groups
        return parts + self.skills if need_kind is VOLUNTEERING else parts


WEIGHTS = Weights()


@dataclass(frozen=True, slots=True)
class Allocation:
    """What a match would give, in the units of the kinds involved; None where a unit
    does not apply. For money towards a need of another kind only `amount_pence` is
    set: how many laptops or hours it pays for is the team's call on the form."""

    volunteers: int | None = None
    hours_per_volunteer: int | None = None
    quantity: int | None = None
    amount_pence: int | None = None

    @property
    def total_hours(self) -> int | None:
        if self.volunteers is None or self.hours_per_volunteer is None:
            return None
        return self.volunteers * self.hours_per_volunteer


@dataclass(frozen=True, slots=True)
class Fit:
    """Why an offer suits a need, and what to propose.

    `points` runs from 0 to 10,000 and is what suggestions are sorted by; `score`
    is the same as a percentage (0 to 100, two decimal places) for showing.
    `reasons` come in a fixed order: skills, place, how much it covers, timing,
    beneficiary groups (the ones that do not apply are left out).
    """

    points: int
    allocation: Allocation
    reasons: tuple[str, ...]
    towards: bool = False  # money offered towards a need of another kind

    @property
    def score(self) -> float:
        return self.points / 100


def modes_meet(need: LocationMode | None, offer: LocationMode | None) -> bool:
    """Volunteers who only work remotely cannot do on-site work, and the reverse."""
    return not (
        (need is LocationMode.ON_SITE and offer is LocationMode.REMOTE)
        or (need is LocationMode.REMOTE and offer is LocationMode.ON_SITE)
    )


def volunteer_allocation(
    need_volunteers: int,
    need_hours: int,
    need_each: int,
    offer_volunteers: int,
    offer_hours: int,
    offer_each: int,
) -> tuple[int, int]:
    """(volunteers, hours each): as many people as both sides have left, for as many
    hours each as both ask and give, cut so the total fits both sides' remaining
    hours. Only when even one hour each would not fit are there fewer people."""
    people = min(need_volunteers, offer_volunteers)
    hours = min(need_hours, offer_hours)
    each = min(need_each, offer_each, hours // people)
    if each == 0:
        people, each = hours, 1
    return people, each


def fit(need: NeedFacts, offer: OfferFacts, today: date, weights: Weights = WEIGHTS) -> Fit | None:
    """How well `offer` suits `need` today, or None if it is not a suggestion.

    Not a suggestion: kinds that cannot meet (only money can go towards another
    kind); equipment of another device type; volunteers with none of the skills,
    or who work only remotely for on-site work (or the reverse); nothing left on
    either side; an offer whose window closes before the need's help is wanted
    (today, or the day its work starts) or opens after the need's deadline.
    """
    if need.kind is offer.kind:
        towards = False
    elif offer.kind is SPONSORSHIP:
        towards = True
    else:
        return None
    if not (need.has_remaining and offer.has_remaining):
        return None
    if need.deadline < today or offer.available_until < today:
        return None
    begins = need.wanted_from(today)
    opens = begins if offer.available_from is None else max(begins, offer.available_from)
    closes = min(need.deadline, offer.available_until)
    if closes < opens:
        return None

    kind = need.kind
    remote = False
    shared_skills: list[str] = []
    if not towards:
        if kind is VOLUNTEERING:
            shared_skills = [name for i, name in need.skills.items() if i in offer.skills]
            if not shared_skills or not modes_meet(need.location_mode, offer.location_mode):
                return None
            remote = need.location_mode in REMOTE_OK and offer.location_mode in REMOTE_OK
        elif kind is EQUIPMENT and (
            need.device_type_id is None or need.device_type_id != offer.device_type_id
        ):
            return None

    # How much: the allocation and the share of the need it meets.
    if towards:
        pence = min(offer.remaining_pence, weights.towards_cap_pence)
        allocation = Allocation(amount_pence=pence)
        coverage = weights.towards_coverage * pence // weights.towards_cap_pence
        covers = f"could pay towards it: {pounds(offer.remaining_pence)} available"
    elif kind is VOLUNTEERING:
        people, each = volunteer_allocation(
            need.remaining_volunteers,
            need.remaining_hours,
            need.hours_per_volunteer or 0,
            offer.remaining_volunteers,
            offer.remaining_hours,
            offer.hours_per_volunteer or 0,
        )
        allocation = Allocation(volunteers=people, hours_per_volunteer=each)
        coverage = FULL * (people * each) // need.remaining_hours
        covers = (
            f"covers {people * each} of {need.remaining_hours} "
            f"{words.plural(need.remaining_hours, 'hour')}"
            f"{_still(need.remaining_hours, need.total_hours)}: "
            f"{people} {words.plural(people, 'volunteer')} for {each} "
            f"{words.plural(each, 'hour')} each"
        )
    elif kind is EQUIPMENT:
        quantity = min(need.remaining_quantity, offer.remaining_quantity)
        allocation = Allocation(quantity=quantity)
        coverage = FULL * quantity // need.remaining_quantity
        covers = (
            f"covers {quantity} of {need.remaining_quantity} "
            f"{words.devices(need.device_name, need.remaining_quantity)}"
            f"{_still(need.remaining_quantity, need.quantity)}"
        )
    else:
        pence = min(need.remaining_pence, offer.remaining_pence)
        allocation = Allocation(amount_pence=pence)
        coverage = FULL * pence // need.remaining_pence
        covers = (
            f"covers {pounds(pence)} of {pounds(need.remaining_pence)}"
            f"{_still(need.remaining_pence, need.amount_pence)}"
        )

    # Where.
    shared_wards = (
        []
        if need.citywide or offer.citywide
        else [name for i, name in need.wards.items() if i in offer.wards]
    )
    if shared_wards:
        place = FULL
        where = f"same {words.plural(len(shared_wards), 'ward')}: {words.listed(shared_wards)}"
    elif remote:
        place = FULL
        where = "remote, so any ward suits"
    elif need.citywide or offer.citywide:
        place = weights.leeds_wide_place
        where = (
            "both Leeds-wide"
            if need.citywide and offer.citywide
            else ("Leeds-wide offer" if offer.citywide else "Leeds-wide need")
        )
    else:
        place = 0
        where = "different wards"

    # When.
    timing = FULL * ((closes - opens).days + 1) // ((need.deadline - begins).days + 1)
    late = opens > begins
    if offer.available_until >= need.deadline:
        when = "available through the deadline"
        if late:
            when = f"available from {words.day(opens)}, through the deadline"
    else:
        start = f"available from {words.day(opens)} until" if late else "available until"
        when = (
            f"{start} {words.day(offer.available_until)}, "
            f"before the need's deadline of {words.day(need.deadline)}"
        )

    # Who for.
    shared_groups = [name for i, name in need.groups.items() if i in offer.groups]
    groups = FULL * len(shared_groups) // len(need.groups) if need.groups else 0

    skills = FULL * len(shared_skills) // len(need.skills) if shared_skills else 0
    points = (
        weights.skills * skills
        + weights.coverage * coverage
        + weights.place * place
        + weights.timing * timing
        + weights.groups * groups
    ) // weights.total(kind)

    reasons = []
    if shared_skills:
        count = len(need.skills)
        reasons.append(
            f"{len(shared_skills)} of {count} {words.plural(count, 'skill')}: "
            f"{words.listed(shared_skills)}"
        )
    reasons += [where, covers, when]
    if shared_groups:
        label = words.plural(len(shared_groups), "shared beneficiary group")
        reasons.append(f"{label}: {words.listed(shared_groups)}")
    return Fit(points=points, allocation=allocation, reasons=tuple(reasons), towards=towards)


def refusal(need: NeedFacts, offer: OfferFacts, today: date) -> str | None:
    """Which of `fit`'s rules, checked in its order, keeps the pair from being a
    suggestion (None: none does, though `fit` may still score it). For saying in plain
    words why a listing has few suggestions: see suggestions.excluded."""
    if need.kind is not offer.kind and offer.kind is not SPONSORSHIP:
        return "kind"
    if not (need.has_remaining and offer.has_remaining):
        return "nothing_left"
    if need.deadline < today or offer.available_until < today:
        return "closed"
    begins = need.wanted_from(today)
    opens = begins if offer.available_from is None else max(begins, offer.available_from)
    if min(need.deadline, offer.available_until) < opens:
        return "ends_before" if offer.available_until < begins else "opens_after"
    if need.kind is offer.kind:
        if need.kind is VOLUNTEERING:
            if not any(i in offer.skills for i in need.skills):
                return "skills"
            if not modes_meet(need.location_mode, offer.location_mode):
                return "where"
        elif need.kind is EQUIPMENT and (
            need.device_type_id is None or need.device_type_id != offer.device_type_id
        ):
            return "device"
    return None


def _still(remaining: int, whole: int | None) -> str:
    """Said when matches already hold part of the need, so "of 5" is not read as the
    whole of what was asked."""
    return " still needed" if whole is not None and remaining < whole else ""
