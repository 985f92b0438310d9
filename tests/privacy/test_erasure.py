"""People's own data (download, delete their account) and the team's subject access and
erasure pages, through the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import String, Text, func, or_, select

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.notifications.services import notify, queue_email
from brokerage.organisations.models import MembershipRole
from brokerage.privacy.models import PrivacyAction, PrivacyActionKind
from brokerage.privacy.retention import ERASED_NAME
from brokerage.ticketing.models import GIFT_AID_PERSONAL, Order, Ticket
from tests.factories import PASSWORD
from tests.helpers import field_errors, page_text, submit
from tests.privacy.make import DECLARATION, make_order
from tests.ticketing import factories as ticketing_make

NAME = "Zebedee Quartermaine"
EMAIL = "zebedee.quartermaine@example.org"


@pytest.fixture
def person(make):
    """Someone with a trail: a member of an organisation (not its only owner), with a
    notice, an email sent, and a ball order bought with their address."""
    owner = make.user(name="Olive Owner")
    org = make.organisation(owner, name="Armley Digital")
    zeb = make.user(name=NAME, email=EMAIL)
    make.member(org, zeb, role=MembershipRole.OWNER)
    notify([zeb], "Your organisation was verified", "/organisations")
    queue_email(EMAIL, "account_exists", f"Hello {NAME}", user=zeb)
    ball = ticketing_make.ball()
    make_order(ball, buyer_name=NAME, buyer_email=EMAIL, guests=(NAME, "Guest Two"))
    db.session.commit()
    return zeb


def _text_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, String | Text):
                yield table, column


def _traces(*words: str) -> list[str]:
    """Every (table, column) whose text holds one of `words`, whatever the case."""
    found = []
    for table, column in _text_columns():
        condition = or_(*(func.lower(column).contains(word.lower()) for word in words))
        if db.session.scalar(select(func.count()).select_from(table).where(condition)):
            found.append(f"{table.name}.{column.name}")
    return found


def _unzip(response) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_person_downloads_everything_held_about_them(client, login, person):
    login(person)
    response = client.get("/account/your-data")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files = _unzip(response)
    everything = json.loads(files["everything.json"])
    held = everything["held"]
    assert held["Your account"][0]["email"] == EMAIL
    assert held["Your account"][0]["name"] == NAME
    assert "password_hash" not in held["Your account"][0]
    assert "session_token" not in held["Your account"][0]
    assert len(held["Organisations you belong to or asked to join"]) == 1
    assert (
        held["Notices you were sent in the site"][0]["message"] == "Your organisation was verified"
    )
    assert held["Your ball orders"][0]["buyer_name"] == NAME
    guests = {t["guest_name"] for t in held["Tickets and guests on your ball orders"]}
    assert guests == {NAME, "Guest Two"}
    assert held["Emails we sent you"][0]["subject"] == f"Hello {NAME}"
    # A spreadsheet for each list, with a header row.
    assert files["ticket.csv"].decode().splitlines()[0].startswith("id,")
    assert "membership.csv" in files


def test_the_account_page_offers_download_and_deletion(client, login, person):
    login(person)
    text = page_text(client.get("/account/"))
    assert "Download your data" in text
    assert "Delete your account" in text


def test_deleting_an_account_leaves_no_trace_of_the_name_or_email(client, login, person):
    person_id = person.id
    assert _traces(NAME, EMAIL)  # the trail is there to begin with
    login(person)
    page = page_text(client.get("/account/delete"))
    assert "This cannot be undone" in page
    assert "Former member" in page

    response = submit(client, "/account/delete", {"password": PASSWORD}, page="/account/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/deleted")
    assert "Your account has been deleted" in page_text(client.get("/account/deleted"))

    assert _traces(NAME, EMAIL) == []
    gone = db.session.get(User, person_id)
    assert gone.name == "Former member"
    assert not gone.is_active
    # Signed out, and no way back in.
    assert client.get("/account/").status_code == 302
    response = submit(client, "/account/sign-in", {"email": EMAIL, "password": PASSWORD})
    assert "Enter a correct email address and password" in page_text(response)
    # What was bought stays, for the accounts, without names.
    order = db.session.scalars(select(Order)).one()
    assert (order.buyer_name, order.seats) == (ERASED_NAME, 2)
    recorded = db.session.scalars(select(PrivacyAction)).one()
    assert recorded.kind is PrivacyActionKind.DELETED_ACCOUNT


def test_a_wrong_password_deletes_nothing_and_says_why_beside_the_field(client, login, person):
    login(person)
    response = submit(client, "/account/delete", {"password": "not my password at all"})
    assert response.status_code == 200
    assert "The password is not right" in page_text(response)
    assert field_errors(response) == {"password": "The password is not right"}
    db.session.expire_all()
    assert db.session.get(User, person.id).name == NAME


def test_the_only_owner_of_an_organisation_is_told_what_to_do_instead(client, login, make):
    owner = make.user(name="Solo Owner")
    make.organisation(owner, name="Holbeck Hub")
    login(owner)
    text = page_text(client.get("/account/delete"))
    assert "You cannot delete your account yet: you are the only owner of Holbeck Hub" in text
    assert "Make another member an owner first" in text
    response = submit(client, "/account/delete", {"password": PASSWORD}, page="/account/")
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, owner.id).name == "Solo Owner"


def test_the_team_finds_what_is_held_about_an_address(client, login, make, person):
    login(make.team_member())
    text = page_text(client.get("/team/personal-data", query_string={"email": EMAIL.upper()}))
    assert f"Held about {EMAIL}" in text
    assert "Your ball orders 1" in text or "Your ball orders" in text
    assert "Erase the buyer's details" in text

    nothing = page_text(client.get("/team/personal-data", query_string={"email": "no@one.org"}))
    assert "Nothing: no account, ball order, email or invitation has this address." in nothing


def test_a_team_download_needs_a_reason_and_is_recorded(client, login, make, person):
    team = make.team_member(name="Tess Team")
    login(team)
    response = submit(
        client,
        "/team/personal-data/download",
        {"email": EMAIL, "reason": " "},
        page="/team/personal-data",
    )
    assert response.status_code == 400
    assert "Enter why, for the record" in page_text(response)
    assert db.session.scalars(select(PrivacyAction)).all() == []

    response = submit(
        client,
        "/team/personal-data/download",
        {"email": EMAIL, "reason": "Subject access request by email, 3 December"},
        page="/team/personal-data",
    )
    assert response.status_code == 200
    held = json.loads(_unzip(response)["everything.json"])["held"]
    assert held["Your account"][0]["email"] == EMAIL
    recorded = db.session.scalars(select(PrivacyAction)).one()
    assert (recorded.kind, recorded.actor_id) == (PrivacyActionKind.DOWNLOADED, team.id)
    assert EMAIL not in recorded.subject
    page = page_text(client.get("/team/personal-data"))
    assert "Subject access request by email, 3 December" in page
    assert "Tess Team" in page


def test_the_team_erases_a_buyer_on_request(client, login, make, person):
    login(make.team_member())
    order = db.session.scalars(select(Order)).one()
    page = page_text(client.get(f"/team/personal-data/orders/{order.id}/erase"))
    assert "Erase a ball buyer's details" in page

    response = submit(client, f"/team/personal-data/orders/{order.id}/erase", {"reason": ""})
    assert "Enter why, for the record" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).buyer_name == NAME

    response = submit(
        client, f"/team/personal-data/orders/{order.id}/erase", {"reason": "Asked by phone"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Order, order.id)
    assert erased.buyer_name == ERASED_NAME and EMAIL not in erased.buyer_email
    guests = db.session.scalars(select(Ticket.guest_name).where(Ticket.order_id == order.id))
    assert set(guests) == {None}
    recorded = db.session.scalars(select(PrivacyAction)).one()
    assert (recorded.kind, recorded.subject) == (
        PrivacyActionKind.ERASED_ORDER,
        f"order {order.id}",
    )


def _declared(order: Order) -> dict:
    return {name: getattr(order, name) for name in GIFT_AID_PERSONAL}


def test_a_deleted_account_keeps_its_gift_aid_declaration_for_hmrc(client, login, person):
    """Legal obligation: the donor's title, names, house, address and postcode stay with
    a Gift Aid declaration (until retention's own time), the buyer's name and email go."""
    gift_aided = make_order(ticketing_make.ball(), buyer_email=EMAIL, gift_aid=True)
    plain = db.session.scalars(select(Order).where(Order.id != gift_aided.id)).one()
    plain.gift_aid_house = "7"  # details without a declaration are not kept
    db.session.commit()
    login(person)
    response = submit(client, "/account/delete", {"password": PASSWORD}, page="/account/")
    assert response.status_code == 302

    db.session.expire_all()
    kept = db.session.get(Order, gift_aided.id)
    assert kept.buyer_name == ERASED_NAME and EMAIL not in kept.buyer_email
    assert _declared(kept) == {k: DECLARATION[k] for k in GIFT_AID_PERSONAL}
    assert _declared(db.session.get(Order, plain.id)) == dict.fromkeys(GIFT_AID_PERSONAL)


def test_the_team_erasing_a_buyer_erases_their_gift_aid_details_too(client, login, make):
    order = make_order(ticketing_make.ball(), gift_aid=True)
    login(make.team_member())
    response = submit(
        client, f"/team/personal-data/orders/{order.id}/erase", {"reason": "Asked by phone"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Order, order.id)
    assert _declared(erased) == dict.fromkeys(GIFT_AID_PERSONAL)
    assert erased.gift_aid is True


def test_the_team_erases_one_guest_and_the_ticket_stays(client, login, make, person):
    login(make.team_member())
    ticket = db.session.scalars(select(Ticket).where(Ticket.guest_name == "Guest Two")).one()
    response = submit(
        client, f"/team/personal-data/tickets/{ticket.id}/erase", {"reason": "Guest asked"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    erased = db.session.get(Ticket, ticket.id)
    assert (erased.guest_name, erased.dietary, erased.access_needs) == (None, None, None)
    assert erased.status.value == "valid"
    names = set(db.session.scalars(select(Ticket.guest_name)))
    assert NAME in names  # the other guest is untouched


def test_an_order_or_ticket_that_does_not_exist_is_a_404(client, login, make):
    login(make.team_member())
    assert client.get("/team/personal-data/orders/999999/erase").status_code == 404
    assert client.get("/team/personal-data/tickets/999999/erase").status_code == 404
