"""Notifications: the email outbox and its worker, and each person's notices."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)
