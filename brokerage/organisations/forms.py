"""Organisation forms: registration details, the team's decision, joining and inviting."""

from __future__ import annotations

from wtforms import (
    RadioField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from brokerage.errors import DomainError
from brokerage.forms import Form, email_field, strip
from brokerage.organisations import registration, services
from brokerage.organisations.models import (
    OrganisationAction,
    OrganisationKind,
    OrganisationType,
    RegistrationScheme,
)
from brokerage.widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)


class OrganisationForm(Form):
    # Text fields use DataRequired, not InputRequired: InputRequired looks at what was
    # posted before the strip filter, so a name of spaces would be saved as "".
    org_type = RadioField(
        "What type of organisation is it?",
        invalid_value_message="Choose the type of organisation from the list",
        invalid_choice_message="Choose the type of organisation from the list",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the type of organisation")],
    )
    name = StringField(
        "Organisation name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the organisation's name"),
            Length(max=160, message="Name must be 160 characters or fewer"),
        ],
    )
    registration_scheme = RadioField(
        "Who is it registered with?",
        invalid_value_message="Choose who it is registered with from the list",
        invalid_choice_message="Choose who it is registered with from the list",
        widget=GovRadioInput(),
        choices=[SelectChoice(s.value, s.label) for s in RegistrationScheme],
        validators=[InputRequired(message="Choose who it is registered with, or not registered")],
    )
    registration_number = StringField(
        "Registration number",
        widget=GovTextInput(),
        filters=[strip],
        description="Leave blank if it is not registered. Charity: 6 or 7 digits (England and "
        "Wales), SC0 and 5 digits (Scotland), NIC and 6 digits (Northern Ireland). Company: "
        "8 characters, like 01234567 or SC123456.",
        validators=[Length(max=16, message="Registration number must be 16 characters or fewer")],
    )
    address_line_1 = StringField(
        "Address line 1",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter the first line of the address"),
            Length(max=160, message="Address line 1 must be 160 characters or fewer"),
        ],
    )
    address_line_2 = StringField(
        "Address line 2 (optional)",
        widget=GovTextInput(),
        filters=[strip],
        validators=[Length(max=160, message="Address line 2 must be 160 characters or fewer")],
    )
    town = StringField(
        "Town or city",
        widget=GovTextInput(),
        filters=[strip],
        default="Leeds",
        validators=[
            DataRequired(message="Enter the town or city"),
            Length(max=80, message="Town or city must be 80 characters or fewer"),
        ],
    )
    postcode = StringField(
        "Postcode",
        widget=GovTextInput(),
        filters=[strip],
        validators=[DataRequired(message="Enter the postcode")],
    )
    wards = SelectMultipleField(
        "Which parts of Leeds do you serve?",
        invalid_value_message="Choose Leeds-wide or the wards you serve from the list",
        invalid_choice_message="Choose Leeds-wide or the wards you serve from the list",
        widget=GovCheckboxesInput(),
        description="Choose Leeds-wide, or each ward you work in.",
        coerce=int,
        validators=[InputRequired(message="Choose Leeds-wide or the wards you serve")],
    )
    beneficiary_groups = SelectMultipleField(
        "Who does your work help?",
        invalid_value_message="Choose who your work helps from the list",
        invalid_choice_message="Choose who your work helps from the list",
        widget=GovCheckboxesInput(),
        description="Choose all that apply.",
        coerce=int,
        validators=[InputRequired(message="Choose who your work helps")],
    )
    description = TextAreaField(
        "What does the organisation do?",
        widget=GovCharacterCount(),
        description="A few sentences about your work and the people you work with.",
        validators=[
            DataRequired(message="Describe what the organisation does"),
            Length(max=2000, message="Description must be 2,000 characters or fewer"),
        ],
    )
    website = URLField(
        "Website (optional)",
        widget=GovTextInput(),
        description="For example, www.example.org",
        filters=[strip],
        validators=[Optional()],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def __init__(self, kind: OrganisationKind, *args, locked_to=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.locked = locked_to is not None
        self.org_type.choices = [
            SelectChoice(t.value, t.label) for t in OrganisationType if t.kind is kind
        ]
        if kind is OrganisationKind.COMPANY:
            self.name.label.text = "Company name"
            self.beneficiary_groups.label.text = "Which groups would you most like to help?"
            self.description.label.text = "What does the company do?"
            self.description.description = (
                "A few sentences about the company and what your people are good at."
            )
        self.wards.choices = [SelectChoice(w.id, w.name) for w in services.all_wards()]
        self.beneficiary_groups.choices = [
            SelectChoice(g.id, g.name) for g in services.all_beneficiary_groups()
        ]
        if locked_to is not None:
            # Checked by the team: these keep their verified values whatever is posted.
            for name in services.VERIFIED_FIELDS:
                getattr(self, name).validators = [Optional()]
                value = getattr(locked_to, name)
                getattr(self, name).data = getattr(value, "value", value)

    def validate_postcode(self, field):
        try:
            field.data = registration.normalise_postcode(field.data)
        except DomainError as exc:
            raise ValidationError(str(exc)) from None

    def validate_website(self, field):
        try:
            field.data = registration.normalise_website(field.data) or ""
        except DomainError as exc:
            raise ValidationError(str(exc)) from None

    def validate_registration_number(self, field):
        if self.locked or self.registration_scheme.data not in {
            s.value for s in RegistrationScheme
        }:
            return
        try:
            field.data = (
                registration.normalise_registration_number(
                    RegistrationScheme(self.registration_scheme.data), field.data
                )
                or ""
            )
        except DomainError as exc:
            raise ValidationError(str(exc)) from None

    def validate_wards(self, field):
        citywide = {w.id for w in services.all_wards() if w.is_citywide}
        if len(field.data or []) > 1 and citywide & set(field.data):
            raise ValidationError("Choose Leeds-wide or particular wards, not both")

    def details(self) -> services.OrganisationDetails:
        return services.OrganisationDetails(
            org_type=OrganisationType(self.org_type.data),
            name=self.name.data or "",
            registration_scheme=RegistrationScheme(self.registration_scheme.data),
            registration_number=self.registration_number.data,
            address_line_1=self.address_line_1.data,
            address_line_2=self.address_line_2.data,
            town=self.town.data,
            postcode=self.postcode.data,
            description=self.description.data,
            website=self.website.data,
            ward_ids=list(self.wards.data or []),
            beneficiary_group_ids=list(self.beneficiary_groups.data or []),
        )


class DecisionForm(Form):
    decision = RadioField(
        "Your decision",
        invalid_value_message="Choose approve, ask for more information, or reject",
        invalid_choice_message="Choose approve, ask for more information, or reject",
        widget=GovRadioInput(),
        choices=[
            SelectChoice(OrganisationAction.APPROVE.value, "Approve: the organisation is verified"),
            SelectChoice(
                OrganisationAction.REQUEST_INFO.value, "Ask the owner for more information"
            ),
            SelectChoice(OrganisationAction.REJECT.value, "Reject"),
        ],
        validators=[InputRequired(message="Choose approve, ask for more information, or reject")],
    )
    reason = TextAreaField(
        "Reason or question for the owner",
        widget=GovTextArea(),
        description="Needed to reject or to ask for information. The owner will see it.",
        validators=[Length(max=2000, message="Reason must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def validate_reason(self, field):
        decision = self.decision.data
        if decision == OrganisationAction.REJECT.value and not (field.data or "").strip():
            raise ValidationError("Enter the reason for rejecting")
        if decision == OrganisationAction.REQUEST_INFO.value and not (field.data or "").strip():
            raise ValidationError("Enter what you need to know")


class JoinRequestForm(Form):
    message = TextAreaField(
        "Message to the owner (optional)",
        widget=GovTextArea(),
        description="Say who you are and your role, so they know it is you.",
        validators=[Length(max=1000, message="Message must be 1,000 characters or fewer")],
    )
    submit = SubmitField("Ask to join", widget=GovSubmitInput())


class InviteForm(Form):
    email = email_field("Colleague's email address", "Enter your colleague's email address")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())
