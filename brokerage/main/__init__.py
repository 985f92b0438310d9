"""Pages that belong to no one domain: home, accessibility statement, privacy notice."""

from flask import Blueprint

bp = Blueprint("main", __name__)
