"""A year of a programme, made up by a seeded generator: organisations over the wards,
needs and offers in every status, and matches in every status spread over the year.

Two steps. `plan` is pure: from the seed, the size and the reference lists it decides
every record (names, amounts, statuses, how many days ago each thing happened), so
the same seed always gives the same programme. `building.apply` makes the records through the
same service functions as the forms (so they pass the same rules), skipping any whose
natural key is already there, then moves the new ones' times into the past.

Registration numbers are of a valid shape but in ranges no register has reached:
charities from 1990000 (the Charity Commission is near 1.2 million), companies from
99000000 (Companies House is near 17 million). Emails are at example.org and
example.com, which are reserved for examples.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sqlalchemy import select

from brokerage.demo import names
from brokerage.extensions import db
from brokerage.listings.models import (
    DeviceType,
    ListingKind,
    Skill,
)
from brokerage.matches.allocation import Allocation
from brokerage.organisations.models import (
    BeneficiaryGroup,
    OrganisationKind,
    OrganisationType,
    RegistrationScheme,
    Ward,
)

SEED = 2026
VOL, EQU, SPO = ListingKind.VOLUNTEERING, ListingKind.EQUIPMENT, ListingKind.SPONSORSHIP

# How many of each, at size 1. `--size N` multiplies them all.
COMMUNITY = {"approved": 53, "pending": 3, "info_requested": 2, "rejected": 2}
COMPANIES = {"approved": 23, "pending": 1, "info_requested": 1}
# Listings that never reach the matching (the rest are published, and matches make
# them partly met or met); withdrawn and expired ones are published first.
NEEDS = {"live": 111, "draft": 6, "submitted": 10, "changes_requested": 5, "rejected": 4}
NEEDS_CLOSED = {"withdrawn": 6, "expired": 8}
OFFERS = {"live": 77, "draft": 3, "submitted": 6, "changes_requested": 3, "rejected": 2}
OFFERS_CLOSED = {"withdrawn": 4, "expired": 5}
MATCHES = {
    "completed": 44,
    "in_progress": 8,
    "agreed": 8,
    "proposed": 8,
    "declined": 6,
    "cancelled": 6,
}


# --- The plan ------------------------------------------------------------------------


@dataclass
class OrgPlan:
    name: str
    kind: OrganisationKind
    org_type: OrganisationType
    scheme: RegistrationScheme
    number: str | None
    address: str
    postcode: str
    description: str
    website: str | None
    wards: list[str]
    groups: list[str]
    status: str
    owner_email: str
    owner_name: str
    days_ago: int = 0


@dataclass
class ListingPlan:
    side: str  # "need" or "offer"
    org: OrgPlan
    kind: ListingKind
    title: str
    description: str
    wards: list[str]
    groups: list[str]
    status: str
    closes_in: int
    skills: list[str] = field(default_factory=list)
    volunteers: int | None = None
    hours: int | None = None
    device: str | None = None
    quantity: int | None = None
    amount_pence: int | None = None
    days_ago: int = 0
    # What the matches in the plan hold, to choose allocations that fit.
    held_volunteers: int = 0
    held_hours: int = 0
    held_quantity: int = 0
    held_pence: int = 0

    def left(self) -> dict[str, int]:
        return {
            "volunteers": (self.volunteers or 0) - self.held_volunteers,
            "hours": (self.volunteers or 0) * (self.hours or 0) - self.held_hours,
            "quantity": (self.quantity or 0) - self.held_quantity,
            "pence": (self.amount_pence or 0) - self.held_pence,
        }


@dataclass
class MatchPlan:
    need: ListingPlan
    offer: ListingPlan
    allocation: Allocation
    status: str
    days_ago: int
    people: int
    messages: int
    note: bool
    need_feedback: tuple[int, str, bool] | None
    offer_feedback: tuple[int, str] | None
    reason: str | None = None
    half_accepted: bool = False


@dataclass
class Plan:
    orgs: list[OrgPlan]
    needs: list[ListingPlan]
    offers: list[ListingPlan]
    matches: list[MatchPlan]


@dataclass
class Reference:
    """The lists a plan picks from, read from the database in a fixed order."""

    wards: list[str]
    groups: list[str]
    skills: list[str]
    devices: list[str]

    @classmethod
    def load(cls) -> Reference:
        def slugs(model, *where):
            return list(db.session.scalars(select(model.slug).where(*where).order_by(model.slug)))

        return cls(
            wards=slugs(Ward, Ward.is_citywide.is_(False)),
            groups=slugs(BeneficiaryGroup, BeneficiaryGroup.active.is_(True)),
            skills=slugs(Skill),
            devices=slugs(DeviceType),
        )


def _scaled(counts: dict[str, int], size: int) -> list[str]:
    return [status for status, n in counts.items() for _ in range(n * size)]


def plan(size: int = 1, seed: int = SEED, ref: Reference | None = None) -> Plan:
    """Every record of the generated programme, decided from `seed` alone."""
    rng = random.Random(seed)
    ref = ref or Reference.load()
    orgs = _plan_orgs(rng, size, ref)
    community = [o for o in orgs if o.kind is OrganisationKind.COMMUNITY]
    companies = [o for o in orgs if o.kind is OrganisationKind.COMPANY]
    needs = _plan_listings(rng, "need", community, NEEDS, NEEDS_CLOSED, size, ref)
    offers = _plan_listings(rng, "offer", companies, OFFERS, OFFERS_CLOSED, size, ref)
    matches = _plan_matches(rng, needs, offers, size)
    _date_backwards(rng, orgs, needs + offers, matches)
    return Plan(orgs, needs, offers, matches)


def _unique(rng: random.Random, make, taken: set[str]) -> str:
    for _ in range(50):
        value = make()
        if value not in taken:
            taken.add(value)
            return value
    number = 2
    while f"{value} {number}" in taken:
        number += 1
    taken.add(f"{value} {number}")
    return f"{value} {number}"


def _plan_orgs(rng: random.Random, size: int, ref: Reference) -> list[OrgPlan]:
    orgs: list[OrgPlan] = []
    taken: set[str] = set()
    for kind, counts in (
        (OrganisationKind.COMMUNITY, COMMUNITY),
        (OrganisationKind.COMPANY, COMPANIES),
    ):
        statuses = _scaled(counts, size)
        rng.shuffle(statuses)
        for status in statuses:
            n = len(orgs) + 1
            first, last = rng.choice(names.FIRST_NAMES), rng.choice(names.LAST_NAMES)
            if kind is OrganisationKind.COMMUNITY:
                form = rng.choice(names.FORMS)
                name = _unique(
                    rng,
                    lambda form=form: (
                        f"{rng.choice(names.PLACES)} {rng.choice(names.WHATS)} {form[0]}"
                    ),
                    taken,
                )
                org_type = OrganisationType(form[1])
                description = f"{name} runs {rng.choice(names.COMMUNITY_ACTIVITIES)}."
                wards = sorted(rng.sample(ref.wards, rng.choice([1, 1, 1, 2, 2, 3])))
                domain = "example.org"
            else:
                second = rng.choice(names.COMPANY_SECOND)
                name = _unique(
                    rng,
                    lambda second=second: (
                        f"{rng.choice(names.COMPANY_FIRST)} {second[0]} "
                        + ("LLP" if second[1] == "llp" else "Ltd")
                    ),
                    taken,
                )
                org_type = OrganisationType(second[1])
                description = f"A Leeds {second[0].lower()} business. " + (
                    f"{rng.choice(names.COMPANY_ACTIVITIES)}."
                )
                wards = ["leeds-wide"] if rng.random() < 0.6 else [rng.choice(ref.wards)]
                domain = "example.com"
            scheme, number = _registration(rng, org_type, n)
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:40]
            orgs.append(
                OrgPlan(
                    name=name,
                    kind=kind,
                    org_type=org_type,
                    scheme=scheme,
                    number=number,
                    address=f"{rng.randint(1, 240)} {rng.choice(names.STREETS)}",
                    postcode=f"{rng.choice(names.DISTRICTS)} {rng.randint(1, 9)}"
                    f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                    description=description,
                    website=f"https://{slug}.{domain}" if rng.random() < 0.7 else None,
                    wards=wards,
                    groups=sorted(rng.sample(ref.groups, rng.randint(1, 3))),
                    status=status,
                    owner_email=f"{first.lower()}.{last.lower()}.{n}@{domain}",
                    owner_name=f"{first} {last}",
                )
            )
    return orgs


def _registration(
    rng: random.Random, org_type: OrganisationType, n: int
) -> tuple[RegistrationScheme, str | None]:
    """A number of the register's shape, in a range that register has not reached."""
    if org_type in {
        OrganisationType.REGISTERED_CHARITY,
        OrganisationType.CIO,
    }:
        return RegistrationScheme.CHARITY_EW, str(1_990_000 + n)
    if org_type.kind is OrganisationKind.COMPANY or org_type in {
        OrganisationType.CIC,
        OrganisationType.SOCIAL_ENTERPRISE,
    }:
        if org_type is OrganisationType.SOLE_TRADER:
            return RegistrationScheme.NONE, None
        return RegistrationScheme.COMPANIES_HOUSE, str(99_000_000 + n)
    return RegistrationScheme.NONE, None


