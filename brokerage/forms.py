"""The one rule for odd characters in what people type, and the base of every form.

Every form in the app is a `Form` (tests/test_odd_input.py checks), so every text field
gets the rule without asking for it (README, "Odd characters"):

- single-line text (names, titles, codes, emails, web addresses): leading and trailing
  spaces are dropped; a control character (C0, DEL, C1: NUL, escape, a line break...) or a
  bidirectional embedding, override or isolate (U+202A to U+202E, U+2066 to U+2069, which
  make text read differently from how it is stored) is refused with a message beside the
  field, and nothing is saved;
- multi-line text (a TextAreaField): the same, except that line breaks and tabs are kept
  (a browser's CR LF is stored as LF);
- passwords are left exactly as typed: they are only ever hashed, never shown or stored.

Refusing, not silently removing, means what is stored is what the person saw. NUL
matters most: PostgreSQL cannot store it in text at all. In URLs, NUL in a query value or
a path part is refused with a 400 page before any view runs; other odd characters there
only ever find nothing.
"""

from __future__ import annotations

import re

from flask import Flask, request
from flask_wtf import FlaskForm
from wtforms import Field, PasswordField, StringField, TextAreaField

from brokerage.errors import DomainError

# C0 controls, DEL, C1 controls, and the bidirectional embeddings, overrides and isolates.
_HIDDEN = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_ONE_LINE = re.compile(f"[{_HIDDEN}]")
# Tab and line feed are kept in multi-line text (CR is turned into LF first).
_REFUSED_IN_LINES = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def hidden_character_message(field: Field) -> str:
    what = field.label.text.removesuffix(" (optional)")
    return f"{what} must not include hidden characters, such as control or text-direction ones"


def _rule_for(field: Field):
    """The filter that applies the rule to `field`'s data, or None for fields that hold
    no free text (choices, numbers, dates parse their own input) and passwords."""
    if isinstance(field, PasswordField) or not isinstance(field, StringField):
        return None
    multi_line = isinstance(field, TextAreaField)
    refused = _REFUSED_IN_LINES if multi_line else _REFUSED_IN_ONE_LINE

    def odd_characters(value):
        field.has_hidden_characters = False
        if not isinstance(value, str):
            return value
        if multi_line:
            value = value.replace("\r\n", "\n").replace("\r", "\n")
        value = value.strip()
        # Told in Form.validate, with the label the form may have changed after reading.
        field.has_hidden_characters = bool(refused.search(value))
        return value

    return odd_characters


class Form(FlaskForm):
    """FlaskForm with the odd-characters rule on every text field."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            rule = _rule_for(field)
            if rule is not None:
                field.filters = (*field.filters, rule)
            return field

    def validate(self, extra_validators=None) -> bool:
        for field in self:
            message = hidden_character_message(field)
            if getattr(field, "has_hidden_characters", False) and message not in (
                field.process_errors
            ):
                field.process_errors.insert(0, message)
        return super().validate(extra_validators)


def refuse_nul_in_urls() -> None:
    """NUL in a query value or a path part: a 400 page, never a database error."""
    values = [
        *(value for _, values in request.args.lists() for value in values),
        *(request.view_args or {}).values(),
    ]
    if any(isinstance(value, str) and "\x00" in value for value in values):
        raise DomainError("The address has a character in it that cannot be used (NUL).")


def register(app: Flask) -> None:
    app.before_request(refuse_nul_in_urls)
