"""The team's screens for a round's panel, its ranked table and the decisions on each
application. The rules are in panel.py, ranking.py and decisions.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from brokerage.errors import DomainError, FieldError
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.funding import bp, decisions, panel, ranking
from brokerage.funding.models import ApplicationStatus, GrantApplication, GrantRound
from brokerage.funding.panel_forms import AwardForm, DeclineForm, PanelMemberForm, RemoveMemberForm
from brokerage.funding.panel_views import load_application, load_round
from brokerage.permissions import Action, require


def _panel_page(grant_round: GrantRound, status: int = 200, **forms):
    forms.setdefault("form", PanelMemberForm())
    page = render_template(
        "funding/manage/panel.html",
        grant_round=grant_round,
        scored={m.id for m in grant_round.panel if panel.has_scored(m)},
        remove_form=RemoveMemberForm(),
        **forms,
    )
    return page, status


@bp.route("/team/funding/rounds/<int:round_id>/panel", methods=["GET", "POST"])
@require(Action.TEAM, load=load_round)
def team_panel(grant_round: GrantRound):
    form = PanelMemberForm()
    if form.validate_on_submit():
        try:
            member = panel.add_panel_member(grant_round, form.email.data, current_user)
        except FieldError as exc:
            form[exc.field].errors.append(str(exc))
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{member.user.name} is on the panel, and has been told.", "success")
            return redirect(url_for("funding.team_panel", round_id=grant_round.id))
    return _panel_page(grant_round, 400 if form.is_submitted() else 200, form=form)


@bp.route("/team/funding/rounds/<int:round_id>/panel/remove", methods=["POST"])
@require(Action.TEAM, load=load_round)
def team_panel_remove(grant_round: GrantRound):
    form = RemoveMemberForm()
    member = panel.find_member(grant_round, form.member_id())
    if not form.validate_on_submit() or member is None:
        flash("Choose someone on the panel to remove.", "info")
        return _panel_page(grant_round, 400)
    name = member.user.name
    try:
        panel.remove_panel_member(member)
    except DomainError as exc:
        flash(str(exc), "info")
        return _panel_page(grant_round, 409)
    db.session.commit()
    flash(f"{name} is no longer on the panel.", "success")
    return redirect(url_for("funding.team_panel", round_id=grant_round.id))


@bp.route("/team/funding/rounds/<int:round_id>/ranking")
@require(Action.TEAM, load=load_round)
def team_ranking(grant_round: GrantRound):
    return render_template(
        "funding/manage/ranking.html",
        table=ranking.ranking(grant_round),
        waiting=decisions.undecided_count(grant_round),
        form=ActionForm(),
        Status=ApplicationStatus,
    )


@bp.route("/team/funding/rounds/<int:round_id>/ranking.csv")
@require(Action.TEAM, load=load_round)
def team_ranking_csv(grant_round: GrantRound):
    rows = list(ranking.ranking_rows(ranking.ranking(grant_round)))
    return csv_response(dated(f"ranking-round-{grant_round.id}"), ranking.RANKING_COLUMNS, rows)


@bp.route("/team/funding/rounds/<int:round_id>/decided", methods=["POST"])
@require(Action.TEAM, load=load_round)
def team_round_decided(grant_round: GrantRound):
    if ActionForm().validate_on_submit():
        decisions.mark_round_decided(grant_round)  # refused: the error page says why
        db.session.commit()
        flash(f"{grant_round.name} is decided.", "success")
    return redirect(url_for("funding.team_ranking", round_id=grant_round.id))


def _decision_page(application: GrantApplication, status: int = 200, **forms):
    table = ranking.ranking(application.round)
    defaults = {
        "award_form": AwardForm(prefix="award"),
        "decline_form": DeclineForm(prefix="decline"),
    }
    defaults.update(forms)
    if forms:
        defaults["form"] = next(iter(forms.values()))
    page = render_template(
        "funding/manage/decision.html",
        application=application,
        table=table,
        row=next((r for r in table.rows if r.application.id == application.id), None),
        Status=ApplicationStatus,
        **defaults,
    )
    return page, status


@bp.route("/team/funding/applications/<int:application_id>/decision")
@require(Action.TEAM, load=load_application)
def team_decision(application: GrantApplication):
    return _decision_page(application)


def _refused(form, exc: DomainError) -> None:
    if isinstance(exc, FieldError):
        form[exc.field].errors.append(str(exc))
    else:
        form.form_errors.append(str(exc))


@bp.route("/team/funding/applications/<int:application_id>/award", methods=["POST"])
@require(Action.TEAM, load=load_application)
def team_make_award(application: GrantApplication):
    form = AwardForm(prefix="award")
    if form.validate_on_submit():
        try:
            decisions.award_application(
                application,
                form.amount.data,
                form.conditions.data,
                form.feedback.data,
                current_user,
            )
        except DomainError as exc:
            db.session.rollback()
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"{application.organisation.name} is awarded a grant, and told.", "success")
            return redirect(url_for("funding.team_ranking", round_id=application.round_id))
    return _decision_page(application, 400, award_form=form)


@bp.route("/team/funding/applications/<int:application_id>/decline", methods=["POST"])
@require(Action.TEAM, load=load_application)
def team_decline(application: GrantApplication):
    form = DeclineForm(prefix="decline")
    if form.validate_on_submit():
        try:
            decisions.decline_application(application, form.feedback.data, current_user)
        except DomainError as exc:
            db.session.rollback()
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"{application.organisation.name} is told it was not funded.", "success")
            return redirect(url_for("funding.team_ranking", round_id=application.round_id))
    return _decision_page(application, 400, decline_form=form)
