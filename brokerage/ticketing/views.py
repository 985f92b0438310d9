"""The buyer's pages: no account needed.

The ball page holds the seats and sends the buyer to Stripe Checkout, or, without
Stripe keys, to the local stand-in checkout (stand_in.py). Payment is confirmed by
Stripe's signed webhook and by the return page, both through `checkout.fulfil`; the
stand-in signs its event as Stripe does and hands it to the webhook's own code
(`webhooks.receive`). The order page is reached by the order's unguessable token,
never by its id.
"""

from __future__ import annotations

import functools
from datetime import datetime
from time import monotonic

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, undefer

from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.extensions import csrf, db, limiter
from brokerage.permissions import Action, require
from brokerage.ticketing import (
    availability,
    bp,
    checkout,
    guests,
    invoices,
    orders,
    payments,
    waiting_list,
    webhooks,
)
from brokerage.ticketing import (
    stand_in as stand_in_checkout,
)
from brokerage.ticketing.forms import (
    FindTicketsForm,
    StandInForm,
    ball_form,
    guests_form,
)
from brokerage.ticketing.models import PAID_STATUSES, Order, OrderStatus, Ticket, TicketStatus


def _limit(setting: str):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def _order_by_token(kwargs: dict, whole: bool) -> Order:
    token = kwargs.pop("token")
    order = db.session.scalars(_by_token(whole), {"token": token}).unique().first()
    if order is None:
        abort(404)
    return order


# Built once: building a statement with its loader options cost about as much as running
# it, and every buyer's last pages ask for their order by its token.
@functools.cache
def _by_token(whole: bool):
    statement = select(Order).where(Order.token == bindparam("token"))
    if not whole:
        return statement.options(joinedload(Order.ball))
    # A ticket's type is one of its order's lines' (loaded with them): the session finds
    # it there without a statement, and joining the types again per ticket cost a
    # quarter of the load.
    return statement.options(
        *checkout.order_with_lines(),
        joinedload(Order.tickets).options(undefer(Ticket.qr_svg)),
    )


def load_order(kwargs: dict) -> Order:
    """The order named by the token in the URL (404 for any other token), with its ball."""
    return _order_by_token(kwargs, whole=False)


def load_whole_order(kwargs: dict) -> Order:
    """As `load_order`, with the lines and the tickets the order page shows."""
    return _order_by_token(kwargs, whole=True)


def _order_view(order: Order, now: datetime) -> str:
    """What the buyer should understand about the order now."""
    if order.status is OrderStatus.PENDING and order.hold_expires_at <= now:
        return "not_paid"
    return {
        OrderStatus.PENDING: "waiting",
        OrderStatus.PAID: "paid",
        OrderStatus.PARTLY_REFUNDED: "paid",
        OrderStatus.EXPIRED: "not_paid",
        OrderStatus.REFUNDED: "refunded",
    }[order.status]


# --- The ball page -------------------------------------------------------------------------


def _commit_without_expiring() -> None:
    orm_session = db.session()
    orm_session.expire_on_commit = False
    try:
        orm_session.commit()
    finally:
        orm_session.expire_on_commit = True


# The ball page as most visitors see it (not signed in, no code, nothing flashed) is
# the same for everyone but for the form's CSRF token: while tickets go on sale it is
# asked for hundreds of times a second, so each process keeps it for a moment
# (BALL_PAGE_CACHE_SECONDS) with the token cut out, and puts each visitor's own token
# in. Availability on it may be that many seconds old; a hold is always decided afresh
# under the ball's lock.
_TOKEN_SLOT = "\x00csrf-token\x00"  # noqa: S105 (where the token goes, not a secret)


