"""Who may do what: one vocabulary of actions, one rule per action, deny by default.

Every view declares its action with @require(...). A view that does not is
refused by `enforce_declared_access` before it runs, so forgetting the check
cannot open a page. Views that act on an object load it first (404 if it does
not exist), then the rule is checked against it, then the view runs:
load -> check -> act.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.funding.models import (
    ApplicationStatus,
    GrantApplication,
    GrantRound,
    ReviewStatus,
)
from brokerage.listings.models import ListingKind, ListingSide, ListingStatus
from brokerage.matches.models import AGREED_STATUSES
from brokerage.organisations.models import (
    Membership,
    MembershipRole,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from brokerage.volunteering.models import (
    CheckArrangement,
    Place,
    PlaceStatus,
    SessionAttendee,
    Volunteer,
    VolunteerStatus,
)

# A listing that has been public stays readable (with its status) after it closes.
PUBLIC_LISTING_STATUSES = frozenset(
    {ListingStatus.PUBLISHED, ListingStatus.PARTLY_MET, ListingStatus.MET}
)


class Action(enum.StrEnum):
    PUBLIC = "public"  # anyone, signed in or not
    ACCOUNT = "account:self"  # any signed-in person, about themselves
    VERIFIED = "account:verified"  # signed in with a verified email address
    ORGANISATION_SEE = "organisation:see"  # the public profile of a verified organisation
    ORGANISATION_MEMBER = "organisation:member"  # inside view: status, history, members
    ORGANISATION_MANAGE = "organisation:manage"  # owner: edit, invite, answer join requests
    ORGANISATION_JOIN = "organisation:join"  # ask to join a verified organisation
    NEED_POST = "need:post"  # member of a verified community organisation (obj: organisation)
    NEED_SEE = "need:see"  # a published need: anyone; otherwise its organisation and the team
    NEED_MANAGE = "need:manage"  # members of the need's organisation: edit, submit, withdraw
    OFFER_POST = "offer:post"  # member of a verified company (obj: organisation)
    OFFER_BROWSE = "offer:browse"  # members of any verified organisation, and the team
    OFFER_SEE = "offer:see"  # a published offer: browsers; otherwise its company and the team
    OFFER_MANAGE = "offer:manage"  # members of the offer's company
    HELP_OFFER = "need:help"  # a member of a verified company, on an open need
    MATCH_SEE = "match:see"  # the team and both organisations' members: page, conversation
    MATCH_PARTY = "match:party"  # the two organisations' members: answer, feedback
    MATCH_CONFIRM = "match:confirm"  # the need's organisation: confirm what was delivered
    VOLUNTEERS_SEE = "volunteers:see"  # a company's volunteers: its members and the team
    VOLUNTEERS_MANAGE = "volunteers:manage"  # member of an approved company: invite, remove
    PLACES_SEE = "places:see"  # a volunteering match's places: parties, the team, volunteers
    PLACES_MANAGE = "places:manage"  # the company's members: assign, open, withdraw
    PLACE_SIGN_UP = "places:sign-up"  # an active volunteer of the company on the match
    PLACE_WITHDRAW = "places:withdraw"  # the company's members and its volunteers
    PLACES_CHARITY = "places:charity"  # the need's organisation: confirm, choose, ask
    CHECK_RECORD = "checks:record"  # the side the charity chose to check the volunteers
    HOURS_LOG = "hours:log"  # an active volunteer who was on the session (obj: session)
    HOURS_SEE = "hours:see"  # a match's hour logs: both organisations and the team
    HOURS_CONFIRM = "hours:confirm"  # the need's organisation confirms or corrects hours
    # A company's volunteering report: its members and the team, never another company.
    VOLUNTEERING_REPORT = "volunteering:report"
    # A volunteering match's sessions and their calendar files: the team, both parties,
    # and volunteers holding a place (taken or confirmed) on the match.
    SESSIONS_SEE = "sessions:see"
    SESSIONS_MANAGE = "sessions:manage"  # both parties of a volunteering match: add, change
    FUNDING_APPLY = "funding:apply"  # member of a verified community organisation (obj: org)
    APPLICATION_SEE = "application:see"  # the applicant's members and the team
    APPLICATION_EDIT = "application:edit"  # the applicant's members: answer, submit, withdraw
    PANEL_ROUND = "panel:round"  # a member of that round's panel (obj: round)
    # A panel member on an application of their round that is up for scoring, unless
    # they belong to the applicant or declared a conflict on it.
    PANEL_REVIEW = "panel:review"
    AWARD_REPORT = "award:report"  # the awarded organisation's members (obj: report)
    # Say another funder's opportunity is "not for us": a member of a verified community
    # organisation (obj: organisation).
    OPPORTUNITY_DISMISS = "opportunity:dismiss"
    TEAM = "team:manage"  # the programme team's screens
    TEAM_OUTBOX = "team:outbox"  # read the email outbox in the browser (not in production)


def _signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def _membership(user, org: Organisation) -> Membership | None:
    if not _signed_in(user):
        return None
    # The person's memberships, not the organisation's: the signed-in person's are
    # loaded with their session (accounts/sessions.py), an organisation's would be a
    # query for every organisation asked about.
    for membership in user.memberships:
        if membership.status is not MembershipStatus.ACTIVE:
            continue
        if org.id is not None and membership.organisation_id is not None:
            if membership.organisation_id == org.id:
                return membership
        elif membership.organisation is org:  # not yet flushed
            return membership
    return None


def is_member(user, org: Organisation) -> bool:
    return _membership(user, org) is not None


def is_owner(user, org: Organisation) -> bool:
    membership = _membership(user, org)
    return membership is not None and membership.role is MembershipRole.OWNER


def _is_team(user) -> bool:
    return _signed_in(user) and user.is_team


def _may_post(user, org: Organisation, kind: OrganisationKind) -> bool:
    return (
        org.kind is kind
        and org.status is OrganisationStatus.APPROVED
        and is_member(user, org)
        and user.is_verified
    )


def _was_public(listing) -> bool:
    return listing.status in PUBLIC_LISTING_STATUSES or (
        listing.status is ListingStatus.EXPIRED and listing.published_at is not None
    )


def _in_verified_organisation(user) -> bool:
    return _signed_in(user) and any(
        m.status is MembershipStatus.ACTIVE and m.organisation.status is OrganisationStatus.APPROVED
        for m in user.memberships
    )


def _is_party(user, match) -> bool:
    return is_member(user, match.need.organisation) or is_member(user, match.offer.organisation)


def is_volunteer(user, org: Organisation) -> bool:
    """An active volunteer of the company `org` (a volunteer role, not a membership)."""
    if not _signed_in(user):
        return False
    return (
        db.session.scalar(
            select(Volunteer.id).where(
                Volunteer.organisation_id == org.id,
                Volunteer.user_id == user.id,
                Volunteer.status == VolunteerStatus.ACTIVE,
            )
        )
        is not None
    )


def attended(user, session) -> bool:
    """An active volunteer put on the session `session`."""
    if not _signed_in(user):
        return False
    return (
        db.session.scalar(
            select(SessionAttendee.id)
            .join(Volunteer, Volunteer.id == SessionAttendee.volunteer_id)
            .where(
                SessionAttendee.session_id == session.id,
                Volunteer.user_id == user.id,
                Volunteer.status == VolunteerStatus.ACTIVE,
            )
        )
        is not None
    )


def _has_places(match) -> bool:
    """A volunteering offer's match that both sides agreed and that is not over."""
    return match.offer.kind is ListingKind.VOLUNTEERING and match.status in AGREED_STATUSES


