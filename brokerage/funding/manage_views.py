"""The team's screens for grant rounds: set up, questions and criteria, moving a round
on, the applications and their eligibility check."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from brokerage.errors import DomainError, FieldError
from brokerage.exports import csv_response, dated, money
from brokerage.extensions import db
from brokerage.funding import applications, bp, rounds
from brokerage.funding.forms import (
    CriterionForm,
    EligibilityForm,
    FunderForm,
    QuestionForm,
    RemovePartForm,
    RoundForm,
    RoundMoveForm,
)
from brokerage.funding.models import GrantApplication, GrantRound, QuestionKind, RoundAction
from brokerage.funding.views import load_application
from brokerage.organisations.models import Ward
from brokerage.permissions import Action, require
from brokerage.ticketing.models import Ball
from brokerage.ticketing.setup import sales


def load_any_round(kwargs: dict) -> GrantRound:
    return db.get_or_404(GrantRound, kwargs.pop("round_id"))


def _round_url(grant_round: GrantRound, anchor: str = "") -> str:
    return url_for("funding.team_round", round_id=grant_round.id) + anchor


@bp.route("/team/funding")
@require(Action.TEAM)
def team_rounds():
    return render_template("funding/manage/rounds.html", rounds=rounds.all_rounds())


ROUND_COLUMNS = (
    "Round",
    "Status",
    "Opens",
    "Closes",
    "Pot (GBP)",
    "Smallest grant (GBP)",
    "Largest grant (GBP)",
    "Applications sent",
)


@bp.route("/team/funding/rounds.csv")
@require(Action.TEAM)
def team_rounds_csv():
    rows = [
        (
            r.name,
            r.status.label,
            r.opens_at.isoformat(),
            r.closes_at.isoformat(),
            money(r.pot_pence),
            money(r.min_grant_pence),
            money(r.max_grant_pence),
            sent,
        )
        for r, sent in rounds.all_rounds()
    ]
    return csv_response(dated("grant-rounds"), ROUND_COLUMNS, rows)


def _round_form(**kwargs) -> RoundForm:
    form = RoundForm(**kwargs)
    form.ward_ids.choices = [
        SelectChoice(w.id, w.name) for w in db.session.scalars(select(Ward).order_by(Ward.position))
    ]
    balls = db.session.scalars(select(Ball).order_by(Ball.starts_at.desc())).all()
    form.ball_id.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(b.id), b.name) for b in balls
    ]
    return form


def _details(form: RoundForm) -> rounds.RoundDetails:
    return rounds.RoundDetails(
        name=form.name.data,
        description=form.description.data,
        pot_pence=form.pot.data,
        min_grant_pence=form.min_grant.data,
        max_grant_pence=form.max_grant.data,
        max_income_pence=form.max_income.data,
        opens_at=form.opens_at.data,
        closes_at=form.closes_at.data,
        ward_ids=list(form.ward_ids.data or []),
        ball_id=int(form.ball_id.data) if form.ball_id.data else None,
    )


@bp.route("/team/funding/rounds/new", methods=["GET", "POST"])
@require(Action.TEAM)
def team_round_new():
    form = _round_form()
    if form.validate_on_submit():
        try:
            grant_round = rounds.create_round(current_user, _details(form))
        except FieldError as exc:
            _place(form, exc)
        else:
            db.session.commit()
            flash("The round is saved as a draft. Add its questions and criteria.", "success")
            return redirect(_round_url(grant_round))
    status = 400 if form.errors else 200
    return render_template("funding/manage/round_form.html", form=form, grant_round=None), status


@bp.route("/team/funding/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@require(Action.TEAM, load=load_any_round)
def team_round_edit(grant_round: GrantRound):
    form = _round_form(obj=None, data=_round_data(grant_round))
    if form.validate_on_submit():
        try:
            rounds.update_round(grant_round, _details(form))
        except FieldError as exc:
            _place(form, exc)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(_round_url(grant_round))
        else:
            db.session.commit()
            flash("The round is saved.", "success")
            return redirect(_round_url(grant_round))
    status = 400 if form.errors else 200
    page = render_template("funding/manage/round_form.html", form=form, grant_round=grant_round)
    return page, status


def _round_data(grant_round: GrantRound) -> dict:
    return {
        "name": grant_round.name,
        "description": grant_round.description,
        "pot": grant_round.pot_pence,
        "min_grant": grant_round.min_grant_pence,
        "max_grant": grant_round.max_grant_pence,
        "max_income": grant_round.max_income_pence,
        "opens_at": grant_round.opens_at,
        "closes_at": grant_round.closes_at,
        "ward_ids": [w.id for w in grant_round.wards],
        "ball_id": str(grant_round.ball_id or ""),
    }


def _round_page(grant_round: GrantRound, status: int = 200, **forms):
    forms.setdefault("question_form", QuestionForm(prefix="question"))
    forms.setdefault("criterion_form", CriterionForm(prefix="criterion"))
    forms.setdefault("funder_form", FunderForm(prefix="funder"))
    ball = grant_round.ball_id and db.session.get(Ball, grant_round.ball_id)
    page = render_template(
        "funding/manage/round.html",
        grant_round=grant_round,
        applications=applications.applications_of(grant_round),
        funders_total=rounds.funders_total(grant_round),
        ball=ball,
        raised=sales(ball).raised_pence if ball else None,
        Action=RoundAction,
        **forms,
    )
    return page, status


@bp.route("/team/funding/rounds/<int:round_id>")
@require(Action.TEAM, load=load_any_round)
def team_round(grant_round: GrantRound):
    return _round_page(grant_round)


@bp.route("/team/funding/rounds/<int:round_id>/questions", methods=["POST"])
@require(Action.TEAM, load=load_any_round)
def team_add_question(grant_round: GrantRound):
    form = QuestionForm(prefix="question")
    if form.validate_on_submit():
        try:
            rounds.add_question(
                grant_round,
                QuestionKind(form.kind.data),
                form.prompt.data,
                form.hint.data or "",
                form.word_limit.data,
                form.choices.data or "",
                form.required.data == "yes",
            )
        except DomainError as exc:
            _place(form, exc)
        else:
            db.session.commit()
            return redirect(_round_url(grant_round, "#questions"))
    return _round_page(grant_round, 400, question_form=form)


def _place(form, exc: DomainError) -> None:
    if isinstance(exc, FieldError) and exc.field in form._fields:
        form[exc.field].errors = [*form[exc.field].errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


@bp.route("/team/funding/rounds/<int:round_id>/criteria", methods=["POST"])
@require(Action.TEAM, load=load_any_round)
def team_add_criterion(grant_round: GrantRound):
    form = CriterionForm(prefix="criterion")
    if form.validate_on_submit():
        try:
            rounds.add_criterion(
                grant_round, form.name.data, form.description.data or "", form.weight.data
            )
        except DomainError as exc:
            _place(form, exc)
        else:
            db.session.commit()
            return redirect(_round_url(grant_round, "#criteria"))
    return _round_page(grant_round, 400, criterion_form=form)


@bp.route("/team/funding/rounds/<int:round_id>/funders", methods=["POST"])
@require(Action.TEAM, load=load_any_round)
def team_add_funder(grant_round: GrantRound):
    form = FunderForm(prefix="funder")
    if form.validate_on_submit():
        try:
            rounds.add_funder(grant_round, form.funder.data, form.amount.data)
        except DomainError as exc:
            _place(form, exc)
        else:
            db.session.commit()
            return redirect(_round_url(grant_round, "#funders"))
    return _round_page(grant_round, 400, funder_form=form)


@bp.route("/team/funding/rounds/<int:round_id>/remove", methods=["POST"])
@require(Action.TEAM, load=load_any_round)
def team_remove_part(grant_round: GrantRound):
    form = RemovePartForm()
    if form.validate_on_submit() and form.part_id.data:
        try:
            rounds.remove_part(grant_round, form.part.data, form.part_id.data)
        except DomainError as exc:
            flash(str(exc), "error")
        else:
            db.session.commit()
    return redirect(_round_url(grant_round))


@bp.route("/team/funding/rounds/<int:round_id>/status", methods=["POST"])
@require(Action.TEAM, load=load_any_round)
def team_round_move(grant_round: GrantRound):
    form = RoundMoveForm()
    if not form.validate_on_submit():
        flash("Choose what to do with the round.", "error")
        return redirect(_round_url(grant_round))
    action = RoundAction(form.action.data)
    try:
        rounds.move_round(grant_round, action)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(_round_url(grant_round))
    db.session.commit()
    flash(f"{action.past_tense} the round.", "success")
    return redirect(_round_url(grant_round))


APPLICATION_COLUMNS = (
    "Application",
    "Organisation",
    "Project",
    "Amount asked (GBP)",
    "Status",
    "Sent",
    "Not eligible because",
)


@bp.route("/team/funding/rounds/<int:round_id>/applications.csv")
@require(Action.TEAM, load=load_any_round)
def team_applications_csv(grant_round: GrantRound):
    # Built now, in the request: the response is streamed after the session closes.
    rows = [
        (
            a.id,
            a.organisation.name,
            a.title,
            money(a.amount_pence),
            a.status.label,
            a.submitted_at.isoformat() if a.submitted_at else "",
            a.ineligible_reason or "",
        )
        for a in applications.applications_of(grant_round)
    ]
    return csv_response(dated(f"applications-round-{grant_round.id}"), APPLICATION_COLUMNS, rows)


@bp.route("/team/funding/applications/<int:application_id>", methods=["GET", "POST"])
@require(Action.TEAM, load=load_application)
def team_application(grant_application: GrantApplication):
    form = EligibilityForm()
    if form.validate_on_submit():
        try:
            applications.check_eligibility(
                grant_application,
                current_user,
                form.decision.data == "eligible",
                form.reason.data,
            )
        except DomainError as exc:
            _place(form, exc)
        else:
            db.session.commit()
            flash("The eligibility check is saved.", "success")
            return redirect(_round_url(grant_application.round, "#applications"))
    status = 400 if form.errors else 200
    page = render_template(
        "funding/manage/application.html", application=grant_application, form=form
    )
    return page, status
