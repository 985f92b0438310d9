"""What a need or an offer must say, kind by kind and side by side; who may post;
and the team's vocabularies (services, without HTTP)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from brokerage.errors import DomainError, NotAllowed
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.choices import filter_choices
from brokerage.listings.forms import NeedForm, OfferForm
from brokerage.listings.models import (
    Condition,
    DeviceType,
    ListingKind,
    ListingStatus,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
    WipeMethod,
)
from brokerage.listings.services import create_need, create_offer, update_need, update_offer
from brokerage.organisations.models import BeneficiaryGroup, OrganisationKind, OrganisationStatus
from tests.listings import factories as lm

VOL, EQUIP, SPONSOR = ListingKind.VOLUNTEERING, ListingKind.EQUIPMENT, ListingKind.SPONSORSHIP


@pytest.fixture
def community(make):
    return make.organisation(kind=OrganisationKind.COMMUNITY)


@pytest.fixture
def company(make):
    return make.organisation(kind=OrganisationKind.COMPANY)


def post_need(org, kind=VOL, **overrides) -> Need:
    return create_need(org, org.owners[0], lm.need_details(kind, **overrides), submit=False)


def post_offer(org, kind=VOL, **overrides) -> Offer:
    return create_offer(org, org.owners[0], lm.offer_details(kind, **overrides), submit=False)


def _refused(post, org, kind, message_part: str, overrides: dict) -> None:
    try:
        post(org, kind, **overrides)
    except DomainError as exc:
        assert message_part.lower() in str(exc).lower(), (kind, overrides, str(exc))
    else:
        pytest.fail(f"{post.__name__} accepted {kind.value} with {overrides}")


def refused_need(org, kind, message_part: str, **overrides) -> None:
    _refused(post_need, org, kind, message_part, overrides)


def refused_offer(org, kind, message_part: str, **overrides) -> None:
    _refused(post_offer, org, kind, message_part, overrides)


def refused_both(community, company, kind, cases) -> None:
    """Each (overrides, message) is refused for a need and an offer of `kind`."""
    for overrides, message in cases:
        refused_need(community, kind, message, **overrides)
        refused_offer(company, kind, message, **overrides)


# --- What every listing says ----------------------------------------------------------


def test_the_factories_details_are_valid_for_every_kind_and_side(community, company):
    for kind in ListingKind:
        need = post_need(community, kind)
        offer = post_offer(company, kind)
        assert need.kind is offer.kind is kind
        assert need.status is offer.status is ListingStatus.DRAFT


COMMON_CASES = [
    ({"title": "   "}, "title"),
    ({"description": " \n "}, "describe"),
    ({"ward_ids": []}, "wards"),
    ({"ward_ids": [999_999]}, "wards"),
    ({"beneficiary_group_ids": []}, "who it will help"),
    ({"beneficiary_group_ids": [999_999]}, "who it will help"),
]


def test_common_details_are_required(community, company):
    refused_both(community, company, SPONSOR, COMMON_CASES)


def test_title_and_description_are_trimmed(community):
    need = post_need(community, title="  Laptops  ", description="  For the club.\n")
    assert (need.title, need.description) == ("Laptops", "For the club.")


def test_leeds_wide_cannot_be_chosen_with_wards(community, company, make):
    leeds, armley, pudsey = make.ward("leeds-wide"), make.ward("armley"), make.ward("pudsey")
    refused_need(community, VOL, "not both", ward_ids=[leeds.id, armley.id])
    refused_offer(company, EQUIP, "not both", ward_ids=[armley.id, leeds.id])
    assert [w.slug for w in post_need(community, ward_ids=[leeds.id]).wards] == ["leeds-wide"]
    both = post_offer(company, ward_ids=[pudsey.id, armley.id, armley.id])
    assert {w.slug for w in both.wards} == {"armley", "pudsey"}


def test_closing_dates_are_required_and_in_order(community, company):
    today = listings.today_in_leeds()
    refused_need(community, SPONSOR, "date", deadline=None)
    refused_offer(company, SPONSOR, "available until", available_until=None)
    refused_offer(
        company,
        SPONSOR,
        "window",
        available_from=today + timedelta(days=5),
        available_until=today + timedelta(days=4),
    )
    refused_need(
        community,
        VOL,
        "end date",
        starts_on=today + timedelta(days=5),
        ends_on=today + timedelta(days=4),
    )
    offer = post_offer(company, available_from=today, available_until=today)
    assert offer.available_from == offer.available_until == today


# --- Skilled volunteering ---------------------------------------------------------------


VOLUNTEERING_CASES = [
    ({"skill_ids": []}, "skills"),
    ({"skill_ids": [999_999]}, "skills"),
    ({"volunteers": None}, "number of volunteers"),
    ({"volunteers": 0}, "1 or more"),
    ({"hours_per_volunteer": None}, "hours"),
    ({"hours_per_volunteer": 0}, "1 or more"),
    ({"location_mode": None}, "on site, remote or either"),
]


def test_volunteering_requires_skills_people_hours_and_place(community, company):
    refused_both(community, company, VOL, VOLUNTEERING_CASES)


def test_a_volunteering_need_records_the_safeguarding_requirement(community, company):
    refused_need(community, VOL, "regulated activity", safeguarding=None)
    need = post_need(community, VOL, safeguarding=Safeguarding.BOTH)
    assert need.safeguarding is Safeguarding.BOTH
    # An offer has no safeguarding question.
    assert post_offer(company, VOL).location_mode is LocationMode.ON_SITE


def test_volunteering_details_are_kept(community):
    web, data = lm.skill("web-development"), lm.skill("data-and-reporting")
    need = post_need(
        community,
        VOL,
        skill_ids=[data.id, web.id, web.id],
        volunteers=3,
        hours_per_volunteer=8,
        location_mode=LocationMode.EITHER,
    )
    db.session.commit()
    db.session.expire_all()
    need = db.session.get(Need, need.id)
    assert {s.slug for s in need.skills} == {"web-development", "data-and-reporting"}
    assert (need.volunteers, need.hours_per_volunteer, need.total_hours) == (3, 8, 24)
    assert need.location_mode is LocationMode.EITHER


# --- Equipment --------------------------------------------------------------------------


EQUIPMENT_CASES = [
    ({"device_type_id": None}, "type of device"),
    ({"device_type_id": 999_999}, "type of device"),
    ({"quantity": None}, "how many"),
    ({"quantity": 0}, "1 or more"),
    ({"condition": None}, "condition"),
]


def test_equipment_requires_device_quantity_and_condition(community, company):
    refused_both(community, company, EQUIP, EQUIPMENT_CASES)


def test_an_equipment_need_says_what_it_is_for(community):
    refused_need(community, EQUIP, "what the equipment is for", purpose=None)
    refused_need(community, EQUIP, "what the equipment is for", purpose="   ")
    need = post_need(community, EQUIP, purpose=" Homework club ", minimum_spec="  ")
    assert need.purpose == "Homework club"
    assert need.minimum_spec is None
    assert post_need(community, EQUIP, minimum_spec="8 GB").minimum_spec == "8 GB"


def test_used_equipment_offers_say_how_data_is_wiped(company):
    for condition in (Condition.REFURBISHED, Condition.USED, Condition.ANY):
        refused_offer(company, EQUIP, "wiped", condition=condition, wipe_method=None)
        offer = post_offer(
            company, EQUIP, condition=condition, wipe_method=WipeMethod.ENCRYPTED_RESET
        )
        assert offer.wipe_method is WipeMethod.ENCRYPTED_RESET


def test_new_equipment_needs_no_wipe_method(company):
    offer = post_offer(
        company, EQUIP, condition=Condition.NEW, wipe_method=None, certificate_per_serial=None
    )
    assert offer.wipe_method is None
    assert offer.certificate_per_serial is False


def test_equipment_details_are_kept(company):
    offer = post_offer(
        company,
        EQUIP,
        device_type_id=lm.device("tablet").id,
        quantity=40,
        condition=Condition.USED,
        wipe_method=WipeMethod.NIST,
        certificate_per_serial=True,
    )
    db.session.commit()
    db.session.expire_all()
    offer = db.session.get(Offer, offer.id)
    assert (offer.device_type.slug, offer.quantity) == ("tablet", 40)
    assert (offer.condition, offer.wipe_method) == (Condition.USED, WipeMethod.NIST)
    assert offer.certificate_per_serial is True


# --- Sponsorship ------------------------------------------------------------------------


def test_sponsorship_requires_at_least_a_pound(community, company):
    cases = [({"amount_pence": None}, "amount")]
    cases += [({"amount_pence": pence}, "£1 or more") for pence in (-100, 0, 99)]
    refused_both(community, company, SPONSOR, cases)
    assert post_offer(company, SPONSOR, amount_pence=100).amount_pence == 100
    assert post_need(community, SPONSOR, amount_pence=100).amount_pence == 100


def test_a_sponsorship_need_says_what_it_pays_for(community, company):
    refused_need(community, SPONSOR, "pay for", pays_for=None)
    refused_need(community, SPONSOR, "pay for", pays_for=" \t ")
    assert post_need(community, SPONSOR, pays_for=" Data plans ").pays_for == "Data plans"


def test_money_stays_in_whole_pence(community, company):
    need = post_need(community, SPONSOR, amount_pence=250_050)
    offer = post_offer(company, SPONSOR, amount_pence=listings.MAX_AMOUNT_PENCE)
    db.session.commit()
    db.session.expire_all()
    need, offer = db.session.get(Need, need.id), db.session.get(Offer, offer.id)
    assert need.amount_pence == 250_050 and type(need.amount_pence) is int
    assert offer.amount_pence == 1_000_000_000 and type(offer.amount_pence) is int


def test_the_form_reads_pounds_into_pence():
    form = NeedForm(SPONSOR, formdata=MultiDict({"amount": "£2,500.50"}))
    assert form.amount.data == 250_050
    form = OfferForm(SPONSOR, formdata=MultiDict({"amount": "12"}))
    assert form.amount.data == 1200


# --- Upper limits -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "field", "limit"),
    [
        (VOL, "volunteers", listings.MAX_VOLUNTEERS),
        (VOL, "hours_per_volunteer", listings.MAX_HOURS),
        (EQUIP, "quantity", listings.MAX_QUANTITY),
        (SPONSOR, "amount_pence", listings.MAX_AMOUNT_PENCE),
    ],
)
def test_upper_limits(community, company, kind, field, limit):
    assert getattr(post_need(community, kind, **{field: limit}), field) == limit
    assert getattr(post_offer(company, kind, **{field: limit}), field) == limit
    # Money is told in pounds; counts as themselves.
    shown = f"£{limit // 100:,} or less" if field == "amount_pence" else f"{limit:,} or fewer"
    refused_need(community, kind, shown, **{field: limit + 1})
    refused_offer(company, kind, shown, **{field: limit + 1})


def test_the_limits_are_sensible():
    assert listings.MAX_VOLUNTEERS == 500
    assert listings.MAX_HOURS == 2000
    assert listings.MAX_QUANTITY == 10_000
    assert listings.MAX_AMOUNT_PENCE == 1_000_000_000


# --- Fields that belong to another kind ---------------------------------------------------

EVERYTHING = dict(
    skill_ids="skill",
    volunteers=4,
    hours_per_volunteer=5,
    location_mode=LocationMode.REMOTE,
    device_type_id="device",
    quantity=7,
    condition=Condition.NEW,
    amount_pence=5000,
)
NEED_EXTRAS = dict(
    safeguarding=Safeguarding.CHILDREN,
    minimum_spec="8 GB",
    purpose="Homework",
    pays_for="Broadband",
    starts_on="today",
    ends_on="today",
)
OFFER_EXTRAS = dict(wipe_method=WipeMethod.NIST, certificate_per_serial=True)
KIND_FIELDS = {
    VOL: {"skills", "volunteers", "hours_per_volunteer", "location_mode"},
    EQUIP: {"device_type", "quantity", "condition"},
    SPONSOR: {"amount_pence"},
}
NEED_KIND_FIELDS = {
    VOL: {"safeguarding", "starts_on", "ends_on"},
    EQUIP: {"minimum_spec", "purpose"},
    SPONSOR: {"pays_for"},
}
OFFER_KIND_FIELDS = {VOL: set(), EQUIP: {"wipe_method", "certificate_per_serial"}, SPONSOR: set()}


def _everything(extras: dict) -> dict:
    values = {**EVERYTHING, **extras}
    values["skill_ids"] = [lm.skill().id]
    values["device_type_id"] = lm.device().id
    for name in ("starts_on", "ends_on"):
        if name in values:
            values[name] = listings.today_in_leeds()
    return values


def _empty(item, name: str) -> bool:
    value = getattr(item, name)
    return value is None or value == []


@pytest.mark.parametrize("kind", list(ListingKind))
def test_fields_of_other_kinds_are_cleared(community, company, kind):
    need = post_need(community, kind, **_everything(NEED_EXTRAS))
    offer = post_offer(company, kind, **_everything(OFFER_EXTRAS))
    need_fields = set().union(*KIND_FIELDS.values(), *NEED_KIND_FIELDS.values())
    offer_fields = set().union(*KIND_FIELDS.values(), *OFFER_KIND_FIELDS.values())
    for item, fields, own in (
        (need, need_fields, KIND_FIELDS[kind] | NEED_KIND_FIELDS[kind]),
        (offer, offer_fields, KIND_FIELDS[kind] | OFFER_KIND_FIELDS[kind]),
    ):
        for name in fields:
            assert _empty(item, name) is (name not in own), (item, name)


@pytest.mark.parametrize(
    ("post", "update", "details"),
    [
        pytest.param(post_need, update_need, lm.need_details, id="need"),
        pytest.param(post_offer, update_offer, lm.offer_details, id="offer"),
    ],
)
def test_changing_the_kind_of_a_draft_clears_the_old_kinds_fields(
    community, company, post, update, details
):
    org = community if post is post_need else company
    item = post(org, VOL)
    update(item, org.owners[0], details(EQUIP), submit=False)
    db.session.commit()
    db.session.expire_all()
    assert item.kind is EQUIP
    assert item.skills == []
    assert item.volunteers is item.hours_per_volunteer is item.location_mode is None
    assert item.device_type.slug == "laptop"
    if isinstance(item, Need):
        assert item.safeguarding is None and item.purpose


# --- Who may post -------------------------------------------------------------------------


def test_a_company_cannot_post_a_need_nor_a_community_organisation_an_offer(community, company):
    with pytest.raises(NotAllowed):
        create_need(company, company.owners[0], lm.need_details(), submit=True)
    with pytest.raises(NotAllowed):
        create_offer(community, community.owners[0], lm.offer_details(), submit=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Need.id))) == 0
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_only_verified_organisations_post(make):
    for status in (
        OrganisationStatus.PENDING,
        OrganisationStatus.INFO_REQUESTED,
        OrganisationStatus.REJECTED,
    ):
        charity = make.organisation(status=status)
        with pytest.raises(NotAllowed):
            create_need(charity, charity.owners[0], lm.need_details(), submit=False)
        business = make.organisation(kind=OrganisationKind.COMPANY, status=status)
        with pytest.raises(NotAllowed):
            create_offer(business, business.owners[0], lm.offer_details(), submit=False)
        db.session.rollback()
    db.session.commit()
    assert db.session.scalar(select(func.count(Need.id))) == 0
    assert db.session.scalar(select(func.count(Offer.id))) == 0


def test_only_members_post_for_an_organisation(make, community, company):
    outsider = make.user()
    member_of_another = make.member(make.organisation())
    for person in (outsider, member_of_another):
        with pytest.raises(NotAllowed):
            create_need(community, person, lm.need_details(), submit=False)
        with pytest.raises(NotAllowed):
            create_offer(company, person, lm.offer_details(), submit=False)
    # Any active member may post, not only the owner.
    member = make.member(community)
    need = create_need(community, member, lm.need_details(), submit=True)
    assert need.created_by.id == member.id
    assert need.status is ListingStatus.SUBMITTED


# --- The team's vocabularies ----------------------------------------------------------------

VOCAB_MODELS = {"skills": Skill, "devices": DeviceType, "groups": BeneficiaryGroup}


@pytest.fixture
def vocabularies():
    """The vocabularies are reference data, kept between tests: put them back as they were."""
    before = {
        model: (
            db.session.scalar(select(func.max(model.id))),
            set(db.session.scalars(select(model.id).where(model.active.is_(False)))),
        )
        for model in VOCAB_MODELS.values()
    }
    yield VOCAB_MODELS
    db.session.rollback()
    for model, (last_id, hidden) in before.items():
        db.session.execute(model.__table__.delete().where(model.id > last_id))
        db.session.execute(update(model).values(active=True))
        if hidden:
            db.session.execute(update(model).where(model.id.in_(hidden)).values(active=False))
    db.session.commit()


@pytest.mark.parametrize("vocab", list(VOCAB_MODELS))
def test_add_term_tidies_the_name_makes_a_slug_and_puts_it_last(make, vocabularies, vocab):
    model = vocabularies[vocab]
    last = db.session.scalar(select(func.max(model.position)))
    term = listings.add_term(vocab, "  Assistive   technology (AT) ", make.team_member())
    db.session.commit()
    assert isinstance(term, model)
    assert term.name == "Assistive technology (AT)"
    assert term.slug == "assistive-technology-at"
    assert term.position == last + 1
    assert term.active is True


def test_term_names_are_unique_whatever_their_case(make, vocabularies):
    team = make.team_member()
    for name in ("it support", "IT SUPPORT", "  It   Support "):
        with pytest.raises(DomainError):
            listings.add_term("skills", name, team)
    with pytest.raises(DomainError):
        listings.add_term("devices", "LAPTOP", team)
    with pytest.raises(DomainError):
        listings.add_term("groups", "older PEOPLE", team)
    # A different name whose slug is taken gets a numbered slug.
    term = listings.add_term("skills", "IT support!", team)
    assert term.slug == "it-support-2"
    # The same name in another list is fine.
    assert listings.add_term("devices", "IT support", team).slug == "it-support"


def test_add_term_refusals(make, vocabularies):
    with pytest.raises(DomainError):
        listings.add_term("skills", "   ", make.team_member())
    with pytest.raises(DomainError):
        listings.add_term("wards", "Somewhere", make.team_member())
    with pytest.raises(NotAllowed):
        listings.add_term("skills", "Python", make.user())
    with pytest.raises(NotAllowed):
        listings.toggle_term("skills", lm.skill().id, make.user())
    with pytest.raises(DomainError):
        listings.toggle_term("skills", 999_999, make.team_member())
    assert lm.skill().active is True


def _choice_values(field) -> set:
    return {choice.value for choice in field.choices}


def test_hidden_terms_leave_the_choices_but_stay_on_posts(make, vocabularies, community):
    team = make.team_member()
    web, tablet, refugees = (
        lm.skill("web-development"),
        lm.device("tablet"),
        make.group("refugees-and-asylum-seekers"),
    )
    volunteering = post_need(
        community, VOL, skill_ids=[web.id], beneficiary_group_ids=[refugees.id]
    )
    equipment = post_need(community, EQUIP, device_type_id=tablet.id)
    db.session.commit()

    assert listings.toggle_term("skills", web.id, team).active is False
    listings.toggle_term("devices", tablet.id, team)
    listings.toggle_term("groups", refugees.id, team)
    db.session.commit()

    choices = filter_choices()
    assert web not in choices.skills and lm.skill("it-support") in choices.skills
    assert tablet not in choices.devices and lm.device("laptop") in choices.devices
    assert refugees not in choices.groups and make.group("older-people") in choices.groups
    need_form, offer_form = NeedForm(VOL), OfferForm(EQUIP)
    assert web.id not in _choice_values(need_form.skills)
    assert lm.skill("it-support").id in _choice_values(need_form.skills)
    assert refugees.id not in _choice_values(need_form.beneficiary_groups)
    assert tablet.id not in _choice_values(offer_form.device_type)
    assert lm.device("laptop").id in _choice_values(offer_form.device_type)

    db.session.expire_all()
    assert [s.slug for s in db.session.get(Need, volunteering.id).skills] == ["web-development"]
    assert [g.slug for g in volunteering.beneficiary_groups] == ["refugees-and-asylum-seekers"]
    assert db.session.get(Need, equipment.id).device_type.slug == "tablet"

    # Shown again, it is a choice again.
    assert listings.toggle_term("skills", web.id, team).active is True
    assert web in filter_choices().skills
    assert web.id in _choice_values(NeedForm(VOL).skills)
