"""Browser test set-up: a live server for the session app, Debian's Chromium, and checks.

The app from tests/conftest.py is served by werkzeug in a thread, so the browser
and the test share one database (each through its own connections). Every
context made through pytest-playwright's `new_context` (and so `context` and
`page`) records console errors, which `check_page` asserts away together with
axe's accessibility violations.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import threading
import weakref
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Error, Page, Response, expect
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser import html_checker
from tests.browser.html_checker import HtmlChecker
from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# How long Playwright waits for a page or an element: the server is local.
TIMEOUT_MS = 10_000


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request is noise here
        pass


@pytest.fixture(scope="session")
def live_server(app):
    """Serve the session's app on a free local port; yield its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-playwright gives each context this base URL, so page.goto("/path") works."""
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    """Drive the Chromium from the OS packages: `playwright install` needs the internet."""
    wanted = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    path = shutil.which(wanted)
    if path is None:
        message = (
            f"No Chromium at {wanted}: apt-get install chromium, or set CHROMIUM_PATH "
            "to a Chromium or Chrome executable."
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": path, "args": CHROMIUM_ARGS}


# Console errors per browser context, as (text, url of the resource or script).
_CONSOLE_ERRORS: weakref.WeakKeyDictionary[BrowserContext, list[tuple[str, str]]] = (
    weakref.WeakKeyDictionary()
)


# Each context's documents as the server sent them (responses; their bodies are
# read only when a page is checked, outside the event handler).
_DOCUMENTS: weakref.WeakKeyDictionary[BrowserContext, list[Response]] = weakref.WeakKeyDictionary()


def _watch(context: BrowserContext) -> None:
    errors: list[tuple[str, str]] = []
    _CONSOLE_ERRORS[context] = errors
    documents: list[Response] = []
    _DOCUMENTS[context] = documents

    def on_response(response: Response) -> None:
        if response.request.resource_type == "document" and not 300 <= response.status < 400:
            documents.append(response)
            del documents[:-20]

    context.on("response", on_response)

    def on_console(message) -> None:
        # Do not touch message.page here: the sync API cannot call back from a handler.
        if message.type == "error":
            errors.append((message.text, message.location.get("url", "")))

    context.on("console", on_console)
    context.on("weberror", lambda error: errors.append((f"Uncaught: {error.error}", "")))


@pytest.fixture
def new_context(new_context):
    """pytest-playwright's context factory, with console errors recorded."""

    def make(**kwargs) -> BrowserContext:
        context = new_context(**kwargs)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        _watch(context)
        return context

    return make


def _unexpected_console_errors(page: Page) -> list[str]:
    """Console errors, except Chromium's note that the page itself answered 4xx or
    503: error pages (403, 404, 429, a form sent back with a 400, the busy page)
    are meant to."""
    found = []
    for text, url in _CONSOLE_ERRORS.get(page.context, []):
        own_status = text.startswith(
            (
                "Failed to load resource: the server responded with a status of 4",
                "Failed to load resource: the server responded with a status of 503",
            )
        )
        if own_status and url == page.url:
            continue
        found.append(f"{text} ({url})" if url else text)
    return found


_AXE = Axe()
_HTML_CHECKER: HtmlChecker | None = None


def _html_checker() -> HtmlChecker:
    """The Nu HTML Checker, started on first use and stopped when the tests end."""
    global _HTML_CHECKER
    if _HTML_CHECKER is None:
        reason = html_checker.missing()
        if reason:
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        _HTML_CHECKER = HtmlChecker()
        atexit.register(_HTML_CHECKER.stop)
    return _HTML_CHECKER


def _sent_html(page: Page) -> str:
    """The HTML the server sent for the page now shown (its source, as the Nu HTML
    Checker wants it), or the browser's serialisation if no response was seen."""
    here = page.url.split("#")[0]
    for response in reversed(_DOCUMENTS.get(page.context, [])):
        if response.url.split("#")[0] == here and response.frame.parent_frame is None:
            with contextlib.suppress(Error):
                return response.text()
    return page.content()


def _check_html(page: Page) -> None:
    errors = _html_checker().errors(_sent_html(page))
    assert not errors, f"{len(errors)} HTML errors on {page.url}:\n" + "\n".join(errors)


def _check_page(page: Page, *, axe: bool = True) -> None:
    """Assert that the page has no accessibility violations (axe-core, every rule it
    runs by default), that the browser logged no errors, such as a
    Content-Security-Policy refusal of inline script or style, and that the HTML the
    server sent has no errors (the Nu HTML Checker).

    axe runs inside the page, so it needs JavaScript: pass axe=False in a context
    with JavaScript switched off (the same pages are checked in the other tests).
    """
    page.wait_for_load_state("load")
    if axe:
        results = _AXE.run(page)
        if results.violations_count:
            report = results.generate_report()
            print(f"axe on {page.url}:\n{report}")
            pytest.fail(
                f"{results.violations_count} accessibility violations on {page.url}:\n{report}"
            )
    errors = _unexpected_console_errors(page)
    assert not errors, f"console errors on {page.url}: {errors}"
    _CONSOLE_ERRORS.get(page.context, []).clear()
    _check_html(page)


@pytest.fixture
def check_page():
    return _check_page


def _sign_in(
    page: Page,
    email: str,
    password: str = PASSWORD,
    *,
    check: bool | Callable[[Page], None] = True,
) -> None:
    """Sign in through the real sign-in page, as a person would. The sign-in page is
    checked with `check_page`, or with `check` when that is a function."""
    page.goto("/account/sign-in")
    if callable(check):
        check(page)
    elif check:
        _check_page(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


@pytest.fixture
def sign_in():
    return _sign_in
