"""The Digital Charity Ball: ticket sales through Stripe Checkout, guests, check-in, refunds.

One blueprint for the ball's pages: views.py registers the buyer's (the ball page,
checkout, the stand-in checkout, Stripe's webhook, the order page), manage_views.py the
team's (setting up the ball, orders, guests, refunds, check-in), gift_aid_views.py the
team's Gift Aid claims."""

from __future__ import annotations

from flask import Blueprint

from brokerage.ticketing.filters import FILTERS

bp = Blueprint("ticketing", __name__)
for _name, _filter in FILTERS.items():
    bp.add_app_template_filter(_filter, _name)
