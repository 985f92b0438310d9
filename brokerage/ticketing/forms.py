"""The buyer's forms: tickets, donation, Gift Aid and contact details; the stand-in
checkout's two buttons; the guests on an order's seats.

The ball form has a quantity box for each ticket type on the page, so it is built for
those types (`ball_form`); the guests form likewise for an order's seats (`guests_form`).
"""

from __future__ import annotations

import functools
import re

from wtforms import BooleanField, Field, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from brokerage.forms import Form, PoundsField, WholeNumberField, email_field, strip
from brokerage.ticketing import gift_aid
from brokerage.ticketing.availability import OnSale
from brokerage.ticketing.checkout import MAX_DONATION_PENCE, Basket
from brokerage.ticketing.guests import GuestDetails
from brokerage.ticketing.models import Ticket
from brokerage.widgets import (
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)

# Sanity only: the real limit is each type's per-order limit.
MAX_QUANTITY = 999


class _NoWidget:
    def __call__(self, field, **kwargs):
        return ""


class GroupErrors(Field):
    """Carries errors about a group of boxes (the tickets as a whole). It has no box of
    its own: the page shows its message at the top of the group, and the error summary
    links to the group's first box (this field's id)."""

    widget = _NoWidget()

    def process_formdata(self, valuelist):
        self.data = None


class QuantityField(StringField):
    """How many of one ticket type: empty means none."""

    widget = GovTextInput()

    def __init__(self, label=None, *, name_for_errors: str, limit: int, **kwargs):
        super().__init__(label, filters=[strip], **kwargs)
        self.name_for_errors = name_for_errors
        self.limit = limit

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip()
        self.problem = None
        self.data = 0
        if not text:
            return
        if text.isascii() and text.isdigit():
            self.data = int(text)
        elif re.fullmatch(r"-\s*\d+", text):
            self.problem = f"{self.name_for_errors}: enter 0 or more"
        else:
            self.problem = f"{self.name_for_errors}: enter a whole number, like 2"

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return str(self.data) if self.data else ""

    def pre_validate(self, form):
        if getattr(self, "problem", None):
            raise ValidationError(self.problem)
        if self.data and self.data > min(self.limit, MAX_QUANTITY):
            raise ValidationError(
                f"You can buy up to {self.limit} of {self.name_for_errors} at once"
            )


class DonationField(PoundsField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter the donation in pounds, like 25 or 25.50") from None


class BallForm(Form):
    """Built by `ball_form` with a QuantityField named quantity_<type id> per ticket
    type; the rest is the same for every ball."""

    rows: list[OnSale]

    def quantity_fields(self) -> list[tuple[OnSale, QuantityField]]:
        return [(row, self[f"quantity_{row.ticket_type.id}"]) for row in self.rows]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        quantities = [f for _, f in self.quantity_fields()]
        if not any(f.errors or f.data for f in quantities):
            self.tickets.errors.append("Choose at least one ticket")
            valid = False
        if self.gift_aid.data:
            if not self.donation.errors and not self.donation.data:
                self.gift_aid.errors.append(
                    "Gift Aid is for a donation: enter one, or untick Gift Aid"
                )
                valid = False
            problems = gift_aid.declaration_problems(**self._declaration())
            for name, message in problems.items():
                if message not in self[name].errors:
                    self[name].errors = [*self[name].errors, message]
            valid = valid and not problems
        return valid

    def _declaration(self) -> dict:
        return {
            "title": self.gift_aid_title.data,
            "first_name": self.gift_aid_first_name.data,
            "last_name": self.gift_aid_last_name.data,
            "house": self.gift_aid_house.data,
            "address": self.gift_aid_address.data,
            "postcode": self.gift_aid_postcode.data,
        }

    def validate_donation(self, field):
        if field.data is not None and field.data > MAX_DONATION_PENCE:
            raise ValidationError(f"Enter a donation of £{MAX_DONATION_PENCE // 100:,} or less")

    def basket(self) -> Basket:
        ticked = bool(self.gift_aid.data)
        declaration = {f"gift_aid_{name}": value for name, value in self._declaration().items()}
        return Basket(
            quantities={
                row.ticket_type.id: field.data or 0 for row, field in self.quantity_fields()
            },
            buyer_name=self.buyer_name.data,
            buyer_email=self.buyer_email.data,
            donation_pence=self.donation.data or 0,
            gift_aid=ticked,
            code=self.code.data or None,
            **(declaration if ticked else {}),
        )

    def field_for(self, service_field: str) -> Field | None:
        """The box a service's FieldError names ("quantity-12", "donation", ...)."""
        name = service_field.replace("-", "_")
        return self._fields.get(name) or (self.tickets if name.startswith("quantity") else None)


def _gift_aid_text(label: str, description: str | None = None) -> StringField:
    # Checked only when Gift Aid is ticked (gift_aid.declaration_problems).
    return StringField(label, widget=GovTextInput(), filters=[strip], description=description)


def ball_form(rows: list[OnSale], charity: str, **kwargs) -> BallForm:
    """The ball form for these ticket types, in page order (the error summary follows
    the fields' order)."""
    shown = tuple(
        (row.ticket_type.id, row.ticket_type.name, row.ticket_type.per_order_limit) for row in rows
    )
    form = _ball_form_class(shown, charity)(**kwargs)
    form.rows = rows
    return form


# A form class is made for each set of ticket types shown, and kept: making one (and
# WTForms' first look at its fields) cost more than the rest of reading the form, and
# in a rush every buyer's hold asks for the same one. Only what the fields show is in
# the key, so a renamed type or a new limit makes a new class.
@functools.lru_cache(maxsize=64)
def _ball_form_class(shown: tuple[tuple[int, str, int], ...], charity: str) -> type[BallForm]:
    fields: dict[str, object] = {}
    first = f"quantity_{shown[0][0]}" if shown else "tickets"
    fields["tickets"] = GroupErrors("Tickets", id=first)
    for type_id, name, limit in shown:
        fields[f"quantity_{type_id}"] = QuantityField(name, name_for_errors=name, limit=limit)
    fields["donation"] = DonationField(
        "Donation (optional)",
        description="An extra gift to the programme's digital inclusion grants, "
        "on top of your tickets.",
    )
    fields["gift_aid"] = BooleanField(
        "Yes, add Gift Aid to my donation",
        widget=GovCheckboxInput(),
        description=gift_aid.declaration_text(charity),
    )
    fields["gift_aid_title"] = _gift_aid_text(
        "Title (optional)", "For example, Mr, Mrs, Ms, Mx, Dr or Prof."
    )
    fields["gift_aid_first_name"] = _gift_aid_text("First name")
    fields["gift_aid_last_name"] = _gift_aid_text("Last name")
    fields["gift_aid_house"] = _gift_aid_text("House name or number")
    fields["gift_aid_address"] = TextAreaField(
        "Street and town",
        widget=GovTextArea(),
        filters=[strip],
        description="The rest of your home address. HMRC needs it to let us claim Gift Aid.",
        validators=[Length(max=500, message="Street and town must be 500 characters or fewer")],
    )
    fields["gift_aid_postcode"] = StringField(
        "Postcode",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=10, message="Enter a real postcode, like LS1 1PJ")],
    )
    fields["buyer_name"] = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter your full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    fields["buyer_email"] = email_field(
        "Email address", missing="Enter your email address, so we can send your tickets"
    )
    fields["code"] = HiddenField(filters=[strip], validators=[Optional(), Length(max=64)])
    fields["submit"] = SubmitField("Continue to payment", widget=GovSubmitInput())
    return type("BoundBallForm", (BallForm,), fields)


