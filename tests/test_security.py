"""What keeps pages safe: security headers, a strict Content-Security-Policy that the pages
really keep to, cookie flags, and error pages that stay inside the service."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from brokerage import create_app
from brokerage.extensions import db, limiter
from brokerage.notifications.services import queue_email
from brokerage.organisations.models import OrganisationStatus
from brokerage.permissions import Action
from tests.helpers import csrf_token, submit

LAYOUT_MARKERS = ('class="govuk-template__body"', "Digital Inclusion Leeds", "Privacy notice")


def csp(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def set_cookies(response) -> dict[str, str]:
    """Each Set-Cookie header by cookie name."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def cookie_flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


# --- headers -----------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/account/sign-in", "/no-such-page", "/healthz", "/account/"])
def test_every_response_carries_the_security_headers(client, url):
    response = client.get(url)

    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert csp(response)["frame-ancestors"] == ["'none'"]


def test_the_content_security_policy_allows_only_our_own_scripts_and_styles(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = csp(response)

    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "*" not in policy
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]


def test_pages_are_not_kept_in_shared_caches(client, make, login):
    login(make.user())
    assert client.get("/account/").headers["Cache-Control"] == "no-store"


def test_hsts_is_sent_only_in_production(client, production_client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    hsts = production_client.get("/account/sign-in").headers["Strict-Transport-Security"]
    assert hsts.startswith("max-age=31536000")


# --- no inline script or style on any page -----------------------------------------------

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
_STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)


def inline_code(page: str) -> list[str]:
    """Everything in a page that our Content-Security-Policy would block."""
    problems = []
    for attributes, body in _SCRIPT.findall(page):
        if "src=" not in attributes or body.strip():
            problems.append(f"inline <script{attributes}>")
    if re.search(r"<style\b", page, re.IGNORECASE):
        problems.append("<style> element")
    problems += [f"event handler: {m.group(0)[:80]}" for m in _HANDLER.finditer(page)]
    problems += [f"style attribute: {m.group(0)[:80]}" for m in _STYLE_ATTRIBUTE.finditer(page)]
    problems += ["javascript: link" for _ in re.finditer(r"javascript:", page, re.IGNORECASE)]
    return problems


