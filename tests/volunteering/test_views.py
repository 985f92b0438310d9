"""The volunteering pages as people use them: the lead invites and removes, an employee
joins, the places page for each side, a volunteer signs up, the charity confirms and
records checks; who may see what (the volunteer role the matrix does not list), and
bad input on every form answered beside the field with nothing saved."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.matches.models import MatchMessage
from brokerage.volunteering import checks, places, volunteers
from brokerage.volunteering.models import (
    CheckArrangement,
    CheckLevel,
    DisclosureCheck,
    PlaceStatus,
    VolunteerInvitation,
    VolunteerStatus,
)
from tests import factories
from tests.helpers import (
    counted_statements,
    field_errors,
    flashes,
    page_text,
    submit,
    table_rows,
)
from tests.volunteering import make


def post(client, url: str, data: dict | None = None, *, page: str | None = None):
    """Send a form as a person does and open the page it redirects to."""
    response = submit(client, url, data, page=page)
    assert response.status_code == 302, (response.status_code, page_text(response))
    return client.get(response.headers["Location"])


@pytest.fixture
def company():
    return make.company()


def test_the_lead_invites_an_employee_who_joins_from_the_emailed_link(client, login, company):
    org, lead = company
    login(lead)
    page = f"/organisations/{org.id}/volunteers"
    assert "No one volunteers with Bytes Ltd yet" in page_text(client.get(page))
    response = post(client, f"{page}/invite", {"email": "nia@bytes.example"}, page=page)
    assert "We have emailed an invitation to nia@bytes.example" in flashes(response)
    assert "nia@bytes.example, sent" in page_text(response)

    nia = factories.user(name="Nia Newjoiner", email="nia@bytes.example")
    login(nia)
    link = f"/volunteer-invitations/{make.token_for('nia@bytes.example')}"
    assert "You do not become a member" in page_text(client.get(link))
    response = post(client, link)
    assert "You are now a volunteer of Bytes Ltd" in flashes(response)
    assert "Bytes Ltd has no agreed volunteering at the moment" in page_text(response)
    # A volunteer, not a member: the company's inside pages stay closed.
    assert client.get(f"/organisations/{org.id}/members").status_code == 403
    assert client.get(page).status_code == 403

    login(lead)
    rows = table_rows(client.get(page))
    assert rows[0][:2] == ["Nia Newjoiner", "nia@bytes.example"]


def test_the_lead_removes_a_volunteer_who_left(client, login, company):
    org, lead = company
    v = make.volunteer(org, name="Lou Leaver")
    login(lead)
    url = f"/organisations/{org.id}/volunteers/{v.id}/remove"
    assert "Remove Lou Leaver from the volunteers" in page_text(client.get(url))
    response = post(client, url)
    assert "Lou Leaver is no longer a volunteer" in flashes(response)
    assert "Left" in table_rows(response)[0][2]
    db.session.refresh(v)
    assert v.status is VolunteerStatus.LEFT


def test_the_places_page_for_the_lead_the_volunteer_and_the_charity(client, login, company):
    org, lead = company
    ada = make.volunteer(org, name="Ada Able")
    bo = make.volunteer(org, name="Bo Bright")
    match = make.agreed_match(org, 2)
    url = f"/matches/{match.id}/volunteers"
    place_one, place_two = places.places_of(match)

    login(lead)
    response = client.get(url)
    assert table_rows(response)[0][:3] == ["1", "No one yet", "Not filled"]
    response = post(
        client,
        f"/matches/{match.id}/places/{place_one.id}/assign",
        {f"assign-{place_one.id}-volunteer": ada.id},
        page=url,
    )
    assert "Ada Able has place 1" in flashes(response)
    response = post(client, f"/matches/{match.id}/volunteers/open", page=url)
    assert "1 places are open" in flashes(response)

    login(bo.user)
    response = client.get(url)
    assert "Sign up for a place" in page_text(response)
    response = post(client, f"/matches/{match.id}/volunteers/sign-up", page=url)
    assert "You have place 2" in flashes(response)
    assert table_rows(response)[1][:3] == ["2", "Bo Bright", "Waiting for the charity"]

    charity = match.need.organisation.owners[0]
    login(charity)
    response = post(
        client,
        f"/matches/{match.id}/places/{place_two.id}/confirm",
        page=url,
    )
    assert "Bo Bright is confirmed" in flashes(response)
    assert table_rows(response)[1][:3] == ["2", "Bo Bright", "Confirmed"]


def test_a_regulated_place_needs_a_recorded_check_before_confirmation(client, login, company):
    org, lead = company
    kim = make.volunteer(org, name="Kim Checked")
    match = make.agreed_match(org, 1, regulated=True)
    [place] = places.places_of(match)
    places.assign(place, kim, lead)
    db.session.commit()
    url = f"/matches/{match.id}/volunteers"
    charity = match.need.organisation.owners[0]
    login(charity)
    response = post(client, f"/matches/{match.id}/places/{place.id}/confirm", page=url)
    assert "Kim Checked cannot be confirmed for place 1 yet" in flashes(response)
    assert "Cannot be confirmed yet: Kim Checked has no disclosure check recorded" in page_text(
        response
    )
    check_url = f"/matches/{match.id}/places/{place.id}/check"
    day = today_in_leeds() - timedelta(days=40)
    response = post(
        client,
        check_url,
        {
            "level": "enhanced_barred",
            "certificate_date": [str(day.day), str(day.month), str(day.year)],
        },
    )
    assert "The check for Kim Checked is recorded" in flashes(response)
    text = page_text(response)
    assert "Enhanced with barred list check, certificate dated" in text
    assert "Cannot be confirmed yet" not in text
    response = post(client, f"/matches/{match.id}/places/{place.id}/confirm", page=url)
    assert "Kim Checked is confirmed" in flashes(response)
    # The company was told why it could not be confirmed the first time.
    login(lead)
    assert "cannot be confirmed for place 1" in page_text(client.get("/notices"))


def test_the_charity_asks_for_a_change(client, login, company):
    org, _lead = company
    match = make.agreed_match(org, 1)
    url = f"/matches/{match.id}/volunteers"
    login(match.need.organisation.owners[0])
    response = post(
        client,
        f"/matches/{match.id}/volunteers/change",
        {"change-place": 0, "change-message": "Please send someone who speaks Urdu."},
        page=url,
    )
    assert "Your message is sent to Bytes Ltd" in flashes(response)
    assert "About the volunteers: Please send someone who speaks Urdu." in page_text(response)


# --- Who sees what ---------------------------------------------------------------------------


def test_a_volunteer_sees_only_their_own_companys_matches(client, login, company):
    org, _lead = company
    v = make.volunteer(org)
    ours = make.agreed_match(org, 1)
    other_org, _ = make.company("Other Ltd")
    theirs = make.agreed_match(other_org, 1)
    login(v.user)
    assert client.get(f"/matches/{ours.id}/volunteers").status_code == 200
    assert client.get(f"/matches/{theirs.id}/volunteers").status_code == 403
    # The match page itself, its answers and the company's offers stay the company's.
    assert client.get(f"/matches/{ours.id}").status_code == 403
    assert client.get(f"/offers/{ours.offer_id}/edit").status_code == 403
    text = page_text(client.get("/volunteering"))
    assert ours.need.title in text
    url = f"/matches/{theirs.id}/volunteers/sign-up"
    assert submit(client, url, page="/volunteering").status_code == 403


def test_a_volunteer_who_left_sees_nothing_any_more(client, login, company):
    org, lead = company
    v = make.volunteer(org)
    match = make.agreed_match(org, 1)
    volunteers.remove(v, lead)
    db.session.commit()
    login(v.user)
    assert client.get(f"/matches/{match.id}/volunteers").status_code == 403
    assert "You do not volunteer with a company yet" in page_text(client.get("/volunteering"))


def test_a_charity_sees_the_volunteers_of_its_own_matches_only(client, login, company):
    org, _lead = company
    mine = make.agreed_match(org, 1)
    someone_elses = make.agreed_match(org, 1)
    login(mine.need.organisation.owners[0])
    assert client.get(f"/matches/{mine.id}/volunteers").status_code == 200
    assert client.get(f"/matches/{someone_elses.id}/volunteers").status_code == 403
    assert client.get(f"/organisations/{org.id}/volunteers").status_code == 403


# --- Bad input on every form --------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "error"),
    [
        ("", "Enter the employee's email address"),
        ("not an address", "Enter an email address in the correct format"),
        ("a\x00b@example.org", ""),
    ],
)
def test_a_bad_invitation_address_is_answered_beside_the_field(
    client, login, company, email, error
):
    org, lead = company
    login(lead)
    page = f"/organisations/{org.id}/volunteers"
    response = submit(client, f"{page}/invite", {"email": email}, page=page)
    assert response.status_code == 400
    assert error in field_errors(response)["email"]
    assert db.session.scalar(select(func.count(VolunteerInvitation.id))) == 0


def test_a_bad_assignment_is_answered_beside_the_field(client, login, company):
    org, lead = company
    make.volunteer(org)
    match = make.agreed_match(org, 1)
    [place] = places.places_of(match)
    login(lead)
    url = f"/matches/{match.id}/places/{place.id}/assign"
    page = f"/matches/{match.id}/volunteers"
    for value in ("", "999999", "abc"):
        response = submit(client, url, {f"assign-{place.id}-volunteer": value}, page=page)
        assert response.status_code == 400
        assert "Choose a volunteer" in field_errors(response)[f"assign-{place.id}-volunteer"]
    db.session.refresh(place)
    assert place.status is PlaceStatus.UNFILLED


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({}, "level", "Choose the level of the check"),
        ({"level": "platinum"}, "level", "Choose the level from the list"),
        ({"level": "basic"}, "certificate_date", "Enter the date on the certificate"),
        (
            {
                "level": "basic",
                "certificate_date": ["31", "2", "2024"],
            },
            "certificate_date",
            "must be a real date",
        ),
        (
            {
                "level": "basic",
                "certificate_date": ["1", "1", "2999"],
            },
            "certificate_date",
            "today or earlier",
        ),
    ],
)
def test_a_bad_check_is_answered_beside_the_field(client, login, company, data, field, error):
    org, lead = company
    v = make.volunteer(org)
    match = make.agreed_match(org, 1, regulated=True)
    [place] = places.places_of(match)
    places.assign(place, v, lead)
    db.session.commit()
    login(match.need.organisation.owners[0])
    response = submit(client, f"/matches/{match.id}/places/{place.id}/check", data)
    assert response.status_code == 400
    assert error in field_errors(response)[field]
    assert db.session.scalar(select(func.count(DisclosureCheck.id))) == 0


def test_bad_choices_of_checker_and_change_are_answered_beside_the_field(client, login, company):
    org, _lead = company
    match = make.agreed_match(org, 1, regulated=True)
    page = f"/matches/{match.id}/volunteers"
    login(match.need.organisation.owners[0])
    response = submit(
        client, f"/matches/{match.id}/volunteers/checks-by", {"checker-checked_by": "x"}, page=page
    )
    assert response.status_code == 400
    assert "Choose the charity or the company" in field_errors(response)["checker-checked_by"]
    assert db.session.get(CheckArrangement, match.id) is None
    response = submit(
        client,
        f"/matches/{match.id}/volunteers/change",
        {"change-place": "0", "change-message": "   "},
        page=page,
    )
    assert response.status_code == 400
    assert (
        "Enter what you would like the company to change"
        in field_errors(response)["change-message"]
    )
    assert db.session.scalar(select(func.count(MatchMessage.id))) == 0


# --- Speed -------------------------------------------------------------------------------------


def _page_statements(client, login, places_count: int) -> tuple[int, int]:
    org, lead = make.company(f"Company of {places_count}")
    match = make.agreed_match(org, places_count, regulated=True)
    charity = match.need.organisation.owners[0]
    for number, place in enumerate(places.places_of(match)):
        v = make.volunteer(org)
        places.assign(place, v, lead)
        if number % 2:
            checks.record_check(place, charity, CheckLevel.ENHANCED_BARRED, today_in_leeds())
    db.session.commit()
    url = f"/matches/{match.id}/volunteers"
    counts = []
    for person in (lead, charity):
        login(person)
        client.get(url)  # the places are made on the first visit
        with counted_statements() as statements:
            assert client.get(url).status_code == 200
        # Once made, the places are only read: no write on a visit.
        assert not [s for s in statements if not s.lstrip().startswith("SELECT")], statements
        counts.append(len(statements))
    return tuple(counts)


def test_the_places_page_runs_a_fixed_number_of_queries(client, login):
    few = _page_statements(client, login, 2)
    many = _page_statements(client, login, 12)
    assert few == many, (few, many)
    # The lead's page and the charity's: sign-in, the match, its organisations, the
    # places with their volunteers and checks, in a handful of statements (the demo's
    # lead had 19, not 13, when every visit wrote the places and its commit expired
    # what had been read).
    assert max(many) <= 13, many
