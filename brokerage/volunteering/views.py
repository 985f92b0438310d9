"""Pages for named volunteers: the company's volunteers and invitations, joining as a
volunteer, a match's places and checks, and My volunteering. Views are thin: the
rules are in volunteers.py, places.py and checks.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError, IllegalTransition
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.listings.models import ListingSide
from brokerage.matches.models import Match
from brokerage.organisations.models import Organisation
from brokerage.permissions import Action, can, require
from brokerage.volunteering import bp, checks, queries, sessions, volunteers
from brokerage.volunteering import places as place_services
from brokerage.volunteering.forms import (
    AssignForm,
    ChangeForm,
    CheckerForm,
    CheckForm,
    VolunteerInviteForm,
)
from brokerage.volunteering.models import Place, Volunteer

REFUSED = (Conflict, IllegalTransition)


def load_organisation(kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


def load_match(kwargs: dict) -> Match:
    return db.get_or_404(Match, kwargs.pop("match_id"))


def _place(match: Match, place_id: int) -> Place:
    place = db.session.get(Place, place_id)
    if place is None or place.match_id != match.id:
        abort(404)
    return place


def _places_url(match: Match, anchor: str = "") -> str:
    return url_for("volunteering.places", match_id=match.id) + anchor


# --- The company's volunteers -----------------------------------------------------------


def _volunteers_page(org: Organisation, form: VolunteerInviteForm, status: int = 200):
    manage = can(current_user, Action.VOLUNTEERS_MANAGE, org)
    page = render_template(
        "volunteering/volunteers.html",
        org=org,
        manage=manage,
        people=volunteers.volunteers_of(org),
        invitations=volunteers.open_invitations(org) if manage else [],
        invite_form=form,
    )
    return page, status


@bp.route("/organisations/<int:org_id>/volunteers")
@require(Action.VOLUNTEERS_SEE, load=load_organisation)
def company_volunteers(org: Organisation):
    return _volunteers_page(org, VolunteerInviteForm())


@bp.route("/organisations/<int:org_id>/volunteers/invite", methods=["POST"])
@require(Action.VOLUNTEERS_MANAGE, load=load_organisation)
def invite(org: Organisation):
    form = VolunteerInviteForm()
    if form.validate_on_submit():
        try:
            volunteers.invite(org, current_user, form.email.data)
        except DomainError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"We have emailed an invitation to {form.email.data}.", "success")
            return redirect(url_for("volunteering.company_volunteers", org_id=org.id))
    return _volunteers_page(org, form, 400)


@bp.route(
    "/organisations/<int:org_id>/volunteers/<int:volunteer_id>/remove", methods=["GET", "POST"]
)
@require(Action.VOLUNTEERS_MANAGE, load=load_organisation)
def remove(org: Organisation, volunteer_id: int):
    volunteer = db.session.get(Volunteer, volunteer_id)
    if volunteer is None or volunteer.organisation_id != org.id:
        abort(404)
    form = ActionForm()
    if volunteer.is_active and form.validate_on_submit():
        freed = volunteers.remove(volunteer, current_user)
        db.session.commit()
        places_note = f" {len(freed)} of their places are free again." if freed else ""
        flash(f"{volunteer.user.name} is no longer a volunteer.{places_note}", "success")
        return redirect(url_for("volunteering.company_volunteers", org_id=org.id))
    page = render_template("volunteering/remove.html", org=org, volunteer=volunteer, form=form)
    return page, 400 if request.method == "POST" else 200


@bp.route("/volunteer-invitations/<token>")
@require(Action.PUBLIC)
def invitation(token: str):
    found = volunteers.find_invitation(token)
    if found is None:
        abort(404)
    return render_template(
        "volunteering/invitation.html", invitation=found, action_form=ActionForm(), now=utcnow()
    )


@bp.route("/volunteer-invitations/<token>", methods=["POST"])
@require(Action.ACCOUNT)
def accept_invitation(token: str):
    found = volunteers.find_invitation(token)
    if found is None:
        abort(404)
    if ActionForm().validate_on_submit():
        volunteers.accept_invitation(found, current_user)
        db.session.commit()
        flash(f"You are now a volunteer of {found.organisation.name}.", "success")
        return redirect(url_for("volunteering.mine"))
    return redirect(url_for("volunteering.invitation", token=token))


# --- A match's places ---------------------------------------------------------------------


def _places_page(match: Match, status: int = 200, **forms):
    view = queries.places_view(match, current_user)
    defaults = {
        "check_form": None,
        "checker_form": CheckerForm(prefix="checker", data={"checked_by": view.checked_by}),
        "change_form": ChangeForm(prefix="change").offer(view.places),
        "assign_forms": queries.assign_forms(view),
    }
    if "assign_form" in forms:
        form = forms.pop("assign_form")
        defaults["assign_forms"][form.place_id] = form
        forms["form"] = form
    defaults.update(forms)
    if forms and "form" not in forms:
        defaults["form"] = next(iter(forms.values()))
    return render_template(
        "volunteering/places.html", view=view, action_form=ActionForm(), **defaults
    ), status


@bp.route("/matches/<int:match_id>/volunteers")
@require(Action.PLACES_SEE, load=load_match)
def places(match: Match):
    made = place_services.ensure_places(match)
    # Rendered before the commit, which would expire the match and everything the page
    # reads of it (each read again, one statement each).
    page = _places_page(match)
    if made:
        db.session.commit()
    return page


@bp.route("/matches/<int:match_id>/volunteers/open", methods=["POST"])
@require(Action.PLACES_MANAGE, load=load_match)
def open_places(match: Match):
    if ActionForm().validate_on_submit():
        try:
            opened = place_services.open_places(match, current_user)
        except REFUSED as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"{opened} places are open: your volunteers can sign up.", "success")
    return redirect(_places_url(match))


@bp.route("/matches/<int:match_id>/places/<int:place_id>/assign", methods=["POST"])
@require(Action.PLACES_MANAGE, load=load_match)
def assign(match: Match, place_id: int):
    place = _place(match, place_id)
    view = queries.places_view(match, current_user)
    form = AssignForm(prefix=f"assign-{place.id}").offer(view.free_volunteers, place)
    form.place_id = place.id
    if form.validate_on_submit():
        volunteer = db.session.get(Volunteer, form.volunteer.data)
        try:
            place_services.assign(place, volunteer, current_user)
        except REFUSED as exc:
            flash(str(exc), "info")
            return redirect(_places_url(match))
        db.session.commit()
        flash(f"{volunteer.user.name} has place {place.number}.", "success")
        return redirect(_places_url(match))
    return _places_page(match, 400, assign_form=form)


@bp.route("/matches/<int:match_id>/volunteers/sign-up", methods=["POST"])
@require(Action.PLACE_SIGN_UP, load=load_match)
def sign_up(match: Match):
    volunteer = volunteers.volunteer_of(match.offer.organisation, current_user)
    if ActionForm().validate_on_submit():
        try:
            place = place_services.sign_up(match, volunteer)
        except DomainError as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"You have place {place.number}. The charity will confirm it.", "success")
    return redirect(_places_url(match))


@bp.route("/matches/<int:match_id>/places/<int:place_id>/withdraw", methods=["POST"])
@require(Action.PLACE_WITHDRAW, load=load_match)
def withdraw(match: Match, place_id: int):
    place = _place(match, place_id)
    if ActionForm().validate_on_submit():
        try:
            place_services.withdraw(place, current_user)
        except DomainError as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"Place {place.number} is free again.", "success")
    return redirect(_places_url(match))


@bp.route("/matches/<int:match_id>/places/<int:place_id>/confirm", methods=["POST"])
@require(Action.PLACES_CHARITY, load=load_match)
def confirm(match: Match, place_id: int):
    place = _place(match, place_id)
    if ActionForm().validate_on_submit():
        try:
            place_services.confirm(place, current_user)
        except place_services.CheckMissing as exc:
            db.session.commit()  # the notices telling both sides why
            flash(str(exc), "info")
        except DomainError as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash(f"{place.volunteer.user.name} is confirmed.", "success")
    return redirect(_places_url(match))


@bp.route("/matches/<int:match_id>/places/<int:place_id>/check", methods=["GET", "POST"])
@require(Action.CHECK_RECORD, load=load_match)
def record_check(match: Match, place_id: int):
    place = _place(match, place_id)
    form = CheckForm()
    if form.validate_on_submit():
        try:
            checks.record_check(place, current_user, form.level.data, form.certificate_date.data)
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(_places_url(match))
        else:
            db.session.commit()
            flash(f"The check for {place.volunteer.user.name} is recorded.", "success")
            return redirect(_places_url(match))
    page = render_template("volunteering/check.html", match=match, place=place, form=form)
    return page, 400 if request.method == "POST" else 200


@bp.route("/matches/<int:match_id>/volunteers/checks-by", methods=["POST"])
@require(Action.PLACES_CHARITY, load=load_match)
def choose_checker(match: Match):
    form = CheckerForm(prefix="checker")
    if form.validate_on_submit():
        side = ListingSide(form.checked_by.data)
        checks.choose_checker(match, current_user, side)
        db.session.commit()
        who = match.organisation_of(side).name
        flash(f"{who} records the volunteers' disclosure checks.", "success")
        return redirect(_places_url(match, "#checks"))
    return _places_page(match, 400, checker_form=form)


@bp.route("/matches/<int:match_id>/volunteers/change", methods=["POST"])
@require(Action.PLACES_CHARITY, load=load_match)
def ask_for_change(match: Match):
    form = ChangeForm(prefix="change").offer(place_services.places_of(match))
    if form.validate_on_submit():
        place = db.session.get(Place, form.place.data) if form.place.data else None
        try:
            place_services.ask_for_change(match, current_user, place, form.message.data)
        except DomainError as exc:
            flash(str(exc), "info")
            return redirect(_places_url(match))
        db.session.commit()
        flash(f"Your message is sent to {match.offer.organisation.name}.", "success")
        return redirect(url_for("matches.match", match_id=match.id) + "#conversation")
    return _places_page(match, 400, change_form=form)


# --- Everyone's own ----------------------------------------------------------------------


@bp.route("/volunteering")
@require(Action.ACCOUNT)
def mine():
    return render_template(
        "volunteering/mine.html",
        rows=queries.my_volunteering(current_user),
        upcoming_sessions=sessions.upcoming_for(current_user),
    )
