"""Reading needs and offers into facts: a fixed number of queries, whatever the count.

Each read is four queries: the listings' own rows (with the organisation's and the
device type's names joined in), then their skills, wards and beneficiary groups,
one query per link table, gathered per listing in Python. Plain rows, not ORM
objects: building 10,000 objects with their collections costs far more than the
matching itself.

"Open" is what the public lists show (published or partly met, closing today or
later) and has something left to give or to meet: nothing else can be suggested.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from brokerage.listings.models import (
    OPEN_STATUSES,
    DeviceType,
    ListingKind,
    Skill,
)
from brokerage.matching.facts import NeedFacts, OfferFacts
from brokerage.needs.models import Need
from brokerage.offers.models import Offer
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward

VOLUNTEERING = ListingKind.VOLUNTEERING
EQUIPMENT = ListingKind.EQUIPMENT
SPONSORSHIP = ListingKind.SPONSORSHIP


def open_need_facts(
    session: Session,
    today: date,
    ids: Collection[int] | None = None,
    *,
    for_offer: OfferFacts | None = None,
) -> list[NeedFacts]:
    """Open needs with something left to meet (those in `ids` only, if given), in id
    order. With `for_offer`, only the needs that offer could possibly suit: the
    database drops the rest before they are read (scoring still checks every rule)."""
    conditions = _open(Need, Need.deadline, today, ids)
    if for_offer is not None:
        conditions += _could_take(for_offer, today)
    return _read(session, Need, conditions)


def open_offer_facts(
    session: Session,
    today: date,
    ids: Collection[int] | None = None,
    *,
    for_need: NeedFacts | None = None,
) -> list[OfferFacts]:
    """Open offers with something left to give (those in `ids` only, if given), in id
    order. With `for_need`, only the offers that could possibly suit that need."""
    conditions = _open(Offer, Offer.available_until, today, ids)
    if for_need is not None:
        conditions += _could_give(for_need, today)
    return _read(session, Offer, conditions)


def facts_for_need(session: Session, need: Need) -> NeedFacts:
    """One need's facts, whatever its status (a closed or fully met need simply gets
    no suggestions)."""
    return _read(session, Need, [Need.id == need.id])[0]


def facts_for_offer(session: Session, offer: Offer) -> OfferFacts:
    """One offer's facts, whatever its status."""
    return _read(session, Offer, [Offer.id == offer.id])[0]


def _open(model, closes, today: date, ids: Collection[int] | None) -> list:
    conditions = [
        model.status.in_(OPEN_STATUSES),
        closes >= today,
        or_(
            and_(
                model.kind == VOLUNTEERING,
                model.volunteers - model.held_volunteers > 0,
                model.volunteers * model.hours_per_volunteer - model.held_hours > 0,
            ),
            and_(model.kind == EQUIPMENT, model.quantity - model.held_quantity > 0),
            and_(model.kind == SPONSORSHIP, model.amount_pence - model.held_pence > 0),
        ),
    ]
    if ids is not None:
        conditions.append(model.id.in_(sorted(set(ids))))
    return conditions


def _could_give(need: NeedFacts, today: date) -> list:
    """Offers that pass the cheap hard rules for `need`: money, or its own kind (its
    device type; at least one of its skills), available in the need's window."""
    same = [Offer.kind == need.kind]
    if need.kind is EQUIPMENT:
        same.append(Offer.device_type_id == need.device_type_id)
    elif need.kind is VOLUNTEERING:
        link = Offer.link_tables()["skill"]
        same.append(
            Offer.id.in_(select(link.c.offer_id).where(link.c.skill_id.in_(sorted(need.skills))))
        )
    return [
        or_(Offer.kind == SPONSORSHIP, and_(*same)),
        Offer.available_until >= need.wanted_from(today),
        or_(Offer.available_from.is_(None), Offer.available_from <= need.deadline),
    ]


