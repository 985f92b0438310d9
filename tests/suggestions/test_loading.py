"""Reading listings from the database into facts, and the suggestions the team's pages
get from it: the right facts, only what is open with something left, a fixed number
of queries, and never a suggestion of what matches already hold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import ListingKind, ListingStatus, LocationMode
from brokerage.organisations.models import OrganisationKind
from brokerage.suggestions import services as suggestions
from brokerage.suggestions.loading import (
    facts_for_need,
    facts_for_offer,
    open_need_facts,
    open_offer_facts,
)
from brokerage.suggestions.scoring import Allocation
from brokerage.suggestions.services import needs_for_offer, offers_for_every_need, offers_for_need
from tests.helpers import counted_statements
from tests.listings import factories as lm

VOL, EQUIP, SPONSOR = ListingKind.VOLUNTEERING, ListingKind.EQUIPMENT, ListingKind.SPONSORSHIP


@pytest.fixture
def community(make):
    return make.organisation(kind=OrganisationKind.COMMUNITY, name="Armley Community Hub")


@pytest.fixture
def company(make):
    return make.organisation(kind=OrganisationKind.COMPANY, name="Acme Ltd")


def today():
    return today_in_leeds()


def hold(item, **held) -> None:
    """What a match would hold of a listing, written the way brokering does: one UPDATE
    (which here leaves `updated_at` alone, the harder case for the kept pools)."""
    model = type(item)
    db.session.execute(
        update(model)
        .where(model.id == item.id)
        .values(updated_at=model.updated_at, **held)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    db.session.expire_all()


def closed_yesterday(item) -> None:
    """Published while it was open; its closing day has since passed."""
    column = "deadline" if item.side.value == "need" else "available_until"
    hold(item, **{column: today() - timedelta(days=1)})


# --- Facts --------------------------------------------------------------------------------


def test_a_need_is_read_with_its_facts(community, make):
    skills = [lm.skill("web-development"), lm.skill("it-support")]
    groups = [make.group("young-people"), make.group("older-people")]
    starts = today() + timedelta(days=5)
    need = lm.need(
        community,
        VOL,
        title="Website for the drop-in",
        skill_ids=[s.id for s in skills],
        ward_ids=[make.ward("armley").id, make.ward("pudsey").id],
        beneficiary_group_ids=[g.id for g in groups],
        volunteers=3,
        hours_per_volunteer=6,
        location_mode=LocationMode.REMOTE,
        starts_on=starts,
    )
    hold(need, held_volunteers=1, held_hours=6)

    [facts] = open_need_facts(db.session, today())
    assert facts.id == need.id
    assert facts.title == "Website for the drop-in"
    assert facts.organisation_name == "Armley Community Hub"
    assert facts.kind is VOL
    # Each list in the taxonomy's own order, whatever order they were chosen in.
    assert list(facts.skills.values()) == ["IT support", "Web development"]
    assert list(facts.wards.values()) == ["Armley", "Pudsey"]
    assert not facts.citywide
    assert list(facts.groups.values()) == ["Older people", "Young people"]
    assert facts.location_mode is LocationMode.REMOTE
    assert (facts.volunteers, facts.hours_per_volunteer) == (3, 6)
    assert (facts.remaining_volunteers, facts.remaining_hours) == (2, 12)
    assert (facts.deadline, facts.starts_on) == (need.deadline, starts)
    assert facts_for_need(db.session, need) == facts


def test_offers_of_each_kind_are_read_with_what_remains(company, make):
    start = today() + timedelta(days=3)
    laptops = lm.offer(
        company,
        EQUIP,
        quantity=40,
        available_from=start,
        ward_ids=[make.ward("leeds-wide").id],
    )
    money = lm.offer(company, SPONSOR, amount_pence=500_000)
    hold(laptops, held_quantity=10)
    hold(money, held_pence=125_050)

    read = {o.id: o for o in open_offer_facts(db.session, today())}
    assert read[laptops.id].device_name == "Laptop"
    assert read[laptops.id].device_type_id == lm.device("laptop").id
    assert (read[laptops.id].quantity, read[laptops.id].remaining_quantity) == (40, 30)
    assert read[laptops.id].citywide
    assert read[laptops.id].available_from == start
    assert read[laptops.id].available_until == laptops.available_until
    assert read[laptops.id].skills == {}
    assert (read[money.id].amount_pence, read[money.id].remaining_pence) == (500_000, 374_950)
    assert read[money.id].remaining_quantity == 0
    assert facts_for_offer(db.session, money) == read[money.id]


def test_only_open_listings_with_something_left_are_read(community, company):
    for status in ListingStatus:
        lm.need(community, EQUIP, status, title=f"Need {status.value}")
        lm.offer(company, EQUIP, status, title=f"Offer {status.value}")
    closed_yesterday(lm.need(community, EQUIP, title="Need closed yesterday"))
    lm.need(community, EQUIP, title="Need closing today", deadline=today())
    closed_yesterday(lm.offer(company, EQUIP, title="Offer closed yesterday"))
    hold(lm.need(community, EQUIP, title="Need all held", quantity=5), held_quantity=5)
    hold(lm.need(community, EQUIP, title="Need partly held", quantity=5), held_quantity=4)
    hold(lm.offer(company, SPONSOR, title="Offer all held"), held_pence=250_000)
    hold(
        lm.offer(company, VOL, title="Offer all hours held"),
        held_volunteers=1,
        held_hours=12,
    )

    assert {n.title for n in open_need_facts(db.session, today())} == {
        "Need published",
        "Need partly_met",
        "Need closing today",
        "Need partly held",
    }
    assert {o.title for o in open_offer_facts(db.session, today())} == {
        "Offer published",
        "Offer partly_met",
    }


def test_only_the_ids_asked_for(community):
    first, _, third = (lm.need(community, EQUIP, title=f"Need {i}") for i in range(3))
    found = open_need_facts(db.session, today(), ids=[third.id, first.id, 999_999])
    assert [n.id for n in found] == [first.id, third.id]
    assert open_need_facts(db.session, today(), ids=[]) == []


def test_reading_takes_the_same_few_queries_for_many_listings(community, company, make):
    def queries() -> int:
        db.session.expire_all()
        with counted_statements() as statements:
            needs = open_need_facts(db.session, today())
            offers = open_offer_facts(db.session, today())
        assert needs and offers
        return len(statements)

    lm.need(community, VOL)
    lm.offer(company, EQUIP)
    few = queries()
    for kind in ListingKind:
        for _ in range(3):
            lm.need(community, kind, ward_ids=[make.ward("pudsey").id, make.ward("armley").id])
            lm.offer(company, kind)
    assert queries() == few <= 10


# --- Suggestions ----------------------------------------------------------------------------


@pytest.fixture
def laptops_wanted(community):
    return lm.need(community, EQUIP, title="25 laptops for the homework club", quantity=25)


@pytest.fixture
def offers(company, make):
    pudsey = make.ward("pudsey").id
    return {
        "armley laptops": lm.offer(company, EQUIP, title="Armley laptops", quantity=20),
        "pudsey laptops": lm.offer(
            company, EQUIP, title="Pudsey laptops", quantity=30, ward_ids=[pudsey]
        ),
        "tablets": lm.offer(company, EQUIP, title="Tablets", device_type_id=lm.device("tablet").id),
        "money": lm.offer(company, SPONSOR, title="Money", amount_pence=500_000),
        "withdrawn": lm.offer(company, EQUIP, ListingStatus.WITHDRAWN, title="Withdrawn"),
    }


def titles(found) -> list[str]:
    return [s.offer.title for s in found]


def test_a_needs_suggested_offers_best_first_with_reasons(laptops_wanted, offers):
    found = offers_for_need(db.session, laptops_wanted, today())
    # Same ward and 20 of 25 (92.30); money towards it (80.76); all 25 but in Pudsey (69.23).
    assert titles(found) == ["Armley laptops", "Money", "Pudsey laptops"]
    assert [s.score for s in found] == [92.3, 80.76, 69.23]
    best = found[0]
    assert best.reasons == (
        "same ward: Armley",
        "covers 20 of 25 laptops",
        "available through the deadline",
        "shared beneficiary group: Older people",
    )
    assert best.allocation == Allocation(quantity=20)
    assert found[1].allocation == Allocation(amount_pence=100_000)
    assert found[1].reasons[1] == "could pay towards it: £5,000 available"
    assert found[2].allocation == Allocation(quantity=25)


def test_what_matches_hold_is_never_suggested_again(laptops_wanted, offers):
    assert offers_for_need(db.session, laptops_wanted, today())  # the pool is kept
    hold(offers["armley laptops"], held_quantity=20)
    hold(offers["pudsey laptops"], held_quantity=15)
    found = offers_for_need(db.session, laptops_wanted, today())
    assert titles(found) == ["Money", "Pudsey laptops"]
    assert "covers 15 of 25 laptops" in found[1].reasons
    assert found[1].allocation == Allocation(quantity=15)

    hold(laptops_wanted, held_quantity=20)
    found = offers_for_need(db.session, laptops_wanted, today())
    assert found[1].allocation == Allocation(quantity=5)
    assert "covers 5 of 5 laptops still needed" in found[1].reasons


def test_a_stale_pool_still_never_offers_what_is_held(laptops_wanted, offers, monkeypatch):
    """Even if a change slipped past the check on the kept pool, the listings on the
    list are read again before they are shown."""
    offers_for_need(db.session, laptops_wanted, today())
    monkeypatch.setattr(suggestions, "_fingerprint", lambda session, model: ())
    offers_for_need(db.session, laptops_wanted, today())  # keeps a pool it will not check
    hold(offers["armley laptops"], held_quantity=20)
    hold(offers["pudsey laptops"], held_quantity=28)
    found = offers_for_need(db.session, laptops_wanted, today())
    assert titles(found) == ["Money", "Pudsey laptops"]
    assert found[1].allocation == Allocation(quantity=2)


def test_new_and_withdrawn_offers_show_at_once(laptops_wanted, offers, company):
    assert "Armley laptops" in titles(offers_for_need(db.session, laptops_wanted, today()))
    lm.offer(company, EQUIP, title="New laptops", quantity=25)
    listings.withdraw(offers["armley laptops"], offers["armley laptops"].created_by)
    db.session.commit()
    found = titles(offers_for_need(db.session, laptops_wanted, today()))
    assert found[0] == "New laptops"
    assert "Armley laptops" not in found


def test_a_closed_or_met_need_gets_no_suggestions(laptops_wanted, offers, community):
    met = lm.need(community, EQUIP, ListingStatus.MET)
    assert offers_for_need(db.session, met, today()) == []
    hold(laptops_wanted, held_quantity=25)
    assert offers_for_need(db.session, laptops_wanted, today()) == []


def test_an_offers_suggested_needs(community, laptops_wanted, offers):
    lm.need(community, SPONSOR, title="£2,000 for broadband", amount_pence=200_000)
    lm.need(community, VOL, title="Volunteers")
    lm.need(community, EQUIP, title="Tablets wanted", device_type_id=lm.device("tablet").id)
    lm.need(community, EQUIP, ListingStatus.DRAFT, title="Draft")
    found = needs_for_offer(db.session, offers["money"], today())
    assert [s.need.title for s in found] == [
        "£2,000 for broadband",  # money for money: all of it covered
        "25 laptops for the homework club",  # money towards things: equal scores,
        "Tablets wanted",  # so the older need first
        "Volunteers",  # money brings none of the volunteers' skills
    ]
    assert [s.score for s in found] == [100.0, 80.76, 80.76, 52.5]
    assert found[0].allocation == Allocation(amount_pence=200_000)
    assert found[0].reasons[1] == "covers £2,000 of £2,000"

    [laptops] = needs_for_offer(db.session, offers["pudsey laptops"], today())
    assert laptops.need == facts_for_need(db.session, laptops_wanted)
    assert laptops.allocation == Allocation(quantity=25)
    assert laptops.reasons[:2] == ("different wards", "covers 25 of 25 laptops")
    assert needs_for_offer(db.session, offers["withdrawn"], today()) == []


def test_every_open_need_at_once(laptops_wanted, offers, community):
    tablets = lm.need(community, EQUIP, title="Tablets", device_type_id=lm.device("tablet").id)
    smartphones = lm.need(
        community, EQUIP, title="Phones", device_type_id=lm.device("smartphone").id
    )
    lm.need(community, EQUIP, ListingStatus.DRAFT, title="Draft")
    every = offers_for_every_need(db.session, today())
    assert set(every) == {laptops_wanted.id, tablets.id, smartphones.id}
    assert titles(every[laptops_wanted.id]) == titles(
        offers_for_need(db.session, laptops_wanted, today())
    )
    assert titles(every[tablets.id]) == ["Tablets", "Money"]
    assert titles(every[smartphones.id]) == ["Money"]
