"""Links in emails lead to our own site whatever Host a request names: they are built
from BASE_URL, and the app refuses requests for any host it is not configured for."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.middleware.proxy_fix import ProxyFix

from brokerage.accounts import services as accounts
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.models import OutboxEmail
from tests.helpers import csrf_token, emails_to
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

SITE = "https://digital.example.org"
EVIL = "evil.example"
FORGED = {"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http"}


@pytest.fixture
def behind_a_proxy(app, monkeypatch):
    """The site as deployed behind one proxy (TRUSTED_PROXIES=1): X-Forwarded-Host is
    believed, so a forged one is as dangerous as a forged Host."""
    monkeypatch.setattr(app, "wsgi_app", ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1))
    return app


@pytest.fixture
def any_host(behind_a_proxy, monkeypatch):
    """BASE_URL set, but every Host let through (as before TRUSTED_HOSTS): what the
    links are built from is all that stands between a forged Host and the email."""
    monkeypatch.setitem(behind_a_proxy.config, "BASE_URL", SITE)
    monkeypatch.setitem(behind_a_proxy.config, "TRUSTED_HOSTS", None)
    return behind_a_proxy


def forged_post(client, url: str, data: dict | None = None, page: str | None = None):
    """POST as a visitor whose request names evil.example as the host: the form and
    cookies come from the real page, then the Host headers are swapped."""
    payload = dict(data or {}, csrf_token=csrf_token(client, page or url))
    for name in ("session",):
        cookie = client.get_cookie(name)
        if cookie is not None:
            client.set_cookie(name, cookie.value, domain=EVIL)
    return client.post(url, data=payload, headers=FORGED)


def links(email: OutboxEmail) -> list[str]:
    found = re.findall(r"https?://[^\s\"'<>]+", email.body_text + (email.body_html or ""))
    assert found, f"no links in {email.subject!r}"
    return found


def assert_links_on_our_site(email: OutboxEmail) -> None:
    for link in links(email):
        assert link.startswith(SITE + "/"), (email.template, link)
    assert EVIL not in email.body_text + (email.body_html or "")


def only_email(address: str, template: str) -> OutboxEmail:
    [email] = [e for e in emails_to(address) if e.template == template]
    return email


# --- Links come from BASE_URL ------------------------------------------------------------


def test_site_url_builds_from_base_url_not_the_request(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://digital.example.org/brokerage")
    assert site_url("accounts.sign_in") == "https://digital.example.org/brokerage/account/sign-in"
    with app.test_request_context(base_url=f"http://{EVIL}"):
        assert site_url("ticketing.order", token="abc", _anchor="seat 1") == (
            "https://digital.example.org/brokerage/ball/orders/abc#seat%201"
        )


def test_sign_up_emails_link_to_our_site(client, make, any_host):
    response = forged_post(
        client,
        "/account/sign-up",
        {"name": "Ada", "email": "ada@example.org", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert_links_on_our_site(only_email("ada@example.org", "verify_email"))

    # Someone signing up with an address that has an account: its owner is told.
    make.user(email="owner@example.org")
    forged_post(
        client,
        "/account/sign-up",
        {"name": "Eve", "email": "owner@example.org", "password": "correct horse battery"},
    )
    assert_links_on_our_site(only_email("owner@example.org", "account_exists"))


def test_resending_the_verification_link_links_to_our_site(client, login, make, any_host):
    login(make.user(email="new@example.org", verified=False))
    response = forged_post(client, "/account/verify/resend", page="/account/")
    assert response.status_code == 302
    assert_links_on_our_site(only_email("new@example.org", "verify_email"))


def test_password_reset_emails_link_to_our_site(client, make, any_host):
    make.user(email="abi@example.org")
    response = forged_post(client, "/account/password/forgot", {"email": "abi@example.org"})
    assert response.status_code == 200
    reset = only_email("abi@example.org", "reset_password")
    assert_links_on_our_site(reset)

    # Following it (the path of our link) and saving a new password: that email too.
    path = links(reset)[0].removeprefix(SITE)
    response = forged_post(client, path, {"password": "a brand new passphrase"})
    assert response.status_code == 302
    assert_links_on_our_site(only_email("abi@example.org", "password_changed"))


def test_changing_a_password_emails_a_link_to_our_site(client, login, make, any_host):
    login(make.user(email="abi@example.org"))
    response = forged_post(
        client,
        "/account/password/change",
        {"current_password": make.PASSWORD, "password": "a brand new passphrase"},
    )
    assert response.status_code == 302
    assert_links_on_our_site(only_email("abi@example.org", "password_changed"))


def test_find_your_tickets_emails_links_to_our_site(client, any_host):
    ball = ticketing_make.ball()
    single = ball.ticket_types[0]
    order = buy(ball, {single.id: 2}, email="buyer@example.org")

    response = forged_post(client, "/ball/find-your-tickets", {"email": "buyer@example.org"})
    assert response.status_code == 200
    email = only_email("buyer@example.org", "ball_order_links")
    assert_links_on_our_site(email)
    assert f"{SITE}/ball/orders/{order.token}" in email.body_text


def test_organisation_emails_link_to_our_site(client, login, make, any_host):
    owner = make.user(email="owner@example.org")
    org = make.organisation(owner)
    members = f"/organisations/{org.id}/members"
    login(owner)
    forged_post(client, f"{members}/invite", {"email": "colleague@example.org"}, page=members)
    assert_links_on_our_site(only_email("colleague@example.org", "invitation"))

    login(make.user(email="joiner@example.org"))
    forged_post(
        client, f"/organisations/{org.id}/join", {"message": ""}, page=f"/organisations/{org.id}"
    )
    assert_links_on_our_site(only_email("owner@example.org", "join_requested"))


def test_emails_written_outside_a_request_link_to_our_site(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", SITE)
    user = make.user(email="abi@example.org")
    with app.app_context():
        accounts.request_password_reset(user.email)
        db.session.commit()
    assert_links_on_our_site(only_email("abi@example.org", "reset_password"))


# --- The app answers only to its own hosts -----------------------------------------------


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail))


def test_a_request_for_an_unknown_host_is_refused(client, make):
    make.user(email="abi@example.org")
    token = csrf_token(client, "/account/password/forgot")

    assert client.get("/", headers={"Host": EVIL}).status_code == 400
    refused = client.post(
        "/account/password/forgot",
        data={"email": "abi@example.org", "csrf_token": token},
        headers={"Host": EVIL},
    )
    assert refused.status_code == 400
    assert outbox_count() == 0
    # Our own hosts, with or without a port, are served.
    assert client.get("/", headers={"Host": "localhost:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "127.0.0.1"}).status_code == 200


def test_behind_a_proxy_a_forged_forwarded_host_is_refused(client, behind_a_proxy):
    response = client.get("/", headers={"X-Forwarded-Host": EVIL})
    assert response.status_code == 400
    assert client.get("/", headers={"X-Forwarded-Host": "localhost"}).status_code == 200
