"""The one rule for odd characters in what people type, the base of every form, and the
fields every domain's forms share (email, pounds, a day, a whole number, a button).

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
from collections.abc import Callable
from datetime import UTC, date, datetime, time

from flask import Flask, request
from flask_wtf import FlaskForm
from govuk_frontend_wtf.gov_form_base import GovFormBase
from wtforms import EmailField, Field, PasswordField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from brokerage.clock import LONDON, london
from brokerage.errors import DomainError
from brokerage.widgets import GovDateInput, GovTextInput

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


# --- Shared fields: every domain's forms build on these ---------------------------


def email_field(
    label: str = "Email address", missing: str = "Enter your email address"
) -> EmailField:
    """An email address field: trimmed, required, and checked for shape."""
    return EmailField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            InputRequired(message=missing),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ActionForm(Form):
    """A button that changes something: carries only the CSRF token."""


class OnFirstUse:
    """A form made when the template first reads it, for a page that may show any of
    several and shows one or two (the match page offers five): making a form binds
    every field, a tenth of that page's time."""

    __slots__ = ("_form", "_make")

    def __init__(self, make: Callable[[], Form]) -> None:
        self._make = make
        self._form: Form | None = None

    def __getattr__(self, name: str):
        if self._form is None:
            self._form = self._make()
        return getattr(self._form, name)


class WholeNumberField(StringField):
    """A count typed as text ("1,000" is fine), held as an int."""

    widget = GovTextInput()

    def __init__(
        self,
        label=None,
        validators=None,
        *,
        missing: str | None = None,
        maximum: int | None = None,
        **kwargs,
    ):
        super().__init__(label, validators, filters=[strip], **kwargs)
        self.missing = missing  # the message when left empty; None when optional
        self.maximum = maximum

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").replace(",", "").strip()
        self.not_whole = False
        if not text:
            self.data = None
        elif text.isascii() and text.isdigit():
            self.data = int(text)
        else:
            self.data = None
            # Told in pre_validate: a form may relabel the field after reading the data.
            self.not_whole = True

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def pre_validate(self, form):
        if getattr(self, "not_whole", False):
            raise ValidationError(f"{self.label.text} must be a whole number, like 12")
        if self.data is None and not self.process_errors and self.missing:
            raise ValidationError(self.missing)
        if self.data is not None and self.data < 1:
            raise ValidationError(f"{self.label.text} must be 1 or more")
        if self.data is not None and self.maximum and self.data > self.maximum:
            raise ValidationError(f"{self.label.text} must be {self.maximum:,} or fewer")


class PoundsField(StringField):
    """An amount in pounds ("£2,500" or "2500.50"), held as integer pence."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        # Kept stripped, so InputRequired sees an amount of only spaces as missing.
        self.raw_data = [value.strip() for value in valuelist]
        text = (valuelist[0] if valuelist else "").replace(",", "").replace("£", "").strip()
        if not text:
            self.data = None
            return
        match = re.fullmatch(r"(\d{1,9})(?:\.(\d{2}))?", text)
        if not match:
            self.data = None
            raise ValueError("Enter the amount in pounds, like 2500 or 2500.50")
        self.data = int(match.group(1)) * 100 + int(match.group(2) or 0)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        pounds, pence = divmod(self.data, 100)
        return f"{pounds}" if not pence else f"{pounds}.{pence:02d}"


class DayField(Field):
    """A date typed as day, month and year boxes (GOV.UK date input)."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, missing: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.missing = missing  # the message when left empty; None when optional

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.missing:
            raise ValidationError(self.missing)

    def process_formdata(self, valuelist):
        # Exactly three boxes: the widget unpacks three values when the form is shown again.
        self.raw_data = [*valuelist, "", "", ""][:3]
        parts = [p.strip() for p in self.raw_data]
        what = self.label.text.removesuffix(" (optional)")
        self.data = None
        if not any(parts):
            return
        if not all(parts):
            raise ValueError(f"{what} must include a day, month and year")
        if not all(p.isascii() and p.isdigit() for p in parts):
            raise ValueError(f"{what} must be a real date")
        if len(parts[2]) != 4:
            raise ValueError(f"{what} must have a year of 4 numbers, like 2027")
        try:
            day, month, year = (int(p) for p in parts)
            self.data = date(year, month, day)
        except (ValueError, OverflowError):  # a day or month past 2**31 overflows
            raise ValueError(f"{what} must be a real date") from None

    def _value(self):
        return ""


