"""The ball's waiting list: joining it (a sold-out ticket type), the offer link that
leads to the checkout, and the team's list, its CSV and its two buttons (remove, offer
by hand). The rules are in waiting_list.py."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError, IllegalTransition
from brokerage.exports import csv_response, dated
from brokerage.extensions import db, limiter
from brokerage.forms import ActionForm
from brokerage.permissions import Action, require
from brokerage.ticketing import bp, payments, waiting_list
from brokerage.ticketing.forms import WaitingListForm
from brokerage.ticketing.models import Ball, WaitingEntry, WaitingStatus


def load_type(kwargs: dict):
    """A public ticket type of the ball on sale now (404 for any other)."""
    ticket_type = waiting_list.joinable_type(kwargs.pop("type_id"))
    if ticket_type is None:
        abort(404)
    return ticket_type


def load_offer(kwargs: dict) -> WaitingEntry:
    """The entry whose offer link this is, by its unguessable token (404 otherwise)."""
    entry = waiting_list.entry_for_offer(kwargs.pop("token"))
    if entry is None:
        abort(404)
    return entry


def load_ball(kwargs: dict) -> Ball:
    return db.get_or_404(Ball, kwargs.pop("ball_id"))


def load_entry(kwargs: dict) -> WaitingEntry:
    ball_id = kwargs.pop("ball_id")
    entry = db.get_or_404(WaitingEntry, kwargs.pop("entry_id"))
    if entry.ball_id != ball_id:
        abort(404)
    return entry


# --- Joining, and the offer link ---------------------------------------------------------


@bp.route("/ball/waiting-list/<int:type_id>", methods=["GET", "POST"])
@require(Action.PUBLIC, load=load_type)
@limiter.limit(lambda: current_app.config["RATELIMIT_CHECKOUT_ATTEMPTS"], methods=["POST"])
def waiting_join(ticket_type):
    form = WaitingListForm()
    sold_out = ticket_type in waiting_list.sold_out_types(ticket_type.ball)
    if sold_out and form.validate_on_submit():
        try:
            joined = waiting_list.join(
                ticket_type, form.name.data, form.email.data, form.quantity.data
            )
        except FieldError as exc:
            db.session.rollback()
            form.quantity.errors = [*form.quantity.errors, str(exc)]
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            return render_template("ticketing/waiting_joined.html", joined=joined)
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "ticketing/waiting_join.html", form=form, ticket_type=ticket_type, sold_out=sold_out
    )
    return page, status


@bp.route("/ball/waiting-list/offers/<token>", methods=["GET", "POST"])
@require(Action.PUBLIC, load=load_offer)
def waiting_offer(entry: WaitingEntry):
    form = ActionForm()
    status = 200
    if form.validate_on_submit():
        try:
            checkout_url = waiting_list.take_offer(entry)
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 409
        except (payments.PaymentsError, payments.StandInRefused):
            db.session.rollback()
            current_app.logger.exception("A waiting list offer's checkout could not start")
            form.form_errors.append("We could not start the payment: try again in a few minutes.")
            status = 503
        else:
            db.session.commit()
            return redirect(checkout_url, code=303)
    state = waiting_list.offer_state(entry, utcnow())
    page = render_template("ticketing/waiting_offer.html", entry=entry, state=state, form=form)
    return page, status


# --- The team's list ---------------------------------------------------------------------


def _list_url(ball_id: int) -> str:
    return url_for("ticketing.team_waiting_list", ball_id=ball_id)


@bp.route("/team/ball/<int:ball_id>/waiting-list")
@require(Action.TEAM, load=load_ball)
def team_waiting_list(ball: Ball):
    now = utcnow()
    entries = waiting_list.entries(ball)
    return render_template(
        "ticketing/manage/waiting_list.html",
        ball=ball,
        rows=[(entry, waiting_list.outcome(entry, now)) for entry in entries],
        counts=waiting_list.counts(ball),
        form=ActionForm(),
        Status=WaitingStatus,
        offer_hours=current_app.config["WAITING_OFFER_HOURS"],
    )


@bp.route("/team/ball/<int:ball_id>/waiting-list.csv")
@require(Action.TEAM, load=load_ball)
def team_waiting_list_csv(ball: Ball):
    rows = waiting_list.waiting_rows(ball)
    return csv_response(dated(f"{ball.slug}-waiting-list"), waiting_list.WAITING_COLUMNS, rows)


def _act(entry: WaitingEntry, act, done: str):
    """Run one of the team's buttons on an entry, then back to the list."""
    ball_id = entry.ball_id
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        act(entry, current_user)
    except (Conflict, IllegalTransition) as exc:
        db.session.rollback()
        flash(str(exc))
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(_list_url(ball_id))


@bp.route("/team/ball/<int:ball_id>/waiting-list/<int:entry_id>/remove", methods=["POST"])
@require(Action.TEAM, load=load_entry)
def team_waiting_remove(entry: WaitingEntry):
    return _act(entry, waiting_list.remove, f"{entry.name} is off the waiting list.")


@bp.route("/team/ball/<int:ball_id>/waiting-list/<int:entry_id>/offer", methods=["POST"])
@require(Action.TEAM, load=load_entry)
def team_waiting_offer(entry: WaitingEntry):
    return _act(
        entry, waiting_list.offer_by_hand, f"Seats are held for {entry.name}, who is emailed."
    )