def _simple_pages(app) -> list[str]:
    """Every page the app serves at a fixed address."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint not in ("static", "main.healthz")
    )


def _check_pages(client, urls) -> list[str]:
    checked = []
    for url in urls:
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code in (301, 302, 303):
            continue
        page = response.get_data(as_text=True)
        assert inline_code(page) == [], url
        assert page.count("<script") == 2, url  # js-enabled.js and application.mjs
        checked.append(url)
    return checked


def test_no_page_a_visitor_can_reach_has_inline_script_or_style(app, client):
    urls = [
        *_simple_pages(app),
        "/account/verify/broken-link",
        "/account/password/reset/broken-link",
        "/no-such-page",
    ]
    checked = _check_pages(client, urls)
    for expected in ("/", "/account/sign-in", "/account/sign-up", "/account/password/forgot"):
        assert expected in checked
    # A page showing form errors, with the error summary, keeps to the policy too.
    errors = submit(client, "/account/sign-up", {"name": "", "email": "x", "password": "y"})
    assert "govuk-error-summary" in errors.get_data(as_text=True)
    assert inline_code(errors.get_data(as_text=True)) == []


def test_no_page_a_signed_in_person_can_reach_has_inline_script_or_style(app, client, make, login):
    team = make.team_member(name="Zoe Team", email="zoe@example.org")
    org = make.organisation(owner=team, status=OrganisationStatus.PENDING)
    message = queue_email(team.email, "password_changed", "Changed", user=team, reset="r")
    db.session.commit()
    login(team)

    with_ids = [
        url_for("organisations.show", org_id=org.id),
        url_for("organisations.edit", org_id=org.id),
        url_for("organisations.members", org_id=org.id),
        url_for("organisations.review", org_id=org.id),
        url_for("organisations.create", kind="community"),
        url_for("notifications.email", email_id=message.id),
    ]
    checked = _check_pages(client, [*_simple_pages(app), *with_ids])
    for expected in (
        "/",
        "/account/",
        "/account/password/change",
        "/team/outbox/",
        "/team/organisations",
        *with_ids,
    ):
        assert expected in checked


def test_the_banner_for_an_unverified_person_has_no_inline_code(client, make, login):
    login(make.user(verified=False))
    page = client.get("/").get_data(as_text=True)
    assert "Confirm your email address" in page
    assert inline_code(page) == []


def test_the_inline_code_check_finds_what_it_looks_for():
    assert inline_code("<script>alert(1)</script>")
    assert inline_code('<script src="/a.js">alert(1)</script>')
    assert inline_code('<a href="#" onclick="x()">')
    assert inline_code('<p style="color: red">')
    assert inline_code("<style>p {}</style>")
    assert inline_code('<script src="/static/js/app.js"></script><p class="x">') == []


# --- cookies -----------------------------------------------------------------------------


@pytest.fixture
def production_client(app):
    production = create_app(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "x" * 32,
            # The test client asks for http://localhost: that is the site's address here.
            "BASE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    yield production.test_client()
    with production.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.get("/account/sign-in")
    flags = cookie_flags(set_cookies(response)["session"])

    assert "httponly" in flags
    assert "samesite=lax" in flags
    # Tests and development run over plain HTTP.
    assert "secure" not in flags


def test_the_session_cookie_is_secure_in_production(production_client):
    response = production_client.get("/account/sign-in")
    assert response.status_code == 200
    flags = cookie_flags(set_cookies(response)["session"])

    assert {"httponly", "samesite=lax", "secure"} <= flags


def test_signing_in_sets_only_a_safe_session_cookie(client, make):
    make.user(email="abi@example.org")
    response = submit(
        client, "/account/sign-in", {"email": "abi@example.org", "password": make.PASSWORD}
    )
    assert response.status_code == 302

    cookies = set_cookies(response)
    assert "remember_token" not in cookies
    assert {"httponly", "samesite=lax"} <= cookie_flags(cookies["session"])


# --- error pages -------------------------------------------------------------------------


def _in_layout(page: str) -> bool:
    return all(marker in page for marker in LAYOUT_MARKERS)


def test_page_not_found_is_in_the_service_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert _in_layout(page)


def test_no_access_is_in_the_service_layout(client, make, login):
    login(make.user())
    response = client.get("/team/organisations")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "You do not have access to this page" in page
    assert _in_layout(page)


def test_a_wrong_method_is_in_the_service_layout(client):
    response = client.get("/account/sign-out")
    assert response.status_code == 405
    page = response.get_data(as_text=True)
    assert "That action is not available here" in page
    assert _in_layout(page)


def test_a_crash_shows_the_service_problem_page_and_hides_the_details(app, client, monkeypatch):
    def broken():
        raise RuntimeError("connection string postgres://secret@db")

    broken.access_action = Action.PUBLIC
    monkeypatch.setitem(app.view_functions, "main.privacy", broken)

    response = client.get("/privacy")

    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "Nothing you entered has been saved" in page
    assert "secret@db" not in page
    assert "RuntimeError" not in page
    assert _in_layout(page)
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_view_that_declares_no_access_rule_is_refused(app, client, monkeypatch):
    def undeclared():
        return "should never be served"

    monkeypatch.setitem(app.view_functions, "main.privacy", undeclared)

    response = client.get("/privacy")
    assert response.status_code == 403
    assert "should never be served" not in response.get_data(as_text=True)


def test_every_rate_limit_counts_posts_alone(app):
    """Reading a page skips the limiter (brokerage/security.py): true only while every
    limit is declared for POST alone, which this checks of each one the views declare."""
    manager = limiter.limit_manager
    declared = [limit for limits in manager._decorated_limits.values() for limit in limits]
    declared += [limit for limits in manager._blueprint_limits.values() for limit in limits]
    assert len(declared) >= 8  # sign-in, sign-up, resets, password change, checkouts...
    assert {tuple(limit.methods or ()) for limit in declared} == {("post",)}
    assert not manager.default_limits and not manager.application_limits


def test_a_page_is_read_past_its_forms_limit_and_the_form_is_still_refused(client, make):
    make.user(email="rae@example.org")
    token = csrf_token(client, "/account/sign-in")
    for _ in range(10):
        wrong = {"csrf_token": token, "email": "rae@example.org", "password": "a wrong guess"}
        assert client.post("/account/sign-in", data=wrong).status_code == 200
    # The form may not be sent again this minute, but the page is still read.
    assert [client.get("/account/sign-in").status_code for _ in range(15)] == [200] * 15
    assert client.head("/account/sign-in").status_code == 200
    right = {"csrf_token": token, "email": "rae@example.org", "password": make.PASSWORD}
    assert client.post("/account/sign-in", data=right).status_code == 429
