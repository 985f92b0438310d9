"""Sessions are kept on the server: signing out ends one for good, even for a copy of its
cookie; the account page lists where the person is signed in and signs the others out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from brokerage.accounts.models import UserSession
from brokerage.extensions import db
from tests.helpers import csrf_token, page_text, submit, table_rows

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(app, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def sign_in(client, make, email: str = "ola@example.org"):
    response = submit(client, "/account/sign-in", {"email": email, "password": make.PASSWORD})
    assert response.status_code == 302
    return response


def copy_cookie(source, target) -> None:
    target.set_cookie("session", source.get_cookie("session").value, domain="localhost")


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def test_a_copied_cookie_no_longer_opens_the_account_after_sign_out(app, make):
    make.user(email="ola@example.org")
    ola = browser(app, FIREFOX)
    sign_in(ola, make)
    thief = browser(app, FIREFOX)
    copy_cookie(ola, thief)
    assert signed_in(thief)

    response = ola.post("/account/sign-out", data={"csrf_token": csrf_token(ola, "/account/")})
    assert response.status_code == 302

    assert not signed_in(ola)
    refused = thief.get("/account/")
    assert refused.status_code == 302
    assert refused.location.startswith("/account/sign-in")
    # Signing in again starts a new session; the copied cookie still opens nothing.
    sign_in(ola, make)
    assert signed_in(ola)
    assert not signed_in(thief)


def test_the_account_page_lists_where_you_are_signed_in(app, make):
    make.user(email="ola@example.org")
    laptop = browser(app, FIREFOX)
    phone = browser(app, IPHONE)
    sign_in(phone, make)
    sign_in(laptop, make)

    page = laptop.get("/account/")
    text = page_text(page)
    assert "Where you are signed in" in text
    rows = table_rows(page)
    assert [row[0] for row in rows] == ["Firefox on Windows This device", "Safari on iPhone"]
    assert rows[0][2] == "Now"
    assert "Sign out everywhere else" in text
    # From the phone, the phone is this device.
    assert [row[0] for row in table_rows(phone.get("/account/"))] == [
        "Safari on iPhone This device",
        "Firefox on Windows",
    ]


def test_sign_out_everywhere_else_keeps_only_this_device(app, make):
    make.user(email="ola@example.org")
    make.user(email="sam@example.org")
    laptop = browser(app, FIREFOX)
    phone = browser(app, IPHONE)
    sams = browser(app, FIREFOX)
    sign_in(phone, make)
    sign_in(laptop, make)
    sign_in(sams, make, "sam@example.org")

    response = submit(laptop, "/account/sessions/sign-out-others", page="/account/")
    assert response.status_code == 302
    assert response.location == "/account/"
    page = laptop.get("/account/")
    assert "You have signed out of 1 other device." in page_text(page)
    assert [row[0] for row in table_rows(page)] == ["Firefox on Windows This device"]
    assert "Sign out everywhere else" not in page_text(page)
    assert signed_in(laptop)
    assert not signed_in(phone)
    # Someone else's sessions are theirs alone.
    assert signed_in(sams)


def test_last_used_is_written_at_most_once_a_minute(app, make):
    make.user(email="ola@example.org")
    laptop = browser(app, FIREFOX)
    sign_in(laptop, make)
    row = db.session.scalars(select(UserSession)).one()

    def last_seen_back(seconds: int):
        row.last_seen_at = row.created_at - timedelta(seconds=seconds)
        db.session.commit()
        before = row.last_seen_at
        assert signed_in(laptop)
        db.session.refresh(row)
        return before, row.last_seen_at

    before, after = last_seen_back(30)
    assert after == before  # not rewritten within the minute
    before, after = last_seen_back(90)
    assert after > before