def _plan_listings(
    rng: random.Random,
    side: str,
    owners: list[OrgPlan],
    counts: dict[str, int],
    closed: dict[str, int],
    size: int,
    ref: Reference,
) -> list[ListingPlan]:
    approved = [o for o in owners if o.status == "approved"]
    statuses = _scaled(counts, size) + _scaled(closed, size)
    rng.shuffle(statuses)
    titles = {
        "need": {VOL: names.VOLUNTEERING, EQU: names.EQUIPMENT, SPO: names.SPONSORSHIP},
        "offer": {
            VOL: names.OFFER_VOLUNTEERING,
            EQU: names.OFFER_EQUIPMENT,
            SPO: names.OFFER_SPONSORSHIP,
        },
    }[side]
    # Needs: as many of each kind. Offers: fewer sponsorships, each larger.
    kinds = [VOL, EQU, SPO] if side == "need" else [VOL, VOL, EQU, EQU, SPO]
    made: list[ListingPlan] = []
    used: set[tuple[str, str]] = set()
    for number, status in enumerate(statuses):
        org = approved[number % len(approved)] if number < len(approved) else rng.choice(approved)
        kind = kinds[number % len(kinds)]
        title, description = rng.choice(titles[kind])
        base, again = title, 1
        while (org.name, title) in used:
            again += 1
            title = f"{base} ({again})"
        used.add((org.name, title))
        item = ListingPlan(
            side=side,
            org=org,
            kind=kind,
            title=title,
            description=description,
            wards=org.wards if rng.random() < 0.7 else sorted(rng.sample(org.wards, 1)),
            groups=sorted(rng.sample(ref.groups, rng.randint(1, 2))),
            status=status,
            closes_in=rng.randint(20, 240),
        )
        big = 1 if side == "need" else 2
        if kind is VOL:
            item.skills = sorted(rng.sample(ref.skills, rng.randint(1, 2)))
            item.volunteers = rng.randint(1, 4) * big
            item.hours = rng.choice([4, 6, 8, 10, 12, 16, 20])
        elif kind is EQU:
            item.device = rng.choice(ref.devices)
            item.quantity = rng.choice([5, 10, 12, 15, 20, 25, 30, 40]) * big
        else:
            item.amount_pence = rng.choice([500, 750, 1000, 1500, 2000, 2500, 3000]) * big * 100
        made.append(item)
    return made


