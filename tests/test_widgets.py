"""Our GOV.UK widgets draw exactly the HTML govuk-frontend-wtf's own would, without
rendering a template per field, and without patching the library's classes."""

from __future__ import annotations

import pytest
from govuk_frontend_wtf import wtforms_widgets as library
from govuk_frontend_wtf.gov_form_base import GovFormBase
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.form import BaseForm

from brokerage import widgets
from brokerage.forms import DayField

FIELDS = {
    "GovTextInput": lambda w: StringField("Name", widget=w, description="Your full name"),
    "GovPasswordInput": lambda w: PasswordField("Password", widget=w),
    "GovTextArea": lambda w: TextAreaField("About", widget=w),
    "GovCharacterCount": lambda w: TextAreaField("Summary", widget=w),
    "GovCheckboxInput": lambda w: BooleanField("I agree", widget=w),
    "GovCheckboxesInput": lambda w: SelectMultipleField(
        "Wards", choices=[SelectChoice("a", "Armley"), SelectChoice("b", "Beeston")], widget=w
    ),
    "GovRadioInput": lambda w: RadioField(
        "Kind",
        choices=[SelectChoice("x", "Equipment"), SelectChoice("y", "Volunteering")],
        widget=w,
    ),
    "GovSelect": lambda w: SelectField("Sort", choices=[SelectChoice("n", "Newest")], widget=w),
    "GovSubmitInput": lambda w: SubmitField("Save", widget=w),
    "GovDateInput": lambda w: DayField("Closing date", widget=w),
}


def test_every_widget_of_ours_is_listed_here():
    ours = {name for name in dir(widgets) if name.startswith("Gov") and name != "GovFormBase"}
    assert ours == set(FIELDS)


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_the_html_is_the_librarys(app, name):
    def drawn(widget_class, data):
        form = BaseForm([("field", FIELDS[name](widget_class()))])
        form.process(data=data)
        if data:
            form["field"].errors = ["Something is wrong"]
        # The library renders the widget template's import line as blank lines first.
        return str(form["field"]()).strip()

    value = {"GovDateInput": None, "GovCheckboxesInput": ["a"], "GovCheckboxInput": True}
    for data in ({}, {"field": value.get(name, "a")}):
        assert drawn(getattr(widgets, name), data) == drawn(getattr(library, name), data)


def test_the_library_is_left_as_it_was():
    assert GovFormBase.render.__module__ == "govuk_frontend_wtf.gov_form_base"
