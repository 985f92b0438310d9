"""Odd input on every page and every form: never a server error, and a refused form
saves nothing (issue 14; README, "Odd characters").

Routes are found in app.url_map, so a new page or form is fuzzed without being listed
here; who may use each one comes from the permission matrix. For each GET route,
generated values go into its query string (every parameter the app reads, every box of
the page's own GET forms) and into its path (unknown, huge and negative ids, odd
tokens). For each POST route, the fields are those of the forms that post to it on the
pages its role sees; each field is sent either as the page filled it in or as a
generated odd value, with a valid CSRF token, signed in as a role the matrix allows. An
answer of the form again, with its error summary, must have saved nothing.

Each route gets a fresh world (tests/test_permissions.py) and a few derandomized
examples (more for bigger forms), so the run is the same every time and takes a minute
or two per database; `make fuzz` (FUZZ_EXAMPLES=30) runs ten times as many.
"""

from __future__ import annotations

import os
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import current_app
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, literal, select

from brokerage import permissions
from brokerage.extensions import db, limiter
from brokerage.ids import IdConverter
from tests.conftest import REFERENCE_TABLES
from tests.test_permissions import MATRIX, World, fresh_world

# Endpoints not fuzzed here, and why.
SKIP = {
    # Its body is Stripe's signed JSON, not a form: tests/ticketing/test_webhooks.py
    # sends it bad signatures and malformed events.
    "ticketing.webhook",
}

# Query parameters the app reads, beyond the boxes of each page's own GET forms.
QUERY_PARAMETERS = [
    "q", "kind", "page", "status", "sort", "closing", "skill", "device", "ward", "group",
    "remote", "from", "to", "show", "need", "offer", "help", "code", "email", "next", "all",
    "ticket", "decision",
]  # fmt: skip

# Who fuzzes each endpoint: a visitor where the matrix lets one in, otherwise the first
# of these it allows; a few need a particular person to get past business rules.
ROLE_ORDER = ("owner", "other", "team", "member", "unverified")
ROLE_FOR = {
    "organisations.accept_invitation": "other",
    "volunteering.accept_invitation": "member",
    # Only a volunteer of B signs up (the world's volunteer, not a role of the matrix).
    "volunteering.sign_up": "volunteer",
    # Only the volunteer who was on the session logs hours for it.
    "volunteering.hours_log": "volunteer",
}

ODD_STRINGS = [
    "",
    " ",
    "   ",
    "\t\n",
    "0",
    "-1",
    "1.5",
    "1e9",
    "NaN",
    str(2**31 - 1),
    str(2**31),
    str(2**63),
    "12345678901234567890123",
    "-99999999999999999999999",
    "9" * 5000,
    "٣",
    "²",
    "2026-02-30",
    "31/02/2026",
    "0000-00-00",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x85",
    "\u202eevil",
    "\u2066x\u2069",
    "é",
    "💷",
    "<script>alert(1)</script>",
    "%00",
    "../../etc/passwd",
    "x" * 100_000,
]

odd_text = st.one_of(
    st.sampled_from(ODD_STRINGS),
    st.sampled_from(ODD_STRINGS),
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)
# A good value beside an odd one gets past the first check to the code behind it.
odd_or_plausible = st.one_of(odd_text, st.sampled_from(["1", "6", "2030", "2026-04-01", "yes"]))
odd_id = st.sampled_from([0, 1, 999_999, 2**31 - 1, 2**31, 2**63, 10**22])

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "3")),
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: each example is a request to a real page, and the message names
    # the values sent.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _endpoints(method: str) -> list:
    return [
        pytest.param(endpoint, id=endpoint)
        for endpoint, methods in MATRIX.items()
        if method in methods and endpoint not in SKIP
    ]


def _role(endpoint: str, method: str) -> str:
    allowed = MATRIX[endpoint][method]
    if endpoint in ROLE_FOR:
        return ROLE_FOR[endpoint]
    if "anonymous" in allowed:
        return "anonymous"
    return next(role for role in ROLE_ORDER if role in allowed)


def _sign_in(client, world: World, role: str) -> None:
    with client.session_transaction() as session:
        session.clear()
        if role != "anonymous":
            session["_user_id"] = world.user(role).get_id()
            session["_fresh"] = True


