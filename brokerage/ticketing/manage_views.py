"""The programme team's pages for the ball: setting it up, sales, orders and refunds,
complimentary tickets, the guest list and check-in at the door. Views are thin: the
rules are in setup.py, orders.py, refunds.py, guests.py, exports.py and door.py."""

from __future__ import annotations

from dataclasses import asdict

from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from brokerage.clock import utcnow
from brokerage.errors import Conflict, FieldError, IllegalTransition
from brokerage.exports import csv_response
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.money import pounds
from brokerage.pagination import page_number
from brokerage.permissions import Action, require
from brokerage.ticketing import bp, exports, guests, orders, payments, refunds, setup
from brokerage.ticketing.door import DoorAnswer, arrivals, check_in, undo_check_in
from brokerage.ticketing.manage_forms import (
    BallForm,
    ComplimentaryForm,
    DoorForm,
    RefundForm,
    ResendForm,
    TicketTypeForm,
    ball_form_data,
    ticket_type_form_data,
)
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    Order,
    OrderStatus,
    Ticket,
    TicketStatus,
    TicketType,
)
from brokerage.ticketing.orders import OrderFilters

# The door's last answer, kept in the session for the page the check-in redirects to.
DOOR_ANSWER = "door_answer"
# The door page may use the camera (every other page may not: see security.py).
DOOR_PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=()"


def load_ball(kwargs: dict) -> Ball:
    return db.get_or_404(Ball, kwargs.pop("ball_id"))


def load_ticket_type(kwargs: dict) -> TicketType:
    ball_id = kwargs.pop("ball_id")
    ticket_type = db.get_or_404(TicketType, kwargs.pop("type_id"))
    if ticket_type.ball_id != ball_id:
        abort(404)
    return ticket_type


def load_order(kwargs: dict) -> Order:
    ball_id = kwargs.pop("ball_id")
    order = orders.order_for_team(kwargs.pop("order_id"))
    if order is None or order.ball_id != ball_id:
        abort(404)
    return order


def load_ticket(kwargs: dict) -> Ticket:
    ball_id = kwargs.pop("ball_id")
    ticket = db.get_or_404(Ticket, kwargs.pop("ticket_id"))
    if ticket.order.ball_id != ball_id:
        abort(404)
    return ticket


def _page(template: str, **context):
    """The page, with 400 when it answers a form that was not accepted."""
    return render_template(template, **context), 400 if request.method == "POST" else 200


def _show(form, problems: dict[str, str]) -> None:
    """Put each problem beside its field (or above the form if it has none)."""
    for name, message in problems.items():
        field = getattr(form, name, None)
        if field is None:
            form.form_errors.append(message)
        elif message not in field.errors:
            field.errors = [*field.errors, message]


def _ball_url(ball: Ball) -> str:
    return url_for("ticketing.team_ball", ball_id=ball.id)


def _order_url(order: Order) -> str:
    return url_for("ticketing.team_order", ball_id=order.ball_id, order_id=order.id)


# --- Setting up the ball ---------------------------------------------------------------


@bp.route("/team/ball")
@require(Action.TEAM)
def team_balls():
    return render_template("ticketing/manage/balls.html", balls=setup.all_balls())


@bp.route("/team/ball/new", methods=["GET", "POST"])
@require(Action.TEAM)
def team_ball_new():
    form = BallForm()
    if form.validate_on_submit():
        try:
            ball = setup.create_ball(form.details(), current_user)
        except setup.Problems as exc:
            _show(form, exc.problems)
        else:
            db.session.commit()
            flash(f"{ball.name} is set up. Now add its ticket types.", "success")
            return redirect(_ball_url(ball))
    return _page("ticketing/manage/ball_form.html", form=form, ball=None, confirming=False)


@bp.route("/team/ball/<int:ball_id>")
@require(Action.TEAM, load=load_ball)
def team_ball(ball: Ball):
    return render_template(
        "ticketing/manage/ball.html",
        ball=ball,
        sales=setup.sales(ball),
        history=setup.history(ball),
        now=utcnow(),
    )


