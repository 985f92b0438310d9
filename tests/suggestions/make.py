"""Plain facts for scoring tests: a need and an offer that fit well, changed by keyword.

    need(kind=EQUIPMENT, quantity=25)       # 25 laptops wanted, none held
    offer(kind=SPONSORSHIP, amount_pence=500_000, held_pence=100_000)

Totals and what is held are given; the remaining amounts are worked out from them,
as the database read does. Defaults: Armley, older people, today 1 January 2027;
a need's deadline is 20 March 2027, an offer is available until 30 June 2027.
Volunteering: IT support, 2 people x 6 hours, on site. Equipment: 10 laptops.
Sponsorship: £2,500.
"""

from __future__ import annotations

from datetime import date

from brokerage.listings.models import ListingKind, LocationMode
from brokerage.suggestions.facts import NeedFacts, OfferFacts

VOLUNTEERING = ListingKind.VOLUNTEERING
EQUIPMENT = ListingKind.EQUIPMENT
SPONSORSHIP = ListingKind.SPONSORSHIP

TODAY = date(2027, 1, 1)

SKILLS = {
    1: "IT support",
    2: "Web development",
    3: "Data and reporting",
    4: "Cyber security",
    5: "UX and accessibility",
}
LEEDS_WIDE = 100
WARDS = {LEEDS_WIDE: "Leeds-wide", 101: "Armley", 102: "Beeston and Holbeck", 103: "Pudsey"}
GROUPS = {
    201: "Older people",
    202: "Disabled people",
    203: "Refugees and asylum seekers",
    204: "Young people",
}
DEVICES = {1: "Laptop", 2: "Tablet", 5: "SIM card or mobile data"}


def _terms(names: dict[int, str], ids) -> dict[int, str]:
    """The named terms, in the taxonomy's order (as the database read gives them)."""
    return {i: name for i, name in names.items() if i in set(ids)}


def _facts(cls, side_defaults: dict, kind: ListingKind, **changes):
    values = dict(
        id=1,
        title=f"A {kind.value} {cls.__name__[:-5].lower()}",
        organisation_name="Armley Community Hub" if cls is NeedFacts else "Acme Ltd",
        kind=kind,
        skill_ids=[1] if kind is VOLUNTEERING else [],
        ward_ids=[101],
        group_ids=[201],
        location_mode=LocationMode.ON_SITE if kind is VOLUNTEERING else None,
        device_type_id=1 if kind is EQUIPMENT else None,
        volunteers=2 if kind is VOLUNTEERING else None,
        hours_per_volunteer=6 if kind is VOLUNTEERING else None,
        quantity=10 if kind is EQUIPMENT else None,
        amount_pence=250_000 if kind is SPONSORSHIP else None,
        held_volunteers=0,
        held_hours=0,
        held_quantity=0,
        held_pence=0,
    )
    values.update(side_defaults)
    values.update(changes)
    volunteers, each = values.pop("volunteers"), values.pop("hours_per_volunteer")
    quantity, pence = values.pop("quantity"), values.pop("amount_pence")
    held = {
        k: values.pop(k) for k in ("held_volunteers", "held_hours", "held_quantity", "held_pence")
    }
    wards = _terms(WARDS, values.pop("ward_ids"))
    device = values["device_type_id"]
    return cls(
        skills=_terms(SKILLS, values.pop("skill_ids")),
        wards=wards,
        citywide=LEEDS_WIDE in wards,
        groups=_terms(GROUPS, values.pop("group_ids")),
        device_name=DEVICES.get(device) if device is not None else None,
        volunteers=volunteers,
        hours_per_volunteer=each,
        quantity=quantity,
        amount_pence=pence,
        remaining_volunteers=0 if volunteers is None else volunteers - held["held_volunteers"],
        remaining_hours=0 if volunteers is None else volunteers * each - held["held_hours"],
        remaining_quantity=0 if quantity is None else quantity - held["held_quantity"],
        remaining_pence=0 if pence is None else pence - held["held_pence"],
        **values,
    )


def need(kind: ListingKind = VOLUNTEERING, **changes) -> NeedFacts:
    return _facts(NeedFacts, {"deadline": date(2027, 3, 20)}, kind, **changes)


def offer(kind: ListingKind = VOLUNTEERING, **changes) -> OfferFacts:
    return _facts(OfferFacts, {"available_until": date(2027, 6, 30)}, kind, **changes)
