"""Forms for named volunteers: inviting, assigning a place, recording a check, choosing
who checks, asking for a change."""

from __future__ import annotations

from wtforms import RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from brokerage.forms import DayField, Form, email_field, strip
from brokerage.listings.models import ListingSide
from brokerage.volunteering.models import CheckLevel, Place, Volunteer
from brokerage.widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea


class VolunteerInviteForm(Form):
    email = email_field("Employee's work email address", "Enter the employee's email address")
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


def _id_or_none(value) -> int | None:
    """A chosen id; the empty first option is None (InputRequired refuses it)."""
    return None if value in ("", None) else int(value)


class AssignForm(Form):
    volunteer = SelectField(
        "Volunteer",
        widget=GovSelect(),
        coerce=_id_or_none,
        invalid_value_message="Choose a volunteer from the list",
        invalid_choice_message="Choose a volunteer from the list",
        validators=[InputRequired(message="Choose a volunteer")],
    )
    submit = SubmitField("Assign", widget=GovSubmitInput())

    def offer(self, volunteers: list[Volunteer], place: Place) -> AssignForm:
        self.volunteer.label.text = f"Volunteer for place {place.number}"
        # An empty first option: a required select must not start on a real choice.
        self.volunteer.choices = [SelectChoice("", "Choose a volunteer")] + [
            SelectChoice(v.id, v.user.name) for v in volunteers
        ]
        return self


class CheckForm(Form):
    level = RadioField(
        "Level of the disclosure check",
        widget=GovRadioInput(),
        choices=[SelectChoice(level.value, level.label) for level in CheckLevel],
        invalid_choice_message="Choose the level from the list",
        validators=[InputRequired(message="Choose the level of the check")],
    )
    certificate_date = DayField(
        "Date on the certificate",
        description="For example, 27 3 2025. We do not keep the certificate's number or a copy.",
        missing="Enter the date on the certificate",
    )
    submit = SubmitField("Record the check", widget=GovSubmitInput())


class CheckerForm(Form):
    checked_by = RadioField(
        "Who checks the volunteers' disclosure certificates?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice(ListingSide.NEED.value, "We do (the charity)"),
            SelectChoice(ListingSide.OFFER.value, "The company does"),
        ],
        invalid_choice_message="Choose the charity or the company",
        validators=[InputRequired(message="Choose who checks the certificates")],
    )
    submit = SubmitField("Save who checks", widget=GovSubmitInput())


class ChangeForm(Form):
    place = SelectField(
        "Which place is it about?",
        widget=GovSelect(),
        coerce=int,
        invalid_value_message="Choose a place from the list",
        invalid_choice_message="Choose a place from the list",
    )
    message = TextAreaField(
        "What would you like the company to change?",
        widget=GovTextArea(),
        filters=[strip],
        description="The company sees this in the match's conversation.",
        validators=[
            DataRequired(message="Enter what you would like the company to change"),
            Length(max=5000, message="Your message must be 5,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Ask for a change", widget=GovSubmitInput())

    def offer(self, places: list[Place]) -> ChangeForm:
        self.place.choices = [SelectChoice(0, "All the volunteers")] + [
            SelectChoice(p.id, f"Place {p.number}: {p.volunteer.user.name}")
            for p in places
            if p.volunteer is not None
        ]
        return self
