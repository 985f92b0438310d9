"""The team's seating pages: the ball's tables, placing bookings at them (plain forms,
no JavaScript needed), the printable table plan and place cards. The rules are in
seating.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.errors import Conflict, FieldError
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.permissions import Action, require
from brokerage.ticketing import bp, seating
from brokerage.ticketing.manage_views import load_ball
from brokerage.ticketing.models import Ball, SeatingTable, Ticket
from brokerage.ticketing.seating_forms import PlaceForm, TableForm, UnplaceForm


def load_table(kwargs: dict) -> SeatingTable:
    ball_id = kwargs.pop("ball_id")
    table = db.get_or_404(SeatingTable, kwargs.pop("table_id"))
    if table.ball_id != ball_id:
        abort(404)
    return table


def _tables_url(ball_id: int) -> str:
    return url_for("ticketing.team_tables", ball_id=ball_id)


def _seating_url(ball_id: int, key: int | None = None) -> str:
    anchor = f"booking-{key}" if key else None
    return url_for("ticketing.seating_page", ball_id=ball_id, _anchor=anchor)


def _tables_page(ball: Ball, form: TableForm, status: int = 200):
    return render_template(
        "ticketing/manage/tables.html",
        ball=ball,
        form=form,
        tables=seating.tables(ball),
        seated=seating.seated_counts(ball),
        remove=ActionForm(),
    ), status


@bp.route("/team/ball/<int:ball_id>/tables", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_tables(ball: Ball):
    form = TableForm()
    if not form.validate_on_submit():
        return _tables_page(ball, form, 400 if request.method == "POST" else 200)
    try:
        table = seating.add_table(ball, form.name.data, form.seats.data, current_user)
    except FieldError as exc:
        db.session.rollback()
        form[exc.field].errors = [str(exc)]
        return _tables_page(ball, form, 400)
    db.session.commit()
    flash(f"Table {table.name} added, with {table.seats} seats.", "success")
    return redirect(_tables_url(ball.id))


@bp.route("/team/ball/<int:ball_id>/tables/<int:table_id>/edit", methods=["GET", "POST"])
@require(Action.TEAM, load=load_table)
def team_table_edit(table: SeatingTable):
    form = TableForm(data={"name": table.name, "seats": table.seats})
    form.submit.label.text = "Save table"
    status = 200
    if form.validate_on_submit():
        try:
            seating.change_table(table, form.name.data, form.seats.data, current_user)
        except FieldError as exc:
            db.session.rollback()
            form[exc.field].errors = [str(exc)]
        else:
            db.session.commit()
            flash(f"Table {table.name} saved.", "success")
            return redirect(_tables_url(table.ball_id))
    if request.method == "POST":
        status = 400
    return render_template("ticketing/manage/table_form.html", table=table, form=form), status


@bp.route("/team/ball/<int:ball_id>/tables/<int:table_id>/remove", methods=["POST"])
@require(Action.TEAM, load=load_table)
def team_table_remove(table: SeatingTable):
    if not ActionForm().validate_on_submit():
        abort(400)
    ball_id, name = table.ball_id, table.name
    unseated = seating.remove_table(table, current_user)
    db.session.commit()
    flash(f"Table {name} removed; {unseated} guests went back to be seated.", "success")
    return redirect(_tables_url(ball_id))


def _seating_page(ball: Ball, form=None, failed: int | None = None, status: int = 200):
    tables = seating.tables(ball)
    return render_template(
        "ticketing/manage/seating.html",
        ball=ball,
        plan=seating.plan(ball),
        form=form or PlaceForm(tables),
        failed=failed,
        unplace=UnplaceForm(),
    ), status


@bp.route("/team/ball/<int:ball_id>/seating")
@require(Action.TEAM, load=load_ball)
def seating_page(ball: Ball):
    return _seating_page(ball)


def _ticket_of(ball: Ball, ticket_id: int | None) -> Ticket | None:
    ticket = db.session.get(Ticket, ticket_id) if ticket_id else None
    return ticket if ticket is not None and ticket.order.ball_id == ball.id else None


@bp.route("/team/ball/<int:ball_id>/seating/place", methods=["POST"])
@require(Action.TEAM, load=load_ball)
def seating_place(ball: Ball):
    form = PlaceForm(seating.tables(ball))
    form.table.id = f"table-{form.ticket_id}"
    if not form.validate_on_submit():
        return _seating_page(ball, form, form.ticket_id, 400)
    ticket = _ticket_of(ball, form.ticket_id)
    table = db.session.get(SeatingTable, form.table_id)
    try:
        if ticket is None or table is None or table.ball_id != ball.id:
            raise Conflict("That booking or table is no longer there: choose again")
        moved = seating.place(table, ticket)
    except Conflict as exc:
        db.session.rollback()
        form.table.errors = [str(exc)]
        return _seating_page(ball, form, form.ticket_id, 409)
    db.session.commit()
    flash(f"{moved} seat{'s' if moved != 1 else ''} placed at table {table.name}.", "success")
    return redirect(_seating_url(ball.id))


@bp.route("/team/ball/<int:ball_id>/seating/unplace", methods=["POST"])
@require(Action.TEAM, load=load_ball)
def seating_unplace(ball: Ball):
    form = UnplaceForm()
    ticket = _ticket_of(ball, form.ticket_id) if form.validate_on_submit() else None
    if ticket is None:
        form.form_errors.append("That booking is no longer there: choose again")
        return _seating_page(ball, form, status=400)
    moved = seating.unplace(ticket)
    db.session.commit()
    flash(f"{moved} seat{'s' if moved != 1 else ''} taken off the table.", "success")
    return redirect(_seating_url(ball.id, form.ticket_id))


@bp.route("/team/ball/<int:ball_id>/seating/plan")
@require(Action.TEAM, load=load_ball)
def seating_plan(ball: Ball):
    return render_template("ticketing/manage/tables_plan.html", ball=ball, plan=seating.plan(ball))


@bp.route("/team/ball/<int:ball_id>/seating/place-cards")
@require(Action.TEAM, load=load_ball)
def seating_place_cards(ball: Ball):
    return render_template(
        "ticketing/manage/tables_place_cards.html", ball=ball, cards=seating.place_cards(ball)
    )
