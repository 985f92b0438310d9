"""Each person's notices, and the outbox in the browser for the team in development
(OUTBOX_VIEW)."""

from __future__ import annotations

from flask import g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.notifications import bp
from brokerage.notifications import services as notices
from brokerage.notifications.models import OutboxEmail
from brokerage.permissions import Action, require

PAGE_SIZE = 50


def load_email(kwargs: dict) -> OutboxEmail:
    return db.get_or_404(OutboxEmail, kwargs.pop("email_id"))


@bp.route("/team/outbox/")
@require(Action.TEAM_OUTBOX)
def outbox():
    to = request.args.get("to", "").strip().lower()[:254]
    stmt = select(OutboxEmail).order_by(OutboxEmail.id.desc()).limit(PAGE_SIZE)
    if to:
        stmt = stmt.where(OutboxEmail.to_address == to)
    return render_template("notifications/outbox.html", emails=db.session.scalars(stmt), to=to)


@bp.route("/team/outbox/<int:email_id>")
@require(Action.TEAM_OUTBOX, load=load_email)
def email(message: OutboxEmail):
    return render_template("notifications/email.html", email=message)


@bp.route("/notices")
@require(Action.ACCOUNT)
def notice_list():
    items = notices.notices_for(current_user)
    previous = notices.mark_seen(current_user)
    g.unseen_notices = (current_user.notices_seen_at, 0)  # the navigation's: all seen now
    # Rendered before the commit, which expires what was loaded: after it, every
    # notice shown was read again, one statement each.
    page = render_template("notifications/notices.html", items=items, previous=previous)
    db.session.commit()
    return page


def unseen_notices() -> int:
    if not current_user.is_authenticated:
        return 0
    # Counted with the session when the person was loaded (accounts/signing_in.py):
    # still true unless this request has opened their notices since, or changed things.
    loaded = g.get("unseen_notices")
    if (
        loaded is not None
        and request.method in ("GET", "HEAD")
        and loaded[0] == current_user.notices_seen_at
    ):
        return loaded[1]
    return notices.unseen_count(current_user)


def register_globals(app) -> None:
    app.jinja_env.globals.update(unseen_notices=unseen_notices)
