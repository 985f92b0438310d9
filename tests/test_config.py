"""Settings come from the environment: unsafe set-ups stop the app starting, and SQLite
is run with foreign keys and WAL."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from brokerage import create_app
from brokerage.config import (
    INSTANCE,
    SETTINGS,
    STAND_IN_WEBHOOK_SECRET,
    ConfigError,
    load,
)
from brokerage.extensions import db

KEY = "k" * 64
SITE = "https://digital.example.org"


@pytest.fixture(autouse=True)
def bare_environment(monkeypatch):
    """No setting leaks in from the shell running the tests."""
    for setting in SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    for name in ("TEST_DATABASE_URL", "SERVICE_EMAIL", "MAIL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the secret key ----------------------------------------------------------------------


def test_production_will_not_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")

    with pytest.raises(ConfigError, match="SECRET_KEY must be set in production"):
        load()
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_an_empty_secret_key_counts_as_missing(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "")

    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load()
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load({"SECRET_KEY": ""})


def test_without_app_env_the_app_runs_as_production():
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load()


def test_production_uses_the_secret_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)

    config = load()
    assert config["APP_ENV"] == "production"
    assert config["SECRET_KEY"] == KEY
    assert config["TESTING"] is False


def test_a_secret_key_given_to_create_app_counts_as_set():
    config = load({"APP_ENV": "production", "SECRET_KEY": KEY, "BASE_URL": SITE})
    assert config["SECRET_KEY"] == KEY


@pytest.mark.parametrize("env", ["development", "testing"])
def test_development_and_tests_run_without_a_secret_key(monkeypatch, env):
    monkeypatch.setenv("APP_ENV", env)

    config = load()
    assert config["APP_ENV"] == env
    assert config["SECRET_KEY"]
    assert "do-not-use-in-production" in config["SECRET_KEY"]


# --- BASE_URL and the hosts the site answers to ------------------------------------------


def test_production_will_not_start_without_base_url(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", KEY)

    with pytest.raises(ConfigError, match="BASE_URL must be set in production"):
        load()
    monkeypatch.setenv("BASE_URL", "  ")
    with pytest.raises(ConfigError, match="BASE_URL must be set in production"):
        create_app()


@pytest.mark.parametrize(
    "given", ["digital.example.org", "ftp://digital.example.org", "https://", "https://x.org/?a=1"]
)
def test_a_base_url_that_is_not_a_site_address_stops_the_app(monkeypatch, given):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("BASE_URL", given)
    with pytest.raises(ConfigError, match="BASE_URL must be a site address"):
        load()


def test_production_answers_only_to_base_urls_host_and_those_listed(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE + "/")

    config = load()
    assert config["BASE_URL"] == SITE
    assert config["TRUSTED_HOSTS"] == ["digital.example.org"]

    monkeypatch.setenv("TRUSTED_HOSTS", " www.digital.example.org, ,Admin.Example.org")
    assert load()["TRUSTED_HOSTS"] == [
        "digital.example.org",
        "www.digital.example.org",
        "admin.example.org",
    ]


@pytest.mark.parametrize(
    ("env", "base_url"),
    [("development", "http://127.0.0.1:5000"), ("testing", "http://localhost")],
)
def test_outside_production_the_local_hosts_are_served(monkeypatch, env, base_url):
    monkeypatch.setenv("APP_ENV", env)

    config = load()
    assert config["BASE_URL"] == base_url
    assert {"localhost", "127.0.0.1"} <= set(config["TRUSTED_HOSTS"])


# --- Stripe's webhook secret -----------------------------------------------------------


def test_a_stripe_key_without_a_webhook_secret_stops_the_app(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_staging")

    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET must be set when STRIPE_SECRET"):
        load()
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET must be set"):
        create_app()
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_real_staging_secret")
    assert load()["STRIPE_WEBHOOK_SECRET"] == "whsec_real_staging_secret"


@pytest.mark.parametrize("env", ["development", "testing", "production"])
def test_the_published_stand_in_secret_is_refused_with_a_stripe_key(monkeypatch, env):
    monkeypatch.setenv("APP_ENV", env)
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_staging")
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", STAND_IN_WEBHOOK_SECRET)

    with pytest.raises(ConfigError, match="published stand-in secret"):
        load()


def test_production_never_takes_the_stand_in_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)

    assert load()["STRIPE_WEBHOOK_SECRET"] is None  # every webhook refused
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", STAND_IN_WEBHOOK_SECRET)
    with pytest.raises(ConfigError, match="published stand-in secret"):
        load()


@pytest.mark.parametrize("env", ["development", "testing"])
def test_without_stripe_keys_the_stand_in_secret_signs_local_webhooks(monkeypatch, env):
    monkeypatch.setenv("APP_ENV", env)
    assert load()["STRIPE_WEBHOOK_SECRET"] == STAND_IN_WEBHOOK_SECRET


# --- APP_ENV -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["staging", "prod", "dev", "test"])
def test_an_unknown_app_env_stops_the_app(monkeypatch, value):
    monkeypatch.setenv("APP_ENV", value)
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)

    with pytest.raises(
        ConfigError, match="APP_ENV must be one of development, testing, production"
    ):
        load()


def test_an_unknown_app_env_passed_to_create_app_stops_it_too():
    with pytest.raises(ConfigError, match="APP_ENV"):
        create_app({"APP_ENV": "staging", "SECRET_KEY": KEY})


def test_app_env_ignores_case_and_spaces(monkeypatch):
    monkeypatch.setenv("APP_ENV", "  Development ")
    assert load()["APP_ENV"] == "development"


# --- DATABASE_URL ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "used"),
    [
        (
            "postgres://u:p@db.example:5432/brokerage",
            "postgresql+psycopg://u:p@db.example:5432/brokerage",
        ),
        ("postgresql://u@db/brokerage", "postgresql+psycopg://u@db/brokerage"),
        ("postgresql+psycopg://u@db/brokerage", "postgresql+psycopg://u@db/brokerage"),
        ("sqlite:////var/lib/brokerage.db", "sqlite:////var/lib/brokerage.db"),
    ],
)
def test_database_url_is_given_the_driver_sqlalchemy_needs(monkeypatch, given, used):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)
    monkeypatch.setenv("DATABASE_URL", given)

    assert load()["SQLALCHEMY_DATABASE_URI"] == used


def test_without_database_url_the_app_uses_sqlite_in_the_instance_folder(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)
    assert load()["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(INSTANCE / "brokerage.db")
    monkeypatch.setenv("APP_ENV", "testing")
    assert load()["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(INSTANCE / "test.db")


def test_tests_use_test_database_url_never_the_live_database(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://live@db/brokerage")
    monkeypatch.setenv("TEST_DATABASE_URL", "postgres://ci@db/test_brokerage")

    monkeypatch.setenv("APP_ENV", "testing")
    assert load()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://ci@db/test_brokerage"
    monkeypatch.setenv("APP_ENV", "development")
    assert load()["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://live@db/brokerage"


# --- other settings ----------------------------------------------------------------------


def test_a_mail_port_that_is_not_a_number_stops_the_app(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("MAIL_PORT", "twenty-five")
    with pytest.raises(ConfigError, match="MAIL_PORT must be a whole number"):
        load()
    monkeypatch.setenv("MAIL_PORT", "2525")
    assert load()["MAIL_PORT"] == 2525


@pytest.mark.parametrize(
    ("env", "secure", "outbox_view", "hsts", "scheme"),
    [
        ("production", True, False, True, "https"),
        ("development", False, True, False, "http"),
        ("testing", False, True, False, "http"),
    ],
)
def test_defaults_for_each_environment(monkeypatch, env, secure, outbox_view, hsts, scheme):
    monkeypatch.setenv("APP_ENV", env)
    monkeypatch.setenv("SECRET_KEY", KEY)
    monkeypatch.setenv("BASE_URL", SITE)

    config = load()
    assert config["SESSION_COOKIE_SECURE"] is secure
    assert config["REMEMBER_COOKIE_SECURE"] is secure
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert config["OUTBOX_VIEW"] is outbox_view
    assert config["HSTS"] is hsts
    assert config["PREFERRED_URL_SCHEME"] == scheme
    assert config["RATELIMIT_ENABLED"] is True
    assert config["TESTING"] is (env == "testing")


def test_the_environment_can_turn_settings_on_and_off(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "yes")
    monkeypatch.setenv("OUTBOX_VIEW", "0")
    monkeypatch.setenv("MAIL_USE_TLS", "TRUE")

    config = load()
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["OUTBOX_VIEW"] is False
    assert config["MAIL_USE_TLS"] is True


# --- SQLite ------------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(tmp_path):
    app = create_app(
        {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "x.db")}
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_sqlite_runs_with_foreign_keys_and_wal(sqlite_app):
    with sqlite_app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        # And on every connection, not just the first.
        with db.engine.connect() as one, db.engine.connect() as two:
            for conn in (one, two):
                assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_sqlite_refuses_a_row_that_points_at_nothing(sqlite_app):
    with sqlite_app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
            conn.execute(
                text(
                    "CREATE TABLE child"
                    " (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent)"
                )
            )
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(text("INSERT INTO child (id, parent_id) VALUES (1, 99)"))
