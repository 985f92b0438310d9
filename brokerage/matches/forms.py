"""Forms for brokering: proposing a match, answering, delivery, conversation, feedback."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from brokerage.forms import Form, PoundsField, WholeNumberField, strip
from brokerage.listings.models import ListingKind
from brokerage.listings.services import MAX_AMOUNT_PENCE, MAX_HOURS, MAX_QUANTITY, MAX_VOLUNTEERS
from brokerage.matches.allocation import Allocation
from brokerage.matches.services import Delivery
from brokerage.widgets import (
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)


def _text(label: str, missing: str, limit: int = 5000, **kwargs) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired(message=missing),
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
        ],
        **kwargs,
    )


class ProposeForm(Form):
    """The team's allocation: only the fields of the two kinds involved are shown and
    required (by the service, which knows the kinds)."""

    volunteers = WholeNumberField("Volunteers", maximum=MAX_VOLUNTEERS)
    hours_per_volunteer = WholeNumberField("Hours for each volunteer", maximum=MAX_HOURS)
    quantity = WholeNumberField("Devices", maximum=MAX_QUANTITY)
    amount = PoundsField("Amount in pounds")
    note = TextAreaField(
        "Note for both organisations (optional)",
        widget=GovTextArea(),
        filters=[strip],
        description="Why this match, and what happens next. Both organisations see it.",
        validators=[Length(max=5000, message="The note must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Propose this match", widget=GovSubmitInput())

    def require(self, kinds: set[ListingKind]) -> None:
        """Ask for the numbers of the kinds involved (the service checks them again)."""
        self.volunteers.missing = self.hours_per_volunteer.missing = None
        self.quantity.missing = None
        if ListingKind.VOLUNTEERING in kinds:
            self.volunteers.missing = "Enter how many volunteers, 1 or more"
            self.hours_per_volunteer.missing = "Enter the hours for each volunteer, 1 or more"
        if ListingKind.EQUIPMENT in kinds:
            self.quantity.missing = "Enter how many devices, 1 or more"
        self.amount_missing = (
            "Enter the amount, £1 or more" if ListingKind.SPONSORSHIP in kinds else None
        )

    def validate_amount(self, field):
        if field.data is None and not field.errors and getattr(self, "amount_missing", None):
            raise ValidationError(self.amount_missing)
        if field.data is not None and field.data > MAX_AMOUNT_PENCE:
            raise ValidationError(f"The amount must be £{MAX_AMOUNT_PENCE // 100:,} or less")

    def allocation(self) -> Allocation:
        return Allocation(
            volunteers=self.volunteers.data,
            hours_per_volunteer=self.hours_per_volunteer.data,
            quantity=self.quantity.data,
            amount_pence=self.amount.data,
        )


class AnswerForm(Form):
    answer = RadioField(
        "Your answer",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("accept", "Accept: we will go ahead"),
            SelectChoice("decline", "Decline"),
        ],
        invalid_choice_message="Choose accept or decline",
        validators=[InputRequired(message="Choose accept or decline")],
    )
    reason = TextAreaField(
        "If you decline, why?",
        widget=GovTextArea(),
        filters=[strip],
        description="Both organisations and the team will see it.",
        validators=[Length(max=5000, message="The reason must be 5,000 characters or fewer")],
    )
    submit = SubmitField("Send answer", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.answer.data == "decline" and not field.data:
            raise ValidationError("Enter why you are declining")


class DeliveryForm(Form):
    """The charity confirms what it received: only the kinds involved are asked."""

    hours = WholeNumberField("Hours volunteers gave in all", maximum=1_000_000)
    devices = WholeNumberField("Devices received", maximum=MAX_QUANTITY)
    money = PoundsField("Money received, in pounds")
    people_reached = WholeNumberField(
        "People it reached",
        maximum=1_000_000,
        missing="Enter how many people it reached",
        description="Roughly is fine: how many people were helped by it.",
    )
    submit = SubmitField("Confirm delivery", widget=GovSubmitInput())

    def require(self, kinds: set[ListingKind]) -> None:
        """Ask for what the kinds involved deliver (the service checks them again)."""
        self.hours.missing = (
            "Enter the hours volunteers gave" if ListingKind.VOLUNTEERING in kinds else None
        )
        self.devices.missing = (
            "Enter how many devices you received" if ListingKind.EQUIPMENT in kinds else None
        )
        self.money_missing = (
            "Enter the money you received" if ListingKind.SPONSORSHIP in kinds else None
        )

    def validate_money(self, field):
        if field.data is None and not field.errors and getattr(self, "money_missing", None):
            raise ValidationError(self.money_missing)

    def delivery(self) -> Delivery:
        return Delivery(
            hours=self.hours.data,
            devices=self.devices.data,
            pence=self.money.data,
            people_reached=self.people_reached.data,
        )


class CancelForm(Form):
    reason = _text("Why is it cancelled?", "Enter why it is cancelled")
    submit = SubmitField("Cancel the match", widget=GovSubmitInput())


class MessageForm(Form):
    body = _text("Your message", "Enter your message")
    submit = SubmitField("Send message", widget=GovSubmitInput())


class NoteForm(Form):
    body = _text("Private note for the team", "Enter the note")
    submit = SubmitField("Add note", widget=GovSubmitInput())


class FeedbackForm(Form):
    rating = RadioField(
        "How well did it go?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice("5", "5: very well"),
            SelectChoice("4", "4: well"),
            SelectChoice("3", "3: all right"),
            SelectChoice("2", "2: not well"),
            SelectChoice("1", "1: badly"),
        ],
        coerce=int,
        invalid_choice_message="Choose a rating from 1 to 5",
        validators=[InputRequired(message="Choose a rating from 1 to 5")],
    )
    comment = _text("Your comments", "Enter a comment", 2000)
    quote_allowed = BooleanField(
        "The company may quote this comment in its impact statement",
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Send feedback", widget=GovSubmitInput())


class HelpForm(Form):
    """A company member's "we can help"."""

    company = SelectField("Your company", widget=GovSelect(), coerce=int)
    offer = SelectField(
        "Which of your offers could meet it (optional)", widget=GovSelect(), coerce=int
    )
    message = _text(
        "Message for the programme team",
        "Enter a short message for the team",
        2000,
        description="What you could give, and when. The team will be in touch.",
    )
    submit = SubmitField("Tell the team we can help", widget=GovSubmitInput())


class HelpAnswerForm(Form):
    answer = _text("Answer to the company", "Enter your answer to the company", 2000)
    submit = SubmitField("Send answer and close", widget=GovSubmitInput())
