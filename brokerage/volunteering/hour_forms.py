"""Forms for volunteers' hours: the volunteer's log, the charity's confirmation or
correction. Hours are typed as decimal hours ("2", "1.5", "0.75"), held as whole
minutes; never negative, never more than 24."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import Length, ValidationError

from brokerage.forms import Form, strip
from brokerage.volunteering.hours import MAX_MINUTES
from brokerage.widgets import GovSubmitInput, GovTextArea, GovTextInput


class HoursField(StringField):
    """Decimal hours typed as text, held as whole minutes (rounded to the minute)."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, filters=[strip], **kwargs)

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip()
        self.problem = None
        self.data = None
        if not text:
            self.problem = f"Enter the {self.label.text.lower()}"
            return
        try:
            hours = Decimal(text)
        except InvalidOperation:
            hours = None
        if hours is None or not hours.is_finite() or not text.isascii():
            self.problem = f"{self.label.text} must be a number, like 2 or 1.5"
        elif hours < 0:
            self.problem = f"{self.label.text} cannot be negative"
        elif hours * 60 > MAX_MINUTES:
            self.problem = f"{self.label.text} must be 24 or fewer"
        else:
            self.data = int((hours * 60).to_integral_value())

    def process_data(self, value):
        self.data = value  # minutes

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        hours = Decimal(self.data) / 60
        return f"{hours.quantize(Decimal('0.01')).normalize():f}"

    def pre_validate(self, form):
        if getattr(self, "problem", None):
            raise ValidationError(self.problem)


class LogHoursForm(Form):
    hours = HoursField(
        "Hours",
        description="In hours: for example 2, or 1.5 for an hour and a half. At most 24.",
    )
    submit = SubmitField("Save your hours", widget=GovSubmitInput())


class ConfirmHoursForm(Form):
    hours = HoursField(
        "Hours to confirm",
        description="As the volunteer logged them, or change them: for example 2 or 1.5.",
    )
    reason = TextAreaField(
        "If you change the hours, why?",
        widget=GovTextArea(),
        filters=[strip],
        description="The volunteer sees this.",
        validators=[Length(max=1000, message="The reason must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Confirm the hours", widget=GovSubmitInput())
