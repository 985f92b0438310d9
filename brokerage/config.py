"""Settings, read from the environment and nowhere else."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from brokerage.settings import SETTINGS, Setting  # noqa: F401  (the documented list)

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"

ENVIRONMENTS = ("development", "testing", "production")


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot make a safe configuration."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from exc


def _number(name: str, value: str | None, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, like 1.5, not {value!r}") from exc
    if not 0 <= number <= 4:
        raise ConfigError(f"{name} must be between 0 and 4, not {value!r}")
    return number


def _database_url(env: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if env == "testing":
        url = os.environ.get("TEST_DATABASE_URL") or url
    if url:
        # Hosting platforms often hand out postgres:// URLs; SQLAlchemy wants the driver named.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgres://")
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    if env == "testing":
        return "sqlite:///" + str(INSTANCE / "test.db")
    return "sqlite:///" + str(INSTANCE / "brokerage.db")


# Where links point outside production when BASE_URL is not set: tests' client asks for
# http://localhost, `flask run` serves http://127.0.0.1:5000.
_LOCAL_BASE_URL = {"development": "http://127.0.0.1:5000", "testing": "http://localhost"}


def _base_url(env: str, given: str | None = None) -> str:
    """The site's address, checked: links in emails are built from it, never from a request."""
    url = (given or os.environ.get("BASE_URL") or "").strip()
    if not url:
        if env == "production":
            raise ConfigError(
                "BASE_URL must be set in production: the site's address, e.g. "
                "https://digital.example.org. Links in emails are built from it."
            )
        return _LOCAL_BASE_URL[env]
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(
            f"BASE_URL must be a site address like https://digital.example.org, not {url!r}"
        )
    return url.rstrip("/")


def _trusted_hosts(env: str, base_url: str) -> list[str]:
    """The host names requests may name: BASE_URL's, TRUSTED_HOSTS's, and outside
    production the local ones. Werkzeug answers 400 to any other Host header."""
    hosts = [urlsplit(base_url).hostname]
    extra = os.environ.get("TRUSTED_HOSTS", "")
    hosts += [h.strip().lower() for h in extra.split(",") if h.strip()]
    if env != "production":
        hosts += ["localhost", "127.0.0.1"]
    return list(dict.fromkeys(hosts))


# Signs the stand-in checkout's webhooks. It is published (here), so it proves nothing: it
# is accepted only where no real payment can happen, with no Stripe key, outside production.
STAND_IN_WEBHOOK_SECRET = "whsec_local_stand_in_not_secret"  # noqa: S105


def _check_webhook_secret(config: dict, production: bool) -> None:
    """With a Stripe key, webhooks must be verified with the endpoint's real secret."""
    key = config.get("STRIPE_SECRET_KEY")
    secret = config.get("STRIPE_WEBHOOK_SECRET")
    if not secret and not key and not production:
        config["STRIPE_WEBHOOK_SECRET"] = STAND_IN_WEBHOOK_SECRET
        return
    if key and not secret:
        raise ConfigError(
            "STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET_KEY is: the signing secret "
            "(whsec_...) of the webhook endpoint /ball/stripe/webhook, from Stripe's dashboard "
            "or `stripe listen`. Without it anyone could post a forged payment."
        )
    if secret == STAND_IN_WEBHOOK_SECRET and (key or production):
        raise ConfigError(
            "STRIPE_WEBHOOK_SECRET is the published stand-in secret, which only the local "
            "stand-in checkout may use: set the real signing secret (whsec_...) of the "
            "webhook endpoint /ball/stripe/webhook."
        )


RETENTION_DEFAULTS = {
    "RETAIN_GUEST_NEEDS_DAYS": 30,
    "RETAIN_ORDER_YEARS": 6,
    "RETAIN_GIFT_AID_YEARS": 6,
    "RETAIN_UNCONFIRMED_ACCOUNT_DAYS": 7,
    "RETAIN_EMAIL_BODY_DAYS": 30,
}


def _retention() -> dict:
    """How long personal data is kept (brokerage/privacy): whole numbers from 1 to
    100 (years) or 3,650 (days), and the accounting year's last day."""
    values = {}
    for name, default in RETENTION_DEFAULTS.items():
        value = _int(name, os.environ.get(name), default)
        most = 100 if name.endswith("_YEARS") else 3650
        if not 1 <= value <= most:
            raise ConfigError(f"{name} must be a whole number from 1 to {most}, not {value}")
        values[name] = value
    text = os.environ.get("ACCOUNTING_YEAR_END", "03-31").strip()
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2001, month, day)  # a real day in a year without 29 February
    except ValueError:
        raise ConfigError(
            f"ACCOUNTING_YEAR_END must be a day of the year as MM-DD, like 03-31, not {text!r}"
        ) from None
    values["ACCOUNTING_YEAR_END"] = (month, day)
    return values


