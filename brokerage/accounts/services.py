"""Accounts: sign-up, email verification, sign-in, password reset and change."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from brokerage.accounts import sessions
from brokerage.accounts.models import User, new_session_token
from brokerage.clock import utcnow
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email

# ASVS level 2 (V2.1.1): at least 12 characters.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
# The most common passwords of at least MIN_PASSWORD_LENGTH characters: refused outright.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "1q2w3e4r5t6y",
        "qwertyuiop12",
        "qwertyuiop123",
        "password1234",
        "password12345",
        "password123456",
        "iloveyou1234",
        "1qaz2wsx3edc",
        "qwerty123456",
        "abcdefghijkl",
        "letmein12345",
        "welcome12345",
        "administrator",
        "administrator1",
        "passw0rd1234",
        "football1234",
        "changeme1234",
        "correcthorsebatterystaple",
    }
)


class TokenInvalid(DomainError):
    """A link from an email that is broken, used, or for someone else."""


class WrongPassword(DomainError):
    """The current password given to change it is not the account's."""


class TokenExpired(DomainError):
    """A link from an email that was right but is now too old."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problem(password: str, email: str | None = None) -> str | None:
    """Why a new password is not acceptable, in plain words, or None if it is."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be {MIN_PASSWORD_LENGTH} characters or more"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must be {MAX_PASSWORD_LENGTH} characters or fewer"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return "Password is too easy to guess: try three random words together"
    if email and password.lower() == normalise_email(email):
        return "Password must not be your email address"
    return None


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"brokerage.{purpose}")


def _verify_token(user: User) -> str:
    return _serializer("verify-email").dumps({"u": user.id, "e": user.email})


def _reset_token(user: User) -> str:
    # Bound to the session token, which a password change replaces: the link works once.
    return _serializer("reset-password").dumps({"u": user.id, "s": user.session_token})


def _load(purpose: str, token: str, max_age: int) -> dict:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenExpired("This link has expired.") from None
    except BadSignature:
        raise TokenInvalid("This link is not valid. Check it is the whole link.") from None
    if not isinstance(data, dict):
        raise TokenInvalid("This link is not valid. Check it is the whole link.")
    return data


def send_verification_email(user: User) -> None:
    queue_email(
        user.email,
        "verify_email",
        "Confirm your email address",
        user=user,
        link=site_url("accounts.verify_email", token=_verify_token(user)),
        hours=current_app.config["EMAIL_VERIFY_MAX_AGE"] // 3600,
    )


def sign_up(name: str, email: str, password: str) -> User | None:
    """Create an account and send the verification email.

    If the address already has an account, nothing is created and its owner is
    emailed instead, so the page the visitor sees cannot reveal who has an account.
    """
    email = normalise_email(email)
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem)
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email(
            existing.email,
            "account_exists",
            "You already have an account",
            user=existing,
            sign_in=site_url("accounts.sign_in"),
            reset=site_url("accounts.forgot_password"),
        )
        return None
    user = User(name=name.strip(), email=email, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    send_verification_email(user)
    return user


def verify_email(token: str) -> User:
    data = _load("verify-email", token, current_app.config["EMAIL_VERIFY_MAX_AGE"])
    user = db.session.get(User, data.get("u"))
    if user is None or user.email != data.get("e"):
        raise TokenInvalid("This link is not valid. Check it is the whole link.")
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


# Checked against when the email is unknown, so sign-in takes as long either way.
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


def authenticate(email: str, password: str) -> User | None:
    user = find_user_by_email(email)
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    user.last_sign_in_at = utcnow()
    db.session.flush()
    return user


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an account. The caller shows the
    same message either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    queue_email(
        user.email,
        "reset_password",
        "Reset your password",
        user=user,
        link=site_url("accounts.reset_password", token=_reset_token(user)),
        minutes=current_app.config["PASSWORD_RESET_MAX_AGE"] // 60,
    )


def user_for_reset_token(token: str) -> User:
    data = _load("reset-password", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = db.session.get(User, data.get("u"))
    if user is None or not user.active or user.session_token != data.get("s"):
        raise TokenInvalid("This link has already been used or is not valid.")
    return user


def _set_password(user: User, password: str, keep_session: str | None = None) -> None:
    problem = password_problem(password, user.email)
    if problem:
        raise DomainError(problem)
    user.password_hash = hash_password(password)
    # Signs out every other session and spends outstanding reset links.
    user.session_token = new_session_token()
    sessions.end_others(user, keep=keep_session)
    queue_email(
        user.email,
        "password_changed",
        "Your password has been changed",
        user=user,
        reset=site_url("accounts.forgot_password"),
    )


def reset_password(token: str, password: str) -> User:
    user = user_for_reset_token(token)
    _set_password(user, password)
    # Following the emailed link proves the address, too.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.flush()
    return user


def change_password(
    user: User, current_password: str, new_password: str, keep_session: str | None = None
) -> None:
    """Set a new password; every signed-in session but `keep_session` (this browser's
    token) ends."""
    if not check_password_hash(user.password_hash, current_password):
        raise WrongPassword("Your current password is not right")
    _set_password(user, new_password, keep_session)
    db.session.flush()


def set_reminders(user: User, wanted: bool) -> None:
    """Turn the worker's reminders on or off for `user` (service emails always go)."""
    user.reminders_off = not wanted
    db.session.flush()


def set_daily_digest(user: User, wanted: bool) -> None:
    """One email a day listing the notices (True), or an email for each (False)."""
    user.daily_digest = wanted
    if wanted and user.digest_sent_at is None:
        # The first digest covers what comes from now on, not all that went before.
        user.digest_sent_at = utcnow()
    db.session.flush()


def check_password(user: User, password: str, message: str) -> None:
    """WrongPassword with `message` unless `password` is the account's."""
    if not check_password_hash(user.password_hash, password or ""):
        raise WrongPassword(message)


def create_team_member(email: str, name: str | None, password: str | None) -> tuple[User, bool]:
    """Make `email` a team member, creating a verified account if needed.
    Returns (user, created)."""
    user = find_user_by_email(email)
    if user is not None:
        user.is_team = True
        db.session.flush()
        return user, False
    if not name or not password:
        raise DomainError("A new account needs a name and a password")
    problem = password_problem(password, email)
    if problem:
        raise DomainError(problem)
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        password_hash=hash_password(password),
        is_team=True,
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    return user, True


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths may be used after sign-in: '/x', never '//evil' or 'http://'."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc
