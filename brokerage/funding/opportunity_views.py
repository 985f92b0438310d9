"""Other funders' opportunities: the team posts them, organisations see those that fit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.clock import today_in_leeds
from brokerage.errors import Conflict, FieldError
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.funding import bp
from brokerage.funding import opportunities as service
from brokerage.funding.opportunity_forms import OpportunityForm
from brokerage.funding.opportunity_models import FundingOpportunity
from brokerage.money import pounds
from brokerage.organisations.models import Organisation
from brokerage.pagination import page_number
from brokerage.permissions import Action, can, require


def load_opportunity(kwargs: dict) -> FundingOpportunity:
    return db.get_or_404(FundingOpportunity, kwargs.pop("opportunity_id"))


def load_organisation(kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


def _helpers() -> dict:
    return {
        "pounds": pounds,
        "types_of": service.types_of,
        "state": service.state,
        "today": today_in_leeds(),
    }


# --- The programme team -------------------------------------------------------------


@bp.route("/team/funding/opportunities")
@require(Action.TEAM)
def team_opportunities():
    return render_template(
        "funding/manage/opportunities.html",
        page=service.team_list(page_number(request.args.get("page", ""))),
        action_form=ActionForm(),
        **_helpers(),
    )


@bp.route("/team/funding/opportunities.csv")
@require(Action.TEAM)
def team_opportunities_csv():
    return csv_response(
        dated("funding-opportunities"), service.OPPORTUNITY_COLUMNS, service.opportunity_rows()
    )


def _form_page(form: OpportunityForm, opportunity: FundingOpportunity | None = None):
    page = render_template(
        "funding/manage/opportunity_form.html", form=form, opportunity=opportunity
    )
    return page, 400 if form.is_submitted() else 200


@bp.route("/team/funding/opportunities/new", methods=["GET", "POST"])
@require(Action.TEAM)
def team_opportunity_new():
    form = OpportunityForm()
    if form.validate_on_submit():
        try:
            opportunity = service.post_opportunity(form.details(), current_user)
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{opportunity.title} is posted. Organisations it fits are told.", "success")
            return redirect(url_for("funding.team_opportunities"))
    return _form_page(form)


@bp.route("/team/funding/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@require(Action.TEAM, load=load_opportunity)
def team_opportunity_edit(opportunity: FundingOpportunity):
    if opportunity.withdrawn:
        flash("This opportunity has been withdrawn: it cannot be changed.", "info")
        return redirect(url_for("funding.team_opportunities"))
    form = OpportunityForm(opportunity=opportunity)
    if form.validate_on_submit():
        try:
            service.update_opportunity(opportunity, form.details())
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"Your changes to {opportunity.title} are saved.", "success")
            return redirect(url_for("funding.team_opportunities"))
    return _form_page(form, opportunity)


@bp.route("/team/funding/opportunities/<int:opportunity_id>/withdraw", methods=["POST"])
@require(Action.TEAM, load=load_opportunity)
def team_opportunity_withdraw(opportunity: FundingOpportunity):
    if ActionForm().validate_on_submit():
        try:
            service.withdraw_opportunity(opportunity)
        except Conflict as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"{opportunity.title} is withdrawn: no organisation sees it now.", "success")
    return redirect(url_for("funding.team_opportunities"))


# --- An organisation's own list --------------------------------------------------------


@bp.route("/organisations/<int:org_id>/funding")
@require(Action.ORGANISATION_MEMBER, load=load_organisation)
def organisation_opportunities(org: Organisation):
    return render_template(
        "funding/opportunities.html",
        org=org,
        found=service.for_organisation(org),
        may_dismiss=can(current_user, Action.OPPORTUNITY_DISMISS, org),
        action_form=ActionForm(),
        **_helpers(),
    )


@bp.route("/organisations/<int:org_id>/funding/<int:opportunity_id>/dismiss", methods=["POST"])
@require(Action.OPPORTUNITY_DISMISS, load=load_organisation)
def dismiss_opportunity(org: Organisation, opportunity_id: int):
    opportunity = db.get_or_404(FundingOpportunity, opportunity_id)
    if not service.open_fitting(opportunity, org):
        abort(404)
    if ActionForm().validate_on_submit():
        service.dismiss(opportunity, org, current_user)
        db.session.commit()
        flash(f"{opportunity.title} is moved to 'Not for us'. We will not remind you of it.")
    return redirect(url_for("funding.organisation_opportunities", org_id=org.id))
