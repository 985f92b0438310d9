"""Public pages shared between anonymous visitors for a few seconds, and answered with
304 when the visitor's copy is still the page.

Rendering the home page, the needs list, a need's page or the public
impact page costs milliseconds of CPU per visit; the same page is what every anonymous
visitor sees. So one rendering serves the next visitors for SHARED_PAGE_SECONDS (10),
in each worker process, and is dropped at once when this process commits a change.

Only what nobody's own state is in is shared: a request that carries a cookie (a
signed-in person, or a visitor with a message waiting, a CSRF token or anything else in
their session) is always rendered for them and never stored, and a rendering that
wrote to the session or set a cookie (a form's CSRF token does) is never stored.
Shared pages go out with an ETag, `Cache-Control: no-cache` (a browser or proxy may
keep a copy but asks us each time) and `Vary: Cookie`; every other page keeps
`no-store` (security.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")

# The pages an anonymous visitor may be shown a shared copy of.
# (The ball page shares its own rendering, with each visitor's CSRF token put in: its
# form is for everyone. See ticketing/views.py.)
SHARED_ENDPOINTS = frozenset({"main.home", "needs.index", "needs.show", "impact.public"})
# A bound on what is kept: every search is a page of its own.
MAX_PAGES = 512


@dataclass(frozen=True, slots=True)
class Kept:
    body: bytes
    content_type: str
    etag: str
    until: float


_pages: dict[str, Kept] = {}
# Values every page shows whoever asks (the lists' filter options, how many listings
# match a list's filters), kept as a shared page is: for SHARED_PAGE_SECONDS, dropped
# when this process commits a change.
_values: dict[Hashable, tuple[float, object]] = {}
# A bound on them: every search has a count of its own.
MAX_VALUES = 1024


def clear() -> None:
    """Forget every kept page and value (this process's): something they show has changed."""
    _pages.clear()
    _values.clear()


def shared_value(key: Hashable, make: Callable[[], T]) -> T:
    """`make()`, kept under `key` in this process for SHARED_PAGE_SECONDS and dropped
    when this process commits a change (so another process's change shows within that
    time, as on the shared pages). Only for what is the same for everyone: never a
    person's own state, and never ORM objects (they belong to one request's session)."""
    seconds = current_app.config["SHARED_PAGE_SECONDS"]
    if seconds <= 0:
        return make()
    now = time.monotonic()
    kept = _values.get(key)
    if kept is None or kept[0] < now:
        kept = (now + seconds, make())
        if len(_values) >= MAX_VALUES:
            _values.clear()
        _values[key] = kept
    return kept[1]  # type: ignore[return-value]


def _shareable() -> bool:
    return (
        current_app.config["SHARED_PAGE_SECONDS"] > 0
        and request.method == "GET"
        and request.endpoint in SHARED_ENDPOINTS
        and not request.cookies
    )


def _answer(kept: Kept) -> Response:
    response = Response(kept.body, content_type=kept.content_type)
    response.set_etag(kept.etag)
    return response.make_conditional(request)


def _serve_kept() -> Response | None:
    if not _shareable():
        return None
    g.shared_page = True
    kept = _pages.get(request.full_path)
    if kept is None or kept.until < time.monotonic():
        return None
    g.shared_page_served = True
    return _answer(kept)


def _keep(response: Response) -> Response:
    if not g.get("shared_page"):
        return response
    if not g.get("shared_page_served"):
        if (
            response.status_code != 200
            or "Set-Cookie" in response.headers
            or session.modified
            or session
            or response.direct_passthrough
        ):
            return response  # someone's own: rendered for them alone
        response.add_etag()
        if len(_pages) >= MAX_PAGES:
            clear()
        _pages[request.full_path] = Kept(
            body=response.get_data(),
            content_type=response.content_type,
            etag=response.get_etag()[0],
            until=time.monotonic() + current_app.config["SHARED_PAGE_SECONDS"],
        )
        response = response.make_conditional(request)
    response.headers["Cache-Control"] = "no-cache"
    response.vary.add("Cookie")
    return response


def _note_writes(db_session: Session, _flush_context) -> None:
    db_session.info["wrote"] = True


def _note_statement(state) -> None:
    # UPDATE, INSERT and DELETE statements sent without a flush (a conditional UPDATE).
    if state.is_update or state.is_delete or state.is_insert:
        state.session.info["wrote"] = True


def _forget_on_commit(db_session: Session) -> None:
    if db_session.info.pop("wrote", False):
        clear()


def configure(app: Flask) -> None:
    app.before_request(_serve_kept)
    app.after_request(_keep)
    if not event.contains(Session, "after_flush", _note_writes):
        event.listen(Session, "after_flush", _note_writes)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _forget_on_commit)
