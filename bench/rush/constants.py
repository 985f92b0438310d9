"""What every part of the rush shares: the steps of a purchase and what the pages say."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

STEPS = ("ball page", "hold", "checkout page", "pay", "paid page", "order page")
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
QUANTITY = re.compile(r'name="(quantity_\d+)"')
# What the app says when the seats have gone (ball.html and checkout.hold).
SOLD_OUT = re.compile(r"sold out|Only \d+ .* left|seats are left")
# Settings of the caller's environment that would change what is measured.
UNSET = (
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "SERVER_NAME",
    "PREFERRED_URL_SCHEME",
    "SESSION_COOKIE_SECURE",
    "TRUSTED_PROXIES",
    "BALL_HOLD_MINUTES",
    "RATELIMIT_STORAGE_URI",
    "TEST_DATABASE_URL",
)
