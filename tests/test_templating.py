"""The template filters that write numbers and plurals as a person would, and templates' imports."""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment, Template

from brokerage.clock import format_days
from brokerage.templating import QuickImportTemplate, compile_all, option_tags, plural
from tests.helpers import page_text
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make


@pytest.mark.parametrize(
    ("word", "count", "written"),
    [
        ("proposal", 1, "proposal"),
        ("proposal", 0, "proposals"),
        ("proposal", 2, "proposals"),
        ("match", 1, "match"),
        ("match", 3, "matches"),
        ("charity", 2, "charities"),
        ("day", 2, "days"),
        ("box", 2, "boxes"),
    ],
)
def test_plural(word, count, written):
    assert plural(word, count) == written


def test_an_irregular_plural_is_given():
    assert plural("person", 1, "people") == "person"
    assert plural("person", 4, "people") == "people"


@pytest.mark.parametrize(
    ("days", "written"),
    [
        (0.0, "less than a day"),
        (0.4, "less than a day"),
        (1.0, "1 day"),
        (1.04, "1 day"),
        (2.0, "2 days"),
        (2.5, "2.5 days"),
        (None, ""),
    ],
)
def test_days(days, written):
    assert format_days(days) == written


def test_the_team_queue_says_one_proposal_not_one_proposals(client, login):
    brokering_make.proposed()
    login(listings_make.team_member())
    text = page_text(client.get("/team/brokering"))
    assert "1 proposal waiting for answers" in text
    assert "1 proposals" not in text


# --- Imports -------------------------------------------------------------------------------

MACROS = {
    "macros.html": "{% macro hello() %}{{ greeting }}, {{ who | default('nobody') }}{% endmacro %}",
    "page.html": '{% from "macros.html" import hello %}{{ hello() }}',
}


def _environment(template_class: type[Template]) -> Environment:
    env = Environment(loader=DictLoader(MACROS), autoescape=True)
    env.template_class = template_class
    env.globals["greeting"] = "Hello"
    return env


@pytest.mark.parametrize("page_globals", [None, {"who": "Ada"}])
def test_an_imported_macro_sees_what_jinja_would_show_it(page_globals):
    """The quick import gives the imported template the same globals as Jinja's own:
    the environment's, and a page's own globals it lacks (a module made for them)."""
    quick, plain = _environment(QuickImportTemplate), _environment(Template)
    drawn = [env.get_template("page.html", globals=page_globals).render() for env in (quick, plain)]
    assert drawn[0] == drawn[1] == ("Hello, Ada" if page_globals else "Hello, nobody")


def test_an_import_reuses_the_module_jinja_keeps():
    env = _environment(QuickImportTemplate)
    page = env.get_template("page.html")
    assert page.render() == page.render() == "Hello, nobody"
    kept = env.get_template("macros.html")._module
    assert kept is not None
    page.render()
    assert env.get_template("macros.html")._module is kept


def test_the_app_draws_its_pages_with_quick_imports(app):
    assert isinstance(app.jinja_env.get_template("base.html"), QuickImportTemplate)


def test_every_compiled_template_is_kept_without_a_least_recently_used_list(app):
    # All are compiled at start (ready_to_serve); Jinja's own LRU cache moved a template to
    # the end of a list of every one on each lookup.
    count = compile_all(app)
    cache = app.jinja_env.cache
    assert type(cache) is dict and len(cache) >= count > 300
    kept = next(iter(cache.values()))
    assert app.jinja_env.get_template(kept.name) is kept


def test_option_tags_select_the_current_value_and_escape():
    options = [("a", "Apples"), ("b&c", "<Bees>")]
    assert str(option_tags(options, "b&c")) == (
        '<option value="a">Apples</option>\n<option value="b&amp;c" selected>&lt;Bees&gt;</option>'
    )
    assert "selected" not in option_tags(options, "")
    assert option_tags([], "a") == ""
