"""The outbox in the browser, for the team in development (OUTBOX_VIEW)."""

from __future__ import annotations

from flask import render_template, request
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.notifications import bp
from brokerage.notifications.models import OutboxEmail
from brokerage.permissions import Action, require

PAGE_SIZE = 50


def load_email(kwargs: dict) -> OutboxEmail:
    return db.get_or_404(OutboxEmail, kwargs.pop("email_id"))


@bp.route("/")
@require(Action.TEAM_OUTBOX)
def outbox():
    to = request.args.get("to", "").strip().lower()[:254]
    stmt = select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(PAGE_SIZE)
    if to:
        stmt = stmt.where(OutboxEmail.to_address == to)
    return render_template("notifications/outbox.html", emails=db.session.scalars(stmt), to=to)


@bp.route("/<int:email_id>")
@require(Action.TEAM_OUTBOX, load=load_email)
def email(message: OutboxEmail):
    return render_template("notifications/email.html", email=message)