class StandInForm(Form):
    """The stand-in checkout: pay, or cancel."""

    pay = SubmitField("Pay (test)", widget=GovSubmitInput())
    cancel = SubmitField("Cancel", widget=GovSubmitInput())


class FindTicketsForm(Form):
    """A buyer who lost the confirmation email asks for the links to their orders."""

    email = email_field(missing="Enter the email address you bought the tickets with")
    submit = SubmitField("Send me the links", widget=GovSubmitInput())


def _guest_text(label: str, seat: int, limit: int) -> TextAreaField:
    what = label.removesuffix(" (optional)")
    return TextAreaField(
        label,
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            Length(max=limit, message=f"Seat {seat}: {what} must be {limit:,} characters or fewer")
        ],
    )


class GuestsForm(Form):
    """Built by `guests_form`: guest_<id>, dietary_<id>, access_<id> per seat."""

    numbered: list[tuple[int, Ticket]]

    def details(self) -> dict[int, GuestDetails]:
        return {
            ticket.id: GuestDetails(
                name=self[f"guest_{ticket.id}"].data or None,
                dietary=self[f"dietary_{ticket.id}"].data or None,
                access_needs=self[f"access_{ticket.id}"].data or None,
            )
            for _, ticket in self.numbered
        }

    def seats(self):
        """(seat number, ticket, its three fields) in page order."""
        for number, ticket in self.numbered:
            yield (
                number,
                ticket,
                self[f"guest_{ticket.id}"],
                self[f"dietary_{ticket.id}"],
                self[f"access_{ticket.id}"],
            )


def guests_form(numbered: list[tuple[int, Ticket]], **kwargs) -> GuestsForm:
    """The guests form for these seats: (seat number, ticket), the numbers counting
    every seat of the order so they do not move when one is refunded."""
    fields: dict[str, object] = {}
    data: dict[str, str] = {}
    for seat, ticket in numbered:
        fields[f"guest_{ticket.id}"] = StringField(
            "Guest's full name",
            widget=GovTextInput(),
            filters=[strip],
            validators=[
                Length(max=120, message=f"Seat {seat}: the name must be 120 characters or fewer")
            ],
        )
        fields[f"dietary_{ticket.id}"] = _guest_text("Dietary needs (optional)", seat, 1000)
        fields[f"access_{ticket.id}"] = _guest_text("Access needs (optional)", seat, 1000)
        data[f"guest_{ticket.id}"] = ticket.guest_name or ""
        data[f"dietary_{ticket.id}"] = ticket.dietary or ""
        data[f"access_{ticket.id}"] = ticket.access_needs or ""
    fields["submit"] = SubmitField("Save guest details", widget=GovSubmitInput())
    form_class = type("BoundGuestsForm", (GuestsForm,), fields)
    form = form_class(data=data, **kwargs)
    form.numbered = numbered
    return form


class WaitingListForm(Form):
    """Someone joins a sold-out ticket type's waiting list."""

    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter your full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    email = email_field(missing="Enter your email address, so we can offer you seats")
    quantity = WholeNumberField("How many", missing="Enter how many you want", maximum=MAX_QUANTITY)
    submit = SubmitField("Join the waiting list", widget=GovSubmitInput())
