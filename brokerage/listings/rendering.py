"""Each result of the needs and offers lists, and their filter form, drawn once and kept.

A result's markup (templates/listings/_result.html) depends only on the listing's
values as the list reads them (a ListedItem: frozen, so it can be a key), which list
it is on and the site's script root; nothing about the person looking. Drawing twenty
of them was the largest part of a list page's time, signed in or not, so each is drawn
once per process and kept (the most recent RESULTS_KEPT). An edited listing reads as
new values, so it is drawn again. With templates reloaded as they change (development),
nothing is kept.

The filter form (templates/listings/_filters.html) is the same for everyone too: it
depends on the list, the filters asked for (not the page), the terms offered and the
script root, and is kept by those (the most recent FORMS_KEPT). A term added or renamed
is a new set of terms offered, so the form is drawn again.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from flask import current_app
from markupsafe import Markup

from brokerage.listings.search import ListedItem

RESULTS_KEPT = 4096
FORMS_KEPT = 1024


def result(item: ListedItem, endpoint: str, closes_label: str, script_root: str) -> Markup:
    """The result's markup; `script_root` the request's (its links start with it)."""
    environment = current_app.jinja_env
    if environment.auto_reload:
        return _draw(environment, item, endpoint, closes_label)
    return _kept(environment, script_root, item, endpoint, closes_label)


@lru_cache(maxsize=RESULTS_KEPT)
def _kept(environment, _script_root: str, item, endpoint: str, closes_label: str) -> Markup:
    return _draw(environment, item, endpoint, closes_label)


def _draw(environment, item: ListedItem, endpoint: str, closes_label: str) -> Markup:
    template = environment.get_template("listings/_result.html")
    html = template.render(item=item, endpoint=endpoint, closes_label=closes_label)
    return Markup(html)  # noqa: S704 (an autoescaped template's output)


def filter_form(side, filters, options: dict, sort_choices: dict, script_root: str) -> Markup:
    """The list's filter form, `filters` chosen, offering `options` (filter_options)."""
    environment = current_app.jinja_env
    offered = tuple((name, tuple(values)) for name, values in options.items())
    key = (side.endpoint, side.noun, replace(filters, page=1), offered, tuple(sort_choices.items()))
    if environment.auto_reload:
        return _draw_form(environment, *key)
    return _kept_form(environment, script_root, *key)


@lru_cache(maxsize=FORMS_KEPT)
def _kept_form(environment, _script_root: str, *key) -> Markup:
    return _draw_form(environment, *key)


def _draw_form(environment, endpoint, noun, filters, offered, sort_choices) -> Markup:
    template = environment.get_template("listings/_filters.html")
    html = template.render(
        side={"endpoint": endpoint, "noun": noun},
        filters=filters,
        options=dict(offered),
        sort_choices=dict(sort_choices),
    )
    # Without the macro's blank line: the page's template indents the form.
    return Markup(html.strip())  # noqa: S704 (an autoescaped template's output)
