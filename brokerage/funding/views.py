"""An organisation's side of grant rounds: find a round, apply, follow the decision."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from brokerage.clock import utcnow
from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.funding import applications, bp, rounds
from brokerage.funding.forms import WithdrawForm, application_form
from brokerage.funding.models import GrantApplication, GrantRound, RoundStatus
from brokerage.organisations.models import Organisation
from brokerage.permissions import Action, can, require


def load_round(kwargs: dict) -> GrantRound:
    grant_round = db.get_or_404(GrantRound, kwargs.pop("round_id"))
    # A draft round is the team's work in progress: nobody else knows it exists.
    if grant_round.status is RoundStatus.DRAFT and not can(current_user, Action.TEAM):
        abort(404)
    return grant_round


def load_application(kwargs: dict) -> GrantApplication:
    return db.get_or_404(GrantApplication, kwargs.pop("application_id"))


def load_organisation(kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


def _applicants() -> list[Organisation]:
    """The signed-in person's organisations that may apply for grants."""
    if not current_user.is_authenticated:
        return []
    orgs = [m.organisation for m in current_user.memberships if m.status.value == "active"]
    return [org for org in orgs if can(current_user, Action.FUNDING_APPLY, org)]


@bp.route("/funding")
@require(Action.PUBLIC)
def index():
    mine = (
        applications.applications_for_people(current_user) if current_user.is_authenticated else []
    )
    return render_template(
        "funding/index.html", rounds=rounds.open_rounds(), applicants=_applicants(), mine=mine
    )


@bp.route("/funding/rounds/<int:round_id>")
@require(Action.PUBLIC, load=load_round)
def round_page(grant_round: GrantRound):
    applicants = [
        (
            org,
            applications.application_for(grant_round, org),
            applications.eligibility_problem(grant_round, org),
        )
        for org in _applicants()
    ]
    return render_template(
        "funding/round.html",
        grant_round=grant_round,
        applicants=applicants,
        taking=grant_round.accepts_applications(utcnow()),
    )


@bp.route("/funding/rounds/<int:round_id>/apply/<int:org_id>", methods=["POST"])
@require(Action.FUNDING_APPLY, load=load_organisation)
def apply(org: Organisation, round_id: int):
    grant_round = load_round({"round_id": round_id})
    try:
        application = applications.start_application(grant_round, org, current_user)
    except DomainError as exc:
        flash(str(exc), "error")
        return redirect(url_for("funding.round_page", round_id=grant_round.id))
    db.session.commit()
    return redirect(url_for("funding.edit_application", application_id=application.id))


@bp.route("/funding/applications/<int:application_id>")
@require(Action.APPLICATION_SEE, load=load_application)
def application(grant_application: GrantApplication):
    return render_template(
        "funding/application.html",
        application=grant_application,
        may_edit=can(current_user, Action.APPLICATION_EDIT, grant_application),
    )


def _edit_page(grant_application: GrantApplication, form, status: int = 200):
    page = render_template(
        "funding/edit.html",
        application=grant_application,
        form=form,
        missing=applications.missing_parts(grant_application),
    )
    return page, status


@bp.route("/funding/applications/<int:application_id>/edit", methods=["GET", "POST"])
@require(Action.APPLICATION_EDIT, load=load_application)
def edit_application(grant_application: GrantApplication):
    if grant_application.status.value != "draft":
        flash("This application has been sent: it can no longer change.", "info")
        return redirect(url_for("funding.application", application_id=grant_application.id))
    form = application_form(grant_application.round, data=_saved(grant_application))
    if not form.is_submitted():
        return _edit_page(grant_application, form)
    if not (form.validate() & form.validate_budget()):
        return _edit_page(grant_application, form, 400)
    try:
        applications.save_application(grant_application, current_user, form.draft())
    except FieldError as exc:
        db.session.rollback()
        form.add_error(exc.field, str(exc))
        return _edit_page(db.session.get(GrantApplication, grant_application.id), form, 400)
    if form.send.data:
        return _send(grant_application, form)
    db.session.commit()
    flash("Your draft is saved. Send it before the round closes.", "success")
    return redirect(url_for("funding.edit_application", application_id=grant_application.id))


def _send(grant_application: GrantApplication, form):
    """Send the saved draft; if it cannot go yet, the draft stays saved and the page
    says what is missing."""
    try:
        with db.session.begin_nested():
            applications.submit_application(grant_application, current_user)
    except FieldError as exc:
        db.session.commit()
        form.add_error(exc.field, str(exc))
        return _edit_page(grant_application, form, 400)
    except DomainError as exc:
        db.session.commit()
        flash(f"Your draft is saved, but it was not sent. {exc}", "error")
        return redirect(url_for("funding.application", application_id=grant_application.id))
    db.session.commit()
    flash("Your application has been sent. We have emailed you a copy.", "success")
    return redirect(url_for("funding.application", application_id=grant_application.id))


def _saved(grant_application: GrantApplication) -> dict:
    """The form's starting values: what the application holds now."""
    data = {
        "title": grant_application.title,
        "summary": grant_application.summary,
        "amount": grant_application.amount_pence,
        "annual_income": grant_application.annual_income_pence,
    }
    for answer in grant_application.answers:
        data[f"q{answer.question_id}"] = answer.text
    for line in grant_application.budget_lines:
        data[f"item_{line.position}"] = line.item
        data[f"cost_{line.position}"] = line.amount_pence
    return data


@bp.route("/funding/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@require(Action.APPLICATION_EDIT, load=load_application)
def withdraw(grant_application: GrantApplication):
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            applications.withdraw_application(grant_application, current_user, form.reason.data)
        except DomainError as exc:
            flash(str(exc), "error")
            return redirect(url_for("funding.application", application_id=grant_application.id))
        db.session.commit()
        flash("Your application is withdrawn.", "success")
        return redirect(url_for("funding.application", application_id=grant_application.id))
    status = 400 if form.errors else 200
    page = render_template("funding/withdraw.html", application=grant_application, form=form)
    return page, status
