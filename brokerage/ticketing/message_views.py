"""The team's messages to the ball's guests: write, preview with the count, send once.
The rules are in messages.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.permissions import Action, require
from brokerage.ticketing import bp, messages
from brokerage.ticketing.manage_views import _show, load_ball
from brokerage.ticketing.message_forms import MessageForm
from brokerage.ticketing.models import Ball


def _compose(ball: Ball, form: MessageForm, status: int):
    page = render_template(
        "ticketing/manage/messages.html",
        ball=ball,
        form=form,
        sent=messages.sent_messages(ball),
    )
    return page, status


def _checked(ball: Ball, form: MessageForm) -> bool:
    """The form is filled in and the draft can be sent (problems shown beside fields)."""
    if not form.validate_on_submit():
        return False
    try:
        messages.check(ball, form.draft())
    except FieldError as exc:
        _show(form, {exc.field: str(exc)})
        return False
    return True


@bp.route("/team/ball/<int:ball_id>/messages", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_messages(ball: Ball):
    form = MessageForm().for_ball(ball)
    if not _checked(ball, form):
        return _compose(ball, form, 400 if form.is_submitted() else 200)
    draft = form.draft()
    form.send_key.data = messages.new_send_key()
    return render_template(
        "ticketing/manage/message_preview.html",
        ball=ball,
        form=form,
        draft=draft,
        audience=messages.describe(ball, draft.audience, draft.ticket_type_id),
        found=messages.recipients(ball, draft),
        paragraphs=messages.paragraphs(draft.body),
    )


@bp.route("/team/ball/<int:ball_id>/messages/send", methods=["POST"])
@require(Action.TEAM, load=load_ball)
def team_message_send(ball: Ball):
    form = MessageForm().for_ball(ball)
    if not _checked(ball, form) or not form.send_key.data:
        if form.is_submitted() and not form.send_key.data and not form.errors:
            form.form_errors.append("Preview the message before sending it")
        return _compose(ball, form, 400)
    message = messages.send_message(ball, form.draft(), form.send_key.data, current_user)
    db.session.commit()
    flash(
        f"“{message.subject}” is sent to {message.recipients:,} "
        f"address{'es' if message.recipients != 1 else ''}.",
        "success",
    )
    return redirect(url_for("ticketing.team_messages", ball_id=ball.id))