def holds_place(user, match) -> bool:
    """An active volunteer with a place (taken or confirmed) on the match."""
    if not _signed_in(user):
        return False
    return (
        db.session.scalar(
            select(Place.id)
            .join(Volunteer, Volunteer.id == Place.volunteer_id)
            .where(
                Place.match_id == match.id,
                Place.status.in_([PlaceStatus.TAKEN, PlaceStatus.CONFIRMED]),
                Volunteer.user_id == user.id,
                Volunteer.status == VolunteerStatus.ACTIVE,
            )
            .limit(1)
        )
        is not None
    )


def checked_by(match) -> ListingSide:
    """Which side of the match records its volunteers' checks: the charity's choice."""
    chosen = db.session.get(CheckArrangement, match.id)
    return chosen.checked_by if chosen is not None else ListingSide.NEED


def _company_member(user, match) -> bool:
    return is_member(user, match.offer.organisation)


def on_panel(user, grant_round: GrantRound):
    """The user's place on the round's panel, or None."""
    if not _signed_in(user):
        return None
    for member in grant_round.panel:
        if member.user_id == user.id:
            return member
    return None


# What a panel member may open: applications past the team's eligibility check.
REVIEWABLE = frozenset(
    {ApplicationStatus.ELIGIBLE, ApplicationStatus.AWARDED, ApplicationStatus.DECLINED}
)


