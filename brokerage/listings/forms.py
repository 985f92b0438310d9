"""The need and offer forms: built for one side and one kind, so each page asks only
what that kind needs."""

from __future__ import annotations

from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from brokerage.clock import today_in_leeds
from brokerage.forms import DayField, Form, PoundsField, WholeNumberField, strip
from brokerage.listings.choices import filter_choices
from brokerage.listings.models import (
    Condition,
    ListingAction,
    ListingKind,
    LocationMode,
    Safeguarding,
    WipeMethod,
)
from brokerage.listings.services import (
    MAX_AMOUNT_PENCE,
    MAX_HOURS,
    MAX_QUANTITY,
    MAX_VOLUNTEERS,
    NeedDetails,
    OfferDetails,
)
from brokerage.organisations import services as organisations
from brokerage.widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)


def _choices(rows) -> list[SelectChoice]:
    return [SelectChoice(row.id, row.name) for row in rows]


def _enum_choices(enum_class, members=None) -> list[SelectChoice]:
    return [SelectChoice(m.value, m.label) for m in (members or enum_class)]


class ListingForm(Form):
    title = StringField(
        "Title",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter a title"),
            Length(max=160, message="Title must be 160 characters or fewer"),
        ],
    )
    description = TextAreaField(
        "Describe it",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter a description"),
            Length(max=4000, message="Description must be 4,000 characters or fewer"),
        ],
    )
    # Volunteering
    skills = SelectMultipleField(
        "Skills",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Choose all that apply.",
        invalid_value_message="Choose skills from the list",
        invalid_choice_message="Choose skills from the list",
        validators=[InputRequired(message="Choose the skills")],
    )
    volunteers = WholeNumberField(
        "How many volunteers", missing="Enter how many volunteers", maximum=MAX_VOLUNTEERS
    )
    hours_per_volunteer = WholeNumberField(
        "Hours for each volunteer",
        missing="Enter the hours for each volunteer",
        maximum=MAX_HOURS,
    )
    location_mode = RadioField(
        "Where will the work happen?",
        widget=GovRadioInput(),
        choices=_enum_choices(LocationMode),
        invalid_value_message="Choose on site, remote or either",
        invalid_choice_message="Choose on site, remote or either",
        validators=[InputRequired(message="Choose on site, remote or either")],
    )
    # Equipment
    device_type = RadioField(
        "Type of device",
        widget=GovRadioInput(),
        coerce=int,
        invalid_value_message="Choose the type of device from the list",
        invalid_choice_message="Choose the type of device from the list",
        validators=[InputRequired(message="Choose the type of device")],
    )
    quantity = WholeNumberField("How many", missing="Enter how many", maximum=MAX_QUANTITY)
    condition = RadioField(
        "Condition",
        widget=GovRadioInput(),
        invalid_value_message="Choose the condition from the list",
        invalid_choice_message="Choose the condition from the list",
        validators=[InputRequired(message="Choose the condition")],
    )
    # Sponsorship
    amount = PoundsField(
        "Amount in pounds",
        validators=[InputRequired(message="Enter the amount in pounds")],
    )

    def validate_amount(self, field):
        if field.data is not None and field.data < 100:
            raise ValidationError("The amount must be £1 or more")
        if field.data is not None and field.data > MAX_AMOUNT_PENCE:
            raise ValidationError(f"The amount must be £{MAX_AMOUNT_PENCE // 100:,} or less")

    wards = SelectMultipleField(
        "Which parts of Leeds?",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Choose Leeds-wide, or each ward.",
        invalid_value_message="Choose Leeds-wide or wards from the list",
        invalid_choice_message="Choose Leeds-wide or wards from the list",
        validators=[InputRequired(message="Choose Leeds-wide or the wards")],
    )
    beneficiary_groups = SelectMultipleField(
        "Who will it help?",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Choose all that apply.",
        invalid_value_message="Choose from the list",
        invalid_choice_message="Choose from the list",
        validators=[InputRequired(message="Choose who it will help")],
    )
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())
    send = SubmitField("Send for review", widget=GovSubmitInput())

    # Fields that belong to one kind only; the others are removed from the form.
    KIND_FIELDS = {
        ListingKind.VOLUNTEERING: ("skills", "volunteers", "hours_per_volunteer", "location_mode"),
        ListingKind.EQUIPMENT: ("device_type", "quantity", "condition"),
        ListingKind.SPONSORSHIP: ("amount",),
    }
    CONDITIONS: tuple[Condition, ...] = tuple(Condition)

    def __init__(self, kind: ListingKind, *args, keep=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        for other, names in self.KIND_FIELDS.items():
            if other is not kind:
                for name in names:
                    delattr(self, name)
        choices = filter_choices()
        self.wards.choices = _choices(organisations.all_wards())
        self.beneficiary_groups.choices = _choices(choices.groups)
        if kind is ListingKind.VOLUNTEERING:
            self.skills.choices = _choices(choices.skills)
        if kind is ListingKind.EQUIPMENT:
            self.device_type.choices = _choices(choices.devices)
            self.condition.choices = _enum_choices(Condition, self.CONDITIONS)
        if keep is not None:
            self._keep_hidden_terms(keep)

    def _keep_hidden_terms(self, listing) -> None:
        """A post keeps the terms it already has when the team hides them from new posts:
        on its own edit form they stay choices (saying so), so saving it unchanged keeps
        them, and unticking one drops it for good."""
        device = getattr(listing, "device_type", None)
        for name, terms in (
            ("skills", getattr(listing, "skills", [])),
            ("device_type", [device] if device is not None else []),
            ("beneficiary_groups", listing.beneficiary_groups),
        ):
            field = getattr(self, name, None)
            if field is None:
                continue
            offered = {choice.value for choice in field.choices}
            field.choices.extend(
                SelectChoice(term.id, f"{term.name} (no longer offered for new posts)")
                for term in terms
                if term.id not in offered
            )

    def validate_wards(self, field):
        citywide = {w.id for w in organisations.all_wards() if w.is_citywide}
        if len(field.data or []) > 1 and citywide & set(field.data):
            raise ValidationError("Choose Leeds-wide or particular wards, not both")

    def value_of(self, name: str):
        """A field's data, or None for a field this kind does not ask (WTForms leaves
        a removed field's attribute as None)."""
        field = getattr(self, name, None)
        return field.data if field is not None else None

    @property
    def wants_review(self) -> bool:
        return bool(self.send.data)

    def common_details(self) -> dict:
        get = self.value_of
        return dict(
            kind=self.kind,
            title=self.title.data or "",
            description=self.description.data or "",
            ward_ids=list(self.wards.data or []),
            beneficiary_group_ids=list(self.beneficiary_groups.data or []),
            skill_ids=list(get("skills") or []),
            volunteers=get("volunteers"),
            hours_per_volunteer=get("hours_per_volunteer"),
            location_mode=LocationMode(get("location_mode")) if get("location_mode") else None,
            device_type_id=get("device_type"),
            quantity=get("quantity"),
            condition=Condition(get("condition")) if get("condition") else None,
            amount_pence=get("amount"),
        )


class NeedForm(ListingForm):
    deadline = DayField(
        "Needed by",
        description="The last day this is useful, for example 27 3 2027. After it, the need "
        "closes.",
        missing="Enter the date it is needed by",
    )
    starts_on = DayField("Start date (optional)")
    ends_on = DayField("End date (optional)")
    safeguarding = RadioField(
        "Does the work involve regulated activity?",
        widget=GovRadioInput(),
        description="Regulated activity is, for example, unsupervised teaching or care of "
        "children or vulnerable adults. We record the requirement; we do not collect DBS "
        "certificates.",
        choices=_enum_choices(Safeguarding),
        invalid_value_message="Choose one of the answers",
        invalid_choice_message="Choose one of the answers",
        validators=[InputRequired(message="Say whether the work involves regulated activity")],
    )
    minimum_spec = TextAreaField(
        "Minimum specification (optional)",
        widget=GovTextArea(),
        filters=[strip],
        description="For example: 8 GB memory, webcam, Windows 11 or ChromeOS.",
        validators=[Length(max=1000, message="Specification must be 1,000 characters or fewer")],
    )
    purpose = TextAreaField(
        "What will the equipment be used for?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired(message="Say what the equipment is for"),
            Length(max=1000, message="Purpose must be 1,000 characters or fewer"),
        ],
    )
    pays_for = TextAreaField(
        "What will the money pay for?",
        widget=GovTextArea(),
        filters=[strip],
        validators=[
            DataRequired(message="Say what the money will pay for"),
            Length(max=1000, message="This must be 1,000 characters or fewer"),
        ],
    )
    SIDE_KIND_FIELDS = {
        ListingKind.VOLUNTEERING: ("starts_on", "ends_on", "safeguarding"),
        ListingKind.EQUIPMENT: ("minimum_spec", "purpose"),
        ListingKind.SPONSORSHIP: ("pays_for",),
    }
    CONDITIONS = (Condition.NEW, Condition.REFURBISHED, Condition.ANY)

    def __init__(self, kind: ListingKind, *args, **kwargs):
        super().__init__(kind, *args, **kwargs)
        for other, names in self.SIDE_KIND_FIELDS.items():
            if other is not kind:
                for name in names:
                    delattr(self, name)
        self.description.label.text = "What do you need, and why?"
        if kind is ListingKind.SPONSORSHIP:
            self.amount.label.text = "How much do you need, in pounds?"

    def validate_deadline(self, field):
        if self.send.data and field.data and field.data < today_in_leeds():
            raise ValidationError("The date it is needed by must be today or in the future")

    def validate_starts_on(self, field):
        if field.data and self.deadline.data and field.data > self.deadline.data:
            raise ValidationError(
                "The start date must be on or before the date it is needed by: "
                "no offer could be matched to work that starts after the need closes"
            )

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("The end date must be on or after the start date")
        if self.send.data and field.data and field.data < today_in_leeds():
            raise ValidationError("The end date must be today or in the future")

    def details(self):
        get = self.value_of
        return NeedDetails(
            **self.common_details(),
            deadline=self.deadline.data,
            starts_on=get("starts_on"),
            ends_on=get("ends_on"),
            safeguarding=Safeguarding(get("safeguarding")) if get("safeguarding") else None,
            minimum_spec=get("minimum_spec"),
            purpose=get("purpose"),
            pays_for=get("pays_for"),
        )


