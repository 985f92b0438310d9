"""The browser tests' fixtures (a live server, Chromium, axe), for test_browser.py."""

from tests.browser.conftest import (  # noqa: F401
    base_url,
    browser_type_launch_args,
    check_page,
    live_server,
    new_context,
    sign_in,
)