def is_conflicted(user, application: GrantApplication, panel_member=None) -> bool:
    """A member of the applicant is always conflicted; others when they declared it."""
    if is_member(user, application.organisation):
        return True
    member = panel_member or on_panel(user, application.round)
    return member is not None and any(
        review.application_id == application.id and review.status is ReviewStatus.CONFLICTED
        for review in member.reviews
    )


def _may_review(user, application: GrantApplication) -> bool:
    member = on_panel(user, application.round)
    return (
        member is not None
        and application.status in REVIEWABLE
        and not is_conflicted(user, application, member)
    )


RULES: dict[Action, Callable[[Any, Any], bool]] = {
    Action.PUBLIC: lambda user, obj: True,
    Action.ACCOUNT: lambda user, obj: _signed_in(user),
    Action.VERIFIED: lambda user, obj: _signed_in(user) and user.is_verified,
    Action.ORGANISATION_SEE: lambda user, obj: (
        _is_team(user)
        or is_member(user, obj)
        or (_signed_in(user) and obj.status is OrganisationStatus.APPROVED)
    ),
    Action.ORGANISATION_MEMBER: lambda user, obj: _is_team(user) or is_member(user, obj),
    Action.ORGANISATION_MANAGE: lambda user, obj: is_owner(user, obj),
    # The team sees every organisation already: it does not join one.
    Action.ORGANISATION_JOIN: lambda user, obj: (
        _signed_in(user)
        and not _is_team(user)
        and user.is_verified
        and obj.status is OrganisationStatus.APPROVED
        and not is_member(user, obj)
    ),
    Action.NEED_POST: lambda user, obj: _may_post(user, obj, OrganisationKind.COMMUNITY),
    Action.NEED_SEE: lambda user, obj: (
        _was_public(obj) or _is_team(user) or is_member(user, obj.organisation)
    ),
    Action.NEED_MANAGE: lambda user, obj: is_member(user, obj.organisation),
    Action.OFFER_POST: lambda user, obj: _may_post(user, obj, OrganisationKind.COMPANY),
    Action.OFFER_BROWSE: lambda user, obj: _is_team(user) or _in_verified_organisation(user),
    Action.OFFER_SEE: lambda user, obj: (
        _is_team(user)
        or is_member(user, obj.organisation)
        or (_was_public(obj) and _in_verified_organisation(user))
    ),
    Action.OFFER_MANAGE: lambda user, obj: is_member(user, obj.organisation),
    Action.HELP_OFFER: lambda user, obj: (
        obj.status.is_open
        and _signed_in(user)
        and user.is_verified
        and any(
            m.status is MembershipStatus.ACTIVE
            and m.organisation.kind is OrganisationKind.COMPANY
            and m.organisation.status is OrganisationStatus.APPROVED
            for m in user.memberships
        )
    ),
    Action.MATCH_SEE: lambda user, obj: _is_team(user) or _is_party(user, obj),
    Action.MATCH_PARTY: lambda user, obj: _is_party(user, obj),
    Action.MATCH_CONFIRM: lambda user, obj: is_member(user, obj.need.organisation),
    Action.VOLUNTEERS_SEE: lambda user, obj: (
        obj.kind is OrganisationKind.COMPANY and (_is_team(user) or is_member(user, obj))
    ),
    Action.VOLUNTEERS_MANAGE: lambda user, obj: _may_post(user, obj, OrganisationKind.COMPANY),
    Action.PLACES_SEE: lambda user, obj: (
        _is_team(user)
        or _is_party(user, obj)
        or (_has_places(obj) and is_volunteer(user, obj.offer.organisation))
    ),
    Action.PLACES_MANAGE: lambda user, obj: _company_member(user, obj),
    Action.PLACE_SIGN_UP: lambda user, obj: is_volunteer(user, obj.offer.organisation),
    Action.PLACE_WITHDRAW: lambda user, obj: (
        _company_member(user, obj) or is_volunteer(user, obj.offer.organisation)
    ),
    Action.PLACES_CHARITY: lambda user, obj: is_member(user, obj.need.organisation),
    Action.CHECK_RECORD: lambda user, obj: is_member(user, obj.organisation_of(checked_by(obj))),
    Action.HOURS_LOG: attended,
    Action.HOURS_SEE: lambda user, obj: _is_team(user) or _is_party(user, obj),
    Action.HOURS_CONFIRM: lambda user, obj: is_member(user, obj.need.organisation),
    Action.VOLUNTEERING_REPORT: lambda user, obj: (
        obj.kind is OrganisationKind.COMPANY and (_is_team(user) or is_member(user, obj))
    ),
    # Sessions are the volunteering match's: only once both sides agreed it.
    Action.SESSIONS_SEE: lambda user, obj: (
        _has_places(obj) and (_is_team(user) or _is_party(user, obj) or holds_place(user, obj))
    ),
    Action.SESSIONS_MANAGE: lambda user, obj: _has_places(obj) and _is_party(user, obj),
    Action.FUNDING_APPLY: lambda user, obj: _may_post(user, obj, OrganisationKind.COMMUNITY),
    Action.APPLICATION_SEE: lambda user, obj: _is_team(user) or is_member(user, obj.organisation),
    Action.APPLICATION_EDIT: lambda user, obj: (
        is_member(user, obj.organisation) and user.is_verified
    ),
    Action.PANEL_ROUND: lambda user, obj: on_panel(user, obj) is not None,
    Action.PANEL_REVIEW: _may_review,
    Action.AWARD_REPORT: lambda user, obj: is_member(user, obj.award.application.organisation),
    Action.OPPORTUNITY_DISMISS: lambda user, obj: _may_post(user, obj, OrganisationKind.COMMUNITY),
    Action.TEAM: lambda user, obj: _is_team(user),
    Action.TEAM_OUTBOX: lambda user, obj: _is_team(user) and current_app.config["OUTBOX_VIEW"],
}


