"""Forms of the panel and the team's decisions: panel members, scores, conflicts,
awards and declines."""

from __future__ import annotations

from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from brokerage.forms import Form, PoundsField, email_field, strip
from brokerage.funding.models import RoundCriterion
from brokerage.funding.panel import HIGHEST, LOWEST, Entry
from brokerage.widgets import GovRadioInput, GovSubmitInput, GovTextArea

TEXT_LIMIT = 5000


def _text(label: str, missing: str | None = None, **kwargs) -> TextAreaField:
    validators = [DataRequired(message=missing)] if missing else []
    validators.append(
        Length(max=TEXT_LIMIT, message=f"{label} must be {TEXT_LIMIT:,} characters or fewer")
    )
    return TextAreaField(
        label, widget=GovTextArea(), filters=[strip], validators=validators, **kwargs
    )


class PanelMemberForm(Form):
    email = email_field(
        "Email address of their account", missing="Enter the email address of their account"
    )
    submit = SubmitField("Add to the panel", widget=GovSubmitInput())


class RemoveMemberForm(Form):
    member = HiddenField(filters=[strip])
    submit = SubmitField("Remove", widget=GovSubmitInput())

    def member_id(self) -> int | None:
        text = self.member.data or ""
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


class ConflictForm(Form):
    reason = _text(
        "Why can you not review it?",
        "Enter why you have a conflict of interest",
        description="For example: you work for, volunteer with or fund this organisation. "
        "The programme team sees your reason.",
    )
    submit = SubmitField("Declare a conflict", widget=GovSubmitInput())


class ScoreField(RadioField):
    """A score from 1 to 5, or none yet (a draft)."""

    widget = GovRadioInput()

    def __init__(self, label: str, **kwargs):
        choices = [SelectChoice(str(n), str(n)) for n in range(LOWEST, HIGHEST + 1)]
        super().__init__(label, choices=choices, **kwargs)

    def pre_validate(self, form):
        if self.data not in (None, "") and self.data not in {c.value for c in self.choices}:
            raise ValidationError(f"Score {self.label.text} from {LOWEST} to {HIGHEST}")


class ScoreFormBase(Form):
    save = SubmitField("Save as a draft", widget=GovSubmitInput())
    send = SubmitField("Submit your scores", widget=GovSubmitInput())

    criteria: list[RoundCriterion] = []

    def entries(self) -> dict[int, Entry]:
        found = {}
        for criterion in self.criteria:
            value = self[f"score_{criterion.id}"].data
            comment = self[f"comment_{criterion.id}"].data or ""
            found[criterion.id] = Entry(int(value) if value else None, comment)
        return found

    def pairs(self):
        """(criterion, score field, comment field) for the template."""
        for criterion in self.criteria:
            yield criterion, self[f"score_{criterion.id}"], self[f"comment_{criterion.id}"]


def score_form(criteria: list[RoundCriterion], **kwargs) -> ScoreFormBase:
    """A form with a score and a comment for each of the round's criteria."""

    class ScoreForm(ScoreFormBase):
        pass

    ScoreForm.criteria = list(criteria)
    for criterion in criteria:
        setattr(ScoreForm, f"score_{criterion.id}", ScoreField(criterion.name))
        setattr(
            ScoreForm,
            f"comment_{criterion.id}",
            _text(f"Comment on {criterion.name}"),
        )
    return ScoreForm(**kwargs)


class AwardForm(Form):
    amount = PoundsField(
        "Amount to award, in pounds",
        validators=[InputRequired(message="Enter the amount to award")],
    )
    conditions = _text(
        "Conditions of the grant (optional)",
        description="What the organisation agrees to, for example how it reports.",
    )
    feedback = _text("Feedback for the applicant (optional)")
    submit = SubmitField("Award the grant", widget=GovSubmitInput())


class DeclineForm(Form):
    feedback = _text(
        "Feedback for the applicant",
        "Enter feedback for the applicant",
        description="Why it was not funded this time: the applicant's members are emailed it.",
    )
    submit = SubmitField("Decline the application", widget=GovSubmitInput())