def _shared_page_wanted() -> bool:
    return (
        request.method == "GET"
        and current_app.config["BALL_PAGE_CACHE_SECONDS"] > 0
        and not request.args
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def _shared_page() -> str | None:
    kept = current_app.extensions.get("ball_page")
    if kept is None or monotonic() >= kept[0]:
        return None
    return kept[1].replace(_TOKEN_SLOT, generate_csrf())


def _keep_shared_page(html: str) -> None:
    token = generate_csrf()
    if html.count(token) == 1:  # exactly the form's hidden field
        expires = monotonic() + current_app.config["BALL_PAGE_CACHE_SECONDS"]
        current_app.extensions["ball_page"] = (expires, html.replace(token, _TOKEN_SLOT))


def _held(response) -> bool:
    """Seats were held (the buyer is sent to pay): what a checkout costs us."""
    return response.status_code == 303


def _buyer_email() -> str:
    """The address a checkout is for, as a rate limit's key (the visitor's address when
    none was typed, so that a missing one cannot share one bucket)."""
    typed = request.form.get("buyer_email", "")[:254].strip().lower()
    return f"email:{typed}" if typed else f"ip:{get_remote_address()}"


def _check_out(current, form, now: datetime, taken) -> tuple[str | None, int, bool]:
    """Hold the seats and open the checkout: where to send the buyer (None, with the
    form's errors, if not), the page's status, and whether the form's rows are still
    counted as they are (else the hold changed or counted them again)."""
    order = None
    try:
        types = [row.ticket_type for row in form.rows]
        order = checkout.hold(current, form.basket(), now, types=types, taken=taken)
        # Commit the hold (and so free the ball's lock) before asking Stripe: no
        # other buyer waits on Stripe's answer. What was just written is still what
        # the database holds, so it is not read back.
        _commit_without_expiring()
        checkout_url = checkout.start_checkout(order)
    except checkout.RefusedBeforeHold as exc:
        # Nothing was written, and the ball as read (with its count) is the page's: not
        # rolled back, which would have the page read it all again.
        _show_beside(form, exc)
        return None, 200, True
    except FieldError as exc:
        db.session.rollback()
        _show_beside(form, exc)
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
    except (payments.PaymentsError, payments.StandInRefused):
        db.session.rollback()
        if order is not None:
            checkout.forget_unstarted(order)  # the seats go straight back
            db.session.commit()
        current_app.logger.exception("The ball's checkout could not start")
        form.form_errors.append(
            "We could not start the payment. Nothing was charged and no seats are "
            "held: try again in a few minutes."
        )
        return None, 503, False
    else:
        db.session.commit()
        return checkout_url, 200, False
    return None, 200, False


def _show_beside(form, exc: FieldError) -> None:
    field = form.field_for(exc.field)
    (field.errors if field is not None else form.form_errors).append(str(exc))


def _counted_for(form, current, now: datetime, code: str) -> list:
    """The form's ticket types counted again, to show its page after a hold that was
    refused under the ball's lock or could not start its checkout."""
    shown = {row.ticket_type.id for row in form.rows}
    return [
        row
        for row in availability.on_sale(current, now, code=code or None)
        if row.ticket_type.id in shown  # the form's boxes (the team may add a type)
    ]


def _ball_page(
    current, rows, form, now: datetime, code: str, posted: bool, too_late: bool = False
) -> str:
    return render_template(
        "ticketing/ball.html",
        ball=current,
        rows=rows,
        form=form,
        selling=availability.sales_open(current, now) and bool(rows),
        # Shown while anything is left, and again with the buyer's errors.
        show_form=not too_late and (any(row.reason is None for row in rows) or posted),
        too_late=too_late,
        opens_later=now < current.sales_open_at,
        code=code,
        unlocked=any(row.ticket_type.hidden for row in rows),
        hold_minutes=current_app.config["BALL_HOLD_MINUTES"],
        invoices_offered=any(row.ticket_type.invoice_allowed for row in rows),
    )


def _too_late(current, rows, now: datetime, code: str):
    """Everything went while this buyer chose: nothing can be held whatever their form
    says (or however it is wrong), so they are told so on the sold-out page, with the
    waiting list, not shown a form to correct. In a rush most buyers end here, and this
    answer makes 5,500 Python calls where the form's made 9,600."""
    return _ball_page(current, rows, None, now, code, posted=True, too_late=True), 400


@bp.route("/ball", methods=["GET", "POST"])
@require(Action.PUBLIC)
# Holds are what cost us (seats kept from others while a buyer pays): they are counted
# per visitor's address and per buyer's email, and a form sent back for a mistake is
# not, so an office buying tables behind one shared address is not locked out on the
# day sales open. Every POST still counts towards a looser limit against hammering.
@_limit("RATELIMIT_CHECKOUT_ATTEMPTS")
@limiter.limit(
    lambda: current_app.config["RATELIMIT_CHECKOUT"], methods=["POST"], deduct_when=_held
)
@limiter.limit(
    lambda: current_app.config["RATELIMIT_CHECKOUT_EMAIL"],
    key_func=_buyer_email,
    methods=["POST"],
    deduct_when=_held,
)
def ball():
    shared = _shared_page_wanted()
    if shared and (page := _shared_page()) is not None:
        return page
    now = utcnow()
    posted = request.method == "POST"
    # The ball, its ticket types and what of each is taken, in one statement: the page
    # shows it, and a buyer's hold is refused on it at once if they are gone.
    current, taken = availability.current_ball_counted(now)
    if current is None:
        return render_template("ticketing/no_ball.html")
    code = ((request.form if posted else request.args).get("code") or "").strip()[:64]
    rows = availability.on_sale(current, now, code=code or None, taken=taken)
    if posted and availability.gone_while_choosing(current, rows, now):
        return _too_late(current, rows, now, code)
    charity = current_app.config["SERVICE_NAME"]
    # A POST's form is read from the request, a GET's shows the code it was given.
    form = ball_form(rows, charity) if posted else ball_form(rows, charity, data={"code": code})
    status = 200
    if form.validate_on_submit():
        checkout_url, status, still_counted = _check_out(current, form, now, taken)
        if checkout_url is not None:
            return redirect(checkout_url, code=303)
        if not still_counted:
            rows = form.rows = _counted_for(form, current, now, code)
    status = max(status, 400) if posted else status
    page = _ball_page(current, rows, form, now, code, posted)
    if shared and status == 200:
        _keep_shared_page(page)
    return page, status


# --- Stripe: the webhook, and the stand-in that plays Stripe without keys ------------------


@bp.route("/ball/stripe/webhook", methods=["POST"])
@csrf.exempt
@require(Action.PUBLIC)
def webhook():
    try:
        outcome = webhooks.receive(request.get_data(), request.headers.get("Stripe-Signature"))
    except payments.BadSignature as exc:
        db.session.rollback()
        current_app.logger.warning("Stripe webhook refused: %s", exc)
        return jsonify(error="The signature did not check out"), 400
    except DomainError as exc:
        # A refused move will be refused again: answer 200 so Stripe stops retrying,
        # and leave it to the team (the log says what).
        db.session.rollback()
        current_app.logger.error("Stripe webhook not applied: %s", exc)
        return jsonify(received=True, outcome=f"not applied: {exc}")
    db.session.commit()
    return jsonify(received=True, outcome=outcome)


def _returned_url(order: Order) -> str:
    return url_for("ticketing.returned", token=order.token, session_id=order.stripe_session_id)


@require(Action.PUBLIC)
def stand_in(session_id: str):
    if not payments.uses_stand_in():
        abort(404)
    stand_in_checkout.refuse_in_production()
    order = checkout.order_for_session(session_id)
    if order is None:
        abort(404)
    if order.status in PAID_STATUSES:
        return redirect(_returned_url(order), code=303)  # paid already: a second click
    payable = stand_in_checkout.payable(order, utcnow())
    form = StandInForm()
    status = 200
    if form.validate_on_submit():
        if form.cancel.data:
            waiting_list.abandon(order)
            db.session.commit()
            return redirect(url_for("ticketing.cancelled", token=order.token), code=303)
        if payable:
            stand_in_checkout.pay(order)
            returned_url = _returned_url(order)
            db.session.commit()
            return redirect(returned_url, code=303)
        status = 409
    return render_template(
        "ticketing/stand_in.html", order=order, form=form, payable=payable
    ), status


@bp.record_once
def _serve_the_stand_in(state) -> None:
    """The stand-in checkout is served only by an app with no Stripe secret key (and
    refuses even then in production)."""
    if not state.app.config.get("STRIPE_SECRET_KEY"):
        state.add_url_rule(
            "/ball/checkout/stand-in/<session_id>", view_func=stand_in, methods=["GET", "POST"]
        )


# --- After Checkout ------------------------------------------------------------------------


@bp.route("/ball/orders/<token>/paid")
@require(Action.PUBLIC, load=load_order)
def returned(order: Order):
    """Stripe's success page: fulfil now if Stripe says it is paid, so the buyer sees
    the tickets even before the webhook arrives (fulfil runs once whichever is first)."""
    session_id = request.args.get("session_id", "")
    waiting = order.status in (OrderStatus.PENDING, OrderStatus.EXPIRED)
    if waiting and session_id and session_id == order.stripe_session_id:
        try:
            session = payments.retrieve_session(session_id)
            if session and session.get("id") == order.stripe_session_id:
                checkout.fulfil(checkout.payment_from_session(session))
                db.session.commit()
        except payments.PaymentsError:
            db.session.rollback()
            current_app.logger.exception("Return page: Stripe could not be asked; the webhook will")
    return render_template(
        "ticketing/returned.html", order=order, view=_order_view(order, utcnow())
    )


@bp.route("/ball/orders/<token>/cancelled")
@require(Action.PUBLIC, load=load_order)
def cancelled(order: Order):
    """Stripe's cancel page: the buyer gave up, so the seats go back at once (an
    invoice keeps its seats until it is due: back to the invoice)."""
    if invoices.invoice_for(order) is not None:
        return redirect(url_for("ticketing.invoice", token=order.token))
    if order.status is OrderStatus.PENDING:
        waiting_list.abandon(order)
        db.session.commit()
    return render_template("ticketing/cancelled.html", order=order)


# --- Buyers who lost their confirmation ------------------------------------------------------


@bp.route("/ball/find-your-tickets", methods=["GET", "POST"])
@require(Action.PUBLIC)
@_limit("RATELIMIT_FIND_TICKETS")
def find_tickets():
    """The buyer gives the address they bought with and is emailed the links to their
    orders. The answer is the same whether or not it has any (see the service)."""
    form = FindTicketsForm()
    if form.validate_on_submit():
        orders.send_order_links(form.email.data)
        db.session.commit()
        return render_template("ticketing/find_tickets_sent.html", email=form.email.data)
    status = 400 if request.method == "POST" else 200
    return render_template("ticketing/find_tickets.html", form=form), status


# --- The order page --------------------------------------------------------------------------


def _order_page(order: Order, form, numbered: list, now: datetime) -> str:
    until = guests.guest_changes_until(order.ball)
    view = _order_view(order, now)
    return render_template(
        "ticketing/order.html",
        order=order,
        form=form,
        view=view,
        seats=list(enumerate(order.tickets, start=1)),
        until=until,
        editable=view == "paid" and bool(numbered) and now < until,
    )


@bp.route("/ball/orders/<token>", methods=["GET", "POST"])
@require(Action.PUBLIC, load=load_whole_order)
def order(order: Order):
    now = utcnow()
    numbered = [
        (number, ticket)
        for number, ticket in enumerate(order.tickets, start=1)
        if ticket.status is TicketStatus.VALID
    ]
    form = guests_form(numbered)
    status = 200
    if form.validate_on_submit():
        try:
            guests.name_guests(order, form.details(), now)
        except Conflict as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
            status = 409
        else:
            db.session.commit()
            flash("Guest details saved.", "success")
            return redirect(url_for("ticketing.order", token=order.token))
    elif request.method == "POST":
        status = 400
    return _order_page(order, form, numbered, now), status
