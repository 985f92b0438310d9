"""Pay by invoice: the company's order form, the printable invoice (by the order's
token) and paying it by card; the team's list of invoices, its CSV, and recording a bank
transfer. The rules are in invoices.py."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from brokerage.clock import utcnow
from brokerage.errors import Conflict, DomainError, FieldError
from brokerage.exports import csv_response, dated
from brokerage.extensions import db, limiter
from brokerage.pagination import page_number
from brokerage.permissions import Action, require
from brokerage.ticketing import availability, bp, invoices, payments
from brokerage.ticketing.checkout import order_with_lines
from brokerage.ticketing.invoice_forms import PayInvoiceForm, TransferForm, invoice_order_form
from brokerage.ticketing.invoice_models import Invoice
from brokerage.ticketing.models import Ball, Order


def load_invoice(kwargs: dict) -> Invoice:
    """The invoice of the order named by the token in the URL (404 for any other)."""
    invoice = db.session.scalar(
        select(Invoice)
        .join(Invoice.order)
        .where(Order.token == kwargs.pop("token"))
        .options(joinedload(Invoice.order).options(*order_with_lines()))
    )
    if invoice is None:
        abort(404)
    return invoice


def load_ball(kwargs: dict) -> Ball:
    return db.get_or_404(Ball, kwargs.pop("ball_id"))


def load_team_invoice(kwargs: dict) -> Invoice:
    ball_id = kwargs.pop("ball_id")
    invoice = db.get_or_404(Invoice, kwargs.pop("invoice_id"))
    if invoice.order.ball_id != ball_id:
        abort(404)
    return invoice


def _refused(form, exc: DomainError) -> None:
    db.session.rollback()
    field = form.field_for(exc.field) if isinstance(exc, FieldError) else None  # type: ignore[attr-defined]
    (field.errors if field is not None else form.form_errors).append(str(exc))


@bp.route("/ball/invoice", methods=["GET", "POST"])
@require(Action.PUBLIC)
@limiter.limit(lambda: current_app.config["RATELIMIT_CHECKOUT"], methods=["POST"])
def invoice_order():
    now = utcnow()
    ball = availability.current_ball(now)
    if ball is None:
        abort(404)
    code = ((request.form or request.args).get("code") or "").strip()[:64]
    rows = invoices.invoice_rows(availability.on_sale(ball, now, code=code or None))
    due = invoices.due_date(ball, now)
    form = invoice_order_form(rows, data=None if request.form else {"code": code})
    if due is not None and rows and form.validate_on_submit():
        try:
            invoice = invoices.order_by_invoice(ball, form.basket(), form.company_details(), now)
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            return redirect(url_for("ticketing.invoice", token=invoice.order.token), code=303)
    page = render_template(
        "ticketing/invoice_order.html", ball=ball, rows=rows, form=form, due=due, code=code
    )
    return page, 400 if request.method == "POST" else 200


def _invoice_page(invoice: Invoice, form: PayInvoiceForm, status: int = 200):
    return render_template(
        "ticketing/invoice.html",
        invoice=invoice,
        order=invoice.order,
        bank=invoices.bank_details(),
        payable=invoices.payable(invoice, utcnow()),
        form=form,
    ), status


@bp.route("/ball/invoice/<token>")
@require(Action.PUBLIC, load=load_invoice)
def invoice(invoice: Invoice):
    return _invoice_page(invoice, PayInvoiceForm())


@bp.route("/ball/invoice/<token>/pay", methods=["POST"])
@require(Action.PUBLIC, load=load_invoice)
def invoice_pay(invoice: Invoice):
    form = PayInvoiceForm()
    if not form.validate_on_submit():
        return _invoice_page(invoice, form, 400)
    try:
        url = invoices.pay_by_card(invoice)
    except Conflict as exc:
        _refused(form, exc)
        return _invoice_page(invoice, form, 409)
    except (payments.PaymentsError, payments.StandInRefused):
        db.session.rollback()
        current_app.logger.exception("Invoice %s: the card payment could not start", invoice.id)
        form.form_errors.append("We could not start the card payment: try again in a few minutes.")
        return _invoice_page(invoice, form, 503)
    db.session.commit()
    return redirect(url or url_for("ticketing.invoice", token=invoice.order.token), code=303)


@bp.route("/team/ball/<int:ball_id>/invoices")
@require(Action.TEAM, load=load_ball)
def team_invoices(ball: Ball):
    page = invoices.find_invoices(ball, page_number(request.args.get("page", "1")))
    return render_template("ticketing/manage/invoices.html", ball=ball, page=page)


@bp.route("/team/ball/<int:ball_id>/invoices.csv")
@require(Action.TEAM, load=load_ball)
def team_invoices_csv(ball: Ball):
    rows = invoices.csv_rows(ball)
    return csv_response(dated(f"{ball.slug}-invoices"), invoices.INVOICE_COLUMNS, rows)


@bp.route("/team/ball/<int:ball_id>/invoices/<int:invoice_id>/transfer", methods=["GET", "POST"])
@require(Action.TEAM, load=load_team_invoice)
def team_invoice_transfer(invoice: Invoice):
    form = TransferForm()
    if form.validate_on_submit():
        try:
            invoices.record_transfer(
                invoice, form.amount.data, form.received_on.data, form.reference.data, current_user
            )
        except DomainError as exc:
            _refused(form, exc)
        else:
            db.session.commit()
            flash(f"Invoice {invoice.number} is paid: the tickets are emailed.", "success")
            return redirect(url_for("ticketing.team_invoices", ball_id=invoice.order.ball_id))
    page = render_template("ticketing/manage/invoice_transfer.html", invoice=invoice, form=form)
    return page, 400 if request.method == "POST" else 200
