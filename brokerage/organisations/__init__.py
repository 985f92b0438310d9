"""Organisations: community organisations and companies, and their verification."""

from flask import Blueprint

bp = Blueprint("organisations", __name__)
