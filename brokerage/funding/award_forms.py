"""Forms for awards: the team's payment, report dates and answer to a report; the
organisation's monitoring report."""

from __future__ import annotations

from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from brokerage.forms import DayField, Form, WholeNumberField, strip
from brokerage.funding.awards import MAX_COUNT, MAX_TEXT
from brokerage.widgets import GovRadioInput, GovSubmitInput, GovTextArea, GovTextInput


class CountField(WholeNumberField):
    """A whole number from 0 (nothing is a fine answer) up to `maximum`."""

    def pre_validate(self, form):
        label = self.label.text
        if getattr(self, "not_whole", False):
            raise ValidationError(f"{label} must be a whole number, like 12, or 0 if none")
        if self.data is None and not self.process_errors and self.missing:
            raise ValidationError(self.missing)
        if self.data is not None and self.data > self.maximum:
            raise ValidationError(f"{label} must be {self.maximum:,} or fewer")


def _long_text(label: str, description: str = "", missing: str | None = None) -> TextAreaField:
    validators = [Length(max=MAX_TEXT, message=f"Write {MAX_TEXT:,} characters or fewer")]
    if missing:
        validators.insert(0, InputRequired(message=missing))
    return TextAreaField(
        label, widget=GovTextArea(), filters=[strip], description=description, validators=validators
    )


class PaymentForm(Form):
    paid_on = DayField(
        "Date paid",
        description="The day the money left our account, in Leeds, for example 3 12 2026.",
        missing="Enter the date the grant was paid",
    )
    reference = StringField(
        "Payment reference",
        widget=GovTextInput(),
        description="As on the bank statement or in the finance system.",
        validators=[
            InputRequired(message="Enter the payment reference"),
            Length(max=80, message="The payment reference must be 80 characters or fewer"),
        ],
    )
    submit = SubmitField("Record the payment", widget=GovSubmitInput())


class DueDatesForm(Form):
    first = DayField("First report due", missing="Enter the date the first report is due")
    second = DayField("Second report due (optional)")
    third = DayField("Third report due (optional)")
    submit = SubmitField("Save the dates", widget=GovSubmitInput())

    def days(self) -> list:
        return [self.first.data, self.second.data, self.third.data]


class ReportForm(Form):
    what_was_done = _long_text(
        "What has the grant done so far?",
        "What you did with the money, what went well and what did not.",
        missing="Enter what the grant has done so far",
    )
    people_reached = CountField(
        "People reached",
        maximum=MAX_COUNT,
        missing="Enter the number of people reached, 0 if none",
        description="Roughly is fine.",
    )
    devices_given = CountField(
        "Devices given",
        maximum=MAX_COUNT,
        missing="Enter the number of devices given, 0 if none",
    )
    support_hours = CountField(
        "Hours of support",
        maximum=MAX_COUNT,
        missing="Enter the hours of support, 0 if none",
        description="Hours of help people had, for example at drop-in sessions.",
    )
    submit = SubmitField("Send the report", widget=GovSubmitInput())


class ReviewForm(Form):
    decision = RadioField(
        "Your answer",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("accept", "Accept the report"),
            SelectChoice("more", "Ask for more information"),
        ],
        invalid_choice_message="Choose accept or ask for more",
        validators=[InputRequired(message="Choose accept or ask for more")],
    )
    comment = _long_text(
        "Comment for the organisation",
        "Required when you ask for more: say what is missing. They see it.",
    )
    submit = SubmitField("Send answer", widget=GovSubmitInput())

    def validate_comment(self, field):
        if self.decision.data == "more" and not field.data:
            raise ValidationError("Enter what more you need to know")
