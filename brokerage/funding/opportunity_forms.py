"""The team's form for another funder's opportunity."""

from __future__ import annotations

from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from brokerage.clock import today_in_leeds
from brokerage.forms import DayField, Form, PoundsField, strip
from brokerage.funding.opportunities import (
    COMMUNITY_TYPES,
    OpportunityDetails,
    amount_problem,
    types_of,
)
from brokerage.funding.opportunity_models import FundingOpportunity
from brokerage.organisations import services as organisations
from brokerage.organisations.models import OrganisationType
from brokerage.widgets import GovCheckboxesInput, GovSubmitInput, GovTextArea, GovTextInput


def _text(label: str, missing: str, limit: int) -> StringField:
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            DataRequired(message=missing),
            Length(max=limit, message=f"{label} must be {limit:,} characters or fewer"),
        ],
    )


def _choose_many(label: str, hint: str, what: str, coerce=str) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        widget=GovCheckboxesInput(),
        coerce=coerce,
        description=hint,
        invalid_value_message=f"Choose {what} from the list",
        invalid_choice_message=f"Choose {what} from the list",
    )


class OpportunityForm(Form):
    funder = _text("Funder", "Enter the funder's name", 160)
    title = _text("Title", "Enter a title", 160)
    what_it_funds = TextAreaField(
        "What it funds",
        widget=GovTextArea(),
        validators=[
            DataRequired(message="Enter what it funds"),
            Length(max=4000, message="What it funds must be 4,000 characters or fewer"),
        ],
    )
    min_amount = PoundsField("Least it gives, in pounds (optional)")
    max_amount = PoundsField("Most it gives, in pounds (optional)")
    deadline = DayField(
        "Deadline", description="For example, 27 3 2027", missing="Enter the deadline"
    )
    who_may_apply = TextAreaField(
        "Who may apply (optional)",
        widget=GovTextArea(),
        description="In the funder's words, for example: registered charities with an "
        "income under £250,000.",
        validators=[Length(max=4000, message="Who may apply must be 4,000 characters or fewer")],
    )
    wards = _choose_many(
        "Which parts of Leeds? (optional)",
        "Choose Leeds-wide, or each ward. Choose none if it is for anywhere.",
        "Leeds-wide or wards",
        int,
    )
    beneficiary_groups = _choose_many(
        "Who must the work help? (optional)",
        "Choose all that apply. Choose none if it is for work with anyone.",
        "who the work must help",
        int,
    )
    organisation_types = _choose_many(
        "Which types of organisation may apply? (optional)",
        "Choose all that apply. Choose none if any type may apply.",
        "types of organisation",
    )
    link = _text("Link to the funder's page", "Enter the link to the funder's page", 500)
    submit = SubmitField("Post the opportunity", widget=GovSubmitInput())

    def __init__(self, *args, opportunity: FundingOpportunity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.wards.choices = [SelectChoice(w.id, w.name) for w in organisations.all_wards()]
        self.beneficiary_groups.choices = [
            SelectChoice(g.id, g.name) for g in organisations.all_beneficiary_groups()
        ]
        self.organisation_types.choices = [SelectChoice(t.value, t.label) for t in COMMUNITY_TYPES]
        self.link.description = "It must start with https://"
        if opportunity is not None:
            self.submit.label.text = "Save changes"
            if not self.is_submitted():
                self._fill(opportunity)

    def _fill(self, opportunity: FundingOpportunity) -> None:
        for name in ("funder", "title", "what_it_funds", "who_may_apply", "deadline", "link"):
            getattr(self, name).data = getattr(opportunity, name)
        self.min_amount.data = opportunity.min_amount_pence
        self.max_amount.data = opportunity.max_amount_pence
        self.wards.data = [w.id for w in opportunity.wards]
        self.beneficiary_groups.data = [g.id for g in opportunity.beneficiary_groups]
        self.organisation_types.data = [t.value for t in types_of(opportunity)]

    def validate_deadline(self, field):
        if field.data is not None and field.data < today_in_leeds():
            raise ValidationError("The deadline must be today or in the future")

    def _check_amount(self, field):
        problem = amount_problem(field.data)
        if problem:
            raise ValidationError(problem)

    validate_min_amount = _check_amount

    def validate_max_amount(self, field):
        self._check_amount(field)
        low = self.min_amount.data
        if low is not None and field.data is not None and field.data < low:
            raise ValidationError("The most must be the same as or more than the least")

    def validate_link(self, field):
        link = field.data or ""
        if not link.startswith("https://") or len(link) < len("https://x.x") or " " in link:
            raise ValidationError(
                "Enter a link that starts with https://, like https://example.org"
            )

    def validate_wards(self, field):
        citywide = {w.id for w in organisations.all_wards() if w.is_citywide}
        if len(field.data or []) > 1 and citywide & set(field.data):
            raise ValidationError("Choose Leeds-wide or particular wards, not both")

    def details(self) -> OpportunityDetails:
        return OpportunityDetails(
            funder=self.funder.data,
            title=self.title.data,
            what_it_funds=self.what_it_funds.data,
            deadline=self.deadline.data,
            link=self.link.data,
            who_may_apply=self.who_may_apply.data or "",
            min_amount_pence=self.min_amount.data,
            max_amount_pence=self.max_amount.data,
            ward_ids=list(self.wards.data or []),
            beneficiary_group_ids=list(self.beneficiary_groups.data or []),
            organisation_types=[OrganisationType(v) for v in self.organisation_types.data or []],
        )
