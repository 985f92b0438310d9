"""Pages for matches: the team's brokering queue and suggestions, proposals, the match
page (answers, conversation, notes, delivery, feedback), "we can help" and My matches.
Views are thin: the rules are in services.py and the modules beside it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from brokerage.clock import today_in_leeds
from brokerage.errors import Conflict, DomainError, FieldError, IllegalTransition
from brokerage.exports import csv_response, dated
from brokerage.extensions import db
from brokerage.forms import ActionForm, OnFirstUse
from brokerage.ids import query_id
from brokerage.listings.models import ListingKind, ListingSide, ListingStatus, Need, Offer
from brokerage.matches import allocation, exports, help_offers, people, queries, services
from brokerage.matches.forms import (
    AnswerForm,
    CancelForm,
    DeliveryForm,
    FeedbackForm,
    HelpAnswerForm,
    HelpForm,
    MessageForm,
    NoteForm,
    ProposeForm,
)
from brokerage.matches.models import HelpOffer, HelpOfferStatus, Match, MatchStatus
from brokerage.permissions import Action, can, require
from brokerage.suggestions import services as suggestions
from brokerage.suggestions.scoring import WEIGHTS
from brokerage.volunteering import hours

bp = Blueprint("matches", __name__)


def load_match(kwargs: dict) -> Match:
    return db.get_or_404(Match, kwargs.pop("match_id"))


def load_match_page(kwargs: dict) -> queries.PageMatch:
    match = queries.match_for_page(kwargs.pop("match_id"))
    if match is None:
        abort(404)
    return match


def load_need(kwargs: dict) -> Need:
    return db.get_or_404(Need, kwargs.pop("item_id"))


def load_help(kwargs: dict) -> HelpOffer:
    return db.get_or_404(HelpOffer, kwargs.pop("help_id"))


def _match_url(match: Match, anchor: str = "") -> str:
    return url_for("matches.match", match_id=match.id) + anchor


# --- The programme team ------------------------------------------------------------


@bp.route("/team/brokering")
@require(Action.TEAM)
def queue():
    waiting, helps = queries.brokering_queue()
    return _queue_page(waiting, helps, {h.id: HelpAnswerForm(prefix=f"help-{h.id}") for h in helps})


def _queue_page(waiting: list, helps: list, forms: dict, **context) -> str:
    waiting_total, helps_total = queries.queue_totals(waiting, helps)
    return render_template(
        "matches/queue.html",
        waiting=waiting,
        helps=helps,
        waiting_total=waiting_total,
        helps_total=helps_total,
        flag_days=queries.flag_days(),
        forms=forms,
        **context,
    )


@bp.route("/team/matches")
@require(Action.TEAM)
def team_matches():
    filters = queries.MatchFilters.from_args(request.args)
    return render_template(
        "matches/matches.html",
        filters=filters,
        page=queries.find_matches(filters),
        counts=queries.match_status_counts(),
    )


@bp.route("/team/matches.csv")
@require(Action.TEAM)
def team_matches_csv():
    filters = queries.MatchFilters.from_args(request.args)
    name = f"matches-{filters.status.value.replace('_', '-')}" if filters.status else "matches"
    return csv_response(dated(name), exports.MATCH_COLUMNS, exports.match_rows(filters))


@bp.route("/team/help/<int:help_id>", methods=["POST"])
@require(Action.TEAM, load=load_help)
def answer_help(help_offer: HelpOffer):
    form = HelpAnswerForm(prefix=f"help-{help_offer.id}")
    if form.validate_on_submit():
        try:
            help_offers.close_help_offer(help_offer, current_user, form.answer.data)
        except Conflict as exc:
            flash(str(exc), "info")
            return redirect(url_for("matches.queue"))
        db.session.commit()
        flash(f"Your answer is sent to {help_offer.organisation.name}.", "success")
        return redirect(url_for("matches.queue"))
    waiting, helps = queries.brokering_queue()
    if help_offer not in helps:  # past the oldest shown: shown with its error all the same
        helps.append(help_offer)
    forms = {h.id: HelpAnswerForm(prefix=f"help-{h.id}") for h in helps}
    forms[help_offer.id] = form
    return _queue_page(waiting, helps, forms, form=form), 400


def load_offer(kwargs: dict) -> Offer:
    return db.get_or_404(Offer, kwargs.pop("item_id"))


@bp.route("/team/needs/<int:item_id>/suggestions")
@require(Action.TEAM, load=load_need)
def suggest_for_need(need: Need):
    today = today_in_leeds()
    found = suggestions.offers_for_need(db.session, need, today)
    return render_template(
        "matches/suggestions.html",
        item=need,
        side=ListingSide.NEED,
        suggestions=found,
        left_out=suggestions.left_out(db.session, need, today)
        if len(found) < suggestions.FEW
        else [],
        weights=WEIGHTS,
    )


@bp.route("/team/offers/<int:item_id>/suggestions")
@require(Action.TEAM, load=load_offer)
def suggest_for_offer(offer: Offer):
    today = today_in_leeds()
    found = suggestions.needs_for_offer(db.session, offer, today)
    return render_template(
        "matches/suggestions.html",
        item=offer,
        side=ListingSide.OFFER,
        suggestions=found,
        left_out=suggestions.left_out(db.session, offer, today)
        if len(found) < suggestions.FEW
        else [],
        weights=WEIGHTS,
    )


def _pair() -> tuple[Need, Offer, HelpOffer | None]:
    """The need and offer named in the query string (404 if either is missing)."""
    need = db.get_or_404(Need, query_id(request.args, "need") or 0)
    offer = db.get_or_404(Offer, query_id(request.args, "offer") or 0)
    help_id = query_id(request.args, "help")
    help_offer = db.session.get(HelpOffer, help_id) if help_id else None
    if help_offer is not None and (
        help_offer.need_id != need.id or help_offer.status is not HelpOfferStatus.NEW
    ):
        help_offer = None
    return need, offer, help_offer


@bp.route("/team/matches/new", methods=["GET", "POST"])
@require(Action.TEAM)
def propose():
    need, offer, help_offer = _pair()
    suggestion = allocation.suggested_allocation(need, offer)
    form = ProposeForm(data=suggestion if request.method == "GET" else None)
    kinds = allocation.kinds_given(need.kind, offer.kind)
    form.require(kinds)
    if form.validate_on_submit():
        try:
            match = services.propose(
                need, offer, form.allocation(), current_user, form.note.data, help_offer
            )
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash("The match is proposed. Both organisations are asked to answer.", "success")
            return redirect(_match_url(match))
    page = render_template(
        "matches/propose.html",
        need=need,
        offer=offer,
        help_offer=help_offer,
        form=form,
        kinds=kinds,
        Kind=ListingKind,
        compatible=allocation.compatible(need.kind, offer.kind),
    )
    return page, 400 if request.method == "POST" else 200


# --- The match page ------------------------------------------------------------------


def _render_match(match: Match | queries.PageMatch, status: int = 200, **forms):
    """The match page, from a Match (a form sent back with its errors) or the plain
    values `queries.match_for_page` reads for the page itself."""
    side = people.side_of(current_user, match)
    team = bool(current_user.is_team)
    # Made only if the page shows them (what it shows depends on the match, the side
    # and the team), each as it would be made here.
    defaults = {
        "answer_form": OnFirstUse(lambda: AnswerForm(prefix="answer")),
        "message_form": OnFirstUse(lambda: MessageForm(prefix="message")),
        "note_form": OnFirstUse(lambda: NoteForm(prefix="note")),
        "feedback_form": OnFirstUse(lambda: FeedbackForm(prefix="feedback")),
    }
    defaults.update(forms)
    if forms:  # the form with errors, for the page's error summary
        defaults["form"] = next(iter(forms.values()))
    talk = queries.conversation(match.id, notes=team)
    page = render_template(
        "matches/match.html",
        match=match,
        talk=talk,
        side=side,
        team=team,
        next_action=queries.next_action(match, side, talk.feedback_from),
        session_minutes=_session_minutes(match),
        action_form=OnFirstUse(ActionForm),
        Status=MatchStatus,
        Side=ListingSide,
        Kind=ListingKind,
        **defaults,
    )
    return page, status


def _session_minutes(match: Match | queries.PageMatch) -> int | None:
    """Shown only once the match is completed; the page's own read brings them along."""
    if match.status is not MatchStatus.COMPLETED:
        return None
    if isinstance(match, queries.PageMatch):
        return match.session_minutes
    return hours.session_minutes(match)


