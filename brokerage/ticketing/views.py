"""The ball's pages on one blueprint: the buyer's (public_views.py: the ball page,
checkout, the stand-in checkout, Stripe's webhook, the order page) and the team's
(team_views.py: setting up the ball, orders, guests, refunds, check-in)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ticketing", __name__)

# Importing them attaches their routes to `bp`.
from brokerage.ticketing import public_views, team_views  # noqa: E402, F401
