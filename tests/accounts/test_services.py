"""Account services without HTTP: sign-up, email links, sign-in, password reset and change."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from flask import session as flask_session
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from brokerage.accounts import services as accounts
from brokerage.accounts import sessions
from brokerage.accounts.models import User
from brokerage.accounts.signing_in import SESSION_KEY, load_user
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from tests.helpers import emails_to, link_in

NEW_PASSWORD = "purple otter umbrella"


def user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def email_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxEmail))


def token_in(email: OutboxEmail) -> str:
    """The token at the end of the link in an email."""
    return link_in(email).rstrip("/").rsplit("/", 1)[1]


@contextmanager
def signed_hours_ago(monkeypatch, hours: float):
    """Anything signed inside this block carries a timestamp `hours` in the past."""
    real = TimestampSigner.get_timestamp
    with monkeypatch.context() as patch:
        patch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - int(hours * 3600))
        yield


# --- sign up -----------------------------------------------------------------------------


def test_sign_up_creates_an_unverified_account_and_queues_the_verify_email():
    user = accounts.sign_up("  Asha Patel ", "  Asha.Patel@Example.ORG ", NEW_PASSWORD)
    db.session.commit()

    assert user is not None
    assert user.email == "asha.patel@example.org"
    assert user.name == "Asha Patel"
    assert not user.is_verified
    assert user.password_hash != NEW_PASSWORD
    assert check_password_hash(user.password_hash, NEW_PASSWORD)

    [email] = emails_to("asha.patel@example.org")
    assert email.template == "verify_email"
    assert email.subject == "Confirm your email address"
    assert "Hello Asha Patel" in email.body_text
    assert link_in(email).startswith("/account/verify/")
    assert "48 hours" in email.body_text


def test_sign_up_with_an_address_that_has_an_account_creates_nothing_and_tells_the_owner(make):
    owner = make.user(name="Bola Ade", email="bola@example.org")
    before = user_count()

    result = accounts.sign_up("Someone Else", " BOLA@example.org", NEW_PASSWORD)
    db.session.commit()

    assert result is None
    assert user_count() == before
    [email] = emails_to("bola@example.org")
    assert email.template == "account_exists"
    assert "Hello Bola Ade" in email.body_text
    assert "/account/sign-in" in email.body_text
    assert "/account/password/forgot" in email.body_text
    # The owner's account is untouched: their own password still works.
    db.session.refresh(owner)
    assert check_password_hash(owner.password_hash, make.PASSWORD)


def test_sign_up_refuses_a_weak_password_and_saves_nothing():
    with pytest.raises(DomainError, match="too easy to guess"):
        accounts.sign_up("Chris", "chris@example.org", "password1234")
    assert user_count() == 0
    assert email_count() == 0


@pytest.mark.parametrize(
    ("password", "email", "problem"),
    [
        ("short", None, "Password must be 12 characters or more"),
        ("123456789", None, "Password must be 12 characters or more"),
        ("abcdefghij1", None, "Password must be 12 characters or more"),
        ("x" * 250 + "abcdefg", None, "Password must be 256 characters or fewer"),
        ("password1234", None, "Password is too easy to guess: try three random words together"),
        ("PassWord1234", None, "Password is too easy to guess: try three random words together"),
        ("qwertyuiop12", None, "Password is too easy to guess: try three random words together"),
        ("abababababab", None, "Password is too easy to guess: try three random words together"),
        ("dee@example.org", "Dee@Example.org ", "Password must not be your email address"),
        ("correct horse battery", None, None),
        ("abcdefghijk1", None, None),
        ("dee@example.org", "someone@example.org", None),
        ("y" * 252 + "abc!", None, None),
    ],
)
def test_password_problem(password, email, problem):
    assert accounts.password_problem(password, email) == problem


# --- verifying the email address -----------------------------------------------------------


def _signed_up(name="Dee Okafor", email="dee@example.org") -> tuple[User, str]:
    user = accounts.sign_up(name, email, NEW_PASSWORD)
    db.session.commit()
    return user, token_in(emails_to(email)[-1])


def test_the_emailed_link_verifies_the_address():
    user, token = _signed_up()

    assert accounts.verify_email(token) == user
    db.session.commit()
    assert user.is_verified


def test_following_the_link_again_keeps_the_first_verification_time():
    user, token = _signed_up()
    accounts.verify_email(token)
    first = user.email_verified_at

    accounts.verify_email(token)
    assert user.email_verified_at == first


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        lambda token: token[: len(token) // 2],
        lambda token: "x" + token,
        lambda token: "",
    ],
    ids=["changed-signature", "cut-short", "changed-payload", "empty"],
)
def test_a_tampered_verify_link_is_refused(tamper):
    user, token = _signed_up()

    with pytest.raises(accounts.TokenInvalid):
        accounts.verify_email(tamper(token))
    assert not user.is_verified


def test_a_verify_link_signed_with_another_key_is_refused():
    user, _ = _signed_up()
    forged = URLSafeTimedSerializer("not-our-key", salt="brokerage.verify-email").dumps(
        {"u": user.id, "e": user.email}
    )

    with pytest.raises(accounts.TokenInvalid):
        accounts.verify_email(forged)
    assert not user.is_verified


def test_a_password_reset_link_cannot_verify_an_email():
    user, _ = _signed_up()
    accounts.request_password_reset(user.email)
    reset_token = token_in(emails_to(user.email)[-1])

    with pytest.raises(accounts.TokenInvalid):
        accounts.verify_email(reset_token)
    assert not user.is_verified


def test_a_verify_link_older_than_48_hours_has_expired(monkeypatch):
    with signed_hours_ago(monkeypatch, 48.1):
        user, token = _signed_up()

    with pytest.raises(accounts.TokenExpired):
        accounts.verify_email(token)
    assert not user.is_verified


def test_a_verify_link_just_under_48_hours_old_still_works(monkeypatch):
    with signed_hours_ago(monkeypatch, 47.9):
        user, token = _signed_up()

    accounts.verify_email(token)
    assert user.is_verified


def test_a_verify_link_for_an_address_since_changed_is_refused():
    user, token = _signed_up()
    user.email = "dee.new@example.org"
    db.session.commit()

    with pytest.raises(accounts.TokenInvalid):
        accounts.verify_email(token)
    assert not user.is_verified


def test_a_verify_link_for_a_deleted_account_is_refused():
    user, token = _signed_up()
    db.session.delete(user)
    db.session.commit()

    with pytest.raises(accounts.TokenInvalid):
        accounts.verify_email(token)


# --- signing in --------------------------------------------------------------------------


def test_authenticate_with_the_right_password_records_the_sign_in(make):
    person = make.user(email="erin@example.org")
    assert person.last_sign_in_at is None

    assert accounts.authenticate(" Erin@Example.org", make.PASSWORD) == person
    assert person.last_sign_in_at is not None


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("erin@example.org", "correct horse batterY"),
        ("erin@example.org", ""),
        ("nobody@example.org", "correct horse battery"),
        ("erin@example.org ", "correct horse battery "),
    ],
    ids=["wrong-password", "empty-password", "unknown-email", "password-with-extra-space"],
)
def test_authenticate_refuses_wrong_details(make, email, password):
    person = make.user(email="erin@example.org")

    assert accounts.authenticate(email, password) is None
    assert person.last_sign_in_at is None


def test_authenticate_refuses_an_inactive_account_even_with_the_right_password(make):
    person = make.user(email="erin@example.org")
    person.active = False
    db.session.commit()

    assert accounts.authenticate("erin@example.org", make.PASSWORD) is None


# --- password reset ----------------------------------------------------------------------


def _reset_token_for(email: str) -> str:
    accounts.request_password_reset(email)
    db.session.commit()
    sent = [m for m in emails_to(email.strip().lower()) if m.template == "reset_password"]
    return token_in(sent[-1])


def test_a_reset_email_goes_only_to_an_address_with_an_active_account(make):
    make.user(email="fola@example.org")
    gone = make.user(email="gone@example.org")
    gone.active = False
    db.session.commit()

    for address in ("FOLA@example.org ", "nobody@example.org", "gone@example.org"):
        accounts.request_password_reset(address)
    db.session.commit()

    [email] = emails_to("fola@example.org")
    assert email.template == "reset_password"
    assert link_in(email).startswith("/account/password/reset/")
    assert "60 minutes" in email.body_text
    assert emails_to("nobody@example.org") == []
    assert emails_to("gone@example.org") == []


def test_a_reset_link_works_once(make):
    person = make.user(email="fola@example.org")
    token = _reset_token_for(person.email)

    assert accounts.user_for_reset_token(token) == person
    accounts.reset_password(token, NEW_PASSWORD)
    db.session.commit()

    assert accounts.authenticate(person.email, NEW_PASSWORD) == person
    assert accounts.authenticate(person.email, make.PASSWORD) is None
    with pytest.raises(accounts.TokenInvalid):
        accounts.user_for_reset_token(token)
    with pytest.raises(accounts.TokenInvalid):
        accounts.reset_password(token, "another fine password")
    assert accounts.authenticate(person.email, NEW_PASSWORD) == person
    assert [m.template for m in emails_to(person.email)] == ["reset_password", "password_changed"]


def test_an_earlier_reset_link_stops_working_when_the_password_is_changed(make):
    person = make.user(email="fola@example.org")
    token = _reset_token_for(person.email)

    accounts.change_password(person, make.PASSWORD, NEW_PASSWORD)
    db.session.commit()

    with pytest.raises(accounts.TokenInvalid):
        accounts.reset_password(token, "attacker chosen words")
    assert accounts.authenticate(person.email, NEW_PASSWORD) == person


def test_a_reset_link_older_than_an_hour_has_expired(make, monkeypatch):
    person = make.user(email="fola@example.org")
    with signed_hours_ago(monkeypatch, 1.05):
        token = _reset_token_for(person.email)

    with pytest.raises(accounts.TokenExpired):
        accounts.reset_password(token, NEW_PASSWORD)
    assert accounts.authenticate(person.email, make.PASSWORD) == person


def test_a_reset_link_for_a_deactivated_account_is_refused(make):
    person = make.user(email="fola@example.org")
    token = _reset_token_for(person.email)
    person.active = False
    db.session.commit()

    with pytest.raises(accounts.TokenInvalid):
        accounts.user_for_reset_token(token)


def test_a_reset_with_a_weak_password_changes_nothing_and_leaves_the_link_usable(make):
    person = make.user(email="fola@example.org")
    token = _reset_token_for(person.email)

    with pytest.raises(DomainError, match="12 characters"):
        accounts.reset_password(token, "short")
    db.session.rollback()

    assert accounts.authenticate(person.email, make.PASSWORD) == person
    assert accounts.user_for_reset_token(token) == person


def test_resetting_the_password_through_the_email_also_verifies_the_address(make):
    person = make.user(email="fola@example.org", verified=False)
    token = _reset_token_for(person.email)

    accounts.reset_password(token, NEW_PASSWORD)
    assert person.is_verified


# --- changing the password ---------------------------------------------------------------


def opens(session_id: str, token: str | None):
    """Who a browser whose cookie holds `session_id` and session `token` is signed in as."""
    flask_session[SESSION_KEY] = token
    return load_user(session_id)


def test_changing_the_password_signs_out_every_other_session(make):
    person = make.user(email="gina@example.org")
    here = sessions.start(person, "Firefox on Windows")
    elsewhere = sessions.start(person, "Safari on iPhone")
    db.session.commit()
    old_session_id = person.get_id()
    assert opens(old_session_id, here) == person
    assert opens(old_session_id, elsewhere) == person

    accounts.change_password(person, make.PASSWORD, NEW_PASSWORD, keep_session=here)
    db.session.commit()

    assert person.get_id() != old_session_id
    assert opens(old_session_id, here) is None
    assert opens(person.get_id(), elsewhere) is None
    assert opens(person.get_id(), here) == person
    assert [s.user_agent for s in sessions.live(person)] == ["Firefox on Windows"]
    assert accounts.authenticate(person.email, NEW_PASSWORD) == person
    assert accounts.authenticate(person.email, make.PASSWORD) is None
    [email] = emails_to(person.email)
    assert email.template == "password_changed"
    assert "/account/password/forgot" in email.body_text


def test_resetting_the_password_ends_every_session(make):
    person = make.user(email="gina@example.org")
    here = sessions.start(person, "Firefox on Windows")
    db.session.commit()

    accounts.reset_password(_reset_token_for(person.email), NEW_PASSWORD)
    db.session.commit()

    assert opens(person.get_id(), here) is None
    assert sessions.live(person) == []


def test_changing_the_password_needs_the_current_one(make):
    person = make.user(email="gina@example.org")
    session_id = person.get_id()
    token = sessions.start(person, "pytest")
    db.session.commit()

    with pytest.raises(DomainError, match="current password is not right"):
        accounts.change_password(person, "not my password", NEW_PASSWORD)
    db.session.rollback()

    assert opens(session_id, token) == person
    assert accounts.authenticate(person.email, make.PASSWORD) == person
    assert emails_to(person.email) == []


def test_changing_to_a_weak_password_is_refused(make):
    person = make.user(email="gina@example.org")

    with pytest.raises(DomainError, match="email address"):
        accounts.change_password(person, make.PASSWORD, "gina@example.org")
    db.session.rollback()
    assert accounts.authenticate(person.email, make.PASSWORD) == person


def test_load_user_refuses_a_session_id_without_its_token(make):
    person = make.user()
    token = sessions.start(person, "pytest")
    db.session.commit()
    flask_session[SESSION_KEY] = token
    assert load_user(person.get_id()) == person
    assert load_user(str(person.id)) is None
    assert load_user(f"{person.id}:") is None
    assert load_user("not-a-number:abc") is None


# --- team members ------------------------------------------------------------------------


def test_create_team_member_makes_a_verified_team_account():
    user, created = accounts.create_team_member(" Hana@Example.org ", " Hana Li ", NEW_PASSWORD)
    db.session.commit()

    assert created is True
    assert (user.email, user.name, user.is_team, user.is_verified) == (
        "hana@example.org",
        "Hana Li",
        True,
        True,
    )
    assert accounts.authenticate("hana@example.org", NEW_PASSWORD) == user


def test_create_team_member_promotes_an_existing_account_without_touching_its_password(make):
    person = make.user(email="ivan@example.org")
    assert not person.is_team

    user, created = accounts.create_team_member("IVAN@example.org", None, None)
    db.session.commit()

    assert (user, created) == (person, False)
    assert person.is_team
    assert accounts.authenticate(person.email, make.PASSWORD) == person
    assert user_count() == 1


@pytest.mark.parametrize(
    ("name", "password", "message"),
    [
        ("Jo", "letmein12345", "too easy to guess"),
        ("Jo", "short", "12 characters"),
        (None, NEW_PASSWORD, "needs a name and a password"),
        ("Jo", None, "needs a name and a password"),
    ],
)
def test_create_team_member_refuses_a_new_account_without_good_details(name, password, message):
    with pytest.raises(DomainError, match=message):
        accounts.create_team_member("jo@example.org", name, password)
    assert user_count() == 0


# --- where to go after signing in --------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/", True),
        ("/account/", True),
        ("/organisations/3?tab=members", True),
        ("/team/organisations#pending", True),
        (None, False),
        ("", False),
        ("account", False),
        ("//evil.com", False),
        ("//evil.com/account", False),
        ("///evil.com", False),
        ("/\\evil.com", False),
        ("/\\/evil.com", False),
        ("/a\\b", False),
        ("\\\\evil.com", False),
        ("http://evil.com", False),
        ("https://evil.com/", False),
        ("https:evil.com", False),
        ("javascript:alert(1)", False),
        ("/\tevil.com", False),
        ("/\r\nLocation: http://evil.com", False),
        (" //evil.com", False),
    ],
)
def test_is_safe_next(target, safe):
    assert accounts.is_safe_next(target) is safe
