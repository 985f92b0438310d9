"""Forms for grant rounds: the team's round, questions, criteria and funders, the
eligibility check, and the applicant's application (built for each round's questions)."""

from __future__ import annotations

from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from brokerage.forms import Form, LondonDateTimeField, PoundsField, WholeNumberField, strip
from brokerage.funding.applications import TEXT_LIMITS, YES_NO, Draft
from brokerage.funding.models import GrantRound, QuestionKind, RoundAction
from brokerage.funding.rounds import MAX_WEIGHT, MAX_WORD_LIMIT
from brokerage.widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)

BUDGET_LINES = 8
TIME_HINT = "Leeds time. For example, 31 1 2027 and 5pm (or 17:00)."


def _text(label: str, limit: int, missing: str | None = None, **kwargs) -> StringField:
    validators = [Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")]
    validators.insert(0, DataRequired(message=missing) if missing else Optional())
    return StringField(
        label, widget=GovTextInput(), filters=[strip], validators=validators, **kwargs
    )


def _area(label: str, limit: int, missing: str | None = None, **kwargs) -> TextAreaField:
    validators = [Length(max=limit, message=f"{label} must be {limit:,} characters or fewer")]
    validators.insert(0, DataRequired(message=missing) if missing else Optional())
    return TextAreaField(
        label, widget=GovTextArea(), filters=[strip], validators=validators, **kwargs
    )


def _pounds(label: str, missing: str | None = None, **kwargs) -> PoundsField:
    validators = [InputRequired(message=missing)] if missing else [Optional()]
    return PoundsField(label, validators=validators, **kwargs)


class RoundForm(Form):
    name = _text("Name", 160, "Enter the round's name")
    description = _area(
        "Description", 10_000, "Describe what the round funds", description="Applicants see this."
    )
    pot = _pounds("The pot", "Enter the amount the round grants in all")
    min_grant = _pounds("Smallest grant", "Enter the smallest grant")
    max_grant = _pounds("Largest grant", "Enter the largest grant")
    max_income = _pounds(
        "Largest annual income (optional)",
        description="Leave empty to let organisations of any size apply.",
    )
    opens_at = LondonDateTimeField("Opens", description=TIME_HINT, missing="Enter when it opens")
    closes_at = LondonDateTimeField("Closes", description=TIME_HINT, missing="Enter when it closes")
    ward_ids = SelectMultipleField(
        "Wards (optional)",
        coerce=int,
        widget=GovCheckboxesInput(),
        description="Leave all unticked for organisations working anywhere in Leeds.",
        validate_choice=True,
    )
    ball_id = SelectField(
        "The ball whose money this grants (optional)", coerce=str, widget=GovSelect()
    )
    submit = SubmitField("Save the round", widget=GovSubmitInput())


class QuestionForm(Form):
    prompt = _text("Question", 300, "Enter the question")
    hint = _area("Hint (optional)", 2_000)
    kind = RadioField(
        "Kind of answer",
        choices=[SelectChoice(k.value, k.label) for k in QuestionKind],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose the kind of answer")],
    )
    word_limit = WholeNumberField("Word limit (optional)", maximum=MAX_WORD_LIMIT)
    choices = _area("Choices (for 'one of a list')", 5_000, description="One choice on each line.")
    required = RadioField(
        "Must it be answered?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, it is optional")],
        default="yes",
        widget=GovRadioInput(),
        validators=[InputRequired(message="Say whether it must be answered")],
    )
    submit = SubmitField("Add the question", widget=GovSubmitInput())


class CriterionForm(Form):
    name = _text("Criterion", 160, "Enter what the panel scores")
    description = _area("What a high score looks like (optional)", 2_000)
    weight = WholeNumberField(
        "Weight",
        missing="Enter the weight, from 1 to 10",
        maximum=MAX_WEIGHT,
        description="How much it counts: a criterion of weight 2 counts twice as much as 1.",
    )
    submit = SubmitField("Add the criterion", widget=GovSubmitInput())


class FunderForm(Form):
    funder = _text("Funder", 160, "Enter the funder's name")
    amount = _pounds("Their contribution", "Enter the amount they give")
    submit = SubmitField("Add the funder", widget=GovSubmitInput())


class RemovePartForm(Form):
    part = StringField(validators=[DataRequired()])
    part_id = WholeNumberField()


class RoundMoveForm(Form):
    action = SelectField(
        choices=[SelectChoice(a.value, a.past_tense) for a in RoundAction],
        validators=[InputRequired()],
    )


