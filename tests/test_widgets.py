"""Our GOV.UK widgets draw exactly the HTML govuk-frontend-wtf's own would, without
rendering a template per field, and without patching the library's classes."""

from __future__ import annotations

import pytest
from govuk_frontend_wtf import wtforms_widgets as library
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup
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

    # Clean, clean again (drawn from what was kept), with an error twice, clean again.
    value = {"GovDateInput": None, "GovCheckboxesInput": ["a"], "GovCheckboxInput": True}
    filled = {"field": value.get(name, "a")}
    for data in ({}, {}, filled, filled, {}):
        assert drawn(getattr(widgets, name), data) == drawn(getattr(library, name), data)


def test_the_library_is_left_as_it_was():
    assert GovFormBase.render.__module__ == "govuk_frontend_wtf.gov_form_base"


def test_what_is_kept_tells_markup_from_text_and_true_from_one(app):
    field = StringField("Name", widget=widgets.GovTextInput())
    form = BaseForm([("field", field)])
    form.process(data={})

    def label(text):
        return str(form["field"](params={"label": {"html": None, "text": text}}))

    assert "<b>bold</b>" not in label("<b>bold</b>")
    assert "&lt;b&gt;bold&lt;/b&gt;" in label("<b>bold</b>")
    assert "<b>bold</b>" in label(Markup("<b>bold</b>"))
    assert "&lt;b&gt;" in label("<b>bold</b>")  # and the escaped one again, after
    assert widgets._frozen(True) != widgets._frozen(1)


def test_long_text_and_odd_values_are_drawn_each_time_not_kept(app):
    widgets._drawn.clear()
    form = BaseForm([("field", TextAreaField("About", widget=widgets.GovTextArea()))])
    form.process(data={"field": "x" * (widgets.LONGEST_KEPT + 1)})
    assert ("x" * (widgets.LONGEST_KEPT + 1)) in str(form["field"]())
    assert widgets._drawn == {}
    assert widgets._frozen({"value": object()}) is None
