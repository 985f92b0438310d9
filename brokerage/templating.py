"""Jinja set-up: GOV.UK Frontend macros, and filters that show UTC times in Europe/London."""

from __future__ import annotations

from functools import lru_cache

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader, Template
from markupsafe import Markup

from brokerage.clock import (
    format_date,
    format_datetime,
    format_days,
    format_duration,
    format_waited,
)
from brokerage.links import site_url
from brokerage.money import pounds
from brokerage.permissions import Action, can


def csrf_field(form) -> Markup:
    """A form's CSRF token as a hidden input without an id: a page with two forms
    would otherwise have two elements with id="csrf_token". Nothing when CSRF is
    switched off (as in some tests)."""
    field = getattr(form, "csrf_token", None)
    return field(id=False) if field is not None else Markup("")


class QuickImportTemplate(Template):
    """A template whose `{% from ... import ... %}` costs a dictionary lookup, not a
    walk through every global.

    Each import asks which of the importing page's globals the imported template
    lacks, and Jinja answers by looking each one up in a ChainMap, a Python call per
    global per map: with a page's dozen imports that was a fifth of drawing a simple
    page. Here the same question is asked of the maps' keys in one set difference; when
    the answer is none (always, for pages drawn by render_template) the module Jinja
    keeps is used, exactly as it would be."""

    def _get_default_module(self, ctx=None):
        if ctx is not None:
            maps = getattr(self.globals, "maps", (self.globals,))
            if not ctx.globals_keys.difference(*maps):
                ctx = None  # nothing the imported template lacks: its kept module
        return super()._get_default_module(ctx)


@lru_cache(maxsize=64)
def _option_pairs(options: tuple[tuple[str, str], ...]) -> tuple[tuple[str, Markup, Markup], ...]:
    return tuple(
        (
            value,
            Markup('<option value="{}">{}</option>').format(value, text),
            Markup('<option value="{}" selected>{}</option>').format(value, text),
        )
        for value, text in options
    )


def option_tags(options, current) -> Markup:
    """A drop-down's <option>s, the one whose value is `current` selected. Each list's
    markup is made once: the list pages' filters offer the same terms on every page,
    and a template loop over them cost a signed-in list page more than its results."""
    pairs = _option_pairs(tuple(tuple(option) for option in options))
    return Markup("\n").join(
        chosen if value == current else plain for value, plain, chosen in pairs
    )


def plural(word: str, count: int, many: str | None = None) -> str:
    """The word as a person writes it after `count`: 'match' | plural(2) -> 'matches',
    'proposal' | plural(1) -> 'proposal'. `many` for an irregular plural."""
    if count == 1:
        return word
    if many is not None:
        return many
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in set("aeiou"):
        return word[:-1] + "ies"
    return word + "s"


def error_summary(form) -> dict:
    """Parameters for govukErrorSummary: each field's first error linked to the field,
    then any form-level errors (which belong to no one field)."""
    items = []
    for field in form:
        if field.errors:
            # A date's first box is its day: that is where the link must land.
            target = f"{field.name}-day" if isinstance(field.widget, GovDateInput) else field.id
            items.append({"text": field.errors[0], "href": f"#{target}"})
    items.extend({"text": message} for message in getattr(form, "form_errors", []))
    return {"titleText": "There is a problem", "errorList": items}


def compile_all(app: Flask) -> int:
    """Compile every template the app can find (its own, GOV.UK Frontend's) into Jinja's
    cache, as the first request to use each would; how many there are."""
    names = app.jinja_env.list_templates()
    for name in names:
        app.jinja_env.get_template(name)
    return len(names)


def configure(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            app.jinja_loader,
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.template_class = QuickImportTemplate
    # Every template stays compiled once it is (ready_to_serve compiles them all at start):
    # Jinja's default keeps the last 400 used, and each lookup moved its template to the
    # end of a list of them, a scan of all 320 once they were all compiled (7.6 us a
    # lookup, against 0.3 in a dict; about 30 lookups in a ticket buyer's six requests).
    app.jinja_env.cache = {}
    WTFormsHelpers(app)
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["waited"] = format_waited
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["days"] = format_days
    app.jinja_env.filters["pounds"] = pounds
    # Emails link with site_url (BASE_URL), never url_for(_external=True) (the request's Host).
    app.jinja_env.globals.update(
        can=can,
        Action=Action,
        error_summary=error_summary,
        site_url=site_url,
        csrf_field=csrf_field,
        option_tags=option_tags,
    )

    @app.context_processor
    def service():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "service_email": app.config["SERVICE_EMAIL"],
            "app_env": app.config["APP_ENV"],
        }
