"""Account forms: what people type, checked before any service sees it."""

from __future__ import annotations

from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from brokerage.accounts.services import MIN_PASSWORD_LENGTH, password_problem
from brokerage.forms import Form, email_field, strip
from brokerage.widgets import GovPasswordInput, GovSubmitInput, GovTextInput


class NewPasswordMixin:
    # Forms without an email field are given the account's address by the view.
    account_email: str | None = None

    def validate_password(self, field):
        email = getattr(getattr(self, "email", None), "data", None) or self.account_email
        problem = password_problem(field.data or "", email)
        if problem:
            raise ValidationError(problem)


class SignUpForm(NewPasswordMixin, Form):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        filters=[strip],
        validators=[
            # DataRequired checks after the strip filter: a name of spaces is no name.
            DataRequired(message="Enter your full name"),
            Length(max=120, message="Full name must be 120 characters or fewer"),
        ],
    )
    email = email_field()
    password = PasswordField(
        "Create a password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters. Three random words together "
        "are easy to remember and hard to guess.",
        validators=[InputRequired(message="Enter a password")],
    )
    submit = SubmitField("Create account", widget=GovSubmitInput())


class SignInForm(Form):
    email = email_field()
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password")],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(Form):
    email = email_field()
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class ResetPasswordForm(NewPasswordMixin, Form):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[InputRequired(message="Enter a new password")],
    )
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordMixin, Form):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password")],
    )
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
        validators=[InputRequired(message="Enter a new password")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())
