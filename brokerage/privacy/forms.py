"""Forms for people's data: deleting one's account, and the team's requests."""

from __future__ import annotations

from wtforms import PasswordField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from brokerage.forms import Form, email_field, strip
from brokerage.privacy.erasure import MAX_REASON
from brokerage.widgets import GovPasswordInput, GovSubmitInput, GovTextArea


class DeleteAccountForm(Form):
    password = PasswordField(
        "Your password",
        widget=GovPasswordInput(),
        description="To be sure it is you.",
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Delete my account", widget=GovSubmitInput())


class FindPersonForm(Form):
    """The team's search, sent with GET: no CSRF token needed to read."""

    class Meta:
        csrf = False

    email = email_field("Email address", "Enter the email address the request is about")
    submit = SubmitField("Find what we hold", widget=GovSubmitInput())


def _reason_field() -> TextAreaField:
    return TextAreaField(
        "Why (for the record)",
        widget=GovTextArea(),
        filters=[strip],
        description="For example: subject access request received by email on 3 December.",
        validators=[
            DataRequired(message="Enter why, for the record"),
            Length(max=MAX_REASON, message=f"Why must be {MAX_REASON:,} characters or fewer"),
        ],
    )


class DownloadForm(Form):
    email = email_field("Email address", "Enter the email address the request is about")
    reason = _reason_field()
    # Not "submit": the search form on the same page has that id.
    download = SubmitField("Download everything held", widget=GovSubmitInput())


class EraseForm(Form):
    reason = _reason_field()
    submit = SubmitField("Erase these details", widget=GovSubmitInput())
