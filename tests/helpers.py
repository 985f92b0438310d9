"""Helpers for view tests: post forms with their CSRF token, read the outbox, and read
pages the way a person does (the text of the main part, errors beside fields, tables)."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from contextlib import contextmanager
from html.parser import HTMLParser

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from brokerage.accounts import sessions
from brokerage.accounts.models import UserSession
from brokerage.accounts.signing_in import SESSION_KEY
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = _TOKEN.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {page.status_code})"
    return match.group(1)


def sign_in_as(client, user, device: str = "pytest") -> str:
    """Sign `user` in on `client` as the sign-in page would: a session recorded on the
    server and its token in the cookie. Returns the token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    # Written through a session of its own: committing the test's would expire the
    # objects the test holds, and reloading them would show up in counted statements.
    with Session(db.engine) as own, own.begin():
        own.add(
            UserSession(
                id=sessions.token_hash(token),
                user_id=user.id,
                created_at=now,
                last_seen_at=now,
                user_agent=device,
            )
        )
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SESSION_KEY] = token
    return token


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


# --- Reading pages ---------------------------------------------------------------------------

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}


class _Elements(HTMLParser):
    """The text of each element for which `wanted(tag, attrs)` is true, with its attributes."""

    def __init__(self, wanted):
        super().__init__()
        self.wanted = wanted
        self.open: list[tuple[str, list[str] | None]] = []
        self.found: list[tuple[dict, list[str]]] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        attrs = {k: v or "" for k, v in attrs}
        buffer = [] if self.wanted(tag, attrs) else None
        if buffer is not None:
            self.found.append((attrs, buffer))
        self.open.append((tag, buffer))

    def handle_endtag(self, tag):
        while self.open:
            if self.open.pop()[0] == tag:
                break

    def handle_data(self, data):
        for _, buffer in self.open:
            if buffer is not None:
                buffer.append(data)


def elements(html: str, wanted) -> list[tuple[dict, str]]:
    parser = _Elements(wanted)
    parser.feed(html)
    return [(attrs, " ".join("".join(parts).split())) for attrs, parts in parser.found]


def main_html(response) -> str:
    [html] = re.findall(r"<main.*?</main>", response.get_data(as_text=True), flags=re.S)
    return html


def _with_class(css_class: str):
    return lambda tag, a: css_class in a.get("class", "").split()


def texts(response, css_class: str) -> list[str]:
    """The visible text of each element with `css_class` in the main content."""
    return [text for _, text in elements(main_html(response), _with_class(css_class))]


def page_text(response) -> str:
    [(_, text)] = elements(main_html(response), lambda tag, a: tag == "main")
    return text


def field_errors(response) -> dict[str, str]:
    """Each error message shown beside a field, by the field's id."""
    return {
        attrs.get("id", "").removesuffix("-error"): text.removeprefix("Error: ")
        for attrs, text in elements(main_html(response), _with_class("govuk-error-message"))
    }


def error_summary(response) -> str:
    [summary] = texts(response, "govuk-error-summary__list")
    return summary


def table_rows(response) -> list[list[str]]:
    """The body rows of every table on the page, as lists of cell text."""
    rows = []
    for body in re.findall(r"<tbody.*?</tbody>", main_html(response), flags=re.S):
        for row in re.findall(r"<tr.*?</tr>", body, flags=re.S):
            rows.append([text for _, text in elements(row, lambda tag, a: tag in {"td", "th"})])
    return rows


def flashes(response) -> str:
    return " ".join(texts(response, "govuk-notification-banner__content"))


@contextmanager
def counted_statements():
    """The SQL statements sent while the block runs: for tests that a page's queries
    do not grow with the data."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def python_says(script: str, env: dict, *args: str) -> dict:
    """Run `script` in a new Python process (in the project's folder, with `env`), as a
    server or a command would start, and return the JSON object its last line prints."""
    from brokerage.config import ROOT

    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