# --- A moment in Leeds time: day, month, year and a time, held as UTC -----------

_CLOCK = re.compile(r"(\d{1,2}):?(\d{2})?(am|pm)?")


def parse_clock(text: str) -> time:
    """A time of day as people write it: 7pm, 7:30pm, 7.30 p.m., 19:30, 1930, midday."""
    spoken = re.sub(r"\s+", "", text.lower()).replace("a.m.", "am").replace("p.m.", "pm")
    if spoken in ("midday", "noon", "12noon"):
        return time(12)
    if spoken == "midnight":
        return time(0)
    found = _CLOCK.fullmatch(spoken.replace(".", ":"))
    if not found:
        raise ValueError(text)
    hour, minutes, half = int(found[1]), found[2], found[3]
    if minutes is None and half is None:
        raise ValueError(text)  # "7" could be morning or evening
    minute = int(minutes or 0)
    if minute > 59:
        raise ValueError(text)
    if half:
        if not 1 <= hour <= 12:
            raise ValueError(text)
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        raise ValueError(text)
    return time(hour, minute)


def clock_text(moment: time | datetime) -> str:
    """'7pm', '7:30pm', 'midday', 'midnight': how the field shows a time again."""
    if moment.hour == 12 and moment.minute == 0:
        return "midday"
    if moment.hour == 0 and moment.minute == 0:
        return "midnight"
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def london_to_utc(day: date, clock: time, what: str) -> datetime:
    """The UTC moment of `clock` on `day` in London, refusing the hour that the clocks
    skip in spring and the hour that happens twice in autumn."""
    local = datetime.combine(day, clock, tzinfo=LONDON)
    moment = local.astimezone(UTC)
    when = f"{clock_text(clock)} on {day.day} {day:%B %Y}"
    if moment.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError(
            f"{what}: there is no {when} in the UK (the clocks go forward from 1am to 2am). "
            "Enter a time before 1am or from 2am"
        )
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        raise ValueError(
            f"{what}: {when} happens twice in the UK (the clocks go back from 2am to 1am). "
            "Enter a time before 1am or from 2am"
        )
    return moment


class GovDateTimeInput(GovDateInput):
    """GOV.UK's date input with a fourth box for the time, shown in London time."""

    def map_gov_params(self, field, **kwargs):
        params = GovFormBase.map_gov_params(self, field, **kwargs)
        day = month = year = clock = None
        if field.raw_data is not None:
            day, month, year, clock = [*field.raw_data, "", "", "", ""][:4]
        elif field.data:
            local = london(field.data)
            day, month, year = local.strftime("%d %m %Y").split(" ")
            clock = clock_text(local)
        error = " govuk-input--error" if field.errors else ""
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})

        def box(label, part, value, width, **extra):
            return {
                "label": label,
                "id": f"{field.name}-{part}",
                "name": field.name,
                "classes": f"govuk-input--width-{width}{error}",
                "value": value,
                **extra,
            }

        params.setdefault(
            "items",
            [
                box("Day", "day", day, 2),
                box("Month", "month", month, 2),
                box("Year", "year", year, 4),
                box("Time", "time", clock, 5, inputmode="text", autocomplete="off"),
            ],
        )
        return params


class LondonDateTimeField(DayField):
    """A moment typed as day, month, year and time in London, held as a UTC datetime."""

    widget = GovDateTimeInput()

    def process_formdata(self, valuelist):
        values = [*valuelist, "", "", "", ""][:4]
        what = self.label.text.removesuffix(" (optional)")
        clock = values[3].strip()
        try:
            super().process_formdata(values[:3])  # the date, or a ValueError
        finally:
            self.raw_data = values
        if self.data is None:
            if clock:
                self.data = None
                raise ValueError(f"{what} must include a day, month and year")
            return
        day, self.data = self.data, None
        if not clock:
            raise ValueError(f"{what} must include a time, like 7pm or 19:00")
        try:
            at = parse_clock(clock)
        except ValueError:
            raise ValueError(f"{what} must have a real time, like 7pm or 19:00") from None
        self.data = london_to_utc(day, at, what)
