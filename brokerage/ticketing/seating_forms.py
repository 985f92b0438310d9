"""Forms for seating (the team's tables and placements, the buyer's seating wishes) and
for guests filling in their own details (the buyer's invitation, the guest's form).

The pages with one small form per party or per seat write those forms out themselves,
each with its own ids; these classes read what comes back."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from brokerage.forms import Form, WholeNumberField, strip
from brokerage.ticketing.guests import GuestDetails
from brokerage.ticketing.models import SeatingTable
from brokerage.ticketing.seating import MAX_SEATS_AT_A_TABLE

EMAIL_SHAPE = "Enter an email address in the correct format, like name@example.com"


class TableForm(Form):
    """A table: its number or name and its seats."""

    name = StringField(
        "Table number or name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the table's number or name"),
            Length(max=60, message="The table's number or name must be 60 characters or fewer"),
        ],
    )
    seats = WholeNumberField(
        "Seats", missing="Enter how many seats the table has", maximum=MAX_SEATS_AT_A_TABLE
    )
    submit = SubmitField("Add table", widget=GovSubmitInput())


def _whole(field) -> int | None:
    text = (field.data or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class PlaceForm(Form):
    """Seat one party (named by its first ticket's id) at a table."""

    ticket = HiddenField()
    table = SelectField("Table", coerce=str)

    def __init__(self, tables: list[SeatingTable], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.table.choices = [SelectChoice("", "Choose a table")] + [
            SelectChoice(str(t.id), f"Table {t.name}") for t in tables
        ]

    def validate_ticket(self, field):
        if _whole(field) is None:
            raise ValidationError("Choose a booking to place")

    def validate_table(self, field):
        if not field.data:
            raise ValidationError("Choose a table")

    @property
    def ticket_id(self) -> int | None:
        return _whole(self.ticket)

    @property
    def table_id(self) -> int | None:
        return _whole(self.table)


class UnplaceForm(Form):
    """Take one party off its table."""

    ticket = HiddenField()

    def validate_ticket(self, field):
        if _whole(field) is None:
            raise ValidationError("Choose a booking to take off its table")

    @property
    def ticket_id(self) -> int | None:
        return _whole(self.ticket)


class WishesForm(Form):
    """The buyer says who they would like to sit with."""

    seating_wishes = TextAreaField(
        "Seating wishes (optional)",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            Length(max=500, message="Seating wishes must be 500 characters or fewer"),
        ],
    )
    submit = SubmitField("Save seating wishes", widget=GovSubmitInput())


class InviteForm(Form):
    """The buyer asks the guest on one seat to fill in their own details: by email
    ("send"), or with a link to copy ("copy", which needs no address)."""

    ticket = HiddenField()
    email = StringField("Guest's email address", filters=[strip])
    send = SubmitField("Email the link")
    copy = SubmitField("Make a link to copy")

    def validate_ticket(self, field):
        if _whole(field) is None:
            raise ValidationError("Choose a seat")

    def validate_email(self, field):
        if self.copy.data:
            field.data = None
            return
        if not field.data:
            raise ValidationError("Enter the guest's email address")
        if len(field.data) > 254:
            raise ValidationError("Email address must be 254 characters or fewer")
        Email(EMAIL_SHAPE, check_deliverability=False)(self, field)

    @property
    def ticket_id(self) -> int | None:
        return _whole(self.ticket)


def _guest_text(label: str, limit: int) -> TextAreaField:
    what = label.removesuffix(" (optional)")
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=limit, message=f"{what} must be {limit:,} characters or fewer"),
        ],
    )


class GuestSelfForm(Form):
    """A guest names themselves and says what they need."""

    name = StringField(
        "Your full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter your full name"),
            Length(max=120, message="Your name must be 120 characters or fewer"),
        ],
    )
    dietary = _guest_text("Dietary needs (optional)", 1000)
    access_needs = _guest_text("Access needs (optional)", 1000)
    submit = SubmitField("Save my details", widget=GovSubmitInput())

    def details(self) -> GuestDetails:
        return GuestDetails(self.name.data, self.dietary.data, self.access_needs.data)
