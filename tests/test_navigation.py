"""The menu is drawn once for each set of things it depends on and kept
(brokerage/navigation.py): what each person sees in it is still their own, the page
they are on, their count of new notices and the sign-out form with their own token."""

from __future__ import annotations

import re

from brokerage import navigation
from brokerage.extensions import db
from brokerage.notifications import services as notices
from brokerage.organisations.models import OrganisationKind
from tests.helpers import elements, sign_in_as
from tests.listings import factories as listings_make


def _menu(response) -> list[tuple[str, str, bool]]:
    """(link, words, is the page open) for each item of the menu."""
    html = response.get_data(as_text=True)
    menu = html[html.index('id="navigation"') : html.index("</nav>")]
    return [
        (a["href"], text, a.get("aria-current") == "page")
        for a, text in elements(menu, lambda tag, a: tag == "a")
    ]


def _sign_out_token(response) -> str:
    html = response.get_data(as_text=True)
    form = re.search(r'<form method="post" action="/account/sign-out".*?</form>', html, re.S)
    return re.search(r'name="csrf_token" value="([^"]+)"', form.group(0)).group(1)


def test_each_person_signs_out_with_their_own_token_from_the_kept_menu(app, make):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    first, second = company.owners[0], make.member(company)
    clients = []
    for person in (first, second):
        client = app.test_client()
        sign_in_as(client, person)
        clients.append(client)
    tokens = [_sign_out_token(client.get("/offers")) for client in clients]
    assert tokens[0] != tokens[1]
    # Each token is the one its own session checks: the sign-out form works.
    for client, token in zip(clients, tokens, strict=True):
        signed_out = client.post("/account/sign-out", data={"csrf_token": token})
        assert signed_out.status_code == 302
        assert client.get("/account/").status_code == 302  # sent to sign in


def test_the_menu_follows_the_page_the_person_and_their_notices(client, login, make):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    owner = company.owners[0]
    visitor_menu = _menu(client.get("/needs"))
    assert ("/needs", "Needs", True) in visitor_menu
    assert ("/account/sign-in", "Sign in", False) in visitor_menu
    assert not any(words == "Offers" for _, words, _ in visitor_menu)

    login(owner)
    client.get("/notices")  # whatever setting up the company sent them
    menu = _menu(client.get("/offers"))
    assert ("/offers", "Offers", True) in menu
    assert ("/needs", "Needs", False) in menu
    assert ("/notices", "Notices", False) in menu
    assert not any(words in ("Sign in", "Team") for _, words, _ in menu)
    notices.notify([owner], "A match was proposed", "/matches")
    db.session.commit()
    assert ("/notices", "Notices (1 new)", False) in _menu(client.get("/offers"))

    login(listings_make.team_member())
    team_menu = _menu(client.get("/offers"))
    assert any(words == "Team" for _, words, _ in team_menu)
    prefixed = _menu(client.get("/offers", environ_overrides={"SCRIPT_NAME": "/programme"}))
    assert ("/programme/offers", "Offers", True) in prefixed


def test_the_menu_is_drawn_once_for_many_requests(client, login, make):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    login(company.owners[0])
    client.get("/offers")
    drawn = navigation._kept.cache_info().misses
    for _ in range(5):
        client.get("/offers")
    assert navigation._kept.cache_info().misses == drawn
