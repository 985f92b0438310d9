"""Offers: what tech companies give."""

from flask import Blueprint

bp = Blueprint("offers", __name__)