def _csrf_token(client) -> str:
    """A valid token, made as Flask-WTF makes one, for the client's session."""
    raw = secrets.token_hex(20)
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    serializer = URLSafeTimedSerializer(current_app.secret_key, salt="wtf-csrf-token")
    return serializer.dumps(raw)


def _row_counts() -> dict[str, int]:
    tables = [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]
    counts = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables),
        literal(1).label("_"),
    )
    row = db.session.execute(counts).one()._mapping
    return {name: row[name] for name in (t.name for t in tables)}


# --- What the pages' forms send ------------------------------------------------------------


class _Forms(HTMLParser):
    """Every <form> on a page: its method, action, and the (name, value) pairs it would
    send as the page fills it in (first option of a choice, every box of a date)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None
        self._radios: set[str] = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {
                "method": (a.get("method") or "get").lower(),
                "action": a.get("action") or "",
                "fields": [],
            }
            self._radios = set()
            self.forms.append(self._form)
            return
        if self._form is None or not a.get("name"):
            return
        name, fields = a["name"], self._form["fields"]
        if tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind in {"radio", "checkbox"}:
                # The first choice of each group, as if the person picked it.
                if name not in self._radios:
                    self._radios.add(name)
                    fields.append((name, a.get("value") or "on"))
            elif kind not in {"file", "image", "reset"}:
                fields.append((name, a.get("value") or _plausible(name, a)))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            fields.append((name, a.get("value") or ""))
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select is not None:
            if a.get("value"):
                fields.append((self._select, a["value"]))
                self._select = None  # the first real option only
        elif tag == "textarea":
            self._textarea = name
            fields.append((name, ""))

    def handle_data(self, data):
        if self._textarea is not None and self._form is not None:
            name, text = self._form["fields"][-1]
            self._form["fields"][-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            name, text = self._form["fields"][-1]
            self._form["fields"][-1] = (name, text or "Fuzzed words")
            self._textarea = None


# What a person would type in an empty box, so that an odd value in one box meets a
# form that is otherwise good and reaches the code behind it.
_PLAUSIBLE_BY_ID = {"-day": "1", "-month": "6", "-year": "2030", "-time": "7pm"}
_NUMBERS = (
    "quantity", "volunteers", "hours", "capacity", "seats", "limit", "devices",
    "people", "amount", "price", "money", "donation",
)  # fmt: skip


def _plausible(name: str, attrs: dict) -> str:
    for suffix, value in _PLAUSIBLE_BY_ID.items():
        if (attrs.get("id") or "").endswith(suffix):
            return value
    if "email" in name or attrs.get("type") == "email":
        return "fuzz@example.org"
    if "password" in name:
        return "correct horse battery staple"
    if "website" in name:
        return "https://example.org"
    if "postcode" in name:
        return "LS1 1UR"
    if any(word in name for word in _NUMBERS) or attrs.get("inputmode") == "numeric":
        return "2"
    return "Fuzzed words"


def _forms_on(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# role -> path -> the fields of the longest form posting there; and path -> GET form boxes
_POSTED_TO: dict[str, dict[str, list[tuple[str, str]]]] = {}
_QUERY_BOXES: dict[str, set[str]] = {}


def _scan(client, world: World, role: str) -> dict[str, list[tuple[str, str]]]:
    """The forms on every page `role` may open, by the path they post to."""
    if role in _POSTED_TO:
        return _POSTED_TO[role]
    found: dict[str, list[tuple[str, str]]] = {}
    _sign_in(client, world, role)
    for endpoint, methods in MATRIX.items():
        if role not in methods.get("GET", ()) or endpoint in SKIP:
            continue
        url = world.url(endpoint)
        response = client.get(url)
        if "html" not in response.content_type:
            continue
        for form in _forms_on(response.get_data(as_text=True)):
            path = urlsplit(form["action"]).path or urlsplit(url).path
            fields = form["fields"]
            if form["method"] == "get":
                _QUERY_BOXES.setdefault(path, set()).update(n for n, _ in fields)
            elif len(fields) >= len(found.get(path, [])):
                found[path] = fields
    _POSTED_TO[role] = found
    return found


@pytest.fixture
def world(make) -> World:
    return fresh_world(make)


# --- The tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", _endpoints("GET"))
def test_every_page_answers_odd_urls_without_a_server_error(app, client, world, endpoint):
    role = _role(endpoint, "GET")
    rule = next(app.url_map.iter_rules(endpoint))
    url = world.url(endpoint)
    base = urlsplit(url)
    _scan(client, world, role)  # the boxes of the page's own GET forms
    names = sorted(
        {
            *QUERY_PARAMETERS,
            *(n for n, _ in parse_qsl(base.query)),
            *_QUERY_BOXES.get(base.path, ()),
        }
    )
    path_args = sorted(rule.arguments)

    @FUZZ
    @given(
        # Up to three values a name: a date filter is three boxes, one of them odd.
        query=st.dictionaries(
            st.sampled_from(names), st.lists(odd_or_plausible, max_size=3), max_size=4
        ),
        path=st.fixed_dictionaries(
            {},
            optional={
                name: odd_id if isinstance(rule._converters[name], IdConverter) else odd_text
                for name in path_args
            },
        ),
    )
    def check(query, path):
        limiter.reset()
        _sign_in(client, world, role)
        target = url
        if path:
            values = _url_values(world, endpoint)
            values.update(path)
            target = current_app.url_for(endpoint, **values)
        response = client.get(
            urlsplit(target).path,
            query_string=[*parse_qsl(base.query), *((k, v) for k, vs in query.items() for v in vs)],
        )
        sent = {name: [_short(v) for v in values] for name, values in query.items()}
        assert response.status_code < 500, f"GET {_short(target)} {sent} as {role}"
        db.session.rollback()

    check()


def _url_values(world: World, endpoint: str) -> dict:
    """The path values World.url fills in for `endpoint`."""
    rule = next(current_app.url_map.iter_rules(endpoint))
    adapter = current_app.url_map.bind("localhost")
    method = "GET" if "GET" in rule.methods else "POST"
    _, values = adapter.match(urlsplit(world.url(endpoint)).path, method=method)
    return dict(values)


@pytest.mark.parametrize("endpoint", _endpoints("POST"))
def test_every_form_refuses_odd_input_without_a_server_error(app, client, world, endpoint):
    role = _role(endpoint, "POST")
    url = world.url(endpoint)
    fields = _scan(client, world, role).get(urlsplit(url).path, [])
    # Each form's CSRF field (named with the form's prefix, if any) gets a valid token.
    tokens = sorted({n for n, _ in fields if n.endswith("csrf_token")}) or ["csrf_token"]
    fields = [(n, v) for n, v in fields if n not in tokens]
    if not fields:
        fields = [("value", "")]  # a form of only a button: send it something anyway

    @settings(FUZZ, max_examples=FUZZ.max_examples * max(1, min(len(fields), 12) // 3))
    @given(
        # One or two boxes get odd values (a date has three or four boxes under one
        # name); every other box keeps what the page, or a person, would fill in.
        odd=st.dictionaries(st.integers(0, len(fields) - 1), odd_text, min_size=1, max_size=2),
        extra=st.dictionaries(st.sampled_from(QUERY_PARAMETERS), odd_text, max_size=1),
    )
    def check(odd, extra):
        limiter.reset()
        _sign_in(client, world, role)
        data: dict[str, list[str]] = {}
        for index, (name, value) in enumerate(fields):
            data.setdefault(name, []).append(odd.get(index, value))
        for name, value in extra.items():
            data.setdefault(name, [value])
        token = _csrf_token(client)
        data.update({name: [token] for name in tokens})
        before = _row_counts()
        response = client.post(url, data=data)
        sent = {name: [_short(v) for v in values] for name, values in data.items()}
        where = f"POST {url} as {role} with {sent}"
        assert response.status_code < 500, where
        if response.status_code in (200, 400) and "govuk-error-summary" in response.get_data(
            as_text=True
        ):
            after = _row_counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{where}: refused, but saved {changed}"
        db.session.rollback()

    check()


def _short(value: str) -> str:
    return value if len(value) < 40 else f"{value[:20]!r}... ({len(value)} characters)"


def test_every_route_is_fuzzed_or_skipped_with_a_reason(app):
    endpoints = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in permissions.BUILTIN_PUBLIC_ENDPOINTS
    }
    fuzzed = {p.values[0] for p in _endpoints("GET") + _endpoints("POST")}
    assert endpoints == fuzzed | SKIP
