"""Helpers for view tests: post forms with their CSRF token, read the outbox."""

from __future__ import annotations

import re

from sqlalchemy import select

from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def submit(client, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
    """POST `data` to `url` with a CSRF token taken from `page` (default: `url`)."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, page or url)
    return client.post(url, data=payload, **kwargs)


def emails_to(address: str) -> list[OutboxEmail]:
    return list(
        db.session.scalars(
            select(OutboxEmail).where(OutboxEmail.to_address == address).order_by(OutboxEmail.id)
        )
    )


def link_in(email: OutboxEmail) -> str:
    """The first link in an email, as a path the test client can open."""
    match = re.search(r"https?://[^/\s]+(/\S*)", email.body_text)
    assert match, f"no link in email {email.subject!r}"
    return match.group(1)
