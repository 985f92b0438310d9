"""Named volunteers: a company's volunteers, places on agreed matches, disclosure checks."""

from flask import Blueprint

bp = Blueprint("volunteering", __name__)