def _reminders() -> dict:
    """When reminders go (brokerage/notifications/reminders.py): whole numbers of days."""
    values = {
        name: _int(name, os.environ.get(name), default)
        for name, default in (
            ("REMIND_FEEDBACK_DAYS", 7),
            ("REMIND_CLOSING_DAYS", 3),
            ("REMIND_OPPORTUNITY_DAYS", 7),
            ("REMIND_REPORT_DAYS", 14),
        )
    }
    text = os.environ.get("REMIND_GUEST_NAMES_DAYS", "7,1")
    days = [part.strip() for part in text.split(",") if part.strip()]
    if not days or not all(d.isascii() and d.isdigit() and 0 < int(d) <= 365 for d in days):
        raise ConfigError(
            f"REMIND_GUEST_NAMES_DAYS must be days from 1 to 365, like 7,1, not {text!r}"
        )
    values["REMIND_GUEST_NAMES_DAYS"] = tuple(sorted({int(d) for d in days}, reverse=True))
    for name in (
        "REMIND_FEEDBACK_DAYS",
        "REMIND_CLOSING_DAYS",
        "REMIND_OPPORTUNITY_DAYS",
        "REMIND_REPORT_DAYS",
    ):
        if not 1 <= values[name] <= 365:
            raise ConfigError(f"{name} must be a whole number from 1 to 365")
    return values


def _waiting_offer_hours() -> int:
    """Hours an offer from the ball's waiting list holds its seats: at most a day, the
    longest a Stripe Checkout session lasts."""
    hours = _int("WAITING_OFFER_HOURS", os.environ.get("WAITING_OFFER_HOURS"), 24)
    if not 1 <= hours <= 24:
        raise ConfigError(f"WAITING_OFFER_HOURS must be a whole number from 1 to 24, not {hours}")
    return hours


def _invoices() -> dict:
    """Pay by invoice for the ball (brokerage/ticketing/invoices.py)."""
    values = {name: _int(name, os.environ.get(name), d) for name, d in _INVOICE_DAYS.items()}
    if not 1 <= values["INVOICE_DUE_DAYS"] <= 60:
        raise ConfigError("INVOICE_DUE_DAYS must be a whole number from 1 to 60")
    if not 1 <= values["INVOICE_REMIND_DAYS"] <= values["INVOICE_DUE_DAYS"]:
        raise ConfigError("INVOICE_REMIND_DAYS must be from 1 to INVOICE_DUE_DAYS")
    for setting in SETTINGS:
        if setting.name.startswith("INVOICE_") and setting.name not in values:
            values[setting.name] = os.environ.get(setting.name, "").strip() or setting.default
    return values


_INVOICE_DAYS = {"INVOICE_DUE_DAYS": 14, "INVOICE_REMIND_DAYS": 3}


def _grants_360() -> dict:
    """Who we are in the 360Giving file (brokerage/funding/giving360.py)."""
    values = {
        "GRANTS_360_PREFIX": os.environ.get("GRANTS_360_PREFIX", "360G-digitalleeds").strip(),
        "FUNDER_ORG_ID": os.environ.get("FUNDER_ORG_ID", "GB-LAE-LDS").strip(),
        "FUNDER_ORG_NAME": os.environ.get("FUNDER_ORG_NAME", "Leeds City Council").strip(),
    }
    if not re.fullmatch(r"360G-[A-Za-z0-9-]+", values["GRANTS_360_PREFIX"]):
        raise ConfigError(
            "GRANTS_360_PREFIX must be the prefix 360Giving gave you, like 360G-digitalleeds"
        )
    if not re.fullmatch(r"[A-Z]{2,3}-[A-Z]{2,5}-[A-Za-z0-9-]+", values["FUNDER_ORG_ID"]):
        raise ConfigError("FUNDER_ORG_ID must be an org-id, like GB-LAE-LDS or GB-CHC-1234567")
    if not values["FUNDER_ORG_NAME"]:
        raise ConfigError("FUNDER_ORG_NAME must be the funder's name")
    return values


