"""People's own data (download, delete their account) and the team's subject access
and erasure pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user

from brokerage.accounts.signing_in import SESSION_KEY
from brokerage.clock import today_in_leeds
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.permissions import Action, require
from brokerage.privacy import copies, erasure
from brokerage.privacy.forms import DeleteAccountForm, DownloadForm, EraseForm, FindPersonForm
from brokerage.privacy.subject import held_about
from brokerage.ticketing.models import Order, Ticket

bp = Blueprint("privacy", __name__)


def _zip(data: bytes, name: str) -> Response:
    return Response(
        data,
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}-{today_in_leeds()}.zip"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/your-data")
@require(Action.ACCOUNT)
def download_own():
    if copies.made_now(current_user, current_app.config):
        return _zip(held_about(current_user.email).as_zip(), "your-data")
    copies.ask_for_copy(current_user)
    db.session.commit()
    flash("We are preparing your data. We will email you a link to download it.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/your-data/<token>")
@require(Action.ACCOUNT)
def fetch_copy(token: str):
    try:
        content = copies.fetch_copy(current_user, token)
    except copies.LinkSpent as exc:
        return render_template("privacy/link_spent.html", message=str(exc)), 410
    db.session.commit()
    return _zip(content, "your-data")


@bp.route("/account/delete", methods=["GET", "POST"])
@require(Action.ACCOUNT)
def delete_account():
    form = DeleteAccountForm()
    alone = erasure.organisations_only_owned_by(current_user)
    if not alone and form.validate_on_submit():
        try:
            erasure.delete_account(current_user._get_current_object(), form.password.data)
        except DomainError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            logout_user()
            session.pop(SESSION_KEY, None)
            return redirect(url_for("privacy.account_deleted"))
    return render_template("privacy/delete_account.html", form=form, alone=alone)


@bp.route("/account/deleted")
@require(Action.PUBLIC)
def account_deleted():
    return render_template("privacy/account_deleted.html")


@bp.route("/team/personal-data")
@require(Action.TEAM)
def find_person():
    form = FindPersonForm(request.args)
    held = held_about(form.email.data) if "email" in request.args and form.validate() else None
    download = DownloadForm(email=form.email.data) if held else None
    orders = erasure.orders_of(held.email) if held else []
    return render_template(
        "privacy/find_person.html",
        form=form,
        held=held,
        download=download,
        orders=orders,
        actions=erasure.recent_actions(),
    )


@bp.route("/team/personal-data/download", methods=["POST"])
@require(Action.TEAM)
def team_download():
    form = DownloadForm()
    if form.validate_on_submit():
        held = held_about(form.email.data)
        erasure.record_download(current_user, form.reason.data, held.found)
        db.session.commit()
        return _zip(held.as_zip(), "personal-data")
    return render_template("privacy/download.html", form=form), 400


@bp.route("/team/personal-data/orders/<int:order_id>/erase", methods=["GET", "POST"])
@require(Action.TEAM)
def erase_buyer(order_id: int):
    order = db.get_or_404(Order, order_id)
    form = EraseForm()
    if form.validate_on_submit():
        erasure.erase_buyer(order, current_user, form.reason.data)
        db.session.commit()
        flash(f"The details on order {order.id} have been erased.", "success")
        return redirect(url_for("privacy.find_person"))
    return render_template("privacy/erase.html", form=form, order=order, ticket=None)


@bp.route("/team/personal-data/tickets/<int:ticket_id>/erase", methods=["GET", "POST"])
@require(Action.TEAM)
def erase_guest(ticket_id: int):
    ticket = db.get_or_404(Ticket, ticket_id)
    form = EraseForm()
    if form.validate_on_submit():
        erasure.erase_guest(ticket, current_user, form.reason.data)
        db.session.commit()
        flash(f"The guest's details on ticket {ticket.id} have been erased.", "success")
        return redirect(url_for("privacy.find_person"))
    return render_template("privacy/erase.html", form=form, order=ticket.order, ticket=ticket)