@bp.route("/matches/<int:match_id>")
@require(Action.MATCH_SEE, load=load_match_page)
def match(match: queries.PageMatch):
    return _render_match(match)


@bp.route("/matches/<int:match_id>/answer", methods=["POST"])
@require(Action.MATCH_PARTY, load=load_match)
def answer(match: Match):
    side = people.side_of(current_user, match)
    if match.status is not MatchStatus.PROPOSED or match.accepted_at(side) is not None:
        # A page left open in another tab: there is no question to answer any more.
        flash(f"This match is '{match.status.label.lower()}': there is nothing to answer.")
        return redirect(_match_url(match))
    form = AnswerForm(prefix="answer")
    if form.validate_on_submit():
        accept = form.answer.data == "accept"
        try:
            services.answer(match, current_user, accept, form.reason.data)
        except (Conflict, IllegalTransition) as exc:
            flash(str(exc), "info")
            return redirect(_match_url(match))
        except DomainError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            if not accept:
                flash("You declined the match. The team and the other organisation are told.")
            elif match.status is MatchStatus.AGREED:
                flash("Both organisations have accepted: the match is agreed.", "success")
            else:
                flash("You accepted. We are waiting for the other organisation.", "success")
            return redirect(_match_url(match))
    return _render_match(match, 400, answer_form=form)


