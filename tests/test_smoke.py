"""The app starts, serves its home page and builds its database from the migrations."""

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.organisations.models import Ward


def test_home_page_is_served(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Digital Inclusion Leeds" in response.get_data(as_text=True)


def test_migrations_load_the_33_wards_and_leeds_wide():
    assert db.session.scalar(select(func.count()).select_from(Ward)) == 34
    assert db.session.scalar(select(func.count()).where(Ward.is_citywide.is_(True))) == 1


def test_a_made_user_can_sign_in_through_the_page(client, make):
    from tests.helpers import submit

    person = make.user(email="dawn@example.org")
    response = submit(
        client, "/account/sign-in", {"email": "Dawn@Example.org ", "password": make.PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/account/").get_data(as_text=True).count(person.email) >= 1