class OfferForm(ListingForm):
    available_from = DayField("Available from (optional)")
    available_until = DayField(
        "Available until",
        description="After this date the offer closes.",
        missing="Enter the date it is available until",
    )
    wipe_method = RadioField(
        "How is data wiped from the devices?",
        widget=GovRadioInput(),
        description="Not needed for new devices.",
        choices=_enum_choices(WipeMethod),
        # Only spaces is no answer: the rule in validate() then asks for one.
        filters=[strip],
        invalid_value_message="Choose how data is wiped from the list",
        invalid_choice_message="Choose how data is wiped from the list",
        validators=[Optional()],
    )
    certificate_per_serial = RadioField(
        "Does a wiping certificate come with each serial number?",
        widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        invalid_value_message="Choose yes or no",
        invalid_choice_message="Choose yes or no",
        validators=[InputRequired(message="Say whether a certificate comes with each device")],
    )
    SIDE_KIND_FIELDS = {ListingKind.EQUIPMENT: ("wipe_method", "certificate_per_serial")}
    CONDITIONS = (Condition.NEW, Condition.REFURBISHED, Condition.USED)

    def __init__(self, kind: ListingKind, *args, **kwargs):
        super().__init__(kind, *args, **kwargs)
        for other, names in self.SIDE_KIND_FIELDS.items():
            if other is not kind:
                for name in names:
                    delattr(self, name)
        self.description.label.text = "What can you give?"
        if kind is ListingKind.VOLUNTEERING:
            self.volunteers.label.text = "How many people"
            self.volunteers.missing = "Enter how many people"
            self.hours_per_volunteer.label.text = "Hours each person can give"
            self.hours_per_volunteer.missing = "Enter the hours each person can give"
        if kind is ListingKind.SPONSORSHIP:
            self.amount.label.text = "Budget, in pounds"

    def validate_available_until(self, field):
        if self.send.data and field.data and field.data < today_in_leeds():
            raise ValidationError("Available until must be today or in the future")
        start = self.available_from.data
        if field.data and start and field.data < start:
            raise ValidationError("Available until must be on or after available from")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops a blank field's own checks, so this rule between two fields
        # is checked here: anything not new must say how it was wiped.
        wipe = self.wipe_method
        if (
            wipe is not None
            and not wipe.data
            and self.condition.data
            not in (
                None,
                Condition.NEW.value,
            )
        ):
            wipe.errors = [*wipe.errors, "Say how data is wiped from the devices"]
            valid = False
        return valid

    def details(self):
        get = self.value_of
        return OfferDetails(
            **self.common_details(),
            available_from=self.available_from.data,
            available_until=self.available_until.data,
            wipe_method=WipeMethod(get("wipe_method")) if get("wipe_method") else None,
            certificate_per_serial=(get("certificate_per_serial") == "yes")
            if get("certificate_per_serial")
            else None,
        )


