"""The team's forms for the ball: the ball itself, ticket types, complimentary tickets,
refunds, the door and Gift Aid claims.

Times are typed as Leeds's own time (a day, month and year and a time, the GOV.UK
way) and held as UTC. A time that does not exist when the clocks go forward, or that
happens twice when they go back, is refused with a message rather than guessed.
"""

from __future__ import annotations

from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from brokerage.forms import (
    DayField,
    Form,
    LondonDateTimeField,
    PoundsField,
    WholeNumberField,
    email_field,
    strip,
)
from brokerage.ticketing.orders import MAX_COMPLIMENTARY
from brokerage.ticketing.setup import (
    MAX_CAPACITY,
    MAX_PER_ORDER_LIMIT,
    MAX_SEATS_PER_TICKET,
    MAX_TYPE_QUANTITY,
    BallDetails,
    TicketTypeDetails,
    ball_problems,
    type_problems,
)
from brokerage.widgets import (
    GovCheckboxInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)


def _add_problems(form, problems: dict[str, str]) -> bool:
    """Add the service's rule problems to fields that have none yet; True if none."""
    for name, message in problems.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors.append(message)
    return not problems


def _text(label: str, missing: str | None, limit: int, **kwargs) -> StringField:
    validators = [Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")]
    if missing:
        validators.insert(0, DataRequired(message=missing))
    return StringField(
        label, widget=GovTextInput(), filters=[strip], validators=validators, **kwargs
    )


def _area(label: str, limit: int, missing: str | None = None, **kwargs) -> TextAreaField:
    validators = [Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")]
    if missing:
        validators.insert(0, DataRequired(message=missing))
    return TextAreaField(
        label, widget=GovTextArea(), filters=[strip], validators=validators, **kwargs
    )


def _as_id(value) -> int | None:
    """A chosen id, or None for anything that is not one (the form says what to do)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def _confirm(label: str) -> BooleanField:
    return BooleanField(label, widget=GovCheckboxInput())


TIME_HINT = "Leeds time. For example, 27 11 2027 and 7pm (or 19:00)."


class BallForm(Form):
    name = _text("Name", "Enter the ball's name", 160)
    venue = _text("Venue", "Enter the venue, with its address", 300)
    starts_at = LondonDateTimeField(
        "Starts", description=TIME_HINT, missing="Enter the date and time the ball starts"
    )
    sales_open_at = LondonDateTimeField(
        "Ticket sales open", description=TIME_HINT, missing="Enter when ticket sales open"
    )
    sales_close_at = LondonDateTimeField(
        "Ticket sales close", description=TIME_HINT, missing="Enter when ticket sales close"
    )
    capacity = WholeNumberField(
        "Total capacity",
        description="Seats in all, for every ticket type together.",
        missing="Enter the total capacity",
        maximum=MAX_CAPACITY,
    )
    description = _area(
        "Description (optional)",
        4000,
        description="What the evening holds. Buyers see it on the ball's page.",
    )
    guest_changes_until = LondonDateTimeField(
        "Guest details can be changed until (optional)",
        description="Buyers can name their guests and change their needs until then. "
        "Leave it empty to allow changes until the ball.",
    )
    confirm = _confirm("Yes, lower the capacity below the seats already taken")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        # The rules between fields (sales before the ball ...) are the service's: asked
        # here too, so that every problem is shown at once.
        valid = super().validate(extra_validators)
        return _add_problems(self, ball_problems(self.details())) and valid

    def details(self) -> BallDetails:
        return BallDetails(
            name=self.name.data,
            venue=self.venue.data,
            description=self.description.data or "",
            starts_at=self.starts_at.data,
            sales_open_at=self.sales_open_at.data,
            sales_close_at=self.sales_close_at.data,
            capacity=self.capacity.data,
            guest_changes_until=self.guest_changes_until.data,
        )


def ball_form_data(ball) -> dict:
    return {
        name: getattr(ball, name)
        for name in (
            "name",
            "venue",
            "description",
            "starts_at",
            "sales_open_at",
            "sales_close_at",
            "capacity",
            "guest_changes_until",
        )
    }


class TicketTypeForm(Form):
    name = _text("Name", "Enter the ticket type's name, like Single seat", 120)
    description = _area("Description (optional)", 2000)
    price = PoundsField(
        "Price",
        description="For one ticket: for a table, the price of the whole table.",
        validators=[InputRequired(message="Enter the price in pounds")],
    )
    seats_per_ticket = WholeNumberField(
        "Seats per ticket",
        description="1 for a single seat, 10 for a table of 10.",
        missing="Enter the seats per ticket",
        maximum=MAX_SEATS_PER_TICKET,
    )
    quantity = WholeNumberField(
        "How many are for sale",
        description="Tickets of this type in all (a table counts as one).",
        missing="Enter how many are for sale",
        maximum=MAX_TYPE_QUANTITY,
    )
    per_order_limit = WholeNumberField(
        "Most in one order",
        missing="Enter the most one order can have",
        maximum=MAX_PER_ORDER_LIMIT,
    )
    on_sale_from = LondonDateTimeField(
        "On sale from (optional)",
        description="Leave empty to sell from when the ball's sales open.",
    )
    on_sale_until = LondonDateTimeField(
        "On sale until (optional)",
        description="Leave empty to sell until the ball's sales close.",
    )
    hidden = BooleanField(
        "Hidden: only buyers with the access code see it",
        widget=GovCheckboxInput(),
        description="For sponsor packages.",
    )
    access_code = _text(
        "Access code",
        None,
        64,
        description="Needed for a hidden type. Give it to the sponsors: they enter it on "
        "the ball's page.",
    )
    invoice_allowed = BooleanField(
        "Companies may pay by invoice",
        widget=GovCheckboxInput(),
        description="For tables and sponsor packages: the seats are held until the invoice is due.",
    )
    confirm = _confirm("Yes, sell fewer than are already taken")
    submit = SubmitField("Save ticket type", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return _add_problems(self, type_problems(self.details())) and valid

    def details(self) -> TicketTypeDetails:
        return TicketTypeDetails(
            name=self.name.data,
            description=self.description.data or "",
            price_pence=self.price.data,
            seats_per_ticket=self.seats_per_ticket.data,
            quantity=self.quantity.data,
            per_order_limit=self.per_order_limit.data,
            on_sale_from=self.on_sale_from.data,
            on_sale_until=self.on_sale_until.data,
            hidden=bool(self.hidden.data),
            access_code=self.access_code.data or None,
            invoice_allowed=bool(self.invoice_allowed.data),
        )


def ticket_type_form_data(ticket_type) -> dict:
    data = {
        name: getattr(ticket_type, name)
        for name in (
            "name",
            "description",
            "seats_per_ticket",
            "quantity",
            "per_order_limit",
            "on_sale_from",
            "on_sale_until",
            "hidden",
            "access_code",
            "invoice_allowed",
        )
    }
    data["price"] = ticket_type.price_pence
    return data


class ComplimentaryForm(Form):
    name = _text("Guest's or buyer's full name", "Enter the name", 120)
    email = email_field(
        "Email address", "Enter the email address: the tickets and their link go there"
    )
    ticket_type = SelectField(
        "Ticket type",
        widget=GovSelect(),
        coerce=_as_id,
        validate_choice=False,
        validators=[InputRequired(message="Choose the ticket type")],
    )
    quantity = WholeNumberField(
        "How many tickets",
        description="A table of 10 is one ticket with 10 seats.",
        missing="Enter how many tickets",
        maximum=MAX_COMPLIMENTARY,
    )
    reason = _area(
        "Why are they complimentary?",
        500,
        "Enter why the tickets are complimentary",
        description="For example: the award host, a speaker, the venue's manager.",
    )
    submit = SubmitField("Issue complimentary tickets", widget=GovSubmitInput())

    def validate_ticket_type(self, field):
        if field.data not in {value for value, _label in self.ticket_type.choices}:
            raise ValidationError("Choose the ticket type")


class RefundForm(Form):
    amount = PoundsField(
        "Amount to refund",
        validators=[InputRequired(message="Enter the amount to refund, or 0")],
    )
    reason = _area(
        "Reason",
        1000,
        "Enter the reason for the refund",
        description="Kept with the order, and told to the buyer in the refund email.",
    )
    submit = SubmitField("Refund", widget=GovSubmitInput())


class ResendForm(Form):
    """The team sends an order's confirmation again, to its address or a corrected one."""

    email = email_field("Send to", missing="Enter the email address to send it to")
    submit = SubmitField("Send the confirmation again", widget=GovSubmitInput())


class DoorForm(Form):
    code = StringField(
        "Ticket code",
        widget=GovTextInput(),
        filters=[strip],
        description="Under the QR code on the ticket. Spaces and dashes do not matter.",
        validators=[
            DataRequired(message="Enter the ticket code"),
            Length(max=80, message="A ticket code is 32 letters and numbers"),
        ],
    )
    # The phone's id for a scan (letters, digits, dashes), sent again with a retry.
    scan = HiddenField(
        filters=[strip],
        validators=[Optional(), Regexp(r"^[A-Za-z0-9-]{8,64}$", message="Scan again")],
    )
    submit = SubmitField("Check in", widget=GovSubmitInput())


class GiftAidClaimForm(Form):
    """The period whose Gift Aid donations the team claims."""

    period_from = DayField(
        "From",
        description="The first day of donations to claim, for example 1 4 2027.",
        missing="Enter the first day of the period",
    )
    period_to = DayField(
        "To",
        description="The last day of donations to claim. Donations already claimed are left out.",
        missing="Enter the last day of the period",
    )
    submit = SubmitField("Make the claim", widget=GovSubmitInput())
