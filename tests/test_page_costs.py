"""Every page each demo person reaches by following links from the home page, on the
demo's data: it answers (no broken link, no error), a GET writes nothing, and it sends
a bounded number of SQL statements, so a list that reads something row by row (a
statement per row, as the notices page, the review queue and the volunteers' places
page once did) shows here as soon as the demo has a few rows of it."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from brokerage.accounts.services import find_user_by_email
from brokerage.demo import seed_demo
from brokerage.extensions import db
from tests.helpers import counted_statements

# The demo's sign-ins (brokerage/demo/signins.py), and a visitor.
PEOPLE = (
    "team@example.org",
    "charity@example.org",
    "company@example.org",
    "newgroup@example.org",
    "panel@example.org",
    None,
)
# The most statements a page may send. The busiest today are the team's pages for
# making a match and a grant application's panel page (15).
MOST_STATEMENTS = 16
# Followed no further: signing out ends the walk; files are downloads, not pages; a
# copy of your data is one statement per table by design (privacy/subject.py).
NOT_PAGES = re.compile(
    r"/sign-out|\.(csv|zip|ics|svg|png|pdf|js|css|ico|txt)$|/static/|/your-data|/download"
)
# Writes a GET may make: opening the notices marks them seen, and a signed-in session
# notes when it was last used (once a minute, whichever page comes then).
WRITES_ON_GET = {"/notices": "UPDATE user_account SET notices_seen_at"}
SESSION_TOUCH = "UPDATE user_session SET last_seen_at"
# Pages of one shape (numbers taken out) visited at most this often.
EACH_SHAPE = 2


def _links(path: str, html: str) -> list[str]:
    found = []
    for href in re.findall(r'<a\b[^>]*\bhref="([^"#]*)"', html):
        parts = urlsplit(urljoin("http://localhost" + path, href.replace("&amp;", "&")))
        if parts.scheme not in ("http", "") or parts.netloc not in ("localhost", ""):
            continue  # mailto:, another site
        if NOT_PAGES.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def _cost(statements: list[str]) -> int:
    return len([s for s in statements if not s.lstrip().startswith(SESSION_TOUCH)])


def _walk(client) -> list[tuple[str, int, list[str]]]:
    """(path, status, statements) of each page reached from the home page."""
    seen, shapes, visited = set(), {}, []
    waiting = deque(["/"])
    while waiting:
        path = waiting.popleft()
        shape = re.sub(r"\d+", "N", path)
        if path in seen or shapes.get(shape, 0) >= EACH_SHAPE:
            continue
        seen.add(path)
        shapes[shape] = shapes.get(shape, 0) + 1
        with counted_statements() as statements:
            response = client.get(path)
        if _cost(statements) > MOST_STATEMENTS:
            # Counted again: a page's first visit in a process does one-off work.
            with counted_statements() as statements:
                response = client.get(path)
        visited.append((path, response.status_code, statements))
        if response.status_code == 200 and response.mimetype == "text/html":
            waiting.extend(_links(path, response.get_data(as_text=True)))
    return visited


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.commit()


@pytest.mark.parametrize("email", PEOPLE, ids=lambda e: e or "visitor")
def test_every_linked_page_answers_writes_nothing_and_reads_in_a_few_statements(
    demo, client, login, email
):
    if email:
        login(find_user_by_email(email))
    visited = _walk(client)
    assert len(visited) > (30 if email else 10)  # the walk went somewhere

    broken = [(path, status) for path, status, _ in visited if status >= 400]
    assert not broken, broken

    writes = {}
    for path, _, statements in visited:
        written = [
            s
            for s in (" ".join(s.split()) for s in statements)
            if not s.startswith("SELECT")
            and not s.startswith(SESSION_TOUCH)
            and not s.startswith(WRITES_ON_GET.get(path, "\x00"))
        ]
        if written:
            writes[path] = written
    assert not writes, writes

    costly = {
        path: _cost(statements)
        for path, _, statements in visited
        if _cost(statements) > MOST_STATEMENTS
    }
    assert not costly, costly
