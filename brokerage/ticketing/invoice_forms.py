"""Pay by invoice: the company's order form (built for the ticket types that allow
invoices, as the ball form is), paying an invoice by card, and the team's record of a
bank transfer."""

from __future__ import annotations

from wtforms import Field, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from brokerage.forms import DayField, Form, PoundsField, email_field, strip
from brokerage.ticketing.availability import OnSale
from brokerage.ticketing.checkout import Basket
from brokerage.ticketing.forms import DonationField, GroupErrors, QuantityField
from brokerage.ticketing.invoices import Company
from brokerage.widgets import GovSubmitInput, GovTextArea, GovTextInput


def _text(label: str, limit: int, missing: str | None = None, **kwargs) -> StringField:
    what = label.removesuffix(" (optional)")
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message=missing) if missing else Optional(),
            Length(max=limit, message=f"{what} must be {limit} characters or fewer"),
        ],
        **kwargs,
    )


class InvoiceOrderForm(Form):
    """Built by `invoice_order_form` with a quantity box per ticket type."""

    rows: list[OnSale]

    def quantity_fields(self) -> list[tuple[OnSale, QuantityField]]:
        return [(row, self[f"quantity_{row.ticket_type.id}"]) for row in self.rows]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(f.errors or f.data for _, f in self.quantity_fields()):
            self.tickets.errors.append("Choose at least one ticket")
            valid = False
        return valid

    def basket(self) -> Basket:
        return Basket(
            quantities={row.ticket_type.id: f.data or 0 for row, f in self.quantity_fields()},
            buyer_name=self.buyer_name.data,
            buyer_email=self.buyer_email.data,
            donation_pence=self.donation.data or 0,
            code=self.code.data or None,
        )

    def company_details(self) -> Company:
        return Company(self.company.data, self.billing_address.data, self.po_number.data)

    def field_for(self, service_field: str) -> Field | None:
        name = service_field.replace("-", "_")
        return self._fields.get(name) or (self.tickets if name.startswith("quantity") else None)


def invoice_order_form(rows: list[OnSale], **kwargs) -> InvoiceOrderForm:
    fields: dict[str, object] = {}
    first = f"quantity_{rows[0].ticket_type.id}" if rows else "tickets"
    fields["tickets"] = GroupErrors("Tickets", id=first)
    for row in rows:
        ticket_type = row.ticket_type
        fields[f"quantity_{ticket_type.id}"] = QuantityField(
            ticket_type.name, name_for_errors=ticket_type.name, limit=ticket_type.per_order_limit
        )
    fields["donation"] = DonationField(
        "Donation (optional)",
        description="An extra gift to the programme's digital inclusion grants. Gift Aid "
        "does not apply to a company's payment.",
    )
    fields["company"] = _text("Company name", 160, "Enter the company's name")
    fields["billing_address"] = TextAreaField(
        "Billing address",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the billing address"),
            Length(max=500, message="Billing address must be 500 characters or fewer"),
        ],
    )
    fields["po_number"] = _text(
        "Purchase order number (optional)",
        60,
        description="If your finance team needs it on the invoice.",
    )
    fields["buyer_name"] = _text("Your full name", 120, "Enter your full name")
    fields["buyer_email"] = email_field(
        "Your email address", missing="Enter your email address, so we can send the invoice"
    )
    fields["code"] = HiddenField(filters=[strip], validators=[Optional(), Length(max=64)])
    fields["submit"] = SubmitField("Get the invoice", widget=GovSubmitInput())
    form = type("BoundInvoiceOrderForm", (InvoiceOrderForm,), fields)(**kwargs)
    form.rows = rows
    return form


class PayInvoiceForm(Form):
    def field_for(self, service_field: str) -> Field | None:
        return None

    submit = SubmitField("Pay by card now", widget=GovSubmitInput())


class TransferForm(Form):
    """The team saw a bank transfer for an invoice arrive."""

    amount = PoundsField(
        "Amount received", validators=[InputRequired(message="Enter the amount received")]
    )
    received_on = DayField(
        "Day it arrived",
        missing="Enter the day the money arrived",
        description="As on the bank statement, for example 27 3 2027.",
    )
    reference = _text(
        "Reference on the transfer",
        120,
        "Enter the reference the transfer carried",
        description="Usually the invoice number.",
    )
    submit = SubmitField("Record the transfer", widget=GovSubmitInput())

    def field_for(self, service_field: str) -> Field | None:
        return self._fields.get(service_field)