class EligibilityForm(Form):
    decision = RadioField(
        "Is this application eligible?",
        choices=[
            SelectChoice("eligible", "Eligible: the panel will score it"),
            SelectChoice("ineligible", "Not eligible"),
        ],
        widget=GovRadioInput(),
        validators=[InputRequired(message="Choose eligible or not eligible")],
    )
    reason = _area(
        "Why it is not eligible", 5_000, description="The applicant sees this in their email."
    )
    submit = SubmitField("Save the check", widget=GovSubmitInput())


class WithdrawForm(Form):
    reason = _area("Why are you withdrawing? (optional)", 2_000)
    submit = SubmitField("Withdraw the application", widget=GovSubmitInput())


class ApplicationBase(Form):
    title = _text("Project title", 160, description="A few words, like 'Digital drop-ins'.")
    summary = _area(
        "About the project",
        5_000,
        description="What you will do, for whom, and what will change. Up to 5,000 characters.",
    )
    amount = _pounds("Amount you are asking for")
    annual_income = _pounds("Your organisation's annual income")
    save = SubmitField("Save as draft", widget=GovSubmitInput())
    send = SubmitField("Send the application", widget=GovSubmitInput())

    def add_error(self, name: str, message: str) -> None:
        """A service's problem beside its field, or above the form when it has none."""
        field = self._fields.get(name)
        if field is None:
            self.form_errors.append(message)
        else:
            field.errors = [*field.errors, message]

    def question_fields(self):
        return [(q, self[f"q{q.id}"]) for q in self.round_questions]

    def budget_fields(self):
        return [(self[f"item_{n}"], self[f"cost_{n}"]) for n in range(1, BUDGET_LINES + 1)]

    def draft(self) -> Draft:
        answers = {q.id: (field.data or "").strip() for q, field in self.question_fields()}
        budget = [
            (item.data, cost.data)
            for item, cost in self.budget_fields()
            if item.data or cost.data is not None
        ]
        return Draft(
            title=self.title.data or "",
            summary=self.summary.data or "",
            amount_pence=self.amount.data,
            annual_income_pence=self.annual_income.data,
            answers=answers,
            budget=budget,
        )

    def validate_budget(self) -> bool:
        """A line needs both its item and its cost."""
        fine = True
        for n, (item, cost) in enumerate(self.budget_fields(), start=1):
            if item.data and cost.data is None and not cost.errors:
                cost.errors.append(f"Enter the cost of budget line {n}")
                fine = False
            if cost.data is not None and not item.data and not item.errors:
                item.errors.append(f"Say what budget line {n} pays for")
                fine = False
        return fine


def _answer_length(limit: int) -> Length:
    return Length(max=limit, message=f"Your answer must be {limit:,} characters or fewer")


def _answer_field(question):
    label = question.prompt + ("" if question.required else " (optional)")
    if question.kind in (QuestionKind.YES_NO, QuestionKind.CHOICE):
        options = YES_NO if question.kind is QuestionKind.YES_NO else question.choice_list
        return RadioField(
            label,
            choices=[SelectChoice(o, o) for o in options],
            widget=GovRadioInput(),
            description=question.hint,
            validate_choice=False,  # the service says "choose one of the options"
        )
    limit = TEXT_LIMITS.get(question.kind, 20)
    if question.kind is QuestionKind.LONG_TEXT:
        return TextAreaField(
            label,
            widget=GovCharacterCount() if question.word_limit else GovTextArea(),
            filters=[strip],
            description=question.hint,
            validators=[
                Length(max=limit, message=f"Your answer must be {limit:,} characters or fewer")
            ],
        )
    return StringField(
        label,
        widget=GovTextInput(),
        filters=[strip],
        description=question.hint,
        validators=[
            Length(max=limit, message=f"Your answer must be {limit:,} characters or fewer")
        ],
    )


def application_form(grant_round: GrantRound, **kwargs) -> ApplicationBase:
    """The application form for this round: its questions, then a budget in lines."""

    class ApplicationForm(ApplicationBase):
        round_questions = list(grant_round.questions)

    for question in grant_round.questions:
        setattr(ApplicationForm, f"q{question.id}", _answer_field(question))
    for n in range(1, BUDGET_LINES + 1):
        setattr(ApplicationForm, f"item_{n}", _text(f"Budget line {n}: what it pays for", 200))
        setattr(ApplicationForm, f"cost_{n}", _pounds(f"Budget line {n}: cost"))
    return ApplicationForm(**kwargs)
