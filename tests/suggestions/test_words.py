"""Money, dates and device names as the reasons say them."""

from __future__ import annotations

from datetime import date

import pytest

from brokerage.money import pounds
from brokerage.suggestions.words import day, devices


@pytest.mark.parametrize(
    ("pence", "words"),
    [
        (200_000, "£2,000"),
        (500_000, "£5,000"),
        (200_050, "£2,000.50"),
        (5, "£0.05"),
        (100, "£1"),
        (123_456_789, "£1,234,567.89"),
        (1_000_000_000, "£10,000,000"),
    ],
)
def test_pounds(pence, words):
    assert pounds(pence) == words


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (date(2027, 3, 3), "3 March 2027"),
        (date(2027, 3, 20), "20 March 2027"),
        (date(2026, 12, 1), "1 December 2026"),
    ],
)
def test_day(value, words):
    assert day(value) == words


@pytest.mark.parametrize(
    ("name", "count", "words"),
    [
        ("Laptop", 25, "laptops"),
        ("Laptop", 1, "laptop"),
        ("Desktop computer", 2, "desktop computers"),
        ("SIM card or mobile data", 5, "SIM cards or mobile data"),
        ("SIM card or mobile data", 1, "SIM card or mobile data"),
        (
            "Accessories (keyboards, mice, headsets, chargers)",
            3,
            "accessories (keyboards, mice, headsets, chargers)",
        ),
        (None, 3, "devices"),
    ],
)
def test_devices(name, count, words):
    assert devices(name, count) == words
