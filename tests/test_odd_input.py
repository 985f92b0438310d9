"""Odd input that used to end in a server error (issue 14): each answer is now a message
beside the field, or a 404 for a URL that names nothing, and nothing is saved."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.forms import Form
from brokerage.listings.models import DeviceType, Need, Offer
from brokerage.organisations.models import BeneficiaryGroup, Ward
from brokerage.ticketing.models import TicketType
from tests.helpers import field_errors, page_text, submit
from tests.test_permissions import World, fresh_world

HUGE = str(2**31)


@pytest.fixture
def world(make) -> World:
    return fresh_world(make)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _terms() -> dict:
    ward = db.session.scalars(select(Ward).where(Ward.is_citywide.is_(False))).first()
    group = db.session.scalars(select(BeneficiaryGroup)).first()
    device = db.session.scalars(select(DeviceType)).first()
    return {"wards": ward.id, "beneficiary_groups": group.id, "device_type": device.id}


def equipment_offer(**changes) -> dict:
    data = {
        "title": "Ten laptops",
        "description": "Refurbished laptops with chargers.",
        "quantity": "10",
        "condition": "refurbished",
        "available_until": ["1", "1", "2030"],
        "wipe_method": "nist_800_88",
        "certificate_per_serial": "yes",
        "save_draft": "Save as draft",
        **_terms(),
    }
    data.update(changes)
    return data


def sponsorship_need(**changes) -> dict:
    data = {
        "title": "Room hire",
        "description": "Hall for a term.",
        "amount": "500",
        "pays_for": "Room hire",
        "deadline": ["1", "1", "2030"],
        "save_draft": "Save as draft",
        **_terms(),
    }
    data.update(changes)
    return data


def ticket_type(**changes) -> dict:
    data = {
        "name": "Early bird",
        "price": "80",
        "seats_per_ticket": "1",
        "quantity": "50",
        "per_order_limit": "4",
    }
    data.update(changes)
    return data


def test_the_ball_page_with_a_non_ascii_access_code_says_nothing_matched(client, world):
    response = client.get("/ball", query_string={"code": "SPONSOR27é"})
    assert response.status_code == 200
    assert "Sponsor package" not in page_text(response)


def test_the_ball_page_with_the_right_code_still_shows_the_hidden_type(client, world):
    response = client.get("/ball", query_string={"code": "sponsor27"})
    assert "Sponsor package" in page_text(response)


@pytest.mark.parametrize("part", [0, 1])
def test_a_huge_day_or_month_in_an_impact_filter_is_told_beside_the_box(client, login, world, part):
    login(world.user("team"))
    parts = ["1", "4", "2026"]
    parts[part] = HUGE
    response = client.get("/team/impact", query_string={"from": parts})
    assert response.status_code == 200
    assert field_errors(response)["from"] == "The start date must be a real date"


@pytest.mark.parametrize("part", [0, 1])
def test_a_huge_day_or_month_in_a_statement_period_is_told(client, login, world, part):
    login(world.user("owner"))
    parts = ["1", "4", "2026"]
    parts[part] = HUGE
    response = client.get(f"/organisations/{world.org_a}/impact", query_string={"to": parts})
    assert response.status_code == 200
    assert "The end date must be a real date" in page_text(response)


@pytest.mark.parametrize("part", [0, 1])
def test_a_huge_day_or_month_in_a_listing_date_is_told_beside_the_field(client, login, world, part):
    login(world.user("other"))
    before = count(Offer)
    date_parts = ["1", "1", "2030"]
    date_parts[part] = HUGE
    url = f"/organisations/{world.org_b}/offers/new/equipment"
    response = submit(client, url, equipment_offer(available_until=date_parts))
    assert response.status_code == 200
    assert field_errors(response)["available_until"] == "Available until must be a real date"
    assert count(Offer) == before


@pytest.mark.parametrize("part", [0, 1])
def test_a_huge_day_or_month_in_a_need_deadline_is_told(client, login, world, part):
    login(world.user("owner"))
    before = count(Need)
    date_parts = ["1", "1", "2030"]
    date_parts[part] = HUGE
    url = f"/organisations/{world.org_a}/needs/new/sponsorship"
    response = submit(client, url, sponsorship_need(deadline=date_parts))
    assert response.status_code == 200
    assert field_errors(response)["deadline"] == "Needed by must be a real date"
    assert count(Need) == before


@pytest.mark.parametrize("part", [0, 1])
def test_a_huge_day_or_month_in_a_ball_time_is_told_beside_the_field(client, login, world, part):
    login(world.user("team"))
    before = count(TicketType)
    parts = ["1", "1", "2030", "7pm"]
    parts[part] = HUGE
    url = f"/team/ball/{world.ball_id}/types/new"
    response = submit(client, url, ticket_type(on_sale_from=parts))
    assert response.status_code == 400
    assert field_errors(response)["on_sale_from"] == "On sale from must be a real date"
    assert count(TicketType) == before


def test_a_wipe_method_of_only_spaces_is_asked_for_again(client, login, world):
    login(world.user("other"))
    before = count(Offer)
    url = f"/organisations/{world.org_b}/offers/new/equipment"
    response = submit(client, url, equipment_offer(wipe_method="   "))
    assert response.status_code == 200
    assert field_errors(response)["wipe_method"] == "Say how data is wiped from the devices"
    assert count(Offer) == before


def test_a_price_of_only_spaces_is_asked_for_again(client, login, world):
    login(world.user("team"))
    before = count(TicketType)
    url = f"/team/ball/{world.ball_id}/types/new"
    response = submit(client, url, ticket_type(price="   "))
    assert response.status_code == 400
    assert field_errors(response)["price"] == "Enter the price in pounds"
    assert count(TicketType) == before


@pytest.mark.parametrize(
    "url",
    [
        "/team/matches/new?need=12345678901234567890123&offer=1",
        "/team/matches/new?need=1&offer=-99999999999999999999999",
        "/needs/12345678901234567890123",
        "/team/ball/12345678901234567890123/orders/1",
    ],
)
def test_an_id_too_big_for_the_database_is_not_found(client, login, world, url):
    login(world.user("team"))
    url = url.format(need=world.needs["published"], offer=world.offers["published"])
    assert client.get(url).status_code == 404


def test_a_help_id_too_big_for_the_database_is_ignored(client, login, world):
    login(world.user("team"))
    need, offer = world.needs["published"], world.offers["published"]
    url = f"/team/matches/new?need={need}&offer={offer}&help=12345678901234567890123"
    assert client.get(url).status_code == 200


# --- One rule for odd characters at the form boundary (README, "Odd characters") ------------

HIDDEN = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\t", "\n"]


def test_every_form_in_the_app_applies_the_rule():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    app_forms = [
        cls
        for cls in subclasses(FlaskForm)
        if cls.__module__.startswith("brokerage.") and cls is not Form
    ]
    assert app_forms
    assert [cls for cls in app_forms if not issubclass(cls, Form)] == []


@pytest.mark.parametrize("character", HIDDEN)
def test_a_hidden_character_in_a_name_is_refused_beside_the_field(client, login, world, character):
    """NUL above all: PostgreSQL cannot store it, so it is refused before it gets there."""
    login(world.user("team"))
    before = count(TicketType)
    url = f"/team/ball/{world.ball_id}/types/new"
    response = submit(client, url, ticket_type(name=f"Early{character}bird"))
    assert response.status_code == 400
    assert field_errors(response)["name"] == (
        "Name must not include hidden characters, such as control or text-direction ones"
    )
    assert count(TicketType) == before


def test_spaces_around_a_name_are_dropped(client, login, world):
    login(world.user("team"))
    url = f"/team/ball/{world.ball_id}/types/new"
    response = submit(client, url, ticket_type(name="  Early bird \u00a0"))
    assert response.status_code == 302
    names = db.session.scalars(select(TicketType.name))
    assert "Early bird" in list(names)


def test_multi_line_text_keeps_its_line_breaks_and_tabs(client, login, world):
    login(world.user("other"))
    url = f"/organisations/{world.org_b}/offers/new/equipment"
    typed = "Ten laptops:\r\n\t- chargers\r\n\t- bags"
    response = submit(client, url, equipment_offer(description=typed))
    assert response.status_code == 302
    offer = db.session.scalars(select(Offer).order_by(Offer.id.desc())).first()
    assert offer.description == "Ten laptops:\n\t- chargers\n\t- bags"


@pytest.mark.parametrize("character", ["\x00", "\x0b", "\u202d", "\u2069"])
def test_multi_line_text_refuses_other_hidden_characters(client, login, world, character):
    login(world.user("other"))
    before = count(Offer)
    url = f"/organisations/{world.org_b}/offers/new/equipment"
    response = submit(client, url, equipment_offer(description=f"Ten{character} laptops"))
    assert response.status_code == 200
    assert field_errors(response)["description"] == (
        "What can you give? must not include hidden characters, such as control or "
        "text-direction ones"
    )
    assert count(Offer) == before


def test_a_right_to_left_override_in_a_need_title_is_refused(client, login, world):
    login(world.user("owner"))
    before = count(Need)
    url = f"/organisations/{world.org_a}/needs/new/sponsorship"
    response = submit(client, url, sponsorship_need(title="Room \u202eerih"))
    assert response.status_code == 200
    assert field_errors(response)["title"] == (
        "Title must not include hidden characters, such as control or text-direction ones"
    )
    assert count(Need) == before


@pytest.mark.parametrize(
    "url",
    ["/needs?q=a%00b", "/team/organisations/all?q=%00", "/team/outbox/?to=%00", "/ball?code=%00"],
)
def test_a_nul_in_a_query_is_a_bad_request(client, login, world, url):
    login(world.user("team"))
    response = client.get(url)
    assert response.status_code == 400
    assert "cannot be used" in page_text(response)


def test_a_nul_in_a_link_token_is_a_bad_request(client):
    assert client.get("/invitations/abc%00def").status_code == 400
    assert client.get("/ball/orders/abc%00def").status_code == 400