@bp.route("/team/ball/<int:ball_id>/edit", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_ball_edit(ball: Ball):
    form = BallForm(data=ball_form_data(ball) if request.method == "GET" else None)
    confirming = False
    if form.validate_on_submit():
        try:
            setup.update_ball(ball, form.details(), current_user, form.confirm.data)
        except setup.NeedsConfirmation as exc:
            _show(form, {exc.field: str(exc)})
            confirming = True
        except setup.Problems as exc:
            _show(form, exc.problems)
        else:
            db.session.commit()
            flash(f"Your changes to {ball.name} are saved.", "success")
            return redirect(_ball_url(ball))
    # End the transaction before showing the form again: a refused change may have
    # taken the ball's lock (see setup.update_ball).
    db.session.rollback()
    return _page("ticketing/manage/ball_form.html", form=form, ball=ball, confirming=confirming)


@bp.route("/team/ball/<int:ball_id>/types/new", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_type_new(ball: Ball):
    form = TicketTypeForm()
    if form.validate_on_submit():
        try:
            ticket_type = setup.add_ticket_type(ball, form.details(), current_user)
        except setup.Problems as exc:
            _show(form, exc.problems)
        else:
            db.session.commit()
            flash(f"{ticket_type.name} is added.", "success")
            return redirect(_ball_url(ball) + "#ticket-types")
    return _page(
        "ticketing/manage/type_form.html", form=form, ball=ball, ticket_type=None, confirming=False
    )


@bp.route("/team/ball/<int:ball_id>/types/<int:type_id>/edit", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ticket_type)
def team_type_edit(ticket_type: TicketType):
    ball = ticket_type.ball
    form = TicketTypeForm(
        data=ticket_type_form_data(ticket_type) if request.method == "GET" else None
    )
    confirming = False
    if form.validate_on_submit():
        try:
            setup.update_ticket_type(ticket_type, form.details(), current_user, form.confirm.data)
        except setup.NeedsConfirmation as exc:
            _show(form, {exc.field: str(exc)})
            confirming = True
        except setup.Problems as exc:
            _show(form, exc.problems)
        else:
            db.session.commit()
            flash(f"Your changes to {ticket_type.name} are saved.", "success")
            return redirect(_ball_url(ball) + "#ticket-types")
    db.session.rollback()
    return _page(
        "ticketing/manage/type_form.html",
        form=form,
        ball=ball,
        ticket_type=ticket_type,
        confirming=confirming,
    )


# --- Orders and refunds ------------------------------------------------------------------


@bp.route("/team/ball/<int:ball_id>/orders")
@require(Action.TEAM, load=load_ball)
def team_orders(ball: Ball):
    filters = OrderFilters.from_args(request.args)
    return render_template(
        "ticketing/manage/orders.html",
        ball=ball,
        filters=filters,
        page=orders.find_orders(ball, filters),
        counts=orders.status_counts(ball),
        Status=OrderStatus,
    )


@bp.route("/team/ball/<int:ball_id>/orders.csv")
@require(Action.TEAM, load=load_ball)
def team_orders_csv(ball: Ball):
    filters = OrderFilters.from_args(request.args)
    rows = exports.order_rows(ball, filters)
    return csv_response(f"{ball.slug}-orders.csv", exports.ORDER_COLUMNS, rows)


def _order_page(order: Order, resend: ResendForm | None = None):
    return _page(
        "ticketing/manage/order.html",
        order=order,
        ball=order.ball,
        people=orders.people(r.created_by_id for r in order.refunds),
        shares={t.id: refunds.ticket_share(order, t) for t in order.tickets},
        refundable=order.status in PAID_STATUSES,
        form=resend or ResendForm(data={"email": order.buyer_email}),
        can_resend=orders.can_resend(order),
        Valid=TicketStatus.VALID,
    )


@bp.route("/team/ball/<int:ball_id>/orders/<int:order_id>")
@require(Action.TEAM, load=load_order)
def team_order(order: Order):
    return _order_page(order)


@bp.route("/team/ball/<int:ball_id>/orders/<int:order_id>/resend", methods=["POST"])
@require(Action.TEAM, load=load_order)
def team_resend(order: Order):
    form = ResendForm()
    if not form.validate_on_submit():
        return _order_page(order, form)
    try:
        changed = orders.resend_confirmation(order, form.email.data, current_user)
    except Conflict as exc:
        db.session.rollback()
        flash(str(exc))
        return redirect(_order_url(order))
    db.session.commit()
    flash(
        f"The confirmation is on its way to {order.buyer_email}"
        + (", now the order's email address." if changed else "."),
        "success",
    )
    return redirect(_order_url(order))


def _chosen_for_refund(valid: list[Ticket]) -> list[Ticket]:
    """The seats the team chose to refund (all of them when asked for the whole order)."""
    if request.method == "GET" and request.args.get("all") == "yes":
        return valid
    source = request.form if request.method == "POST" else request.args
    wanted = set(source.getlist("ticket", type=int))
    return [t for t in valid if t.id in wanted]


def _refund(order: Order, chosen: list[Ticket], form: RefundForm):
    """Make the refund: the redirect when it is made (or refused outright), else None
    with the form's errors."""
    try:
        refund = refunds.refund_tickets(
            order, [t.id for t in chosen], current_user, form.reason.data, form.amount.data
        )
    except FieldError as exc:
        db.session.rollback()
        _show(form, {exc.field: str(exc)})
    except payments.PaymentsError as exc:
        db.session.rollback()
        form.form_errors.append(f"Stripe did not make the refund: {exc}")
    except (Conflict, IllegalTransition) as exc:
        db.session.rollback()
        flash(str(exc))
        return redirect(_order_url(order))
    else:
        db.session.commit()
        seats = len(chosen)
        flash(
            f"Refunded {pounds(refund.amount_pence)}. {seats} seat"
            f"{'s are' if seats != 1 else ' is'} released and {order.buyer_name} is emailed.",
            "success",
        )
        return redirect(_order_url(order))
    return None


@bp.route("/team/ball/<int:ball_id>/orders/<int:order_id>/refund", methods=["GET", "POST"])
@require(Action.TEAM, load=load_order)
def team_refund(order: Order):
    if order.status not in PAID_STATUSES:
        flash(f"This order is '{order.status.label.lower()}': there is nothing to refund.")
        return redirect(_order_url(order))
    valid = [t for t in order.tickets if t.status is TicketStatus.VALID]
    chosen = _chosen_for_refund(valid)
    if not chosen:
        flash("Choose the tickets to refund.")
        return redirect(_order_url(order) + "#refund")
    suggested = refunds.suggested_refund(order, chosen)
    form = RefundForm(data={"amount": suggested} if request.method == "GET" else None)
    if form.validate_on_submit() and (done := _refund(order, chosen, form)) is not None:
        return done
    return _page(
        "ticketing/manage/refund.html",
        order=order,
        ball=order.ball,
        form=form,
        chosen=chosen,
        whole=len(chosen) == len(valid),
        suggested=suggested,
        left=(order.paid_pence or 0) - order.refunded_pence,
        shares={t.id: refunds.ticket_share(order, t) for t in chosen},
    )


# --- Complimentary tickets and the guest list ----------------------------------------------


def _type_choices(ball: Ball) -> list:
    # An empty first choice: nobody issues tickets of a type they did not pick.
    return [("", "Choose a ticket type")] + [
        (t.id, f"{t.name} ({t.seats_per_ticket} seat{'s' if t.seats_per_ticket != 1 else ''})")
        for t in ball.ticket_types
    ]


def _issued(order: Order):
    """Commit the complimentary tickets, say so and show their order."""
    db.session.commit()
    flash(
        f"{order.seats} complimentary seat{'s are' if order.seats != 1 else ' is'} "
        f"issued. {order.buyer_name} is emailed the tickets.",
        "success",
    )
    return redirect(_order_url(order))


@bp.route("/team/ball/<int:ball_id>/complimentary", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_complimentary(ball: Ball):
    if not ball.ticket_types:
        flash("Add a ticket type first: complimentary tickets are of one of its types.")
        return redirect(_ball_url(ball))
    form = ComplimentaryForm()
    form.ticket_type.choices = _type_choices(ball)
    if form.validate_on_submit():
        ticket_type = next(t for t in ball.ticket_types if t.id == form.ticket_type.data)
        try:
            order = orders.issue_complimentary(
                ball,
                ticket_type,
                form.quantity.data,
                form.name.data,
                form.email.data,
                current_user,
                form.reason.data,
            )
        except FieldError as exc:
            db.session.rollback()
            _show(form, {exc.field: str(exc)})
        else:
            return _issued(order)
    return _page("ticketing/manage/complimentary.html", ball=ball, form=form)


@bp.route("/team/ball/<int:ball_id>/guests")
@require(Action.TEAM, load=load_ball)
def team_guests(ball: Ball):
    counts = guests.guest_counts(ball)
    number = page_number(request.args.get("page", "1"))
    return render_template(
        "ticketing/manage/guests.html",
        ball=ball,
        counts=counts,
        page=guests.guest_list(ball, number, total=counts.guests),
    )


@bp.route("/team/ball/<int:ball_id>/guests.csv")
@require(Action.TEAM, load=load_ball)
def team_guests_csv(ball: Ball):
    return csv_response(f"{ball.slug}-guests.csv", exports.GUEST_COLUMNS, exports.guest_rows(ball))


# --- The door -----------------------------------------------------------------------------


def _remember(ball: Ball, answer: DoorAnswer, code: str | None = None) -> None:
    session[DOOR_ANSWER] = {**asdict(answer), "ball_id": ball.id, "code": (code or "")[:80]}


def _last_answer(ball: Ball) -> tuple[dict | None, Ticket | None]:
    """The answer the check-in redirected here with (once), and its ticket."""
    answer = session.pop(DOOR_ANSWER, None) if request.method == "GET" else None
    if not answer or answer.get("ball_id") != ball.id:
        return None, None
    ticket = db.session.get(Ticket, answer["ticket_id"]) if answer.get("ticket_id") else None
    return answer, ticket


@bp.route("/team/ball/<int:ball_id>/door", methods=["GET", "POST"])
@require(Action.TEAM, load=load_ball)
def team_door(ball: Ball):
    form = DoorForm()
    if form.validate_on_submit():
        answer = check_in(ball, form.code.data, current_user, scan_id=form.scan.data)
        db.session.commit()
        # An unknown code is shown again, so that a mistyped letter can be spotted.
        unknown = answer.outcome == "not_valid" and answer.ticket_id is None
        _remember(ball, answer, form.code.data if unknown else None)
        return redirect(url_for("ticketing.team_door", ball_id=ball.id))
    answer, ticket = _last_answer(ball)
    q = " ".join(request.args.get("q", "").split())[:100]
    page, status = _page(
        "ticketing/manage/door.html",
        ball=ball,
        form=form,
        answer=answer,
        ticket=ticket,
        arrivals=arrivals(ball),
        q=q,
        results=guests.find_guests(ball, q),
    )
    response = Response(page, status)
    response.headers["Permissions-Policy"] = DOOR_PERMISSIONS
    return response


@bp.route("/team/ball/<int:ball_id>/door/tickets/<int:ticket_id>/undo", methods=["POST"])
@require(Action.TEAM, load=load_ticket)
def team_undo_check_in(ticket: Ticket):
    ball = ticket.order.ball
    if ActionForm().validate_on_submit():
        try:
            answer = undo_check_in(ticket, current_user)
        except Conflict as exc:
            answer = DoorAnswer("note", str(exc), ticket.id)
        else:
            db.session.commit()
        _remember(ball, answer)
    return redirect(url_for("ticketing.team_door", ball_id=ball.id))
