"""Odd input that used to end in a server error (issue 14): each answer is now a message
beside the field, or a 404 for a URL that names nothing, and nothing is saved."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.listings.models import DeviceType
from brokerage.needs.models import Need
from brokerage.offers.models import Offer
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
        "wipe_method": "software",
        "certificate_per_serial": "yes",
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
    data = {
        "title": "Room hire",
        "description": "Hall for a term.",
        "amount": "500",
        "pays_for": "Room hire",
        "deadline": date_parts,
        "save_draft": "Save as draft",
        **_terms(),
    }
    response = submit(client, url, data)
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
