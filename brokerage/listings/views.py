"""Pages for needs and offers, written once: `sides.route` adds each page to the
needs and the offers blueprint, checked by that side's permission and given that
side's model, form and services. The team's review queue and vocabularies live on
this package's own blueprint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial, update_wrapper

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from brokerage.clock import today_in_leeds
from brokerage.errors import DomainError, IllegalTransition
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.forms import ActionForm
from brokerage.listings import choices, exports, rendering, search, services
from brokerage.listings.forms import ListingForm, NeedForm, OfferForm, ReviewForm, TermForm
from brokerage.listings.models import (
    LISTING_TRANSITIONS,
    ListingAction,
    ListingKind,
    ListingSide,
    Need,
    Offer,
)
from brokerage.matches import services as brokering
from brokerage.organisations.models import Organisation
from brokerage.permissions import Action, can, require

bp = Blueprint("listings", __name__)
needs_bp = Blueprint("needs", __name__)
offers_bp = Blueprint("offers", __name__)


@dataclass(frozen=True)
class Side:
    """Everything that differs between needs and offers, for the shared pages."""

    side: ListingSide
    model: type
    form: type[ListingForm]
    create: Callable
    update: Callable
    browse: Action
    see: Action
    manage: Action
    post: Action
    blueprint: Blueprint

    @property
    def noun(self) -> str:
        return self.side.value

    @property
    def endpoint(self) -> str:
        return f"{self.side.value}s"


def form_data(listing) -> dict:
    """A listing's values as the form's fields expect them."""
    data = {
        "title": listing.title,
        "description": listing.description,
        "wards": [w.id for w in listing.wards],
        "beneficiary_groups": [g.id for g in listing.beneficiary_groups],
        "skills": [s.id for s in listing.skills],
        "volunteers": listing.volunteers,
        "hours_per_volunteer": listing.hours_per_volunteer,
        "location_mode": listing.location_mode.value if listing.location_mode else None,
        "device_type": listing.device_type_id,
        "quantity": listing.quantity,
        "condition": listing.condition.value if listing.condition else None,
        "amount": listing.amount_pence,
    }
    for name in (
        "deadline",
        "starts_on",
        "ends_on",
        "minimum_spec",
        "purpose",
        "pays_for",
        "available_from",
        "available_until",
    ):
        if hasattr(listing, name):
            data[name] = getattr(listing, name)
    for name in ("safeguarding", "wipe_method"):
        value = getattr(listing, name, None)
        data[name] = value.value if value else None
    if getattr(listing, "certificate_per_serial", None) is not None:
        data["certificate_per_serial"] = "yes" if listing.certificate_per_serial else "no"
    return data


def _kind(value: str) -> ListingKind:
    try:
        return ListingKind(value)
    except ValueError:
        abort(404)


NEEDS = Side(
    side=ListingSide.NEED,
    model=Need,
    form=NeedForm,
    create=services.create_need,
    update=services.update_need,
    browse=Action.PUBLIC,  # anyone can see what the city's charities need
    see=Action.NEED_SEE,
    manage=Action.NEED_MANAGE,
    post=Action.NEED_POST,
    blueprint=needs_bp,
)
OFFERS = Side(
    side=ListingSide.OFFER,
    model=Offer,
    form=OfferForm,
    create=services.create_offer,
    update=services.update_offer,
    browse=Action.OFFER_BROWSE,  # offers are for verified organisations, not the public
    see=Action.OFFER_SEE,
    manage=Action.OFFER_MANAGE,
    post=Action.OFFER_POST,
    blueprint=offers_bp,
)


class BothSides:
    """Adds a page to the needs and the offers blueprint under the same endpoint name.

    `check` names the Side's permission to require ("see", "manage" ...) or is one
    Action for both; the view gets the Side first, then what `load` loaded."""

    sides = (NEEDS, OFFERS)

    def route(self, rule: str, check: str | Action, load=None, methods=("GET",)):
        def decorator(view: Callable) -> Callable:
            for side in self.sides:
                action = check if isinstance(check, Action) else getattr(side, check)
                page = update_wrapper(partial(view, side), view)
                checked = require(action, load=partial(load, side) if load else None)(page)
                path = rule.format(n=side.noun)
                side.blueprint.add_url_rule(path, view.__name__, checked, methods=list(methods))
            return view

        return decorator


sides = BothSides()


def load_item(side: Side, kwargs: dict):
    return db.get_or_404(side.model, kwargs.pop("item_id"))


def load_organisation(side: Side, kwargs: dict) -> Organisation:
    return db.get_or_404(Organisation, kwargs.pop("org_id"))


def show_url(side: Side, item) -> str:
    return url_for(f"{side.endpoint}.show", item_id=item.id)


@sides.route("/{n}s", "browse")
def index(side: Side):
    filters = search.Filters.from_args(request.args)
    page = search.open_listings(side.model, filters, today_in_leeds())
    return render_template(
        "listings/index.html",
        side=side,
        filters=filters,
        page=page,
        options=choices.filter_options(),
        sort_choices=search.SORTS,
        result=rendering.result,
        filter_form=rendering.filter_form,
    )


@sides.route("/team/{n}s.csv", Action.TEAM)
def team_csv(side: Side):
    # Every need (or offer) in any status, or in `status`, with the list's filters.
    n = side.noun
    filters = search.Filters.from_args(request.args)
    status = exports.status_filter(request.args.get("status"))
    name = f"{n}s-{status.replace('_', '-')}" if status else f"{n}s"
    rows = exports.export_rows(side.model, filters, status, today_in_leeds())
    return csv_response(dated(name), exports.export_columns(side.model), rows)


@sides.route("/{n}s/<int:item_id>", "see", load=load_item)
def show(side: Side, item):
    manage = can(current_user, side.manage, item)
    return render_template(
        "listings/show.html",
        side=side,
        item=item,
        manage=manage,
        # Who did what, and the team's comments, are for the poster and the team.
        inside=manage or can(current_user, Action.TEAM),
        # Only its poster sends it: a form made for everyone would put a CSRF token in
        # every visitor's session, and the page could not be shared (page_cache.py).
        action_form=ActionForm() if manage else None,
        today=today_in_leeds(),
    )


@sides.route("/organisations/<int:org_id>/{n}s", Action.ORGANISATION_MEMBER, load=load_organisation)
def for_organisation(side: Side, org: Organisation):
    return render_template(
        "listings/for_organisation.html",
        side=side,
        org=org,
        items=services.listings_of(side.model, org),
        may_post=can(current_user, side.post, org),
    )


@sides.route("/organisations/<int:org_id>/{n}s/new", "post", load=load_organisation)
def choose_kind(side: Side, org: Organisation):
    return render_template("listings/choose_kind.html", side=side, org=org)


@sides.route(
    "/organisations/<int:org_id>/{n}s/new/<kind>", "post", load_organisation, ("GET", "POST")
)
def create(side: Side, org: Organisation, kind: str):
    kind = _kind(kind)
    form = side.form(kind)
    if form.validate_on_submit():
        try:
            item = side.create(org, current_user, form.details(), submit=form.wants_review)
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                "Sent to the programme team for review. We will email you."
                if form.wants_review
                else "Saved as a draft. Send it for review when it is ready.",
                "success",
            )
            return redirect(show_url(side, item))
    return _form_page(side, org, kind, form)


@sides.route("/{n}s/<int:item_id>/edit", "manage", load_item, ("GET", "POST"))
def edit(side: Side, item):
    try:
        goes_back = services.edit_outcome(item) is not None
    except DomainError:
        abort(404)
    form = side.form(
        item.kind, data=form_data(item) if request.method == "GET" else None, keep=item
    )
    if form.validate_on_submit():
        try:
            side.update(item, current_user, form.details(), submit=form.wants_review)
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                "Your changes are saved and sent back to the programme team for review."
                if goes_back or form.wants_review
                else "Your changes are saved.",
                "success",
            )
            return redirect(show_url(side, item))
    return _form_page(side, item.organisation, item.kind, form, item, goes_back=goes_back)


def _form_page(side: Side, org: Organisation, kind: ListingKind, form, item=None, **more):
    """The page to post a listing, or to change one (`item`)."""
    return render_template(
        "listings/form.html", side=side, org=org, kind=kind, form=form, item=item, **more
    )


@sides.route("/{n}s/<int:item_id>/submit", "manage", load_item, ("POST",))
def submit(side: Side, item):
    if ActionForm().validate_on_submit():
        try:
            services.submit(item, current_user)
        except DomainError as exc:
            # Usually a closing date that has passed: say so where it can be changed.
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash("Sent to the programme team for review. We will email you.", "success")
    return redirect(show_url(side, item))


@sides.route("/{n}s/<int:item_id>/withdraw", "manage", load_item, ("GET", "POST"))
def withdraw(side: Side, item):
    """Withdrawing cannot be undone: the page says what it will do, and asks."""
    if request.method == "GET":
        if (item.status, ListingAction.WITHDRAW) not in LISTING_TRANSITIONS:
            flash(f"This {side.noun} is '{item.status.label.lower()}': it cannot be withdrawn.")
            return redirect(show_url(side, item))
        return render_template(
            "listings/withdraw.html",
            side=side,
            item=item,
            form=ActionForm(),
            effects=brokering.withdrawal_of(item),
        )
    if ActionForm().validate_on_submit():
        cancelled = brokering.withdraw_listing(item, current_user)
        db.session.commit()
        flash(f"The {side.noun} is withdrawn.", "success")
        if cancelled:
            flash(
                "The proposed match that was waiting for answers is cancelled: the other "
                "organisation and the programme team are told."
                if cancelled == 1
                else f"The {cancelled} proposed matches that were waiting for answers are "
                "cancelled: the other organisations and the programme team are told.",
                "success",
            )
    return redirect(show_url(side, item))


@sides.route("/team/{n}s/<int:item_id>", Action.TEAM, load_item, ("GET", "POST"))
def review(side: Side, item):
    form = ReviewForm()
    if form.validate_on_submit():
        action = ListingAction(form.decision.data)
        try:
            services.moderate(item, current_user, action, form.comment.data)
        except IllegalTransition as exc:
            flash(f"{exc} It is now '{item.status.label.lower()}'.", "info")
            return redirect(url_for(f"{side.endpoint}.review", item_id=item.id))
        except DomainError as exc:
            form.decision.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{item.title}: {action.past_tense.lower()}. The poster is emailed.", "success")
            return redirect(url_for("listings.queue"))
    return render_template(
        "listings/manage/review.html", side=side, item=item, form=form, today=today_in_leeds()
    )


# --- The programme team ------------------------------------------------------


@bp.route("/team/reviews")
@require(Action.TEAM)
def queue():
    waiting = services.review_queue()
    return render_template(
        "listings/manage/queue.html", waiting=waiting, total=services.waiting_for_review(waiting)
    )


@bp.route("/team/lists")
@require(Action.TEAM)
def vocabularies():
    return render_template(
        "listings/manage/vocabularies.html",
        vocabularies=_vocabularies(),
        forms={name: TermForm(prefix=name) for name in services.VOCABULARIES},
        action_form=ActionForm(),
    )


def _vocabularies() -> dict[str, list]:
    return {
        name: list(db.session.scalars(select(model).order_by(model.position)))
        for name, model in services.VOCABULARIES.items()
    }


@bp.route("/team/lists/<vocab>", methods=["POST"])
@require(Action.TEAM)
def add_term(vocab: str):
    if vocab not in services.VOCABULARIES:
        abort(404)
    forms = {name: TermForm(prefix=name) for name in services.VOCABULARIES}
    form = forms[vocab]
    if form.validate_on_submit():
        try:
            term = services.add_term(vocab, form.name.data, current_user)
        except DomainError as exc:
            form.name.errors.append(str(exc))
        else:
            db.session.commit()
            flash(f"{term.name} is added.", "success")
            return redirect(url_for("listings.vocabularies"))
    page = render_template(
        "listings/manage/vocabularies.html",
        vocabularies=_vocabularies(),
        forms=forms,
        action_form=ActionForm(),
        form=form,
    )
    return page, 400


@bp.route("/team/lists/<vocab>/<int:term_id>", methods=["POST"])
@require(Action.TEAM)
def toggle_term(vocab: str, term_id: int):
    if vocab not in services.VOCABULARIES:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            term = services.toggle_term(vocab, term_id, current_user)
        except DomainError:
            abort(404)
        db.session.commit()
        flash(
            f"{term.name} is {'shown again' if term.active else 'hidden from new posts'}.",
            "success",
        )
    return redirect(url_for("listings.vocabularies"))