def _allocation(
    rng: random.Random, need: ListingPlan, offer: ListingPlan, whole: bool
) -> Allocation | None:
    """Part of what both have left (all the need has left when `whole`), or None."""
    n, o = need.left(), offer.left()
    volunteers = hours = quantity = pence = None
    kinds = {need.kind, offer.kind}
    if VOL in kinds:
        if need.kind is VOL and offer.kind is VOL:
            room_v = min(n["volunteers"], o["volunteers"])
            room_h = min(n["hours"], o["hours"])
        else:
            room_v, room_h = n["volunteers"], n["hours"]
        if room_v < 1 or room_h < 1:
            return None
        volunteers = room_v if whole else rng.randint(1, room_v)
        per = room_h // volunteers
        if per < 1:
            return None
        hours = per if whole else max(1, min(per, rng.randint(2, 12)))
    if EQU in kinds:
        room = min(n["quantity"], o["quantity"]) if offer.kind is EQU else n["quantity"]
        if room < 1:
            return None
        quantity = room if whole else rng.randint(max(1, room // 3), room)
    if SPO in kinds:
        room = min(n["pence"], o["pence"]) if need.kind is SPO else o["pence"]
        if room < 100:
            return None
        if need.kind is SPO and whole:
            pence = room
        else:
            pence = min(room, rng.choice([250, 400, 500, 750, 1000, 1500]) * 100)
    return Allocation(volunteers, hours, quantity, pence)


def _hold(item: ListingPlan, allocation: Allocation, sign: int) -> None:
    if item.kind is VOL:
        item.held_volunteers += sign * (allocation.volunteers or 0)
        item.held_hours += sign * allocation.total_hours
    elif item.kind is EQU:
        item.held_quantity += sign * (allocation.quantity or 0)
    else:
        item.held_pence += sign * (allocation.amount_pence or 0)


def _plan_matches(
    rng: random.Random, needs: list[ListingPlan], offers: list[ListingPlan], size: int
) -> list[MatchPlan]:
    live_needs = [n for n in needs if n.status == "live"]
    live_offers = [o for o in offers if o.status == "live"]
    offers_of = {kind: [o for o in live_offers if o.kind is kind] for kind in ListingKind}
    statuses = _scaled(MATCHES, size)
    rng.shuffle(statuses)
    matches: list[MatchPlan] = []
    pairs: set[tuple[int, int]] = set()
    proposed = 0
    for status in statuses:
        for _attempt in range(40):
            need = rng.choice(live_needs)
            sponsor = rng.random() < 0.15
            wanted = SPO if sponsor else need.kind
            candidates = offers_of[wanted]
            if not candidates:
                continue
            offer = rng.choice(candidates)
            if offer.org is need.org or (id(need), id(offer)) in pairs:
                continue
            whole = status in {"completed", "agreed"} and rng.random() < 0.35
            allocation = _allocation(rng, need, offer, whole)
            if allocation is None:
                continue
            break
        else:
            continue
        pairs.add((id(need), id(offer)))
        if status not in {"declined", "cancelled"}:
            _hold(need, allocation, 1)
            _hold(offer, allocation, 1)
        if status == "completed":
            days_ago = rng.randint(25, 362)
        elif status == "in_progress":
            days_ago = rng.randint(20, 90)
        elif status == "agreed":
            days_ago = rng.randint(6, 45)
        elif status == "proposed":
            # The first waits too long (the queue flags it); the rest are a day or two old.
            days_ago = 16 if proposed == 0 else rng.randint(0, 1)
            proposed += 1
        else:
            days_ago = rng.randint(10, 330)
        feedback_need = feedback_offer = None
        if status == "completed":
            if rng.random() < 0.85:
                feedback_need = (
                    rng.choice([3, 4, 4, 5, 5, 5]),
                    rng.choice(names.FEEDBACK_NEED),
                    rng.random() < 0.5,
                )
            if rng.random() < 0.6:
                feedback_offer = (rng.choice([4, 4, 5, 5]), rng.choice(names.FEEDBACK_OFFER))
        matches.append(
            MatchPlan(
                need=need,
                offer=offer,
                allocation=allocation,
                status=status,
                days_ago=days_ago,
                people=rng.randint(4, 120),
                messages=0 if status == "proposed" else rng.randint(1, 3),
                note=rng.random() < 0.5,
                need_feedback=feedback_need,
                offer_feedback=feedback_offer,
                reason=rng.choice(
                    names.DECLINE_REASONS if status == "declined" else names.CANCEL_REASONS
                )
                if status in {"declined", "cancelled"}
                else None,
                half_accepted=status == "proposed" and rng.random() < 0.5,
            )
        )
    return matches


def _date_backwards(
    rng: random.Random,
    orgs: list[OrgPlan],
    items: list[ListingPlan],
    matches: list[MatchPlan],
) -> None:
    """How many days ago each listing and organisation began: before its matches."""
    first_match: dict[int, int] = {}
    for match in matches:
        for item in (match.need, match.offer):
            first_match[id(item)] = max(first_match.get(id(item), 0), match.days_ago)
    for item in items:
        if item.status == "submitted":
            item.days_ago = rng.randint(0, 9)
        elif id(item) in first_match:
            item.days_ago = first_match[id(item)] + rng.randint(3, 14)
        else:
            item.days_ago = rng.randint(12, 330)
    first_item: dict[str, int] = {}
    for item in items:
        first_item[item.org.name] = max(first_item.get(item.org.name, 0), item.days_ago)
    for org in orgs:
        if org.status in {"pending", "info_requested"}:
            org.days_ago = rng.randint(1, 12)
        else:
            org.days_ago = first_item.get(org.name, rng.randint(20, 300)) + rng.randint(4, 25)


# --- Making the records --------------------------------------------------------------------
