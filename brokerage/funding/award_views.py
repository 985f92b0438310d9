"""Awards after the decision: the team's list, each award's payment and report dates,
the team's answer to each report; the organisation's reports; the 360Giving file.
Views are thin: the rules are in awards.py and giving360.py."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.errors import Conflict, FieldError
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.funding import awards, bp, giving360
from brokerage.funding.award_forms import DueDatesForm, PaymentForm, ReportForm, ReviewForm
from brokerage.funding.award_models import Award, AwardStatus, MonitoringReport, ReportStatus
from brokerage.money import pounds
from brokerage.permissions import Action, require

# What an organisation may still send.
OPEN_REPORT = frozenset({ReportStatus.DUE, ReportStatus.MORE_REQUESTED})


def load_award(kwargs: dict) -> Award:
    return db.get_or_404(Award, kwargs.pop("award_id"))


def load_report(kwargs: dict) -> MonitoringReport:
    return db.get_or_404(MonitoringReport, kwargs.pop("report_id"))


def _status_filter() -> AwardStatus | None:
    value = request.args.get("status", "")
    return AwardStatus(value) if value in set(AwardStatus) else None


def _award_url(award: Award, anchor: str = "") -> str:
    return url_for("funding.team_award", award_id=award.id) + anchor


# --- The team -----------------------------------------------------------------------------


@bp.route("/team/funding/awards")
@require(Action.TEAM)
def team_awards():
    status = _status_filter()
    return render_template(
        "funding/manage/awards.html",
        page=awards.find_awards(status, request.args.get("page", "")),
        status=status,
        Status=AwardStatus,
        next_due=awards.next_due,
        pounds=pounds,
    )


@bp.route("/team/funding/awards.csv")
@require(Action.TEAM)
def team_awards_csv():
    status = _status_filter()
    name = f"awards-{status.value}" if status else "awards"
    return csv_response(dated(name), awards.AWARD_COLUMNS, awards.award_rows(status))


@bp.route("/team/funding/awards/360giving.csv")
@require(Action.TEAM)
def team_giving360():
    """Published and decided rounds: to check before the results are published."""
    rows = giving360.grant_rows(current_app.config, include_decided=True)
    return csv_response(dated("360giving-with-decided"), giving360.COLUMNS, rows)


def _render_award(award: Award, status: int = 200, **forms):
    defaults = {
        "payment_form": PaymentForm(prefix="payment"),
        "dates_form": DueDatesForm(prefix="dates", data=_offered(award)),
    }
    defaults.update(forms)
    if forms:
        defaults["form"] = next(iter(forms.values()))
    page = render_template(
        "funding/manage/award.html",
        award=award,
        events=awards.history_of(award),
        Status=AwardStatus,
        pounds=pounds,
        **defaults,
    )
    return page, status


def _offered(award: Award) -> dict:
    return dict(zip(("first", "second", "third"), awards.due_dates_offered(award), strict=False))


@bp.route("/team/funding/awards/<int:award_id>")
@require(Action.TEAM, load=load_award)
def team_award(award: Award):
    return _render_award(award)


@bp.route("/team/funding/awards/<int:award_id>/payment", methods=["POST"])
@require(Action.TEAM, load=load_award)
def team_payment(award: Award):
    form = PaymentForm(prefix="payment")
    if form.validate_on_submit():
        try:
            awards.record_payment(award, current_user, form.paid_on.data, form.reference.data)
        except Conflict as exc:
            flash(str(exc), "info")
            return redirect(_award_url(award))
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"The payment of {pounds(award.amount_pence)} is recorded.", "success")
            return redirect(_award_url(award))
    return _render_award(award, 400, payment_form=form)


@bp.route("/team/funding/awards/<int:award_id>/reports", methods=["POST"])
@require(Action.TEAM, load=load_award)
def team_due_dates(award: Award):
    form = DueDatesForm(prefix="dates")
    if form.validate_on_submit():
        try:
            awards.set_due_dates(award, current_user, form.days())
        except Conflict as exc:
            flash(str(exc), "info")
            return redirect(_award_url(award))
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("The report dates are saved.", "success")
            return redirect(_award_url(award, "#reports"))
    return _render_award(award, 400, dates_form=form)


@bp.route("/team/funding/reports/<int:report_id>", methods=["GET", "POST"])
@require(Action.TEAM, load=load_report)
def team_report(report: MonitoringReport):
    form = ReviewForm()
    if request.method == "POST" and report.status is not ReportStatus.SUBMITTED:
        flash(f"This report is '{report.status.label.lower()}': there is nothing to answer.")
        return redirect(url_for("funding.team_report", report_id=report.id))
    if form.validate_on_submit():
        answer = awards.accept_report if form.decision.data == "accept" else awards.ask_for_more
        try:
            answer(report, current_user, form.comment.data)
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your answer is sent to the organisation.", "success")
            return redirect(_award_url(report.award, "#reports"))
    page = render_template(
        "funding/manage/report.html",
        report=report,
        award=report.award,
        form=form,
        Status=ReportStatus,
    )
    return page, 400 if request.method == "POST" else 200


# --- The organisation ------------------------------------------------------------------------


@bp.route("/funding/reports/<int:report_id>", methods=["GET", "POST"])
@require(Action.AWARD_REPORT, load=load_report)
def report(report: MonitoringReport):
    if request.method == "POST" and report.status not in OPEN_REPORT:
        flash(f"This report is '{report.status.label.lower()}': it cannot be changed now.")
        return redirect(url_for("funding.report", report_id=report.id))
    form = ReportForm(obj=report if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            awards.submit_report(report, current_user, _figures(form))
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Thank you: your report is sent to the programme team.", "success")
            return redirect(url_for("funding.report", report_id=report.id))
    page = render_template(
        "funding/report.html", report=report, award=report.award, form=form, open=OPEN_REPORT
    )
    return page, 400 if request.method == "POST" else 200


def _figures(form: ReportForm) -> awards.ReportFigures:
    return awards.ReportFigures(
        form.what_was_done.data,
        form.people_reached.data,
        form.devices_given.data,
        form.support_hours.data,
    )


# --- Everyone ---------------------------------------------------------------------------------


@bp.route("/funding/grants/360giving.csv")
@require(Action.PUBLIC)
def giving360_csv():
    """The grants of rounds whose results are published, as 360Giving open data."""
    rows = giving360.grant_rows(current_app.config, include_decided=False)
    response = csv_response(dated("360giving-grants"), giving360.COLUMNS, rows)
    response.headers["Cache-Control"] = "public, max-age=300"  # open data, no one's own
    return response
