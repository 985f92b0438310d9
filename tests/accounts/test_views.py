"""Account pages through the test client: what a person sees and what gets saved."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from tests.helpers import csrf_token, emails_to, link_in, submit

NEW_PASSWORD = "purple otter umbrella"

_FIELD_ERROR = re.compile(
    r'<p id="([\w-]+)-error" class="govuk-error-message">\s*'
    r'<span class="govuk-visually-hidden">Error:</span>\s*(.*?)\s*</p>',
    re.DOTALL,
)
_SUMMARY = re.compile(r'<div class="govuk-error-summary".*?</ul>', re.DOTALL)
_ACCOUNT_EMAIL = re.compile(
    r'Email address\s*</dt>\s*<dd class="govuk-summary-list__value">\s*([^<\s]+)'
)
_SUMMARY_LINK = re.compile(r'<a href="#([\w-]+)">(.*?)</a>', re.DOTALL)


def field_errors(page: str) -> dict[str, str]:
    """The message shown beside each field, by the field's id."""
    return {field: html.unescape(text) for field, text in _FIELD_ERROR.findall(page)}


def summary_errors(page: str) -> dict[str, str]:
    """The error summary at the top of the page: each message and the field it links to."""
    summary = _SUMMARY.search(page)
    assert summary, "no error summary on the page"
    assert "There is a problem" in summary.group(0)
    return {
        field: html.unescape(text.strip())
        for field, text in _SUMMARY_LINK.findall(summary.group(0))
    }


def text_of(response) -> str:
    return response.get_data(as_text=True)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def user_by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == address))


def sign_in(client, email: str, password: str, url: str = "/account/sign-in"):
    return submit(client, url, {"email": email, "password": password})


def signed_in_as(client) -> str | None:
    """The email address the account page shows, or None when it asks to sign in."""
    response = client.get("/account/")
    if response.status_code == 302:
        return None
    assert response.status_code == 200
    match = _ACCOUNT_EMAIL.search(text_of(response))
    return match.group(1) if match else None


# --- the whole journey -------------------------------------------------------------------


