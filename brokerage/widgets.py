"""GOV.UK Frontend's form widgets (from govuk-frontend-wtf), drawn with the GOV.UK macro
each one's template calls, called directly.

govuk-frontend-wtf renders each field with flask.render_template, which runs every
context processor and template signal and re-imports the macro for each field: a
page's fields cost as much as the rest of the page. These subclasses draw the same
HTML without that, and every form imports its widgets from here (no patching of the
library's classes)."""

from __future__ import annotations

import re

from flask import current_app
from govuk_frontend_wtf import wtforms_widgets as gov
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup, escape

# govuk-frontend-wtf's widget templates are one line each: import a GOV.UK macro, call it.
_LIBRARY_RENDER = GovFormBase.render
_WIDGET_IMPORT = re.compile(r"""\{%-?\s*from\s+['"]([^'"]+)['"]\s+import\s+(\w+)\s*-?%\}""")


def render_widget(widget: GovFormBase, params: dict) -> Markup:
    """Draw a field with the macro its widget's template calls; a template of another
    shape is rendered as the library does."""
    macros = current_app.extensions.setdefault("govuk_widget_macros", {})
    macro = macros.get(widget.template)
    if macro is None:
        env = current_app.jinja_env
        source = env.loader.get_source(env, widget.template)[0]
        found = _WIDGET_IMPORT.fullmatch(source.splitlines()[0].strip())
        if found is None or source.count("{{") != 1:  # not the one-line shape: as before
            macros[widget.template] = macro = False
        else:
            macros[widget.template] = macro = getattr(
                env.get_template(found.group(1)).module, found.group(2)
            )
    if macro is False:
        return _LIBRARY_RENDER(widget, params)
    stand_ins, own = _stand_ins(widget.template, params)
    key = _frozen((widget.template, stand_ins))
    if key is None:  # long HTML given to the macro (a checkbox's conditional fields)?
        stand_ins = _html_slotted(stand_ins, own)
        key = _frozen((widget.template, stand_ins))
    if key is None:
        return Markup(macro(params))  # noqa: S704 (GOV.UK's macro escapes what it is given)
    drawn = _drawn.get(key)
    if drawn is None:
        drawn = Markup(macro(stand_ins))  # noqa: S704 (as above)
        if own and _filled(drawn, own) != macro(params):
            drawn = _NOT_KEPT  # this shape uses its own values otherwise than written out
        if len(_drawn) >= DRAWN_KEPT:
            _drawn.clear()
        _drawn[key] = drawn
    if drawn is _NOT_KEPT:
        return Markup(macro(params))  # noqa: S704 (as above)
    return Markup(_filled(drawn, own)) if own else drawn  # noqa: S704 (escaped in _filled)


# A macro's HTML depends only on its parameters: a field drawn with the same ones (an
# empty form's, mostly) is drawn once per process and kept. Parameters holding anything
# but plain values, or long text, are drawn every time.
DRAWN_KEPT = 2048
LONGEST_KEPT = 1_000
_drawn: dict = {}


# A text box's id, name and text are written out by GOV.UK's macro, escaped, and used for
# nothing else (the hint's and error's ids are the id and a suffix): each text box is drawn
# once per shape (label, hint, error, attributes) with stand-ins for them, and each
# field's own are put in their place. Otherwise a form showing what someone typed, or
# with a field per ticket (an order's guests), was drawn afresh every time. The first of
# each shape is also drawn with its own values and compared, and a shape that differs
# is drawn every time.
_SLOTTED_TEMPLATES = frozenset(
    {"govuk_frontend_wtf/input.html", "govuk_frontend_wtf/textarea.html"}
)
_SLOT = re.compile(r"zqslot(id|name|value|html\d+)qz")
_NOT_KEPT = Markup("")


def _stand_ins(template: str, params: dict) -> tuple[dict, dict]:
    """`params` with a text box's id, name and text (if plain, non-empty text) replaced
    by stand-ins, and those of its own, escaped as the macro escapes them."""
    if template not in _SLOTTED_TEMPLATES:
        return params, {}
    own, stand_ins = {}, dict(params)
    for name in ("id", "name", "value"):
        value = params.get(name)
        if type(value) is str and value:  # non-empty stays non-empty: the same branches
            own[name] = str(escape(value))
            stand_ins[name] = f"zqslot{name}qz"
    return stand_ins, own


def _html_slotted(value, own: dict):
    """`value` with each long piece of HTML in it (Markup: a checkbox's conditional
    fields, drawn already, hold what the person typed) replaced by a stand-in, and the
    HTML put in `own` under the stand-in's name. The macro writes such HTML out as it is
    given: a field is then kept once per shape, as a text box is, and the first drawing of
    each shape is checked against the macro's own (`render_widget`)."""
    if isinstance(value, Markup):
        if len(value) <= LONGEST_KEPT:
            return value
        html = str(value)
        core = html.strip()
        name = f"html{len(own)}"
        own[name] = core
        # The whitespace around it stays in the stand-in: a macro that trims the HTML
        # (GOV.UK's do) trims it there too.
        before, after = html[: len(html) - len(html.lstrip())], html[len(html.rstrip()) :]
        return Markup(f"{before}zqslot{name}qz{after}")  # noqa: S704 (a stand-in of ours)
    if isinstance(value, dict):
        return {key: _html_slotted(item, own) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_html_slotted(item, own) for item in value]
    return value


def _filled(drawn: str, own: dict) -> str:
    # In one pass: what is put in is not searched again.
    return _SLOT.sub(lambda found: own.get(found.group(1), found.group(0)), drawn)


def _frozen(value):
    """`value` (dicts, lists and plain values) as something hashable, or None."""
    # With its type: Markup("<b>") equals "<b>" and True equals 1, but a macro draws them
    # differently.
    if isinstance(value, str):
        return (type(value), value) if len(value) <= LONGEST_KEPT else None
    if value is None or isinstance(value, bool | int | float):
        return (type(value), value)
    if isinstance(value, dict):
        items = []
        for name, item in value.items():
            frozen = _frozen(item)
            if frozen is None:
                return None
            items.append((name, frozen))
        return ("dict", tuple(items))
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            frozen = _frozen(item)
            if frozen is None:
                return None
            items.append(frozen)
        return ("list", tuple(items))
    return None


class FastRender:
    def render(self, params: dict) -> Markup:
        return render_widget(self, params)


class GovCharacterCount(FastRender, gov.GovCharacterCount):
    pass


class GovCheckboxInput(FastRender, gov.GovCheckboxInput):
    pass


class GovCheckboxesInput(FastRender, gov.GovCheckboxesInput):
    pass


class GovDateInput(FastRender, gov.GovDateInput):
    pass


class GovPasswordInput(FastRender, gov.GovPasswordInput):
    pass


class GovRadioInput(FastRender, gov.GovRadioInput):
    pass


class GovSelect(FastRender, gov.GovSelect):
    pass


class GovSubmitInput(FastRender, gov.GovSubmitInput):
    pass


class GovTextArea(FastRender, gov.GovTextArea):
    pass


class GovTextInput(FastRender, gov.GovTextInput):
    pass
