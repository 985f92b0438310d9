"""The panel's screens: their rounds, a round's applications, reading and scoring an
application, and declaring a conflict. The rules are in panel.py."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.funding import bp, panel
from brokerage.funding.models import GrantApplication, GrantRound, ReviewStatus
from brokerage.funding.panel_forms import ConflictForm, score_form
from brokerage.permissions import Action, on_panel, require

SUBMITTED = "Your scores are submitted: you can now see the other members' scores."
SAVED = "Your scores are saved as a draft."


def load_round(kwargs: dict) -> GrantRound:
    return db.get_or_404(GrantRound, kwargs.pop("round_id"))


def load_application(kwargs: dict) -> GrantApplication:
    return db.get_or_404(GrantApplication, kwargs.pop("application_id"))


@bp.route("/panel")
@require(Action.ACCOUNT)
def panel_home():
    return render_template("funding/panel/rounds.html", places=panel.panel_rounds(current_user))


@bp.route("/panel/rounds/<int:round_id>")
@require(Action.PANEL_ROUND, load=load_round)
def panel_round(grant_round: GrantRound):
    member = on_panel(current_user, grant_round)
    return render_template(
        "funding/panel/round.html", grant_round=grant_round, rows=panel.reviewables(member)
    )


def _render_application(application: GrantApplication, status: int = 200, **forms):
    member = on_panel(current_user, application.round)
    review = panel.review_of(member, application)
    scores = {s.criterion_id: s for s in review.scores} if review else {}
    defaults = {
        "score_form": score_form(
            application.round.criteria,
            data={f"score_{c}": str(s.value) for c, s in scores.items()}
            | {f"comment_{c}": s.comment for c, s in scores.items()},
        ),
        "conflict_form": ConflictForm(prefix="conflict"),
    }
    defaults.update(forms)
    if forms:  # the form with errors, for the page's error summary
        defaults["form"] = next(iter(forms.values()))
    page = render_template(
        "funding/panel/application.html",
        application=application,
        review=review,
        scores=scores,
        others=panel.others_reviews(member, application),
        Status=ReviewStatus,
        **defaults,
    )
    return page, status


@bp.route("/panel/applications/<int:application_id>")
@require(Action.PANEL_REVIEW, load=load_application)
def panel_application(application: GrantApplication):
    return _render_application(application)


@bp.route("/panel/applications/<int:application_id>/scores", methods=["POST"])
@require(Action.PANEL_REVIEW, load=load_application)
def panel_scores(application: GrantApplication):
    form = score_form(application.round.criteria)
    if form.validate_on_submit():
        member = on_panel(current_user, application.round)
        try:
            panel.save_review(member, application, form.entries(), submit=bool(form.send.data))
        except FieldError as exc:
            form[exc.field].errors.append(str(exc))
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            sent = (
                "submitted: you can now see the other members' scores"
                if form.send.data
                else "saved as a draft"
            )
            flash(f"Your scores are {sent}.", "success")
            return redirect(url_for("funding.panel_application", application_id=application.id))
    return _render_application(application, 400, score_form=form)


@bp.route("/panel/applications/<int:application_id>/conflict", methods=["POST"])
@require(Action.PANEL_REVIEW, load=load_application)
def panel_conflict(application: GrantApplication):
    form = ConflictForm(prefix="conflict")
    if form.validate_on_submit():
        member = on_panel(current_user, application.round)
        try:
            panel.declare_conflict(member, application, form.reason.data)
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"You declared a conflict on “{application.title}”.", "success")
            return redirect(url_for("funding.panel_round", round_id=application.round_id))
    return _render_application(application, 400, conflict_form=form)
