"""Notifications: the email outbox and its worker."""

from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/team/outbox")
