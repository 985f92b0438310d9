"""The team's form for writing to the ball's guests: who to, subject and plain text."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from brokerage.forms import Form, strip
from brokerage.ticketing.message_models import AUDIENCES, Audience
from brokerage.ticketing.messages import MAX_BODY, MAX_SUBJECT, Draft
from brokerage.ticketing.models import Ball
from brokerage.widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput


def _as_id(value) -> int | None:
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class MessageForm(Form):
    audience = RadioField(
        "Who to write to",
        choices=[SelectChoice(a.value, label) for a, label in AUDIENCES.items()],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose who to write to")],
    )
    ticket_type = SelectField(
        "Ticket type (for the buyers of one ticket type)",
        widget=GovSelect(),
        coerce=_as_id,
        validate_choice=False,
        validators=[Optional()],
    )
    subject = StringField(
        "Subject",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the subject"),
            Length(
                max=MAX_SUBJECT, message=f"The subject must be {MAX_SUBJECT} characters or fewer"
            ),
        ],
    )
    body = TextAreaField(
        "Message",
        widget=GovTextArea(),
        filters=[strip],
        description="Plain text: each buyer's email adds a greeting and the link to their order.",
        validators=[
            DataRequired(message="Enter the message"),
            Length(max=MAX_BODY, message=f"The message must be {MAX_BODY:,} characters or fewer"),
        ],
    )
    # Set by the preview: the same key sent twice sends the message once.
    send_key = HiddenField(
        validators=[Optional(), Regexp(r"^[A-Za-z0-9_-]{16,64}$", message="Preview it again")]
    )
    preview = SubmitField("Preview", widget=GovSubmitInput())

    def for_ball(self, ball: Ball) -> MessageForm:
        self.ticket_type.choices = [("", "Choose a ticket type")] + [
            (t.id, t.name) for t in ball.ticket_types
        ]
        return self

    def draft(self) -> Draft:
        return Draft(
            audience=Audience(self.audience.data),
            subject=self.subject.data,
            body=self.body.data,
            ticket_type_id=self.ticket_type.data,
        )
