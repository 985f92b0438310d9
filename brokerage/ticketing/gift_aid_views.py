"""The team's Gift Aid pages for the ball: the claims made and the donations waiting,
a claim made for a period, and each claim's schedule for HMRC. The rules are in
gift_aid.py."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, url_for
from flask_login import current_user

from brokerage.errors import FieldError
from brokerage.extensions import db
from brokerage.permissions import Action, require
from brokerage.ticketing import bp, gift_aid
from brokerage.ticketing.manage_forms import GiftAidClaimForm
from brokerage.ticketing.manage_views import _page, _show, load_ball
from brokerage.ticketing.models import Ball, GiftAidClaim


def load_claim(kwargs: dict) -> GiftAidClaim:
    ball_id = kwargs.pop("ball_id")
    claim = db.get_or_404(GiftAidClaim, kwargs.pop("claim_id"))
    if claim.ball_id != ball_id:
        abort(404)
    return claim


@bp.route("/team/ball/<int:ball_id>/gift-aid", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_gift_aid(ball: Ball):
    waiting = gift_aid.waiting(ball)
    form = GiftAidClaimForm(data=gift_aid.suggested_period(waiting))
    if form.validate_on_submit():
        try:
            claim = gift_aid.make_claim(
                ball, form.period_from.data, form.period_to.data, current_user
            )
        except FieldError as exc:
            db.session.rollback()
            _show(form, {exc.field: str(exc)})
        else:
            db.session.commit()
            flash(gift_aid.made_message(claim), "success")
            return redirect(url_for("ticketing.team_gift_aid", ball_id=ball.id))
    return _page(
        "ticketing/manage/gift_aid.html",
        ball=ball,
        form=form,
        waiting=waiting,
        overclaimed=gift_aid.overclaimed(ball),
        claims=gift_aid.claims(ball),
        rows_per_file=gift_aid.ROWS_PER_FILE,
    )


@bp.route("/team/ball/<int:ball_id>/gift-aid/claims/<int:claim_id>/schedule")
@require(Action.TEAM, load=load_claim)
def team_gift_aid_schedule(claim: GiftAidClaim):
    schedule = gift_aid.schedule_file(claim, claim.ball.slug)
    return Response(
        schedule.content,
        mimetype=schedule.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{schedule.name}"'},
    )
