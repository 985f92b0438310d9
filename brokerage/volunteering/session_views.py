"""Pages for volunteering sessions: a match's sessions, adding, changing and cancelling
one, who is on it, its calendar file, and each person's calendar feed. Views are thin:
the rules are in sessions.py and calendar.py."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.errors import DomainError, FieldError
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.links import site_url
from brokerage.matches.models import Match
from brokerage.permissions import Action, can, require
from brokerage.volunteering import bp
from brokerage.volunteering import calendar as calendars
from brokerage.volunteering import sessions as services
from brokerage.volunteering.models import VolunteerSession
from brokerage.volunteering.session_forms import AttendeesForm, SessionForm


def load_match(kwargs: dict) -> Match:
    return db.get_or_404(Match, kwargs.pop("match_id"))


def _session(match: Match, session_id: int) -> VolunteerSession:
    session = services.session_of(match, session_id)
    if session is None:
        abort(404)
    return session


def _sessions_url(match: Match) -> str:
    return url_for("volunteering.sessions", match_id=match.id)


def _ics(body: bytes, filename: str) -> Response:
    response = Response(body, content_type=calendars.CONTENT_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/matches/<int:match_id>/sessions")
@require(Action.SESSIONS_SEE, load=load_match)
def sessions(match: Match):
    return render_template(
        "volunteering/sessions.html",
        match=match,
        sessions=services.sessions_of(match),
        manage=can(current_user, Action.SESSIONS_MANAGE, match),
    )


def _save(form: SessionForm, match: Match, session: VolunteerSession | None):
    """Add or change the session from a valid form; None when a rule refused a field."""
    try:
        if session is None:
            session = services.add_session(match, current_user, form.details())
        else:
            services.change_session(session, current_user, form.details())
    except FieldError as exc:
        getattr(form, exc.field).errors.append(str(exc))
        return None
    return session


def _form_page(match, form, session=None):
    page = render_template(
        "volunteering/sessions_form.html", match=match, form=form, session=session
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/matches/<int:match_id>/sessions/new", methods=["GET", "POST"])
@require(Action.SESSIONS_MANAGE, load=load_match)
def add_session(match: Match):
    form = SessionForm()
    if form.validate_on_submit():
        try:
            session = _save(form, match, None)
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(_sessions_url(match))
        if session is not None:
            db.session.commit()
            flash("The session is added. Now choose the volunteers on it.", "success")
            return redirect(
                url_for("volunteering.session_volunteers", match_id=match.id, session_id=session.id)
            )
    return _form_page(match, form)


@bp.route("/matches/<int:match_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@require(Action.SESSIONS_MANAGE, load=load_match)
def edit_session(match: Match, session_id: int):
    session = _session(match, session_id)
    form = SessionForm() if request.method == "POST" else SessionForm.of(session)
    if form.validate_on_submit():
        try:
            saved = _save(form, match, session)
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(_sessions_url(match))
        if saved is not None:
            db.session.commit()
            flash("The session is changed. Its volunteers have been emailed.", "success")
            return redirect(_sessions_url(match))
    return _form_page(match, form, session)


@bp.route("/matches/<int:match_id>/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@require(Action.SESSIONS_MANAGE, load=load_match)
def cancel_session(match: Match, session_id: int):
    session = _session(match, session_id)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            services.cancel_session(session, current_user)
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(_sessions_url(match))
        db.session.commit()
        flash("The session is cancelled. Its volunteers have been emailed.", "success")
        return redirect(_sessions_url(match))
    page = render_template(
        "volunteering/sessions_cancel.html", match=match, session=session, form=form
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/matches/<int:match_id>/sessions/<int:session_id>/volunteers", methods=["GET", "POST"])
@require(Action.SESSIONS_MANAGE, load=load_match)
def session_volunteers(match: Match, session_id: int):
    session = _session(match, session_id)
    chosen = {"volunteers": [a.volunteer_id for a in session.attendees]}
    form = AttendeesForm(data=None if request.method == "POST" else chosen)
    form.offer(services.eligible_volunteers(match))
    if form.validate_on_submit():
        try:
            services.set_attendees(session, current_user, form.volunteers.data or [])
        except FieldError as exc:
            form.volunteers.errors.append(str(exc))
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(_sessions_url(match))
        else:
            db.session.commit()
            flash("Saved who is on the session. New volunteers on it are emailed.", "success")
            return redirect(_sessions_url(match))
    page = render_template(
        "volunteering/sessions_volunteers.html", match=match, session=session, form=form
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/matches/<int:match_id>/sessions/<int:session_id>/calendar.ics")
@require(Action.SESSIONS_SEE, load=load_match)
def session_ics(match: Match, session_id: int):
    session = _session(match, session_id)
    return _ics(calendars.calendar_file([session]), f"session-{session.id}.ics")


# --- Each person's calendar feed --------------------------------------------------------


@bp.route("/calendar/<token>.ics")
@require(Action.PUBLIC)
def calendar_feed(token: str):
    user = calendars.user_for_token(token)
    if user is None:
        abort(404)
    return _ics(calendars.feed_for(user), "volunteering.ics")


@bp.route("/volunteering/calendar")
@require(Action.ACCOUNT)
def session_calendar():
    feed = site_url("volunteering.calendar_feed", token=calendars.feed_token(current_user))
    return render_template("volunteering/sessions_calendar.html", feed=feed, form=ActionForm())


@bp.route("/volunteering/calendar/reset", methods=["POST"])
@require(Action.ACCOUNT)
def reset_calendar_feed():
    if ActionForm().validate_on_submit():
        calendars.reset_feed(current_user)
        db.session.commit()
        flash("Your calendar has a new address. The old one no longer works.", "success")
    return redirect(url_for("volunteering.session_calendar"))
