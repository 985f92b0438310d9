"""Impact: the team's dashboard, impact figures and charts, companies' statements, the
public impact page."""

from flask import Blueprint

bp = Blueprint("impact", __name__)
