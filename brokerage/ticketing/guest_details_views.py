"""The buyer's page for their guests (send each a link to fill in their own details,
say who they would like to sit with) and the guest's own page, reached by the link's
key. No account is needed for either: the order's token and the link's key are the
keys. The rules are in guest_details.py and seating.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from brokerage.clock import utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.permissions import Action, require
from brokerage.ticketing import bp, guest_details, seating
from brokerage.ticketing.guests import guest_changes_until
from brokerage.ticketing.models import PAID_STATUSES, Order, Ticket, TicketStatus
from brokerage.ticketing.seating_forms import GuestSelfForm, InviteForm, WishesForm


def load_order(kwargs: dict) -> Order:
    """The order named by the token in the URL, with its tickets; 404 for any other."""
    order = (
        db.session.scalars(
            select(Order)
            .where(Order.token == kwargs.pop("token"))
            .options(
                joinedload(Order.ball), joinedload(Order.tickets).joinedload(Ticket.ticket_type)
            )
        )
        .unique()
        .first()
    )
    if order is None:
        abort(404)
    return order


def _guests_page(order: Order, form=None, failed=None, links=None, wishes=None, status: int = 200):
    now = utcnow()
    valid = [
        (number, ticket)
        for number, ticket in enumerate(order.tickets, start=1)
        if ticket.status is TicketStatus.VALID
    ]
    return render_template(
        "ticketing/guest_details_invite.html",
        order=order,
        seats=valid,
        paid=order.status in PAID_STATUSES,
        open=now < guest_changes_until(order.ball),
        until=guest_changes_until(order.ball),
        form=form or InviteForm(),
        wishes=wishes or WishesForm(data={"seating_wishes": order.seating_wishes or ""}),
        failed=failed,
        links=links or {},
    ), status


@bp.route("/ball/orders/<token>/guests", methods=["GET", "POST"])
@require(Action.PUBLIC, load=load_order)
def guest_details_invite(order: Order):
    if request.method == "GET":
        return _guests_page(order)
    form = InviteForm()
    form.email.id = f"email-{form.ticket_id}"
    if not form.validate_on_submit():
        return _guests_page(order, form, form.ticket_id, status=400)
    ticket = next((t for t in order.tickets if t.id == form.ticket_id), None)
    try:
        if ticket is None:
            raise Conflict("That seat is not one of this order's tickets")
        if form.copy.data:
            link = guest_details.make_link(order, ticket)
        else:
            link = guest_details.invite_guest(order, ticket, form.email.data)
    except Conflict as exc:
        db.session.rollback()
        form.email.errors = [str(exc)]
        return _guests_page(order, form, form.ticket_id, status=409)
    db.session.commit()
    if form.copy.data:
        return _guests_page(order, links={ticket.id: link})
    flash(f"We emailed the link to {form.email.data}.", "success")
    return redirect(url_for("ticketing.guest_details_invite", token=order.token))


@bp.route("/ball/orders/<token>/seating-wishes", methods=["POST"])
@require(Action.PUBLIC, load=load_order)
def seating_wishes(order: Order):
    form = WishesForm()
    if form.validate_on_submit():
        try:
            seating.set_wishes(order, form.seating_wishes.data)
        except Conflict as exc:
            db.session.rollback()
            form.seating_wishes.errors = [str(exc)]
        else:
            db.session.commit()
            flash("Seating wishes saved.", "success")
            return redirect(url_for("ticketing.guest_details_invite", token=order.token))
    return _guests_page(order, wishes=form, status=400)


def load_guest_ticket(kwargs: dict) -> Ticket | None:
    """The ticket whose guest link has the key in the URL; None shows the page that
    says the link does not work (no 404: the guest needs to know what to do)."""
    return guest_details.ticket_for_token(kwargs.pop("token"))


def _until(ticket: Ticket):
    return guest_changes_until(ticket.order.ball)


def _details_of(ticket: Ticket) -> dict:
    return {
        "name": ticket.guest_name or "",
        "dietary": ticket.dietary or "",
        "access_needs": ticket.access_needs or "",
    }


@bp.route("/ball/guest/<token>", methods=["GET", "POST"], endpoint="guest_details")
@require(Action.PUBLIC, load=load_guest_ticket)
def guest_own_details(ticket: Ticket | None):
    if ticket is None:
        return render_template("ticketing/guest_details_gone.html"), 404
    if not guest_details.is_open(ticket):
        return render_template(
            "ticketing/guest_details_closed.html", ticket=ticket, until=_until(ticket)
        ), 410
    form = GuestSelfForm(data=_details_of(ticket))
    if form.validate_on_submit():
        try:
            guest_details.fill_in(ticket, form.details())
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash("Thank you: your details are saved.", "success")
            return redirect(request.path)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "ticketing/guest_details.html", ticket=ticket, form=form, until=_until(ticket)
    ), status