def _could_take(offer: OfferFacts, today: date) -> list:
    """Needs that pass the cheap hard rules for `offer` (the mirror of `_could_give`)."""
    conditions = []
    if offer.kind is not SPONSORSHIP:
        conditions.append(Need.kind == offer.kind)
        if offer.kind is EQUIPMENT:
            conditions.append(Need.device_type_id == offer.device_type_id)
        else:
            link = Need.link_tables()["skill"]
            conditions.append(
                Need.id.in_(select(link.c.need_id).where(link.c.skill_id.in_(sorted(offer.skills))))
            )
    if offer.available_from is not None:
        conditions.append(Need.deadline >= offer.available_from)
    # The need is wanted from the later of today and its start (but by its deadline).
    conditions.append(
        or_(
            Need.starts_on.is_(None),
            Need.starts_on <= offer.available_until,
            Need.deadline <= offer.available_until,
        )
    )
    return conditions


def _read(session: Session, model, conditions: list) -> list:
    """The facts of the `model` rows meeting `conditions`: one query for the rows and
    one per link table."""
    key = f"{model.__tablename__}_id"
    links = model.link_tables()
    chosen = select(model.id).where(*conditions)

    def terms(link_name: str, term, *extra):
        link = links[link_name]
        listing, term_id = link.c[key], link.c[f"{link_name}_id"]
        stmt = (
            select(listing, term.id, term.name, *extra)
            .join(term, term.id == term_id)
            .where(listing.in_(chosen))
            .order_by(term.position, term.id)
        )
        return session.execute(stmt).all()

    by_id: dict[int, tuple[dict, dict, dict, list]] = {}
    dates = (
        (Need.deadline, Need.starts_on, Need.ends_on)
        if model is Need
        else (Offer.available_until, Offer.available_from)
    )
    rows = session.execute(
        select(
            model.id,
            model.kind,
            model.title,
            Organisation.name,
            model.location_mode,
            model.device_type_id,
            DeviceType.name,
            model.volunteers,
            model.hours_per_volunteer,
            model.quantity,
            model.amount_pence,
            model.held_volunteers,
            model.held_hours,
            model.held_quantity,
            model.held_pence,
            *dates,
        )
        .join(Organisation, Organisation.id == model.organisation_id)
        .outerjoin(DeviceType, DeviceType.id == model.device_type_id)
        .where(*conditions)
        .order_by(model.id)
    ).all()
    for row in rows:
        by_id[row[0]] = ({}, {}, {}, [False])
    for listing_id, term_id, name in terms("skill", Skill):
        by_id[listing_id][0][term_id] = name
    for listing_id, term_id, name, citywide in terms("ward", Ward, Ward.is_citywide):
        found = by_id[listing_id]
        found[1][term_id] = name
        if citywide:
            found[3][0] = True
    for listing_id, term_id, name in terms("beneficiary_group", BeneficiaryGroup):
        by_id[listing_id][2][term_id] = name

    facts = []
    make = NeedFacts if model is Need else OfferFacts
    for row in rows:
        (
            listing_id,
            kind,
            title,
            organisation_name,
            mode,
            device_id,
            device_name,
            volunteers,
            each,
            quantity,
            pence,
            held_volunteers,
            held_hours,
            held_quantity,
            held_pence,
            *when,
        ) = row
        skills, wards, groups, citywide = by_id[listing_id]
        if model is Need:
            own = {"deadline": when[0], "starts_on": when[1], "ends_on": when[2]}
        else:
            own = {"available_until": when[0], "available_from": when[1]}
        facts.append(
            make(
                id=listing_id,
                title=title,
                organisation_name=organisation_name,
                kind=kind,
                skills=skills,
                wards=wards,
                citywide=citywide[0],
                groups=groups,
                location_mode=mode,
                device_type_id=device_id,
                device_name=device_name,
                volunteers=volunteers,
                hours_per_volunteer=each,
                quantity=quantity,
                amount_pence=pence,
                remaining_volunteers=0 if volunteers is None else volunteers - held_volunteers,
                remaining_hours=(
                    0 if volunteers is None or each is None else volunteers * each - held_hours
                ),
                remaining_quantity=0 if quantity is None else quantity - held_quantity,
                remaining_pence=0 if pence is None else pence - held_pence,
                **own,
            )
        )
    return facts