def _storage_options(uri: str | None) -> dict:
    """Timeouts for a Redis rate-limit store, so that a silent one costs a request a
    second at most (memory:// takes none)."""
    if (uri or "").startswith(("redis://", "rediss://")):
        return {"socket_connect_timeout": 1, "socket_timeout": 1}
    return {}


def load(overrides: dict | None = None) -> dict:
    """Build the Flask config mapping from the environment, then apply overrides."""
    env = os.environ.get("APP_ENV", "production").strip().lower()
    if overrides and "APP_ENV" in overrides:
        env = overrides["APP_ENV"]
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    production = env == "production"

    secret = os.environ.get("SECRET_KEY", "")
    if overrides and overrides.get("SECRET_KEY"):
        # A key passed to create_app (e.g. by a test or a WSGI wrapper) counts as set.
        secret = overrides["SECRET_KEY"]
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY must be set in production: a long random string, "
                'e.g. python -c "import secrets; print(secrets.token_hex(32))"'
            )
        secret = f"insecure-{env}-key-do-not-use-in-production"

    config = {
        "APP_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(env),
        # Pooled connections are checked before use (PostgreSQL: database.py).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # No wait on the database is unbounded (brokerage/database.py).
        **{
            f"DATABASE_{name}_TIMEOUT_S": _int(
                f"DATABASE_{name}_TIMEOUT_S",
                os.environ.get(f"DATABASE_{name}_TIMEOUT_S"),
                default,
            )
            for name, default in (("CONNECT", 5), ("STATEMENT", 10), ("LOCK", 5), ("POOL", 10))
        },
        "SERVICE_NAME": "Digital Inclusion Leeds",
        "SERVICE_EMAIL": os.environ.get("SERVICE_EMAIL", "digital.inclusion@example.org"),
        "TESTING": env == "testing",
        "SERVER_NAME": os.environ.get("SERVER_NAME") or None,
        "BASE_URL": _base_url(env, (overrides or {}).get("BASE_URL")),
        "PREFERRED_URL_SCHEME": os.environ.get(
            "PREFERRED_URL_SCHEME", "https" if production else "http"
        ),
        # Cookies: HttpOnly and SameSite=Lax always, Secure wherever HTTPS is expected.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), production),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), production),
        "PERMANENT_SESSION_LIFETIME": 60 * 60 * 12,
        "WTF_CSRF_TIME_LIMIT": 60 * 60 * 4,
        # Tokens sent by email.
        "EMAIL_VERIFY_MAX_AGE": 60 * 60 * 48,
        "PASSWORD_RESET_MAX_AGE": 60 * 60,
        "INVITATION_MAX_AGE_DAYS": 14,
        # Email.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", os.environ.get("MAIL_PORT"), 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL"), False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@localhost"),
        "MAIL_MAX_ATTEMPTS": _int("MAIL_MAX_ATTEMPTS", os.environ.get("MAIL_MAX_ATTEMPTS"), 8),
        "SHARED_PAGE_SECONDS": _int(
            "SHARED_PAGE_SECONDS",
            os.environ.get("SHARED_PAGE_SECONDS"),
            0 if env == "testing" else 10,
        ),
        "PROPOSAL_FLAG_WORKING_DAYS": _int(
            "PROPOSAL_FLAG_WORKING_DAYS", os.environ.get("PROPOSAL_FLAG_WORKING_DAYS"), 5
        ),
        "FUNDING_SPREAD_FLAG": _number(
            "FUNDING_SPREAD_FLAG", os.environ.get("FUNDING_SPREAD_FLAG"), 1.5
        ),
        "MAIL_TIMEOUT": 20,
        # A claim older than this is a worker that died mid-send: the email is tried again.
        "MAIL_CLAIM_TIMEOUT_S": _int(
            "MAIL_CLAIM_TIMEOUT_S", os.environ.get("MAIL_CLAIM_TIMEOUT_S"), 600
        ),
        # The team's dashboard and /healthz warn when the oldest waiting email is older.
        "MAIL_WARN_AFTER_S": _int("MAIL_WARN_AFTER_S", os.environ.get("MAIL_WARN_AFTER_S"), 900),
        "OUTBOX_VIEW": _bool(os.environ.get("OUTBOX_VIEW"), not production),
        # Rate limits on the doors people knock on.
        "RATELIMIT_ENABLED": _bool(os.environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Redis down (or silent) must not take the site down: each process then counts
        # in its own memory (so a visitor gets the limit once per process) until Redis
        # answers again, asked after 1, 2, 4 ... 32 s; a silent Redis is given up on
        # after a second.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_STORAGE_OPTIONS": _storage_options(os.environ.get("RATELIMIT_STORAGE_URI")),
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_SIGN_IN": "10 per minute;60 per hour",
        "RATELIMIT_SIGN_UP": "5 per minute;30 per hour",
        "RATELIMIT_PASSWORD_RESET": "5 per minute;30 per hour",
        "RATELIMIT_FIND_TICKETS": "5 per minute;30 per hour",
        # Wrong current passwords on the change-password form, per account.
        "RATELIMIT_CHANGE_PASSWORD": "5 per 15 minutes;20 per day",
        "RATELIMIT_CHECKOUT": os.environ.get("RATELIMIT_CHECKOUT", "20 per minute;100 per hour"),
        "RATELIMIT_CHECKOUT_EMAIL": os.environ.get(
            "RATELIMIT_CHECKOUT_EMAIL", "3 per minute;10 per hour"
        ),
        "RATELIMIT_CHECKOUT_ATTEMPTS": os.environ.get(
            "RATELIMIT_CHECKOUT_ATTEMPTS", "60 per minute;600 per hour"
        ),
        "HSTS": production,
        # The ball's payments. Without a secret key the local stand-in checkout is used
        # (refused in production); its webhooks are signed with a local secret.
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        "BALL_HOLD_MINUTES": _int("BALL_HOLD_MINUTES", os.environ.get("BALL_HOLD_MINUTES"), 30),
        "WAITING_OFFER_HOURS": _waiting_offer_hours(),
        "BALL_PAGE_CACHE_SECONDS": _int(
            "BALL_PAGE_CACHE_SECONDS",
            os.environ.get("BALL_PAGE_CACHE_SECONDS"),
            0 if env == "testing" else 1,
        ),
        "TRUSTED_PROXIES": _int("TRUSTED_PROXIES", os.environ.get("TRUSTED_PROXIES"), 0),
        # scrypt in production; a cheaper, still salted hash keeps the test suite quick.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000" if env == "testing" else "scrypt",
    }
    low = _int("IMPACT_HOUR_VALUE_LOW_PENCE", os.environ.get("IMPACT_HOUR_VALUE_LOW_PENCE"), 1350)
    high = _int(
        "IMPACT_HOUR_VALUE_HIGH_PENCE", os.environ.get("IMPACT_HOUR_VALUE_HIGH_PENCE"), 3000
    )
    if not 0 <= low <= high:
        raise ConfigError(
            "IMPACT_HOUR_VALUE_LOW_PENCE and IMPACT_HOUR_VALUE_HIGH_PENCE must be whole "
            f"numbers of pence, 0 or more, the low one no higher: not {low} and {high}"
        )
    config.update(_retention())
    config.update(_reminders())
    config.update(_grants_360())
    config.update(_invoices())
    config["DATA_COPY_INLINE_ROWS"] = _int(
        "DATA_COPY_INLINE_ROWS", os.environ.get("DATA_COPY_INLINE_ROWS"), 2000
    )
    config["DATA_COPY_LINK_HOURS"] = _int(
        "DATA_COPY_LINK_HOURS", os.environ.get("DATA_COPY_LINK_HOURS"), 24
    )
    config["VOLUNTEER_CHECK_MAX_AGE_DAYS"] = _int(
        "VOLUNTEER_CHECK_MAX_AGE_DAYS", os.environ.get("VOLUNTEER_CHECK_MAX_AGE_DAYS"), 3 * 365
    )
    if not 1 <= config["VOLUNTEER_CHECK_MAX_AGE_DAYS"] <= 3650:
        raise ConfigError("VOLUNTEER_CHECK_MAX_AGE_DAYS must be a whole number from 1 to 3650")
    # What an hour of volunteering is worth, as a range: the impact pages state the method.
    config["IMPACT_HOUR_VALUE_LOW_PENCE"] = low
    config["IMPACT_HOUR_VALUE_HIGH_PENCE"] = high
    if overrides:
        config.update(overrides)
    _check_webhook_secret(config, production)
    if not (overrides and "TRUSTED_HOSTS" in overrides):
        config["TRUSTED_HOSTS"] = _trusted_hosts(env, config["BASE_URL"])
    return config