def can(user, action: Action, obj: Any = None) -> bool:
    """True when `user` may do `action` (to `obj`). Unknown actions are refused."""
    rule = RULES.get(action)
    if rule is None:
        return False
    return bool(rule(user, obj))


def deny():
    """Send a visitor to sign in; tell a signed-in person they have no access."""
    if not _signed_in(current_user):
        return redirect(url_for("accounts.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


def require(action: Action, load: Callable[[dict], Any] | None = None):
    """Declare a view's action. With `load`, the object is loaded from the URL
    arguments (it pops the ones it uses and 404s if missing), checked, and
    passed to the view as its first argument."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            obj = load(kwargs) if load is not None else None
            if not can(current_user, action, obj):
                return deny()
            if load is not None:
                return view(obj, *args, **kwargs)
            return view(*args, **kwargs)

        wrapped.access_action = action
        return wrapped

    return decorator


# Endpoints served by Flask itself rather than by our views.
BUILTIN_PUBLIC_ENDPOINTS = frozenset({"static"})


def enforce_declared_access() -> None:
    """before_request hook: refuse any view that did not declare its action."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in BUILTIN_PUBLIC_ENDPOINTS:
        return
    view = current_app.view_functions.get(endpoint)
    if getattr(view, "access_action", None) is None:
        current_app.logger.error("View %s declares no access action; refused.", endpoint)
        abort(403)
