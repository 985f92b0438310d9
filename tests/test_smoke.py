"""The app starts, serves its home page and builds its database from the migrations."""

from datetime import timedelta

from sqlalchemy import func, select

from brokerage.clock import format_datetime, utcnow
from brokerage.extensions import db
from brokerage.listings.models import ListingKind
from brokerage.organisations.models import Ward
from tests.helpers import elements, main_html, page_text
from tests.matches import factories as brokering_make
from tests.ticketing import factories as ticketing_make


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


def test_the_home_page_points_to_the_ball_while_tickets_are_on_sale(client):
    assert "Ball" not in page_text(client.get("/"))
    later = ticketing_make.ball(
        name="Digital Charity Ball 2028", sales_open_at=utcnow() + timedelta(days=3)
    )
    assert "Digital Charity Ball 2028" not in page_text(client.get("/"))

    later.sales_open_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get("/")
    assert (
        f"Digital Charity Ball 2028 {format_datetime(later.starts_at)}, {later.venue}. "
        "Tickets are on sale now"
    ) in page_text(page)
    [(_, text)] = elements(main_html(page), lambda tag, a: tag == "a" and a.get("href") == "/ball")
    assert text == "Buy tickets for the Digital Charity Ball 2028"


def test_the_home_page_gives_the_programme_s_headline_figures(client):
    assert "What the programme has done" not in page_text(client.get("/"))
    brokering_make.completed()  # 4 laptops, 12 people reached
    brokering_make.completed(ListingKind.VOLUNTEERING)  # 1 volunteer for 6 hours
    text = page_text(client.get("/"))
    assert (
        "What the programme has done 2 matches completed 6 volunteer hours given "
        "4 devices delivered 24 people reached See the programme's impact"
    ) in text
