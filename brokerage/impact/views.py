"""Impact pages: the team's dashboard and impact figures, the public impact page, and an
organisation's own page (a company's impact statement, or what a community
organisation received) with its CSV. Every figure comes from figures.py,
statements.py and dashboard.py."""

from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

from brokerage import page_cache
from brokerage.clock import utcnow
from brokerage.exports import csv_response
from brokerage.extensions import db
from brokerage.impact import bp, charts, exports, figures, forms, statements, summary
from brokerage.impact import dashboard as board
from brokerage.impact.filters import ImpactFilters
from brokerage.money import pounds
from brokerage.notifications.services import mail_flow
from brokerage.organisations.models import Organisation, OrganisationKind
from brokerage.permissions import Action, require

# Where each queue of the dashboard is worked through.
QUEUE_PAGES = {
    "organisations": "organisations.queue",
    "needs": "listings.queue",
    "offers": "listings.queue",
    "proposals": "matches.queue",
    "help": "matches.queue",
}


def load_organisation(kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


def _charts(report: figures.Report, measure: str) -> dict[str, charts.Chart]:
    return {
        "months": charts.month_chart("chart-months", report.months, measure),
        "wards": charts.ward_chart("chart-wards", report.wards, measure),
    }


@bp.route("/team/dashboard")
@require(Action.TEAM)
def dashboard():
    return render_template(
        "impact/dashboard.html",
        board=board.dashboard(utcnow()),
        mail=mail_flow(),
        queue_pages=QUEUE_PAGES,
    )


@bp.route("/team/impact")
@require(Action.TEAM)
def team():
    now = utcnow()
    form = forms.FilterForm(request.args, forms.choices())
    measure = forms.measure(request.args)
    report = summary.report(form.filters, now)
    return render_template(
        "impact/team.html",
        form=form,
        filters=form.filters,
        report=report,
        charts=_charts(report, measure),
        measure=measure,
        measures=figures.MEASURES,
        balls=board.ball_results(now),
        grants=figures.grants(figures.TEAM_GRANT_ROUNDS),
        pounds=pounds,
    )


@bp.route("/impact")
@require(Action.PUBLIC)
def public():
    """Totals, months and wards of confirmed matches only, and the balls held: no
    names of people. The fund's published grants name the organisations funded."""
    measure = forms.measure(request.args)
    # The page's content is the same for everyone: a visitor is shown a shared copy of
    # the whole page (page_cache), and a signed-in person, whose page is their own, a
    # shared copy of its content around their own header (ten statements and most of
    # the page's 16-25 ms of CPU, on every visit). Dropped, as the shared pages are,
    # when this process commits a change.
    body = page_cache.shared_value(("impact.public", measure), lambda: _public_body(measure))
    return render_template("impact/public.html", body=body)


def _public_body(measure: str) -> Markup:
    now = utcnow()
    report = summary.report(ImpactFilters(), now)
    html = render_template(
        "impact/_public_body.html",
        report=report,
        charts=_charts(report, measure),
        measure=measure,
        measures=figures.MEASURES,
        balls=board.ball_results(now, held_only=True),
        grants=figures.grants(figures.PUBLIC_GRANT_ROUNDS),
        granted=figures.where_the_money_went(),
        pounds=pounds,
    )
    return Markup(html)  # noqa: S704 (an autoescaped template's output)


def _statement(org: Organisation, form: forms.PeriodForm) -> statements.Statement:
    if org.kind is OrganisationKind.COMPANY:
        return statements.company_statement(org, form.start, form.end)
    return statements.received(org, form.start, form.end)


@bp.route("/organisations/<int:org_id>/impact")
@require(Action.ORGANISATION_MEMBER, load=load_organisation)
def organisation(org: Organisation):
    form = forms.PeriodForm(request.args, utcnow())
    template = (
        "impact/statement.html" if org.kind is OrganisationKind.COMPANY else "impact/received.html"
    )
    return render_template(
        template,
        org=org,
        form=form,
        statement=_statement(org, form),
        pounds=pounds,
    )


@bp.route("/organisations/<int:org_id>/impact.csv")
@require(Action.ORGANISATION_MEMBER, load=load_organisation)
def organisation_csv(org: Organisation):
    """The page's figures as a spreadsheet: a row a match, then the totals."""
    form = forms.PeriodForm(request.args, utcnow())
    return csv_response(
        exports.statement_filename(org, form.start, form.end),
        exports.statement_header(org),
        exports.statement_rows(_statement(org, form)),
    )
