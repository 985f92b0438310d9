"""Reading needs and offers into facts: a fixed number of queries, whatever the count.

Each read is five queries: the listings' own rows (with the organisation's and the
device type's names joined in); the ids in each of the three link tables (skills,
wards, beneficiary groups) for those listings; and the names and order of the
terms, one small query for all three lists. They are gathered per listing in
Python. Plain rows, not ORM objects: building 10,000 objects with their
collections costs far more than the matching itself.

"Open" is what the public lists show (published or partly met, closing today or
later) and has something left to give or to meet: nothing else can be suggested.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import and_, literal, or_, select, union_all
from sqlalchemy.orm import Session

from brokerage.listings.models import (
    OPEN_STATUSES,
    DeviceType,
    ListingKind,
    Need,
    Offer,
    Skill,
)
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward
from brokerage.suggestions.bulk import no_cycle_collection
from brokerage.suggestions.facts import NeedFacts, OfferFacts

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
    """The facts of the `model` rows meeting `conditions`: one query for the rows, one
    per link table (ids only), and one for the names of the terms."""
    with no_cycle_collection():
        return _read_facts(session, model, conditions)


def _read_facts(session: Session, model, conditions: list) -> list:
    conn = session.connection()
    dates = (
        (Need.deadline, Need.starts_on, Need.ends_on)
        if model is Need
        else (Offer.available_until, Offer.available_from)
    )
    rows = conn.execute(
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
    if not rows:
        return []

    # Each listing's terms, in the taxonomy's order: the link rows are sorted here,
    # by each term's place in its list, rather than joined and sorted in SQL.
    taxonomy = _taxonomy(conn)
    chosen = select(model.id).where(*conditions)
    key = f"{model.__tablename__}_id"
    found: dict[str, dict[int, dict[int, str]]] = {}
    for name, link in model.link_tables().items():
        names, rank = taxonomy[name]
        pairs = conn.execute(
            select(link.c[key], link.c[f"{name}_id"]).where(link.c[key].in_(chosen))
        ).all()
        pairs.sort(key=lambda pair, rank=rank: rank[pair[1]])
        terms: dict[int, dict[int, str]] = {}
        for listing_id, term_id in pairs:
            if listing_id in terms:
                terms[listing_id][term_id] = names[term_id]
            else:
                terms[listing_id] = {term_id: names[term_id]}
        found[name] = terms
    skills, wards, groups = found["skill"], found["ward"], found["beneficiary_group"]
    citywide = taxonomy["citywide"]
    empty: dict[int, str] = {}

    facts = []
    for row in rows:
        listing_id = row[0]
        volunteers, each, quantity, pence = row[7], row[8], row[9], row[10]
        listing_wards = wards.get(listing_id, empty)
        common = dict(
            id=listing_id,
            kind=row[1],
            title=row[2],
            organisation_name=row[3],
            skills=skills.get(listing_id, empty),
            wards=listing_wards,
            citywide=citywide in listing_wards,
            groups=groups.get(listing_id, empty),
            location_mode=row[4],
            device_type_id=row[5],
            device_name=row[6],
            volunteers=volunteers,
            hours_per_volunteer=each,
            quantity=quantity,
            amount_pence=pence,
            remaining_volunteers=0 if volunteers is None else volunteers - row[11],
            remaining_hours=(
                0 if volunteers is None or each is None else volunteers * each - row[12]
            ),
            remaining_quantity=0 if quantity is None else quantity - row[13],
            remaining_pence=0 if pence is None else pence - row[14],
        )
        if model is Need:
            facts.append(NeedFacts(deadline=row[15], starts_on=row[16], ends_on=row[17], **common))
        else:
            facts.append(OfferFacts(available_until=row[15], available_from=row[16], **common))
    return facts


def _taxonomy(conn) -> dict:
    """For skills, wards and beneficiary groups: each term's name, and its rank in the
    list's order; and the id of the Leeds-wide row. One query: the lists are short."""
    lists = {"skill": Skill, "ward": Ward, "beneficiary_group": BeneficiaryGroup}
    terms = union_all(
        *(
            select(literal(name).label("list"), model.id, model.name, model.position)
            for name, model in lists.items()
        ),
        select(literal("citywide"), Ward.id, Ward.name, Ward.position).where(
            Ward.is_citywide.is_(True)
        ),
    ).subquery()
    result: dict = {name: ({}, {}) for name in lists}
    result["citywide"] = None
    rows = conn.execute(select(terms).order_by(terms.c.list, terms.c.position, terms.c.id))
    for list_name, term_id, name, _ in rows:
        if list_name == "citywide":
            result["citywide"] = term_id
            continue
        names, rank = result[list_name]
        names[term_id] = name
        rank[term_id] = len(rank)
    return result
