"""Our GOV.UK widgets draw exactly the HTML govuk-frontend-wtf's own would, without
rendering a template per field, and without patching the library's classes."""

from __future__ import annotations

import pytest
from govuk_frontend_wtf import wtforms_widgets as library
from govuk_frontend_wtf.gov_form_base import GovFormBase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


def test_long_text_and_odd_values_are_never_kept(app):
    widgets._drawn.clear()
    form = BaseForm([("field", TextAreaField("About", widget=widgets.GovTextArea()))])
    form.process(data={"field": "x" * (widgets.LONGEST_KEPT + 1)})
    assert ("x" * (widgets.LONGEST_KEPT + 1)) in str(form["field"]())
    # The text box is kept with a stand-in for its text, not the text.
    assert not any("x" * 100 in str(drawn) for drawn in widgets._drawn.values())
    long_label = BaseForm([("field", StringField("y" * 2000, widget=widgets.GovTextInput()))])
    long_label.process(data={})
    assert "y" * 2000 in str(long_label["field"]())
    assert not any("y" * 100 in str(drawn) for drawn in widgets._drawn.values())
    assert widgets._frozen({"value": object()}) is None


# What people type, and what ids and names a form gives its fields, as text boxes show
# them: angle brackets, ampersands, quotes, other scripts, the stand-ins' own words.
TYPED = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        ["zqslotidqz", "zqslotvalueqz zqslotnameqz", "<script>x</script>", "a\"b'c&amp;", " "]
    ),
)
NAMES = st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True) | st.sampled_from(
    ["zqslotidqz", "a&b", 'q"uote']
)


@pytest.mark.parametrize("name", ["GovTextInput", "GovTextArea", "GovPasswordInput"])
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field_name=NAMES, field_id=NAMES, typed=TYPED, error=st.booleans())
def test_text_boxes_with_their_own_ids_names_and_text_are_the_librarys(
    app, name, field_name, field_id, typed, error
):
    def drawn(widget_class):
        form = BaseForm([(field_name, FIELDS[name](widget_class()))])
        form.process(data={field_name: typed})
        if error:
            form[field_name].errors = ["Something is wrong"]
        return str(form[field_name](id=field_id)).strip()

    library_html = drawn(getattr(library, name))
    assert drawn(getattr(widgets, name)) == library_html  # drawn, or filled in if kept
    assert drawn(getattr(widgets, name)) == library_html  # filled in from what was kept


def test_a_field_per_ticket_is_drawn_once_and_filled_in(app):
    widgets._drawn.clear()
    fields = [
        (f"guest_{n}", StringField("Guest's full name", widget=widgets.GovTextInput()))
        for n in range(1, 11)
    ]
    form = BaseForm(fields)
    form.process(data={f"guest_{n}": f"Guest <{n}>" for n in range(1, 11)})
    html = [str(form[f"guest_{n}"]()) for n in range(1, 11)]
    assert len(widgets._drawn) == 1
    assert 'id="guest_7" name="guest_7" type="text" value="Guest &lt;7&gt;"' in html[6]


def test_a_checkbox_revealing_long_html_is_kept_once_and_shows_each_persons_html(app):
    """A checkbox's conditional content (the ball page's Gift Aid address, drawn already,
    holding what the buyer typed) is long HTML: the checkbox is drawn once with a stand-in
    for it and each person's HTML put in, the library's HTML every time."""
    widgets._drawn.clear()

    def drawn(widget_class, typed, ticked):
        form = BaseForm([("gift_aid", BooleanField("Add Gift Aid", widget=widget_class()))])
        form.process(data={"gift_aid": ticked})
        # Set in a template, it starts and ends with a line break, which the macro trims.
        conditional = Markup('\n  <div class="govuk-form-group">{}</div>\n').format(
            typed + " " * widgets.LONGEST_KEPT
        )
        params = {"items": [{"conditional": {"html": conditional}}]}
        return str(form["gift_aid"](params=params)).strip()

    for typed, ticked in [
        ("1 Park Row", False),
        ("<b>2 Lane</b> & zqslothtml0qz", False),
        ("3 Street", True),
        ("3 Street", True),
    ]:
        ours = drawn(widgets.GovCheckboxInput, typed, ticked)
        assert ours == drawn(library.GovCheckboxInput, typed, ticked)
        assert "&lt;b&gt;2 Lane" in ours or "<b>" not in typed
    assert len(widgets._drawn) == 2  # unticked and ticked, each drawn once
    assert widgets._NOT_KEPT not in widgets._drawn.values()  # and filled in after
    assert not any("Park Row" in str(kept) for kept in widgets._drawn.values())