class ReviewForm(Form):
    decision = RadioField(
        "Your decision",
        widget=GovRadioInput(),
        choices=[
            SelectChoice(ListingAction.PUBLISH.value, "Publish"),
            SelectChoice(ListingAction.REQUEST_CHANGES.value, "Ask for changes"),
            SelectChoice(ListingAction.REJECT.value, "Do not accept"),
        ],
        invalid_value_message="Choose publish, ask for changes, or do not accept",
        invalid_choice_message="Choose publish, ask for changes, or do not accept",
        validators=[InputRequired(message="Choose publish, ask for changes, or do not accept")],
    )
    comment = TextAreaField(
        "Comment for the poster",
        widget=GovTextArea(),
        filters=[strip],
        description="Needed to ask for changes or to not accept it. The poster will see it.",
        validators=[Length(max=2000, message="Comment must be 2,000 characters or fewer")],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def validate_comment(self, field):
        if self.decision.data == ListingAction.REQUEST_CHANGES.value and not field.data:
            raise ValidationError("Enter what needs to change")
        if self.decision.data == ListingAction.REJECT.value and not field.data:
            raise ValidationError("Enter the reason for not accepting it")


class TermForm(Form):
    """The team adds a skill, a device type or a beneficiary group."""

    name = StringField(
        "Name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message="Enter a name"),
            Length(max=120, message="Name must be 120 characters or fewer"),
        ],
    )
    submit = SubmitField("Add", widget=GovSubmitInput())