@bp.route("/matches/<int:match_id>/start", methods=["POST"])
@require(Action.MATCH_SEE, load=load_match)
def start(match: Match):
    if ActionForm().validate_on_submit():
        try:
            services.start(match, current_user)
        except DomainError as exc:
            flash(str(exc), "info")
        else:
            db.session.commit()
            flash("The match is marked as in progress.", "success")
    return redirect(_match_url(match))


@bp.route("/matches/<int:match_id>/messages", methods=["POST"])
@require(Action.MATCH_SEE, load=load_match)
def message(match: Match):
    form = MessageForm(prefix="message")
    if form.validate_on_submit():
        services.post_message(match, current_user, form.body.data)
        db.session.commit()
        flash("Your message is sent.", "success")
        return redirect(_match_url(match, "#conversation"))
    return _render_match(match, 400, message_form=form)


@bp.route("/matches/<int:match_id>/notes", methods=["POST"])
@require(Action.TEAM, load=load_match)
def note(match: Match):
    form = NoteForm(prefix="note")
    if form.validate_on_submit():
        services.add_note(match, current_user, form.body.data)
        db.session.commit()
        flash("Your note is saved. Only the team sees it.", "success")
        return redirect(_match_url(match, "#team-notes"))
    return _render_match(match, 400, note_form=form)


@bp.route("/matches/<int:match_id>/feedback", methods=["POST"])
@require(Action.MATCH_PARTY, load=load_match)
def feedback(match: Match):
    side = people.side_of(current_user, match)
    if match.status is not MatchStatus.COMPLETED or match.feedback_from(side) is not None:
        flash("There is no feedback to leave on this match now.")
        return redirect(_match_url(match))
    form = FeedbackForm(prefix="feedback")
    if form.validate_on_submit():
        try:
            services.leave_feedback(
                match,
                current_user,
                form.rating.data,
                form.comment.data,
                quote_allowed=form.quote_allowed.data,
            )
        except Conflict as exc:
            flash(str(exc), "info")
            return redirect(_match_url(match))
        db.session.commit()
        flash("Thank you: your feedback is sent to the programme team.", "success")
        return redirect(_match_url(match))
    return _render_match(match, 400, feedback_form=form)


