"""The emptiest signed-in page the product's fixed stack makes, written the plain way:
what bench/floor.py measures every signed-in page against.

Flask, a person loaded by Flask-Login through Flask-SQLAlchemy's ORM by primary key,
Flask-WTF's CSRF token in a sign-out form, and a page on govuk-frontend-jinja's
template with its header, service navigation and footer macros: a heading and that
form, nothing else. No permissions, no session check against the server, no
notices, no list, no rate limits, no security headers. The database is the SQLite
file FLOOR_DATABASE names; /sign-in signs in its one person.
"""

from __future__ import annotations

import os
import tempfile

from flask import Flask, redirect, render_template
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from jinja2 import ChoiceLoader, DictLoader, PackageLoader, PrefixLoader
from sqlalchemy.orm import Mapped, mapped_column

PAGE = """{% extends "govuk_frontend_jinja/template.html" %}
{% from "govuk_frontend_jinja/components/header/macro.html" import govukHeader %}
{% from "govuk_frontend_jinja/components/service-navigation/macro.html"
   import govukServiceNavigation %}
{% from "govuk_frontend_jinja/components/footer/macro.html" import govukFooter %}
{% block pageTitle %}Your offers \u2013 Digital Inclusion Leeds{% endblock %}
{% block header %}
{{ govukHeader({"homepageUrl": "/", "productName": "Digital Inclusion Leeds"}) }}
{{ govukServiceNavigation({"navigation": [
  {"href": "/needs", "text": "Needs"},
  {"href": "/offers", "text": "Offers", "active": true},
  {"href": "/matches", "text": "Matches"},
  {"href": "/notices", "text": "Notices (2 new)"},
  {"href": "/account", "text": current_user.name},
]}) }}
{% endblock %}
{% block content %}
<h1 class="govuk-heading-l">Signed in as {{ current_user.name }}</h1>
<form method="post" action="/sign-out">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  <button class="govuk-button">Sign out</button>
</form>
{% endblock %}
{% block footer %}{{ govukFooter({}) }}{% endblock %}
"""

app = Flask(__name__)
app.config.update(
    SECRET_KEY="floor-" + "x" * 40,
    SQLALCHEMY_DATABASE_URI="sqlite:///"
    + os.environ.get("FLOOR_DATABASE", os.path.join(tempfile.gettempdir(), "floor.db")),
)
app.jinja_loader = ChoiceLoader(
    [
        DictLoader({"page.html": PAGE}),
        PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
    ]
)
db = SQLAlchemy(app)
CSRFProtect(app)
login_manager = LoginManager(app)


class Person(db.Model, UserMixin):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


@login_manager.user_loader
def load_person(person_id: str) -> Person | None:
    return db.session.get(Person, int(person_id))


with app.app_context():
    db.create_all()
    if db.session.get(Person, 1) is None:
        db.session.add(Person(id=1, name="Sam Okafor"))
        db.session.commit()


@app.route("/sign-in")
def sign_in():
    login_user(db.session.get(Person, 1))
    return redirect("/")


@app.route("/")
@login_required
def page() -> str:
    return render_template("page.html")
