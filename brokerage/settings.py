"""The documented settings: each one's name, default and meaning. README's
configuration table is written from this list; config.py reads them."""

from __future__ import annotations

from dataclasses import dataclass


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
    Setting(
        "SHARED_PAGE_SECONDS",
        "10 (0 in testing)",
        "seconds an anonymous visitor's public page (home, the needs list, a need, impact) is "
        "reused for the next visitors; 0 renders every one",
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
    Setting("INVOICE_DUE_DAYS", "14", "days a company has to pay a ball invoice (1 to 60)"),
    Setting("INVOICE_REMIND_DAYS", "3", "days before its due date an unpaid invoice is reminded"),
    Setting("INVOICE_PREFIX", "DCB", "invoice numbers' prefix: DCB-2027-0001"),
    Setting("INVOICE_PAYEE", "Digital Inclusion Leeds", "the bank account's name on invoices"),
    Setting("INVOICE_SORT_CODE", "00-00-00", "the bank account's sort code on invoices"),
    Setting("INVOICE_ACCOUNT_NUMBER", "00000000", "the bank account's number on invoices"),
    Setting(
        "INVOICE_CHARITY_DETAILS", "Registered charity 1000000", "the charity's details on invoices"
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