@bp.route("/matches/<int:match_id>/complete", methods=["GET", "POST"])
@require(Action.MATCH_CONFIRM, load=load_match)
def complete(match: Match):
    if match.status not in {MatchStatus.AGREED, MatchStatus.IN_PROGRESS}:
        flash(f"This match is '{match.status.label.lower()}': there is no delivery to confirm.")
        return redirect(_match_url(match))
    form = DeliveryForm(
        data=allocation.expected_delivery(match) if request.method == "GET" else None
    )
    kinds = allocation.kinds_in(match)
    form.require(kinds)
    if form.validate_on_submit():
        try:
            services.complete(match, current_user, form.delivery())
        except FieldError as exc:
            getattr(form, exc.field).errors.append(str(exc))
        else:
            db.session.commit()
            flash("Thank you: the delivery is confirmed. Please leave feedback.", "success")
            return redirect(_match_url(match, "#feedback"))
    page = render_template(
        "matches/complete.html", match=match, form=form, kinds=kinds, Kind=ListingKind
    )
    return page, 400 if request.method == "POST" else 200


@bp.route("/matches/<int:match_id>/cancel", methods=["GET", "POST"])
@require(Action.MATCH_SEE, load=load_match)
def cancel(match: Match):
    if match.status not in services.CANCELLABLE:
        flash(f"This match is '{match.status.label.lower()}': it cannot be cancelled.")
        return redirect(_match_url(match))
    form = CancelForm()
    if form.validate_on_submit():
        try:
            services.cancel(match, current_user, form.reason.data)
        except DomainError as exc:
            form.reason.errors.append(str(exc))
        else:
            db.session.commit()
            flash("The match is cancelled. What it held is open again.", "success")
            return redirect(_match_url(match))
    page = render_template("matches/cancel.html", match=match, form=form)
    return page, 400 if request.method == "POST" else 200


# --- "We can help" --------------------------------------------------------------------


@bp.route("/needs/<int:item_id>/help", methods=["GET", "POST"])
@require(Action.HELP_OFFER, load=load_need)
def offer_help(need: Need):
    companies = help_offers.companies_of(current_user)
    form = HelpForm()
    form.company.choices = [(c.id, c.name) for c in companies]
    offers = help_offers.open_offers_of(companies)
    form.offer.choices = [(0, "Not one in particular")] + [
        (o.id, f"{o.title} ({o.organisation.name})") for o in offers
    ]
    if form.validate_on_submit():
        company = next(c for c in companies if c.id == form.company.data)
        offer = next((o for o in offers if o.id == form.offer.data), None)
        try:
            help_offers.offer_help(need, current_user, company, form.message.data, offer)
        except Conflict as exc:
            flash(str(exc), "info")
            return redirect(url_for("needs.show", item_id=need.id))
        except DomainError as exc:
            form.offer.errors.append(str(exc))
        else:
            db.session.commit()
            flash("Thank you: the programme team is told and will be in touch.", "success")
            return redirect(url_for("needs.show", item_id=need.id))
    page = render_template("matches/help.html", need=need, form=form)
    return page, 400 if request.method == "POST" else 200


# --- Everyone's own -----------------------------------------------------------------


@bp.route("/matches")
@require(Action.ACCOUNT)
def mine():
    return render_template("matches/mine.html", rows=queries.my_matches(current_user))


def listing_panel(listing) -> dict:
    """What a need's or offer's page shows about its matches, for this person."""
    matches = queries.matches_for(listing)
    return {
        "matches": queries.visible_matches(current_user, listing, matches),
        "in_proposals": queries.held_in_proposals(listing, matches)
        if listing.status in {ListingStatus.PUBLISHED, ListingStatus.PARTLY_MET}
        else 0,
        "may_help": listing.side is ListingSide.NEED
        and can(current_user, Action.HELP_OFFER, listing),
        "team": bool(current_user.is_authenticated and current_user.is_team),
        "today": today_in_leeds(),
    }


def register_globals(app) -> None:
    app.jinja_env.globals.update(match_panel=listing_panel)
