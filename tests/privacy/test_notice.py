"""The privacy notice says what the code does: its retention column is written from the
same settings the retention job reads."""

from __future__ import annotations

import pytest

from brokerage.config import RETENTION_DEFAULTS, ConfigError, load
from tests.helpers import page_text

SAYS = {
    "RETAIN_GUEST_NEEDS_DAYS": "{n} days after the ball, then deleted",
    "RETAIN_ORDER_YEARS": "{n} years after the end of the accounting year (which ends on "
    "31 March) in which the order was made",
    "RETAIN_GIFT_AID_YEARS": "{n} years after the end of the accounting year (which ends on "
    "31 March) in which the donation was made",
    "RETAIN_UNCONFIRMED_ACCOUNT_DAYS": "is never confirmed is deleted after {n} days",
    "RETAIN_EMAIL_BODY_DAYS": "is deleted after {n} days",
}


def test_every_retention_setting_is_in_the_notice():
    assert set(SAYS) == set(RETENTION_DEFAULTS)


def test_the_notice_states_the_defaults(client):
    text = page_text(client.get("/privacy"))
    for name, sentence in SAYS.items():
        assert sentence.format(n=RETENTION_DEFAULTS[name]) in text, name
    assert "special category data" in text
    assert "Explicit consent" in text


@pytest.mark.parametrize("name", sorted(SAYS))
def test_the_notice_changes_with_the_setting(app, client, monkeypatch, name):
    monkeypatch.setitem(app.config, name, 17)
    text = page_text(client.get("/privacy"))
    assert SAYS[name].format(n=17) in text


def test_the_accounting_year_end_is_a_setting(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "ACCOUNTING_YEAR_END", (12, 31))
    assert "which ends on 31 December" in page_text(client.get("/privacy"))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RETAIN_GUEST_NEEDS_DAYS", "0"),
        ("RETAIN_ORDER_YEARS", "101"),
        ("RETAIN_EMAIL_BODY_DAYS", "thirty"),
        ("ACCOUNTING_YEAR_END", "02-30"),
        ("ACCOUNTING_YEAR_END", "March"),
    ],
)
def test_a_bad_retention_setting_stops_the_app_with_a_clear_message(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load({"APP_ENV": "testing"})
