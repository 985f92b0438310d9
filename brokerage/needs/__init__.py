"""Needs: what community organisations ask the tech sector for."""

from flask import Blueprint

bp = Blueprint("needs", __name__)