def test_sign_up_verify_sign_in_and_sign_out(client):
    page = client.get("/account/sign-up")
    assert page.status_code == 200
    assert "Create an account" in text_of(page)

    response = submit(
        client,
        "/account/sign-up",
        {"name": "Kemi Adams", "email": " Kemi.Adams@Example.org ", "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == "/account/check-your-email?email=kemi.adams@example.org"
    checking = client.get(response.location)
    assert "We have sent an email to <strong>kemi.adams@example.org</strong>" in text_of(checking)

    user = user_by_email("kemi.adams@example.org")
    assert user is not None and not user.is_verified
    [email] = emails_to("kemi.adams@example.org")
    assert email.subject == "Confirm your email address"

    verified = client.get(link_in(email))
    assert verified.status_code == 302
    assert verified.location == "/account/sign-in"
    assert "Your email address is confirmed." in text_of(client.get(verified.location))
    assert user_by_email("kemi.adams@example.org").is_verified

    signed_in = sign_in(client, "kemi.adams@example.org", NEW_PASSWORD)
    assert signed_in.status_code == 302
    assert signed_in.location == "/"
    account = text_of(client.get("/account/"))
    assert "Kemi Adams" in account
    assert "Yes, on" in account
    assert "Confirm your email address" not in account

    signed_out = submit(client, "/account/sign-out", {}, page="/account/")
    assert signed_out.status_code == 302
    assert "You have signed out." in text_of(client.get(signed_out.location))
    assert signed_in_as(client) is None


def test_a_verify_link_that_does_not_work_says_so(client):
    response = client.get("/account/verify/not-a-real-token")
    assert response.status_code == 400
    assert "This link does not work" in text_of(response)


def test_the_account_pages_ask_a_visitor_to_sign_in_first(client):
    for url in ("/account/", "/account/password/change"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.location.startswith("/account/sign-in?next=")


# --- sign in -----------------------------------------------------------------------------


def test_a_wrong_password_or_unknown_address_gets_one_message_beside_the_email(client, make):
    make.user(email="lena@example.org")

    pages = [
        sign_in(client, "lena@example.org", "not the password"),
        sign_in(client, "nobody@example.org", make.PASSWORD),
    ]
    for response in pages:
        assert response.status_code == 200
        page = text_of(response)
        assert field_errors(page) == {"email": "Enter a correct email address and password"}
        assert summary_errors(page) == {"email": "Enter a correct email address and password"}
        assert "<title>Error: Sign in" in page
    assert signed_in_as(client) is None


def test_an_inactive_account_cannot_sign_in(client, make):
    person = make.user(email="lena@example.org")
    person.active = False
    db.session.commit()

    response = sign_in(client, "lena@example.org", make.PASSWORD)
    assert response.status_code == 200
    assert field_errors(text_of(response)) == {
        "email": "Enter a correct email address and password"
    }
    assert signed_in_as(client) is None


def test_signing_in_returns_to_the_page_asked_for(client, make):
    make.user(email="lena@example.org")
    asked = client.get("/account/password/change")
    assert asked.location == "/account/sign-in?next=/account/password/change"

    response = sign_in(client, "lena@example.org", make.PASSWORD, url=asked.location)
    assert response.status_code == 302
    assert response.location == "/account/password/change"


@pytest.mark.parametrize(
    "evil",
    [
        "//evil.com",
        "//evil.com/account/",
        "http://evil.com",
        "https://evil.com/account/",
        "/\\evil.com",
        "/%5Cevil.com",
        "%2F%2Fevil.com",
        "https:evil.com",
        "javascript:alert(1)",
        "/%09/evil.com",
    ],
)
def test_signing_in_never_sends_anyone_off_the_site(client, make, evil):
    make.user(email="lena@example.org")
    url = "/account/sign-in?next=" + evil

    response = sign_in(client, "lena@example.org", make.PASSWORD, url=url)
    assert response.status_code == 302
    assert response.location == "/"
    # Already signed in, the sign-in page still does not follow it.
    again = client.get(url)
    assert again.status_code == 302
    assert again.location == "/"


# --- unverified people -------------------------------------------------------------------


def test_an_unverified_person_sees_the_banner_and_can_have_the_link_sent_again(client, make, login):
    person = make.user(email="mo@example.org", verified=False)
    login(person)

    home = text_of(client.get("/"))
    assert "Confirm your email address to register or join an organisation." in home
    account = text_of(client.get("/account/"))
    assert "Send a new link" in account

    response = submit(client, "/account/verify/resend", {}, page="/account/")
    assert response.status_code == 302
    assert "We have sent a new link to mo@example.org." in text_of(client.get(response.location))
    [email] = emails_to("mo@example.org")
    assert email.template == "verify_email"

    client.get(link_in(email))
    assert user_by_email("mo@example.org").is_verified
    assert "Confirm your email address" not in text_of(client.get("/"))


def test_a_verified_person_sees_no_banner_and_gets_no_new_link(client, make, login):
    login(make.user(email="mo@example.org"))

    assert "Confirm your email address" not in text_of(client.get("/"))
    assert "Send a new link" not in text_of(client.get("/account/"))
    token = csrf_token(client, "/account/")
    client.post("/account/verify/resend", data={"csrf_token": token})
    assert emails_to("mo@example.org") == []


# --- forgotten password ------------------------------------------------------------------


def test_forgot_password_shows_the_same_page_whether_or_not_there_is_an_account(client, make):
    make.user(email="nia@example.org")

    known = submit(client, "/account/password/forgot", {"email": "nia@example.org"})
    unknown = submit(client, "/account/password/forgot", {"email": "nobody@example.org"})

    assert known.status_code == unknown.status_code == 200
    known_page = text_of(known).replace("nia@example.org", "ADDRESS")
    unknown_page = text_of(unknown).replace("nobody@example.org", "ADDRESS")
    assert "If <strong>ADDRESS</strong> has an account" in known_page
    assert known_page == unknown_page
    assert [e.template for e in emails_to("nia@example.org")] == ["reset_password"]
    assert emails_to("nobody@example.org") == []


def test_reset_the_password_from_the_emailed_link_then_sign_in_with_it(client, make):
    make.user(email="nia@example.org")
    submit(client, "/account/password/forgot", {"email": "Nia@Example.org"})
    [email] = emails_to("nia@example.org")
    link = link_in(email)

    page = client.get(link)
    assert page.status_code == 200
    assert "For nia@example.org." in text_of(page)

    weak = submit(client, link, {"password": "123456789012"})
    assert weak.status_code == 200
    assert field_errors(text_of(weak)) == {
        "password": "Password is too easy to guess: try three random words together"
    }

    same_as_email = submit(client, link, {"password": "nia@example.org"})
    assert same_as_email.status_code == 200
    assert field_errors(text_of(same_as_email)) == {
        "password": "Password must not be your email address"
    }

    response = submit(client, link, {"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert response.location == "/account/sign-in"
    assert "Sign in with your new password" in text_of(client.get(response.location))

    old = sign_in(client, "nia@example.org", make.PASSWORD)
    assert field_errors(text_of(old)) == {"email": "Enter a correct email address and password"}
    assert sign_in(client, "nia@example.org", NEW_PASSWORD).status_code == 302
    assert signed_in_as(client) == "nia@example.org"

    used = client.get(link)
    assert used.status_code == 400
    assert "The link may have been used already" in text_of(used)
    assert [e.template for e in emails_to("nia@example.org")] == [
        "reset_password",
        "password_changed",
    ]


def test_a_broken_reset_link_offers_a_new_one(client):
    response = client.get("/account/password/reset/broken")
    assert response.status_code == 400
    page = text_of(response)
    assert "This link does not work" in page
    assert 'href="/account/password/forgot"' in page


# --- change password ---------------------------------------------------------------------


def test_changing_the_password_keeps_this_browser_in_and_signs_the_others_out(app, client, make):
    make.user(email="ola@example.org")
    other = app.test_client()
    assert sign_in(other, "ola@example.org", make.PASSWORD).status_code == 302
    assert sign_in(client, "ola@example.org", make.PASSWORD).status_code == 302

    wrong = submit(
        client,
        "/account/password/change",
        {"current_password": "not my password", "password": NEW_PASSWORD},
    )
    assert wrong.status_code == 200
    assert field_errors(text_of(wrong)) == {
        "current_password": "Your current password is not right"
    }
    assert summary_errors(text_of(wrong)) == {
        "current_password": "Your current password is not right"
    }
    assert signed_in_as(other) == "ola@example.org"

    response = submit(
        client,
        "/account/password/change",
        {"current_password": make.PASSWORD, "password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.location == "/account/"
    assert "Your password has been changed." in text_of(client.get("/account/"))
    assert signed_in_as(client) == "ola@example.org"
    assert signed_in_as(other) is None
    assert [e.template for e in emails_to("ola@example.org")] == ["password_changed"]


def test_change_password_checks_the_new_password(client, make):
    make.user(email="ola@example.org")
    sign_in(client, "ola@example.org", make.PASSWORD)

    response = submit(
        client, "/account/password/change", {"current_password": "", "password": "too short"}
    )
    assert response.status_code == 200
    assert field_errors(text_of(response)) == {
        "current_password": "Enter your current password",
        "password": "Password must be 12 characters or more",
    }
    same_as_email = submit(
        client,
        "/account/password/change",
        {"current_password": make.PASSWORD, "password": "OLA@example.org"},
    )
    assert same_as_email.status_code == 200
    assert field_errors(text_of(same_as_email)) == {
        "password": "Password must not be your email address"
    }
    client.post("/account/sign-out", data={"csrf_token": csrf_token(client, "/account/")})
    assert sign_in(client, "ola@example.org", make.PASSWORD).status_code == 302


def test_wrong_current_passwords_are_limited_to_five_in_fifteen_minutes(app, client, make):
    """Someone holding a signed-in browser cannot guess the password by trying to change
    it: the sixth wrong guess is refused, even the right one after it, from any browser."""
    make.user(email="ola@example.org")
    assert sign_in(client, "ola@example.org", make.PASSWORD).status_code == 302
    token = csrf_token(client, "/account/password/change")

    def change(current: str, new: str = NEW_PASSWORD, who=client, csrf=token):
        return who.post(
            "/account/password/change",
            data={"csrf_token": csrf, "current_password": current, "password": new},
        )

    # Mistakes in the new password are not guesses: they do not count.
    assert [change(make.PASSWORD, "short").status_code for _ in range(6)] == [200] * 6
    assert [change(f"guess {n}").status_code for n in range(5)] == [200] * 5

    refused = change(make.PASSWORD)
    assert refused.status_code == 429
    assert "Too many attempts" in text_of(refused)
    # Per account: a second browser signed in to the same account is refused too.
    other = app.test_client()
    assert sign_in(other, "ola@example.org", make.PASSWORD).status_code == 302
    other_token = csrf_token(other, "/account/password/change")
    assert change(make.PASSWORD, who=other, csrf=other_token).status_code == 429
    # The password did not change (that would have emailed Ola).
    assert emails_to("ola@example.org") == []
    # Another account is not held back by Ola's guesses.
    make.user(email="sam@example.org")
    sam = app.test_client()
    sign_in(sam, "sam@example.org", make.PASSWORD)
    sam_token = csrf_token(sam, "/account/password/change")
    assert change(make.PASSWORD, who=sam, csrf=sam_token).status_code == 302


# --- bad input saves nothing -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"name": "", "email": "", "password": ""},
            {
                "name": "Enter your full name",
                "email": "Enter your email address",
                "password": "Enter a password",
            },
        ),
        (
            {"name": "Pat", "email": "pat-at-example.org", "password": NEW_PASSWORD},
            {"email": "Enter an email address in the correct format, like name@example.com"},
        ),
        (
            {"name": "Pat", "email": "pat@example.org", "password": "short one"},
            {"password": "Password must be 12 characters or more"},
        ),
        (
            {"name": "Pat", "email": "pat@example.org", "password": "Password1234"},
            {"password": "Password is too easy to guess: try three random words together"},
        ),
        (
            {"name": "Pat", "email": "pat@example.org", "password": "PAT@example.org"},
            {"password": "Password must not be your email address"},
        ),
        (
            {"name": "P" * 121, "email": "pat@example.org", "password": NEW_PASSWORD},
            {"name": "Full name must be 120 characters or fewer"},
        ),
    ],
    ids=["empty", "bad-email", "short-password", "common-password", "email-as-password", "long"],
)
def test_bad_sign_up_details_get_messages_beside_the_fields_and_save_nothing(client, data, errors):
    response = submit(client, "/account/sign-up", data)

    assert response.status_code == 200
    page = text_of(response)
    assert field_errors(page) == errors
    assert summary_errors(page) == errors
    assert "govuk-form-group--error" in page
    assert count(User) == 0
    assert count(OutboxEmail) == 0


def test_bad_forgot_password_input_gets_a_message_and_sends_nothing(client, make):
    make.user(email="pat@example.org")
    for value, message in [
        ("", "Enter your email address"),
        ("pat@", "Enter an email address in the correct format, like name@example.com"),
    ]:
        response = submit(client, "/account/password/forgot", {"email": value})
        assert response.status_code == 200
        assert field_errors(text_of(response)) == {"email": message}
        assert summary_errors(text_of(response)) == {"email": message}
    assert count(OutboxEmail) == 0


def test_empty_sign_in_gets_messages_beside_both_fields(client):
    response = submit(client, "/account/sign-in", {"email": "", "password": ""})
    assert field_errors(text_of(response)) == {
        "email": "Enter your email address",
        "password": "Enter your password",
    }


# --- CSRF --------------------------------------------------------------------------------


def test_a_sign_up_without_a_csrf_token_is_refused_and_saves_nothing(client):
    client.get("/account/sign-up")
    response = client.post(
        "/account/sign-up",
        data={"name": "Quinn", "email": "quinn@example.org", "password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert "The form had expired or was sent from another site" in text_of(response)
    assert count(User) == 0
    assert count(OutboxEmail) == 0


def test_a_csrf_token_from_another_browser_is_refused(app, client):
    other = app.test_client()
    token = csrf_token(other, "/account/sign-up")
    client.get("/account/sign-up")
    response = client.post(
        "/account/sign-up",
        data={
            "csrf_token": token,
            "name": "Quinn",
            "email": "quinn@example.org",
            "password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 400
    assert count(User) == 0


def test_forms_of_a_signed_in_person_need_the_csrf_token(client, make):
    person = make.user(email="quinn@example.org", verified=False)
    sign_in(client, "quinn@example.org", make.PASSWORD)
    hash_before = person.password_hash

    changed = client.post(
        "/account/password/change",
        data={"current_password": make.PASSWORD, "password": NEW_PASSWORD},
    )
    resent = client.post("/account/verify/resend")
    signed_out = client.post("/account/sign-out")
    forgot = client.post("/account/password/forgot", data={"email": "quinn@example.org"})

    assert [r.status_code for r in (changed, resent, signed_out, forgot)] == [400] * 4
    db.session.refresh(person)
    assert person.password_hash == hash_before
    assert count(OutboxEmail) == 0
    assert signed_in_as(client) == "quinn@example.org"


# --- rate limits -------------------------------------------------------------------------


def test_the_eleventh_sign_in_in_a_minute_is_refused_even_with_the_right_password(client, make):
    make.user(email="rae@example.org")
    token = csrf_token(client, "/account/sign-in")
    for _ in range(10):
        response = client.post(
            "/account/sign-in",
            data={"csrf_token": token, "email": "rae@example.org", "password": "a wrong guess"},
        )
        assert response.status_code == 200

    response = client.post(
        "/account/sign-in",
        data={"csrf_token": token, "email": "rae@example.org", "password": make.PASSWORD},
    )
    assert response.status_code == 429
    page = text_of(response)
    assert "Too many attempts" in page
    assert "wait a few minutes and try again" in page
    assert 'class="govuk-template__body"' in page
    assert signed_in_as(client) is None
    # Reading the page is not limited: only attempts are.
    assert client.get("/account/sign-in").status_code == 200


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/account/sign-up", {"name": "Rae", "email": "", "password": ""}),
        ("/account/password/forgot", {"email": "rae@example.org"}),
    ],
)
def test_sign_up_and_password_reset_allow_five_attempts_a_minute(client, make, url, data):
    make.user(email="rae@example.org")
    token = csrf_token(client, url)
    statuses = [client.post(url, data={"csrf_token": token, **data}).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    sent = len(emails_to("rae@example.org"))
    assert sent == (5 if url.endswith("forgot") else 0)


def test_a_name_of_only_spaces_is_refused_and_nothing_saved(client):
    from sqlalchemy import func, select

    from brokerage.accounts.models import User
    from brokerage.extensions import db
    from tests.helpers import submit

    response = submit(
        client,
        "/account/sign-up",
        {"name": "   ", "email": "spaces@example.org", "password": "violet lantern harbour"},
    )
    assert response.status_code == 200
    assert "Enter your full name" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0
