"""Settings, read from the environment and nowhere else."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

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


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    meaning: str


# The documented settings. README's configuration table is written from this list.
SETTINGS = (
    Setting("APP_ENV", "production", "development, testing or production"),
    Setting("SECRET_KEY", "(required in production)", "signs sessions, tokens and CSRF"),
    Setting(
        "DATABASE_URL",
        "sqlite:///instance/brokerage.db",
        "SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db",
    ),
    Setting("DATABASE_CONNECT_TIMEOUT_S", "5", "seconds to wait for a database connection"),
    Setting(
        "DATABASE_STATEMENT_TIMEOUT_S",
        "10",
        "PostgreSQL cancels a statement after this; a silent server is given 5 s more",
    ),
    Setting(
        "DATABASE_LOCK_TIMEOUT_S",
        "5",
        "seconds to wait for another transaction's lock (then: try again in a minute)",
    ),
    Setting("DATABASE_POOL_TIMEOUT_S", "10", "seconds to wait for a free pooled connection"),
    Setting("SERVER_NAME", "(unset)", "Flask's SERVER_NAME; leave unset behind a proxy"),
    Setting(
        "BASE_URL",
        "(required in production; http://127.0.0.1:5000 in development)",
        "the site's address, e.g. https://digital.example.org: every link in every email "
        "starts with it",
    ),
    Setting(
        "TRUSTED_HOSTS",
        "(BASE_URL's host)",
        "other host names the site answers to, comma-separated; any other Host is refused",
    ),
    Setting(
        "PREFERRED_URL_SCHEME",
        "https (http in development)",
        "scheme of links built from a request (Stripe's return address); emails use BASE_URL",
    ),
    Setting("MAIL_SERVER", "localhost", "SMTP host for the email worker"),
    Setting("MAIL_PORT", "25", "SMTP port"),
    Setting("MAIL_USERNAME", "(unset)", "SMTP user, if the server needs one"),
    Setting("MAIL_PASSWORD", "(unset)", "SMTP password"),
    Setting("MAIL_USE_TLS", "false", "STARTTLS after connecting"),
    Setting("MAIL_USE_SSL", "false", "connect with implicit TLS"),
    Setting("MAIL_DEFAULT_SENDER", "no-reply@localhost", "From address of every email"),
    Setting("MAIL_MAX_ATTEMPTS", "8", "tries before an email is marked failed"),
    Setting(
        "MAIL_CLAIM_TIMEOUT_S",
        "600",
        "seconds after which an email a worker claimed but never recorded is sent again",
    ),
    Setting(
        "MAIL_WARN_AFTER_S",
        "900",
        "the team is warned when the oldest waiting email has waited longer (seconds)",
    ),
    Setting(
        "PROPOSAL_FLAG_WORKING_DAYS",
        "5",
        "working days a proposed match may wait for answers before the team is warned",
    ),
    Setting(
        "FUNDING_SPREAD_FLAG",
        "1.5",
        "panel scores this far apart (1 to 5 scale) flag a grant application to discuss",
    ),
    Setting(
        "OUTBOX_VIEW",
        "true in development, false otherwise",
        "lets the team read the email outbox in the browser",
    ),
    Setting(
        "RATELIMIT_STORAGE_URI", "memory://", "Flask-Limiter storage, e.g. redis://127.0.0.1:6379"
    ),
    Setting("RATELIMIT_ENABLED", "true", "turn rate limits off (never in production)"),
    Setting(
        "TRUSTED_PROXIES",
        "0",
        "how many proxies in front set X-Forwarded-For/-Proto (1 behind one HTTPS proxy)",
    ),
    Setting("SESSION_COOKIE_SECURE", "true (false in development)", "send cookies over HTTPS only"),
    Setting(
        "STRIPE_SECRET_KEY",
        "(unset: the local stand-in checkout)",
        "Stripe secret key (sk_test_... or sk_live_...); required in production",
    ),
    Setting(
        "STRIPE_WEBHOOK_SECRET",
        "(required with STRIPE_SECRET_KEY; without one, outside production, a published "
        "stand-in secret)",
        "signing secret of the Stripe webhook endpoint /ball/stripe/webhook",
    ),
    Setting("STRIPE_API_BASE", "(Stripe's)", "another API address, e.g. a recording test server"),
    Setting("BALL_HOLD_MINUTES", "30", "how long seats are held while a buyer pays (30 to 1440)"),
    Setting(
        "WAITING_OFFER_HOURS",
        "24",
        "how long seats offered to the next on the ball's waiting list are held for them (1 to 24)",
    ),
    Setting(
        "RATELIMIT_CHECKOUT",
        "20 per minute;100 per hour",
        "checkouts that hold seats, per visitor's address (forms sent back do not count)",
    ),
    Setting(
        "RATELIMIT_CHECKOUT_EMAIL",
        "3 per minute;10 per hour",
        "checkouts that hold seats, per buyer's email address",
    ),
    Setting(
        "RATELIMIT_CHECKOUT_ATTEMPTS",
        "60 per minute;600 per hour",
        "every checkout form sent, per visitor's address (against hammering)",
    ),
    Setting(
        "BALL_PAGE_CACHE_SECONDS",
        "1 (0 in tests)",
        "how long each process reuses the ball page as visitors who are not signed in see it "
        "(0: never)",
    ),
    Setting(
        "REMIND_FEEDBACK_DAYS",
        "7",
        "days after a match is completed that a side without feedback is reminded",
    ),
    Setting(
        "REMIND_CLOSING_DAYS", "3", "days before a need or offer closes that its owners are told"
    ),
    Setting(
        "REMIND_OPPORTUNITY_DAYS",
        "7",
        "days before another funder's deadline that members of the organisations it fits "
        "are reminded (unless they said it is not for them)",
    ),
    Setting(
        "REMIND_GUEST_NAMES_DAYS",
        "7,1",
        "days before the guest cut-off that ball buyers with unnamed seats are reminded",
    ),
    Setting(
        "REMIND_REPORT_DAYS",
        "14",
        "days before a grant's monitoring report is due that the organisation is reminded",
    ),
    Setting(
        "GRANTS_360_PREFIX",
        "360G-digitalleeds",
        "the 360Giving identifier prefix of our grants (each grant is PREFIX-award-<id>)",
    ),
    Setting(
        "FUNDER_ORG_ID",
        "GB-LAE-LDS",
        "the funder's org-id in the 360Giving file (Leeds City Council's, by default)",
    ),
    Setting("FUNDER_ORG_NAME", "Leeds City Council", "the funder's name in the 360Giving file"),
    Setting(
        "DATA_COPY_INLINE_ROWS",
        "2000",
        "a person's copy of their data with more rows than this is made by the worker "
        "and its link emailed",
    ),
    Setting("DATA_COPY_LINK_HOURS", "24", "hours the emailed link to a copy of one's data works"),
    Setting(
        "RETAIN_GUEST_NEEDS_DAYS",
        "30",
        "days after the ball that guests' dietary and access needs are erased",
    ),
    Setting(
        "RETAIN_ORDER_YEARS",
        "6",
        "years after the end of the accounting year that ball orders' names are erased",
    ),
    Setting(
        "RETAIN_GIFT_AID_YEARS",
        "6",
        "years after the end of the accounting year that Gift Aid declarations are erased",
    ),
    Setting("ACCOUNTING_YEAR_END", "03-31", "the last day of the accounting year, as MM-DD"),
    Setting(
        "RETAIN_UNCONFIRMED_ACCOUNT_DAYS",
        "7",
        "days before an account whose email address is never confirmed is deleted",
    ),
    Setting(
        "RETAIN_EMAIL_BODY_DAYS",
        "30",
        "days before the text of a sent email (which may hold a sign-in link) is deleted",
    ),
    Setting(
        "VOLUNTEER_CHECK_MAX_AGE_DAYS",
        "1095",
        "days after a disclosure certificate's date that the check is flagged as out of date "
        "and no longer lets a volunteer be confirmed for regulated activity",
    ),
    Setting(
        "IMPACT_HOUR_VALUE_LOW_PENCE",
        "1350",
        "low value of a volunteer hour, in pence (around the Real Living Wage)",
    ),
    Setting(
        "IMPACT_HOUR_VALUE_HIGH_PENCE",
        "3000",
        "high value of a volunteer hour, in pence (a skilled IT professional's time)",
    ),
)


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
