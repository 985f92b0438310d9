"""Pages for volunteers' hours: a volunteer logs (and amends) their hours for a session,
the charity confirms or corrects them, each person's record (page and CSV), and the
company's volunteering report (page and CSV). The rules are in hours.py, the reading
in reports.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.clock import today_in_leeds
from brokerage.errors import DomainError, FieldError
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.impact.filters import ImpactFilters
from brokerage.matches.models import Match
from brokerage.organisations.models import Organisation
from brokerage.permissions import Action, can, require
from brokerage.volunteering import bp, hours, reports
from brokerage.volunteering.hour_forms import ConfirmHoursForm, LogHoursForm
from brokerage.volunteering.models import HourLog, Volunteer, VolunteerSession


def load_session(kwargs: dict) -> VolunteerSession:
    return db.get_or_404(VolunteerSession, kwargs.pop("volunteer_session_id"))


def load_match(kwargs: dict) -> Match:
    return db.get_or_404(Match, kwargs.pop("match_id"))


def load_organisation(kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


@bp.app_template_filter("minutes")
def minutes_filter(minutes: int | None) -> str:
    return hours.minutes_text(minutes)


@bp.app_template_global("my_hours")
def my_hours_global():
    """My volunteering's hours include reads these only when it is drawn."""
    return reports.my_hours(current_user), hours.sessions_to_log_for(current_user)


def _volunteer_on(session: VolunteerSession) -> Volunteer:
    return hours.attendee_of(session, current_user)


# --- The volunteer's log ------------------------------------------------------------------


@bp.route("/volunteering/sessions/<int:volunteer_session_id>/hours", methods=["GET", "POST"])
@require(Action.HOURS_LOG, load=load_session)
def hours_log(session: VolunteerSession):
    volunteer = _volunteer_on(session)
    log = hours.log_of(session, volunteer)
    form = LogHoursForm(data={"hours": log.minutes if log else session.minutes})
    if form.validate_on_submit():
        try:
            hours.log_hours(session, volunteer, form.hours.data)
        except FieldError as exc:
            form.hours.errors.append(str(exc))
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(url_for("volunteering.mine"))
        else:
            db.session.commit()
            flash(f"Your {hours.minutes_text(form.hours.data)} are saved.", "success")
            return redirect(url_for("volunteering.mine"))
    page = render_template("volunteering/hours_log.html", session=session, log=log, form=form)
    return page, 400 if request.method == "POST" else 200


# --- The charity's confirmation ---------------------------------------------------------------


@bp.route("/matches/<int:match_id>/hours")
@require(Action.HOURS_SEE, load=load_match)
def hours_match(match: Match):
    return render_template(
        "volunteering/hours_match.html",
        match=match,
        logs=hours.logs_of_match(match),
        may_confirm=can(current_user, Action.HOURS_CONFIRM, match),
    )


@bp.route("/matches/<int:match_id>/hours/<int:log_id>/confirm", methods=["GET", "POST"])
@require(Action.HOURS_CONFIRM, load=load_match)
def hours_confirm(match: Match, log_id: int):
    log = db.session.get(HourLog, log_id)
    if log is None or log.match_id != match.id:
        abort(404)
    form = ConfirmHoursForm(data={"hours": log.minutes})
    if log.status.value == "logged" and form.validate_on_submit():
        try:
            hours.confirm_hours(log, current_user, form.hours.data, form.reason.data)
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(url_for("volunteering.hours_match", match_id=match.id))
        else:
            db.session.commit()
            flash(f"{hours.minutes_text(log.confirmed_minutes)} confirmed.", "success")
            return redirect(url_for("volunteering.hours_match", match_id=match.id))
    page = render_template("volunteering/hours_confirm.html", match=match, log=log, form=form)
    return page, 400 if request.method == "POST" else 200


# --- Each person's record ----------------------------------------------------------------------


@bp.route("/volunteering/record")
@require(Action.ACCOUNT)
def record():
    return render_template(
        "volunteering/record.html", mine=reports.my_hours(current_user), today=today_in_leeds()
    )


@bp.route("/volunteering/record.csv")
@require(Action.ACCOUNT)
def record_csv():
    return csv_response(
        dated("volunteering-record"),
        reports.RECORD_HEADER,
        list(reports.record_rows(reports.my_hours(current_user))),
    )


# --- The company's report ------------------------------------------------------------------------


def _period(args) -> tuple[tuple, dict[str, str]]:
    filters, problems = ImpactFilters.read(args)
    start, end = reports.default_period()
    problems = {k: v for k, v in problems.items() if k in ("from", "to")}
    start, end = filters.start or start, filters.end or end
    return (start, max(start, end)), problems


@bp.route("/organisations/<int:org_id>/volunteering-report")
@require(Action.VOLUNTEERING_REPORT, load=load_organisation)
def report(org: Organisation):
    (start, end), problems = _period(request.args)
    return render_template(
        "volunteering/report.html",
        org=org,
        report=reports.company_report(org, start, end),
        problems=problems,
        typed=request.args,
    )


@bp.route("/organisations/<int:org_id>/volunteering-report.csv")
@require(Action.VOLUNTEERING_REPORT, load=load_organisation)
def report_csv(org: Organisation):
    (start, end), _ = _period(request.args)
    found = reports.company_report(org, start, end)
    return csv_response(
        f"volunteering-{start.isoformat()}-to-{end.isoformat()}.csv",
        reports.REPORT_HEADER,
        list(reports.report_rows(found)),
    )
