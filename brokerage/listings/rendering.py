"""Each result of the needs and offers lists drawn once and kept.

A result's markup (templates/listings/_result.html) depends only on the listing's
values as the list reads them (a ListedItem: frozen, so it can be a key), which list
it is on and the site's script root; nothing about the person looking. Drawing twenty
of them was the largest part of a list page's time, signed in or not, so each is drawn
once per process and kept (the most recent RESULTS_KEPT). An edited listing reads as
new values, so it is drawn again. With templates reloaded as they change (development),
nothing is kept.
"""

from __future__ import annotations

from functools import lru_cache

from flask import current_app, request
from markupsafe import Markup

from brokerage.listings.search import ListedItem

RESULTS_KEPT = 4096


def result(item: ListedItem, endpoint: str, closes_label: str) -> Markup:
    environment = current_app.jinja_env
    if environment.auto_reload:
        return _draw(environment, item, endpoint, closes_label)
    return _kept(environment, request.script_root, item, endpoint, closes_label)


@lru_cache(maxsize=RESULTS_KEPT)
def _kept(environment, _script_root: str, item, endpoint: str, closes_label: str) -> Markup:
    return _draw(environment, item, endpoint, closes_label)


def _draw(environment, item: ListedItem, endpoint: str, closes_label: str) -> Markup:
    template = environment.get_template("listings/_result.html")
    html = template.render(item=item, endpoint=endpoint, closes_label=closes_label)
    return Markup(html)  # noqa: S704 (an autoescaped template's output)
