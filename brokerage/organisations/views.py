"""Organisation pages: register, see, edit, join and invite; and the team's verification screens."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.clock import utcnow
from brokerage.errors import DomainError, IllegalTransition
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.organisations import bp, services, turnover
from brokerage.organisations import membership as memberships
from brokerage.organisations.forms import (
    DecisionForm,
    InviteForm,
    JoinRequestForm,
    OrganisationForm,
)
from brokerage.organisations.models import (
    Membership,
    Organisation,
    OrganisationAction,
    OrganisationKind,
    OrganisationStatus,
)
from brokerage.pagination import page_number
from brokerage.permissions import Action, can, require


def load_organisation(kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


def _kind(value: str) -> OrganisationKind:
    try:
        return OrganisationKind(value)
    except ValueError:
        abort(404)


@bp.route("/organisations")
@require(Action.ACCOUNT)
def index():
    return render_template(
        "organisations/index.html", memberships=services.memberships_of(current_user)
    )


@bp.route("/organisations/new")
@require(Action.VERIFIED)
def choose_kind():
    return render_template("organisations/choose_kind.html")


@bp.route("/organisations/new/<kind>", methods=["GET", "POST"])
@require(Action.VERIFIED)
def create(kind: str):
    kind = _kind(kind)
    form = OrganisationForm(kind)
    if form.validate_on_submit():
        try:
            org = services.create_organisation(current_user, kind, form.details())
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                f"{org.name} is registered. The programme team will check it and email you.",
                "success",
            )
            return redirect(url_for("organisations.show", org_id=org.id))
    return render_template("organisations/form.html", form=form, kind=kind, org=None)


@bp.route("/organisations/<int:org_id>")
@require(Action.ORGANISATION_SEE, load=load_organisation)
def show(org: Organisation):
    return render_template(
        "organisations/show.html",
        org=org,
        action_form=ActionForm(),
        inside=can(current_user, Action.ORGANISATION_MEMBER, org),
        manage=can(current_user, Action.ORGANISATION_MANAGE, org),
        may_join=can(current_user, Action.ORGANISATION_JOIN, org),
    )


@bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@require(Action.ORGANISATION_MANAGE, load=load_organisation)
def edit(org: Organisation):
    if org.status is OrganisationStatus.REJECTED:
        abort(404)
    locked = org.status is OrganisationStatus.APPROVED
    form = OrganisationForm(org.kind, obj=org, locked_to=org if locked else None)
    if request.method == "GET":
        form.org_type.data = org.org_type.value
        form.registration_scheme.data = org.registration_scheme.value
        form.wards.data = [w.id for w in org.wards]
        form.beneficiary_groups.data = [g.id for g in org.beneficiary_groups]
    if form.validate_on_submit():
        try:
            services.update_organisation(org, current_user, form.details())
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash("Your changes are saved.", "success")
            return redirect(url_for("organisations.show", org_id=org.id))
    return render_template("organisations/form.html", form=form, kind=org.kind, org=org)


@bp.route("/organisations/<int:org_id>/resubmit", methods=["POST"])
@require(Action.ORGANISATION_MANAGE, load=load_organisation)
def resubmit(org: Organisation):
    if ActionForm().validate_on_submit():
        services.resubmit_organisation(org, current_user)
        db.session.commit()
        flash("Sent back to the programme team. They will email you.", "success")
    return redirect(url_for("organisations.show", org_id=org.id))


def _members_page(org: Organisation, invite_form: InviteForm, status: int = 200):
    manage = can(current_user, Action.ORGANISATION_MANAGE, org)
    page = render_template(
        "organisations/members.html",
        org=org,
        manage=manage,
        invite_form=invite_form,
        action_form=ActionForm(),
        invitations=memberships.open_invitations(org) if manage else [],
    )
    return page, status


@bp.route("/organisations/<int:org_id>/members")
@require(Action.ORGANISATION_MEMBER, load=load_organisation)
def members(org: Organisation):
    return _members_page(org, InviteForm())


@bp.route("/organisations/<int:org_id>/members/invite", methods=["POST"])
@require(Action.ORGANISATION_MANAGE, load=load_organisation)
def invite(org: Organisation):
    form = InviteForm()
    if form.validate_on_submit():
        try:
            memberships.invite(org, current_user, form.email.data)
        except DomainError as exc:
            form.email.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"We have emailed an invitation to {form.email.data.strip()}.", "success")
            return redirect(url_for("organisations.members", org_id=org.id))
    return _members_page(org, form, 400)


@bp.route("/organisations/<int:org_id>/members/<int:membership_id>", methods=["POST"])
@require(Action.ORGANISATION_MANAGE, load=load_organisation)
def answer_request(org: Organisation, membership_id: int):
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != org.id:
        abort(404)
    decision = request.form.get("decision")
    if ActionForm().validate_on_submit() and decision in {"accept", "decline"}:
        memberships.decide_join_request(membership, current_user, accept=decision == "accept")
        db.session.commit()
        verb = "added to" if decision == "accept" else "not added to"
        flash(f"{membership.user.name} was {verb} {org.name}.", "success")
    return redirect(url_for("organisations.members", org_id=org.id))


@bp.route("/organisations/find")
@require(Action.VERIFIED)
def find():
    query = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind", "")
    kind_value = OrganisationKind(kind) if kind in {k.value for k in OrganisationKind} else None
    return render_template(
        "organisations/find.html",
        query=query,
        kind=kind_value,
        results=services.directory(query, kind_value),
        mine={m.organisation_id for m in services.memberships_of(current_user)},
    )


@bp.route("/organisations/<int:org_id>/join", methods=["GET", "POST"])
@require(Action.ORGANISATION_JOIN, load=load_organisation)
def join(org: Organisation):
    form = JoinRequestForm()
    if form.validate_on_submit():
        try:
            memberships.request_to_join(org, current_user, form.message.data)
        except DomainError as exc:
            form.message.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"We have asked the owner of {org.name} to accept you.", "success")
            return redirect(url_for("organisations.index"))
    return render_template("organisations/join.html", org=org, form=form)


@bp.route("/invitations/<token>")
@require(Action.PUBLIC)
def invitation(token: str):
    found = memberships.find_invitation(token)
    if found is None:
        abort(404)
    return render_template(
        "organisations/invitation.html",
        invitation=found,
        action_form=ActionForm(),
        now=utcnow(),
    )


@bp.route("/invitations/<token>", methods=["POST"])
@require(Action.ACCOUNT)
def accept_invitation(token: str):
    found = memberships.find_invitation(token)
    if found is None:
        abort(404)
    if ActionForm().validate_on_submit():
        memberships.accept_invitation(found, current_user)
        db.session.commit()
        flash(f"You are now a member of {found.organisation.name}.", "success")
        return redirect(url_for("organisations.show", org_id=found.organisation_id))
    return redirect(url_for("organisations.invitation", token=token))


# --- The programme team ------------------------------------------------------


@bp.route("/team/organisations")
@require(Action.TEAM)
def queue():
    return render_template(
        "organisations/manage/queue.html",
        waiting=services.verification_queue(),
        total=services.status_counts()[OrganisationStatus.PENDING],
    )


def _status_filter() -> OrganisationStatus | None:
    status = request.args.get("status", "")
    return OrganisationStatus(status) if status in {s.value for s in OrganisationStatus} else None


@bp.route("/team/organisations/all")
@require(Action.TEAM)
def team_list():
    status = _status_filter()
    counts = services.status_counts()
    number = page_number(request.args.get("page", ""))
    return render_template(
        "organisations/manage/list.html",
        status=status,
        page=services.organisations_by_status(status, number, counts),
        counts=counts,
    )


@bp.route("/team/organisations/all.csv")
@require(Action.TEAM)
def team_list_csv():
    status = _status_filter()
    name = f"organisations-{status.value.replace('_', '-')}" if status else "organisations"
    return csv_response(
        dated(name), services.ORGANISATION_COLUMNS, services.organisation_rows(status)
    )


@bp.route("/team/organisations/<int:org_id>", methods=["GET", "POST"])
@require(Action.TEAM, load=load_organisation)
def review(org: Organisation):
    form = DecisionForm()
    if form.validate_on_submit():
        action = OrganisationAction(form.decision.data)
        try:
            services.decide_organisation(org, current_user, action, form.reason.data)
        except IllegalTransition as exc:
            # Usually another team member decided first: show where it stands now.
            flash(f"{exc} It is now '{org.status.label.lower()}'.", "info")
            return redirect(url_for("organisations.review", org_id=org.id))
        except DomainError as exc:
            form.decision.errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                f"{org.name}: {action.past_tense.lower()}. The owner has been emailed.", "success"
            )
            return redirect(url_for("organisations.queue"))
    return render_template("organisations/manage/review.html", org=org, form=form)


# --- Staff turnover: remove a member, hand ownership on, leave ---------------------------


def _change_page(org: Organisation, change: str, person=None, problem: str | None = None):
    status = 409 if problem else 200
    page = render_template(
        "organisations/member_change.html",
        org=org,
        change=change,
        person=person,
        problem=problem,
        form=ActionForm(),
    )
    return page, status


def _membership_or_404(org: Organisation, membership_id: int) -> Membership:
    membership = turnover.active_membership(org, membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/organisations/<int:org_id>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@require(Action.ORGANISATION_MANAGE, load=load_organisation)
def remove_member(org: Organisation, membership_id: int):
    membership = _membership_or_404(org, membership_id)
    person = membership.user
    if ActionForm().validate_on_submit():
        try:
            turnover.remove_member(org, current_user, membership)
        except DomainError as exc:
            return _change_page(org, "remove", person, str(exc))
        db.session.commit()
        flash(f"{person.name} is no longer a member of {org.name}.", "success")
        return redirect(url_for("organisations.members", org_id=org.id))
    return _change_page(org, "remove", person)


@bp.route(
    "/organisations/<int:org_id>/members/<int:membership_id>/hand-over", methods=["GET", "POST"]
)
@require(Action.ORGANISATION_MANAGE, load=load_organisation)
def hand_over(org: Organisation, membership_id: int):
    membership = _membership_or_404(org, membership_id)
    person = membership.user
    if ActionForm().validate_on_submit():
        try:
            turnover.hand_over(org, current_user, membership)
        except DomainError as exc:
            return _change_page(org, "hand_over", person, str(exc))
        db.session.commit()
        flash(f"{person.name} is now an owner of {org.name}.", "success")
        return redirect(url_for("organisations.members", org_id=org.id))
    return _change_page(org, "hand_over", person)


@bp.route("/organisations/<int:org_id>/leave", methods=["GET", "POST"])
@require(Action.ORGANISATION_MEMBER, load=load_organisation)
def leave(org: Organisation):
    if ActionForm().validate_on_submit():
        try:
            turnover.leave(org, current_user)
        except DomainError as exc:
            return _change_page(org, "leave", problem=str(exc))
        db.session.commit()
        flash(f"You have left {org.name}.", "success")
        return redirect(url_for("accounts.account"))
    return _change_page(org, "leave")
