"""Forms for volunteering sessions: adding or changing one (its start in Leeds time, the
time it ends that day, at an address in a ward or remote with a link), and choosing
the volunteers on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from wtforms import (
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from brokerage.clock import london
from brokerage.extensions import db
from brokerage.forms import (
    Form,
    LondonDateTimeField,
    clock_text,
    london_to_utc,
    parse_clock,
    strip,
)
from brokerage.organisations.models import Ward
from brokerage.volunteering.models import Volunteer, VolunteerSession
from brokerage.volunteering.sessions import SessionDetails
from brokerage.widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)

IN_PERSON, REMOTE = "in_person", "remote"


def _id_or_none(value) -> int | None:
    return None if value in ("", None) else int(value)


class SessionForm(Form):
    starts_at = LondonDateTimeField(
        "When does it start?",
        description="Leeds time. For example, 27 3 2027 and 10am.",
        missing="Enter the date and time the session starts",
    )
    ends = StringField(
        "What time does it end?",
        widget=GovTextInput(),
        filters=[strip],
        description="The same day, like 12:30pm or 14:00.",
        validators=[InputRequired(message="Enter the time the session ends")],
    )
    where = RadioField(
        "Where is it?",
        widget=GovRadioInput(),
        choices=[
            SelectChoice(IN_PERSON, "At an address in Leeds"),
            SelectChoice(REMOTE, "Remote, with a link to join"),
        ],
        invalid_choice_message="Choose an address in Leeds or remote",
        validators=[InputRequired(message="Choose where the session is")],
    )
    address = TextAreaField(
        "Address (if at an address)",
        widget=GovTextArea(),
        validators=[Optional(), Length(max=500, message="Address must be 500 characters or fewer")],
    )
    ward = SelectField(
        "Ward the address is in (if at an address)",
        widget=GovSelect(),
        coerce=_id_or_none,
        validate_choice=True,
        invalid_value_message="Choose a ward from the list",
        invalid_choice_message="Choose a ward from the list",
    )
    link = StringField(
        "Link to join (if remote)",
        widget=GovTextInput(),
        filters=[strip],
        description="Starting with https://",
        validators=[Optional(), Length(max=500, message="Link must be 500 characters or fewer")],
    )
    notes = TextAreaField(
        "Anything the volunteers should know (optional)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(max=2000, message="Notes must be 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Save the session", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        wards = db.session.scalars(
            select(Ward).where(Ward.is_citywide.is_(False)).order_by(Ward.name)
        )
        self.ward.choices = [SelectChoice("", "Choose a ward")] + [
            SelectChoice(w.id, w.name) for w in wards
        ]
        self.ends_at: datetime | None = None

    @classmethod
    def of(cls, session: VolunteerSession) -> SessionForm:
        """The form filled in with a session, to change it."""
        form = cls(
            data={
                "starts_at": session.starts_at,
                "ends": clock_text(london(session.ends_at)),
                "where": REMOTE if session.remote else IN_PERSON,
                "address": session.address,
                "ward": session.ward_id,
                "link": session.link,
                "notes": session.notes,
            }
        )
        return form

    def validate_ends(self, field) -> None:
        """The end time on the start's Leeds day, as a UTC moment."""
        try:
            at = parse_clock(field.data or "")
        except ValueError:
            raise ValidationError("Enter the end time like 12:30pm or 14:00") from None
        if self.starts_at.data is None:
            return
        try:
            self.ends_at = london_to_utc(london(self.starts_at.data).date(), at, "End time")
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def details(self) -> SessionDetails:
        remote = self.where.data == REMOTE
        return SessionDetails(
            starts_at=self.starts_at.data,
            ends_at=self.ends_at,
            remote=remote,
            address=self.address.data or None,
            ward_id=self.ward.data,
            link=self.link.data or None,
            notes=self.notes.data or None,
        )


class AttendeesForm(Form):
    volunteers = SelectMultipleField(
        "Who is on this session?",
        widget=GovCheckboxesInput(),
        coerce=int,
        description="Volunteers holding a place on this match. Untick someone to take "
        "them off the session.",
        invalid_choice_message="Choose volunteers from the list",
    )
    submit = SubmitField("Save who is on it", widget=GovSubmitInput())

    def offer(self, volunteers: list[Volunteer]) -> AttendeesForm:
        self.volunteers.choices = [SelectChoice(v.id, v.user.name) for v in volunteers]
        return self
