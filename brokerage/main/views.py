"""The home page, the accessibility statement, the privacy notice and a health check."""

from __future__ import annotations

from flask import current_app, render_template
from flask_login import current_user
from sqlalchemy import text

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.impact import summary
from brokerage.impact.filters import ImpactFilters
from brokerage.main import bp
from brokerage.notifications.services import mail_flow
from brokerage.organisations import services as organisations
from brokerage.organisations.models import OrganisationStatus
from brokerage.permissions import Action, require
from brokerage.privacy.notice import kinds_of_data
from brokerage.ticketing import availability as ticketing


@bp.route("/")
@require(Action.PUBLIC)
def home():
    memberships = (
        organisations.memberships_of(current_user) if current_user.is_authenticated else []
    )
    waiting = (
        organisations.status_counts()[OrganisationStatus.PENDING]
        if current_user.is_authenticated and current_user.is_team
        else None
    )
    now = utcnow()
    ball = ticketing.current_ball(now)
    return render_template(
        "main/home.html",
        memberships=memberships,
        waiting=waiting,
        # The ball only while its tickets are on sale: before, there is nothing to do.
        ball=ball if ball is not None and ticketing.sales_open(ball, now) else None,
        impact=summary.totals(ImpactFilters()).figures,
    )


@bp.route("/accessibility")
@require(Action.PUBLIC)
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/privacy")
@require(Action.PUBLIC)
def privacy():
    return render_template("main/privacy.html", kinds=kinds_of_data(current_app.config))


@bp.route("/healthz")
@require(Action.PUBLIC)
def healthz():
    """For a load balancer and a monitor: 200 while the database answers (503 page
    otherwise), with whether email is flowing ("mail": "stuck" past MAIL_WARN_AFTER_S)."""
    db.session.execute(text("SELECT 1"))
    mail = mail_flow()
    return {
        "status": "ok",
        "mail": "stuck" if mail.stuck else "ok",
        "mail_waiting": mail.waiting,
        "mail_oldest_waiting_s": mail.oldest_waiting_s,
        "mail_failed": mail.failed,
    }
