"""The permission matrix: who may use every endpoint, for GET and for POST.

Every route in the app must appear in MATRIX, and nothing else may: adding a
view without deciding who may use it fails `test_every_endpoint_is_in_the_matrix`.
Each cell (endpoint, method, role) is its own test, run against a fresh world:

- anonymous: not signed in
- owner: owner of organisation A (approved, community)
- member: a member of A who is not its owner
- other: owner of organisation B (approved, company), verified
- unverified: signed in, email address not confirmed, no organisation
- team: a programme team member

Needs belong to A and offers to B. Each side has a published item, a draft and one
waiting for review (submitted): the cells use the draft (the team's review pages the
submitted one), and the published ones are checked by their own tests below.

Allowed means the access rule let the request through: the answer is neither a 403
nor a redirect to the sign-in page (and `permissions.deny` was not called). Denied
means `deny` was called and answered a 403 for a signed-in person, or a redirect to
/account/sign-in?next=<the page> for a visitor. The few allowed cells where a business
rule then refuses with a 403 of its own are listed, with its message, in
REFUSED_BY_BUSINESS_RULE. CSRF is switched off for the run so that POSTs reach the check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import current_app, url_for
from sqlalchemy import select, text, update

from brokerage import permissions
from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.funding.models import ApplicationStatus, RoundStatus
from brokerage.funding.opportunity_models import FundingOpportunity
from brokerage.listings.models import (
    ListingKind,
    ListingStatus,
    Need,
    Offer,
    Safeguarding,
    Skill,
)
from brokerage.matches import services as brokering
from brokerage.matches.allocation import Allocation
from brokerage.matches.help_offers import offer_help
from brokerage.organisations import membership as memberships
from brokerage.organisations.models import OrganisationKind, OrganisationStatus
from brokerage.ticketing import checkout as ball_services
from brokerage.ticketing import gift_aid, waiting_list
from brokerage.ticketing.models import GiftAidClaim
from brokerage.volunteering import hours, places, volunteers
from tests.conftest import REFERENCE_TABLES
from tests.factories import make_session
from tests.funding import factories as funding_make
from tests.helpers import emails_to, link_in
from tests.listings import factories as listings_make
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import declaration

ROLES = ("anonymous", "owner", "member", "other", "unverified", "team")

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
VERIFIED = SIGNED_IN - {"unverified"}
OWNER = frozenset({"owner"})
INSIDE_A = frozenset({"owner", "member", "team"})
TEAM = frozenset({"team"})
# May ask to join A: verified and not already a member; the team sees every organisation
# already and does not join one.
MAY_JOIN_A = frozenset({"other"})
# A's members (who post and manage its needs), and B's (its offers).
MEMBERS_A = frozenset({"owner", "member"})
MEMBERS_B = frozenset({"other"})
INSIDE_B = frozenset({"other", "team"})
# Offers are for members of verified organisations, and the team.
OFFER_BROWSERS = frozenset({"owner", "member", "other", "team"})
# The match between A's published need and B's published offer: both organisations.
PARTIES = frozenset({"owner", "member", "other"})
PARTIES_AND_TEAM = PARTIES | TEAM
# The world's volunteer of B: a person, not one of ROLES, so every role is refused; the
# fuzz and every-page tests open these as that person.
VOLUNTEER = frozenset({"volunteer"})

# endpoint -> {method: roles allowed}. GET and, where the route accepts it, POST.
MATRIX: dict[str, dict[str, frozenset[str]]] = {
    # The public pages.
    "main.home": {"GET": EVERYONE},
    "main.accessibility": {"GET": EVERYONE},
    "main.privacy": {"GET": EVERYONE},
    "main.healthz": {"GET": EVERYONE},
    # Accounts. Sign-in and sign-up answer a signed-in person with a redirect home.
    "accounts.sign_up": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.check_email": {"GET": EVERYONE},
    "accounts.verify_email": {"GET": EVERYONE},
    "accounts.resend_verification": {"POST": SIGNED_IN},
    "accounts.sign_in": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.sign_out": {"POST": SIGNED_IN},
    "accounts.sign_out_others": {"POST": SIGNED_IN},
    "accounts.forgot_password": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.reset_password": {"GET": EVERYONE, "POST": EVERYONE},
    "accounts.change_password": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "accounts.account": {"GET": SIGNED_IN},
    "accounts.reminders": {"POST": SIGNED_IN},
    "accounts.daily_digest": {"POST": SIGNED_IN},
    # People's data: their own download and deletion; the team's requests and erasure.
    "privacy.download_own": {"GET": SIGNED_IN},
    "privacy.fetch_copy": {"GET": SIGNED_IN},
    "privacy.delete_account": {"GET": SIGNED_IN, "POST": SIGNED_IN},
    "privacy.account_deleted": {"GET": EVERYONE},
    "privacy.find_person": {"GET": TEAM},
    "privacy.team_download": {"POST": TEAM},
    "privacy.erase_buyer": {"GET": TEAM, "POST": TEAM},
    "privacy.erase_guest": {"GET": TEAM, "POST": TEAM},
    # Organisations.
    "organisations.index": {"GET": SIGNED_IN},
    "organisations.choose_kind": {"GET": VERIFIED},
    "organisations.create": {"GET": VERIFIED, "POST": VERIFIED},
    # A is approved, so anyone signed in may see its public profile.
    "organisations.show": {"GET": SIGNED_IN},
    "organisations.edit": {"GET": OWNER, "POST": OWNER},
    "organisations.resubmit": {"POST": OWNER},
    "organisations.members": {"GET": INSIDE_A},
    "organisations.invite": {"POST": OWNER},
    "organisations.answer_request": {"POST": OWNER},
    # Staff turnover: the owner removes a member or hands ownership on; anyone inside leaves.
    "organisations.remove_member": {"GET": OWNER, "POST": OWNER},
    "organisations.hand_over": {"GET": OWNER, "POST": OWNER},
    "organisations.leave": {"GET": INSIDE_A, "POST": INSIDE_A},
    "organisations.find": {"GET": VERIFIED},
    "organisations.join": {"GET": MAY_JOIN_A, "POST": MAY_JOIN_A},
    "organisations.invitation": {"GET": EVERYONE},
    "organisations.accept_invitation": {"POST": SIGNED_IN},
    # The programme team's screens, reviewing the pending organisation P.
    "organisations.queue": {"GET": TEAM},
    "organisations.team_list": {"GET": TEAM},
    "organisations.review": {"GET": TEAM, "POST": TEAM},
    # Needs, of A: anyone finds published needs; the draft is A's and the team's.
    "needs.index": {"GET": EVERYONE},
    "needs.show": {"GET": INSIDE_A},
    "needs.for_organisation": {"GET": INSIDE_A},
    "needs.choose_kind": {"GET": MEMBERS_A},
    "needs.create": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "needs.edit": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "needs.submit": {"POST": MEMBERS_A},
    "needs.withdraw": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "needs.review": {"GET": TEAM, "POST": TEAM},
    # Offers, of B: for verified organisations; the draft is B's and the team's.
    "offers.index": {"GET": OFFER_BROWSERS},
    "offers.show": {"GET": INSIDE_B},
    "offers.for_organisation": {"GET": INSIDE_B},
    "offers.choose_kind": {"GET": MEMBERS_B},
    "offers.create": {"GET": MEMBERS_B, "POST": MEMBERS_B},
    "offers.edit": {"GET": MEMBERS_B, "POST": MEMBERS_B},
    "offers.submit": {"POST": MEMBERS_B},
    "offers.withdraw": {"GET": MEMBERS_B, "POST": MEMBERS_B},
    "offers.review": {"GET": TEAM, "POST": TEAM},
    # The team's review queue and its lists of skills, devices and groups.
    "listings.queue": {"GET": TEAM},
    "listings.vocabularies": {"GET": TEAM},
    "listings.add_term": {"POST": TEAM},
    "listings.toggle_term": {"POST": TEAM},
    # Brokering: the team's queue, suggestions and proposals; the match between A's
    # published need and B's published offer is for both organisations and the team
    # (the team's notes for the team only); only A confirms delivery; "we can help"
    # is for members of a verified company (B); everyone has their matches and notices.
    "matches.queue": {"GET": TEAM},
    "matches.answer_help": {"POST": TEAM},
    "matches.suggest_for_need": {"GET": TEAM},
    "matches.suggest_for_offer": {"GET": TEAM},
    "matches.propose": {"GET": TEAM, "POST": TEAM},
    "matches.match": {"GET": PARTIES_AND_TEAM},
    "matches.answer": {"POST": PARTIES},
    "matches.start": {"POST": PARTIES_AND_TEAM},
    "matches.message": {"POST": PARTIES_AND_TEAM},
    "matches.note": {"POST": TEAM},
    "matches.feedback": {"POST": PARTIES},
    "matches.complete": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "matches.cancel": {"GET": PARTIES_AND_TEAM, "POST": PARTIES_AND_TEAM},
    "matches.offer_help": {"GET": MEMBERS_B, "POST": MEMBERS_B},
    "matches.mine": {"GET": SIGNED_IN},
    "notifications.notice_list": {"GET": SIGNED_IN},
    # The ball: buyers need no account. Order pages are reached by the order's token,
    # the stand-in checkout by its session id, Stripe's webhook by its signature.
    "ticketing.ball": {"GET": EVERYONE, "POST": EVERYONE},
    "ticketing.stand_in": {"GET": EVERYONE, "POST": EVERYONE},
    "ticketing.webhook": {"POST": EVERYONE},
    "ticketing.returned": {"GET": EVERYONE},
    "ticketing.cancelled": {"GET": EVERYONE},
    "ticketing.order": {"GET": EVERYONE, "POST": EVERYONE},
    "ticketing.find_tickets": {"GET": EVERYONE, "POST": EVERYONE},
    # The ball, the team's side: set-up, sales, orders, refunds, comps, guests, the door.
    "ticketing.team_balls": {"GET": TEAM},
    "ticketing.team_ball_new": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_ball": {"GET": TEAM},
    "ticketing.team_ball_edit": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_type_new": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_type_edit": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_orders": {"GET": TEAM},
    "ticketing.team_orders_csv": {"GET": TEAM},
    "ticketing.team_order": {"GET": TEAM},
    "ticketing.team_refund": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_resend": {"POST": TEAM},
    "ticketing.team_complimentary": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_guests": {"GET": TEAM},
    "ticketing.team_guests_csv": {"GET": TEAM},
    "ticketing.team_door": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_undo_check_in": {"POST": TEAM},
    "ticketing.team_gift_aid": {"GET": TEAM, "POST": TEAM},
    "ticketing.team_gift_aid_schedule": {"GET": TEAM},
    # The ball's waiting list: anyone joins a sold-out type's list and follows an offer
    # link (by its token); the team sees the list, removes people, offers by hand.
    "ticketing.waiting_join": {"GET": EVERYONE, "POST": EVERYONE},
    "ticketing.waiting_offer": {"GET": EVERYONE, "POST": EVERYONE},
    "ticketing.team_waiting_list": {"GET": TEAM},
    "ticketing.team_waiting_list_csv": {"GET": TEAM},
    "ticketing.team_waiting_remove": {"POST": TEAM},
    "ticketing.team_waiting_offer": {"POST": TEAM},
    # The team's lists as CSV (with the page's filters), and every match.
    "organisations.team_list_csv": {"GET": TEAM},
    "needs.team_csv": {"GET": TEAM},
    "offers.team_csv": {"GET": TEAM},
    "matches.team_matches": {"GET": TEAM},
    "matches.team_matches_csv": {"GET": TEAM},
    # Impact: the team's dashboard and figures, the public page, and each organisation's
    # own statement (A's "what you received"; B's statement as CSV).
    "impact.dashboard": {"GET": TEAM},
    "impact.team": {"GET": TEAM},
    "impact.public": {"GET": EVERYONE},
    "impact.organisation": {"GET": INSIDE_A},
    "impact.organisation_csv": {"GET": INSIDE_B},
    # Named volunteers: B's volunteers are seen by B and the team and managed by B; the
    # invitation to volunteer with B is addressed to `member`. The volunteering match
    # (A's regulated need, B's volunteers offer, agreed) has its places seen by both
    # organisations and the team; B assigns, opens and withdraws; only volunteers of B
    # (no role here: tests/volunteering) sign up; A confirms, records the checks (the
    # charity checks by default), chooses who checks and asks for changes.
    "volunteering.company_volunteers": {"GET": INSIDE_B},
    "volunteering.invite": {"POST": MEMBERS_B},
    "volunteering.remove": {"GET": MEMBERS_B, "POST": MEMBERS_B},
    "volunteering.invitation": {"GET": EVERYONE},
    "volunteering.accept_invitation": {"POST": SIGNED_IN},
    "volunteering.places": {"GET": PARTIES_AND_TEAM},
    "volunteering.open_places": {"POST": MEMBERS_B},
    "volunteering.assign": {"POST": MEMBERS_B},
    "volunteering.sign_up": {"POST": frozenset()},
    "volunteering.withdraw": {"POST": MEMBERS_B},
    "volunteering.confirm": {"POST": MEMBERS_A},
    "volunteering.record_check": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "volunteering.choose_checker": {"POST": MEMBERS_A},
    "volunteering.ask_for_change": {"POST": MEMBERS_A},
    "volunteering.mine": {"GET": SIGNED_IN},
    # Hours: only the volunteer who was on the session logs (no role here:
    # tests/volunteering/test_hours.py); both organisations and the team see a match's
    # hours, A confirms them; everyone has their own record; B's report is for B and the
    # team, never another organisation.
    "volunteering.hours_log": {"GET": VOLUNTEER, "POST": VOLUNTEER},
    "volunteering.hours_match": {"GET": PARTIES_AND_TEAM},
    "volunteering.hours_confirm": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "volunteering.record": {"GET": SIGNED_IN},
    "volunteering.record_csv": {"GET": SIGNED_IN},
    "volunteering.report": {"GET": INSIDE_B},
    "volunteering.report_csv": {"GET": INSIDE_B},
    # Grants (the applicant's side): anyone reads the rounds; A's members apply, edit
    # and withdraw A's application, which A and the team see.
    "funding.index": {"GET": EVERYONE},
    "funding.round_page": {"GET": EVERYONE},
    "funding.apply": {"POST": MEMBERS_A},
    "funding.application": {"GET": INSIDE_A},
    "funding.edit_application": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "funding.withdraw": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    # Grants (the team's side): rounds, their questions, criteria and funders, the
    # applications and their eligibility.
    "funding.team_rounds": {"GET": TEAM},
    "funding.team_rounds_csv": {"GET": TEAM},
    "funding.team_round_new": {"GET": TEAM, "POST": TEAM},
    "funding.team_round": {"GET": TEAM},
    "funding.team_round_edit": {"GET": TEAM, "POST": TEAM},
    "funding.team_add_question": {"POST": TEAM},
    "funding.team_add_criterion": {"POST": TEAM},
    "funding.team_add_funder": {"POST": TEAM},
    "funding.team_remove_part": {"POST": TEAM},
    "funding.team_round_move": {"POST": TEAM},
    "funding.team_applications_csv": {"GET": TEAM},
    "funding.team_application": {"GET": TEAM, "POST": TEAM},
    # Funding, other funders' opportunities: the team posts, changes and withdraws them;
    # A's members (and the team) see those that fit A; A's members say "not for us".
    "funding.team_opportunities": {"GET": TEAM},
    "funding.team_opportunities_csv": {"GET": TEAM},
    "funding.team_opportunity_new": {"GET": TEAM, "POST": TEAM},
    "funding.team_opportunity_edit": {"GET": TEAM, "POST": TEAM},
    "funding.team_opportunity_withdraw": {"POST": TEAM},
    "funding.organisation_opportunities": {"GET": INSIDE_A},
    "funding.dismiss_opportunity": {"POST": MEMBERS_A},
    # Funding, the panel and decisions (PANEL helper): a panel member's rounds (anyone
    # signed in sees their own, maybe none); the scoring round and A's eligible
    # application are `other`'s to review (on the panel, not A's); the team's panel,
    # ranking and decisions.
    "funding.panel_home": {"GET": SIGNED_IN},
    "funding.panel_round": {"GET": MEMBERS_B},
    "funding.panel_application": {"GET": MEMBERS_B},
    "funding.panel_scores": {"POST": MEMBERS_B},
    "funding.panel_conflict": {"POST": MEMBERS_B},
    "funding.team_panel": {"GET": TEAM, "POST": TEAM},
    "funding.team_panel_remove": {"POST": TEAM},
    "funding.team_ranking": {"GET": TEAM},
    "funding.team_ranking_csv": {"GET": TEAM},
    "funding.team_round_decided": {"POST": TEAM},
    "funding.team_decision": {"GET": TEAM},
    "funding.team_make_award": {"POST": TEAM},
    "funding.team_decline": {"POST": TEAM},
    # Funding, awards (AWARDS helper): the team's list, each award's payment and report
    # dates, the answer to a report; A's members write A's report; the 360Giving file.
    "funding.team_awards": {"GET": TEAM},
    "funding.team_awards_csv": {"GET": TEAM},
    "funding.team_giving360": {"GET": TEAM},
    "funding.team_award": {"GET": TEAM},
    "funding.team_payment": {"POST": TEAM},
    "funding.team_due_dates": {"POST": TEAM},
    "funding.team_report": {"GET": TEAM, "POST": TEAM},
    "funding.report": {"GET": MEMBERS_A, "POST": MEMBERS_A},
    "funding.giving360_csv": {"GET": EVERYONE},
    # The outbox in the browser: the team, and only while OUTBOX_VIEW is on.
    "notifications.outbox": {"GET": TEAM},
    "notifications.email": {"GET": TEAM},
}

# Which organisation an endpoint's org_id names; A unless listed (offers are B's).
ORGANISATION_FOR = {
    "organisations.review": "P",
    "offers.for_organisation": "B",
    "offers.choose_kind": "B",
    "offers.create": "B",
    "impact.organisation_csv": "B",
    "volunteering.company_volunteers": "B",
    "volunteering.invite": "B",
    "volunteering.remove": "B",
    "volunteering.report": "B",
    "volunteering.report_csv": "B",
}

# Which of a side's items an endpoint's item_id names: the draft unless listed. The
# draft may be changed, sent for review and withdrawn, so no business rule refuses.
ITEM_FOR = {
    "needs.review": "submitted",
    "offers.review": "submitted",
    # Suggestions and help are for published listings.
    "matches.suggest_for_need": "published",
    "matches.suggest_for_offer": "published",
    "matches.offer_help": "published",
}

# Which funding object fills each URL argument, unless FUNDING_FOR names another for
# an endpoint: (endpoint, argument) -> a key of World.funding.
FUNDING_ARGUMENTS = {
    "round_id": "scoring_round",
    "application_id": "eligible_application",
    "award_id": "award",
    "report_id": "report",
    "opportunity_id": "opportunity",
}
FUNDING_FOR: dict[tuple[str, str], str] = {
    # A new application starts in the open round; a draft is what its owner edits.
    ("funding.apply", "round_id"): "open_round",
    ("funding.round_page", "round_id"): "open_round",
    ("funding.edit_application", "application_id"): "draft_application",
}

# Cells the access rule lets through but a business rule then refuses with its own
# 403 and message: the invitation is addressed to `other`, so only `other` may accept it.
REFUSED_BY_BUSINESS_RULE = {
    ("organisations.accept_invitation", "POST", role): "This invitation was sent to"
    for role in ("owner", "member", "unverified", "team")
} | {
    ("volunteering.accept_invitation", "POST", role): "This invitation was sent to"
    for role in ("owner", "other", "unverified", "team")
}

# The access rule's own refusal, as the 403 page words it.
DENIED_TEXT = "This page belongs to another organisation, or to the programme team."

GARBAGE_TOKEN = "not-a-real-token"

CELLS = [
    pytest.param(endpoint, method, role, id=f"{endpoint}-{method}-{role}")
    for endpoint, methods in MATRIX.items()
    for method in methods
    for role in ROLES
]


@dataclass(frozen=True)
class World:
    """The ids of everything a cell needs; the rows themselves are in the database."""

    user_ids: dict[str, int]
    org_a: int
    org_b: int
    org_p: int
    p_owner: int
    join_request: int
    invitation_token: str
    email_id: int
    # status -> id, for A's needs and B's offers
    needs: dict[str, int]
    offers: dict[str, int]
    # A skill the team's hide/show button toggles (put back after each test).
    skill_id: int
    # The match proposed between A's published need and B's published offer, and a
    # company's "we can help" on that need.
    match_id: int
    help_id: int
    # The ball on sale, one of its ticket types, a paid order (its token and a ticket)
    # and a pending order waiting at the stand-in checkout (its session id).
    ball_id: int
    ticket_type_id: int
    order_id: int
    order_token: str
    ticket_id: int
    pending_session_id: str
    # A Gift Aid claim on the ball, holding one donation.
    gift_aid_claim_id: int
    # Someone on the ball's waiting list holding an offer (its link's token).
    waiting_entry_id: int
    waiting_token: str
    # Named volunteers: a volunteer of B (in user_ids as "volunteer", not a role of the
    # matrix), B's invitation to volunteer (for `member`), the agreed volunteering match
    # and its first place (the volunteer's).
    volunteer_id: int
    volunteer_token: str
    vol_match_id: int
    place_id: int
    # A session of that match that has ended, the volunteer on it, and their hours
    # logged for it (waiting for A to confirm).
    vol_session_id: int
    hour_log_id: int
    # Funding: an open round where A has a draft; a round being scored, with A's
    # eligible application and `other` (a sponsor's person) on its panel; a decided
    # round with A's award and its monitoring report due; another funder's opportunity.
    funding: dict[str, int]

    def user(self, role: str) -> User:
        return db.session.get(User, self.user_ids[role])

    def url(self, endpoint: str) -> str:
        rule = next(current_app.url_map.iter_rules(endpoint))
        values = {}
        if "org_id" in rule.arguments:
            which = ORGANISATION_FOR.get(endpoint, "A")
            values["org_id"] = {"A": self.org_a, "B": self.org_b, "P": self.org_p}[which]
        if "item_id" in rule.arguments:
            offers = endpoint.startswith("offers.") or endpoint == "matches.suggest_for_offer"
            items = self.offers if offers else self.needs
            values["item_id"] = items[ITEM_FOR.get(endpoint, "draft")]
        if "vocab" in rule.arguments:
            values["vocab"] = "skills"
        if "term_id" in rule.arguments:
            values["term_id"] = self.skill_id
        if "membership_id" in rule.arguments:
            values["membership_id"] = self.join_request
        if "token" in rule.arguments:
            values["token"] = (
                self.invitation_token
                if endpoint.startswith("organisations.")
                # Verify and reset links are public: a bad one gets a friendly 400 page.
                else GARBAGE_TOKEN
            )
        if "email_id" in rule.arguments:
            values["email_id"] = self.email_id
        if "match_id" in rule.arguments:
            values["match_id"] = (
                self.vol_match_id if endpoint.startswith("volunteering.") else self.match_id
            )
        if "volunteer_id" in rule.arguments:
            values["volunteer_id"] = self.volunteer_id
        if "place_id" in rule.arguments:
            values["place_id"] = self.place_id
        if "volunteer_session_id" in rule.arguments:
            values["volunteer_session_id"] = self.vol_session_id
        if "log_id" in rule.arguments:
            values["log_id"] = self.hour_log_id
        if "token" in rule.arguments and endpoint.startswith("volunteering."):
            values["token"] = self.volunteer_token
        if "help_id" in rule.arguments:
            values["help_id"] = self.help_id
        if "ball_id" in rule.arguments:
            values["ball_id"] = self.ball_id
        if "type_id" in rule.arguments:
            values["type_id"] = self.ticket_type_id
        if "order_id" in rule.arguments:
            values["order_id"] = self.order_id
        if "ticket_id" in rule.arguments:
            values["ticket_id"] = self.ticket_id
        if "token" in rule.arguments and endpoint.startswith("ticketing."):
            values["token"] = self.order_token
        if endpoint == "ticketing.waiting_offer":
            values["token"] = self.waiting_token
        if "entry_id" in rule.arguments:
            values["entry_id"] = self.waiting_entry_id
        if "session_id" in rule.arguments:
            values["session_id"] = self.pending_session_id
        if "claim_id" in rule.arguments:
            values["claim_id"] = self.gift_aid_claim_id
        if endpoint == "ticketing.team_refund":
            values["all"] = "yes"
        if endpoint == "matches.propose":
            values.update(need=self.needs["published"], offer=self.offers["published"])
        if "kind" in rule.arguments:
            values["kind"] = (
                OrganisationKind.COMMUNITY.value
                if endpoint.startswith("organisations.")
                else ListingKind.VOLUNTEERING.value
            )
        for argument, which in FUNDING_ARGUMENTS.items():
            if argument in rule.arguments:
                values[argument] = self.funding[FUNDING_FOR.get((endpoint, argument), which)]
        unknown = rule.arguments - values.keys()
        assert not unknown, f"World.url cannot fill {sorted(unknown)} for {endpoint}: teach it"
        return url_for(endpoint, **values)


def _build_world(make) -> World:
    """Everything made through the real services and factories."""
    owner = make.user(name="Olive Owner")
    org_a = make.organisation(owner, kind=OrganisationKind.COMMUNITY, name="Armley Digital")
    member = make.member(org_a, make.user(name="Mo Member"))
    other = make.user(name="Otto Other")
    org_b = make.organisation(other, kind=OrganisationKind.COMPANY, name="Bytes Ltd")
    p_owner = make.user(name="Pat Pending")
    org_p = make.organisation(p_owner, status=OrganisationStatus.PENDING, name="Pending Place")
    joiner = make.user(name="Jo Joiner")
    join_request = memberships.request_to_join(org_a, joiner, "I volunteer on Tuesdays.")
    invitation = memberships.invite(org_a, owner, other.email)
    unverified = make.user(name="Una Unverified", verified=False)
    team = make.team_member(name="Tam Team")
    statuses = {
        "published": ListingStatus.PUBLISHED,
        "draft": ListingStatus.DRAFT,
        "submitted": ListingStatus.SUBMITTED,
    }
    needs = {
        name: listings_make.need(org_a, status=status, title=f"Armley {name} need").id
        for name, status in statuses.items()
    }
    offers = {
        name: listings_make.offer(org_b, status=status, title=f"Bytes {name} offer").id
        for name, status in statuses.items()
    }
    skill = listings_make.skill()
    assert skill.active
    published_need = db.session.get(Need, needs["published"])
    published_offer = db.session.get(Offer, offers["published"])
    match = brokering.propose(published_need, published_offer, Allocation(1, 2), team)
    helper = make.organisation(make.user(), kind=OrganisationKind.COMPANY, name="Helpers Ltd")
    help_offer = offer_help(
        published_need, helper.owners[0], helper, "We have two people free in May."
    )
    ball = ticketing_make.ball(capacity=50)
    basket = ball_services.Basket({ball.ticket_types[0].id: 2}, "Ada Buyer", "ada@example.org")
    paid = ball_services.hold(ball, basket)
    ball_services.start_checkout(paid)
    ball_services.fulfil(
        ball_services.Payment(
            paid.stripe_session_id, paid.total_pence, "gbp", "pi_standin_world", True
        )
    )
    pending = ball_services.hold(ball, basket)
    ball_services.start_checkout(pending)
    db.session.commit()
    claim = _gift_aid_claim(ball, team)
    waiting = ticketing_make.waiting_entry(ball.ticket_types[0], "Wendy Waiting", "w@example.org")
    waiting_list.offer_by_hand(waiting, team)
    db.session.commit()
    vol = _volunteering_world(make, org_a, org_b, owner, other, member, team)
    funding = _funding_world(org_a, other)
    (email,) = [e for e in emails_to(other.email) if e.template == "invitation"]
    link = link_in(email)
    assert link.startswith("/invitations/")
    token = link.removeprefix("/invitations/")
    assert memberships.find_invitation(token) == invitation
    assert org_a.status is org_b.status is OrganisationStatus.APPROVED
    return World(
        user_ids={
            "owner": owner.id,
            "member": member.id,
            "other": other.id,
            "unverified": unverified.id,
            "team": team.id,
            "volunteer": vol.pop("volunteer_user_id"),
        },
        org_a=org_a.id,
        org_b=org_b.id,
        org_p=org_p.id,
        p_owner=p_owner.id,
        join_request=join_request.id,
        invitation_token=token,
        email_id=email.id,
        needs=needs,
        offers=offers,
        skill_id=skill.id,
        match_id=match.id,
        help_id=help_offer.id,
        ball_id=ball.id,
        ticket_type_id=ball.ticket_types[0].id,
        order_id=paid.id,
        order_token=paid.token,
        ticket_id=paid.tickets[0].id,
        pending_session_id=pending.stripe_session_id,
        gift_aid_claim_id=claim.id,
        waiting_entry_id=waiting.id,
        waiting_token=waiting.token,
        funding=funding,
        **vol,
    )


def _gift_aid_claim(ball, team) -> GiftAidClaim:
    """A paid order with a Gift Aided donation, claimed."""
    basket = ball_services.Basket(
        {ball.ticket_types[0].id: 1},
        "Gil Giver",
        "gil@example.org",
        donation_pence=1_000,
        gift_aid=True,
        **declaration("Gil Giver"),
    )
    order = ball_services.hold(ball, basket)
    ball_services.start_checkout(order)
    ball_services.fulfil(
        ball_services.Payment(
            order.stripe_session_id, order.total_pence, "gbp", "pi_standin_gift_aid", True
        )
    )
    claim = gift_aid.make_claim(ball, today_in_leeds(), today_in_leeds(), team)
    db.session.commit()
    return claim


def _volunteering_world(make, org_a, org_b, owner, other, member, team) -> dict:
    """B's volunteer and its invitation for `member`; an agreed volunteering match
    between a regulated-activity need of A and a volunteers offer of B, the volunteer
    on its first place."""
    need = listings_make.need(
        org_a, title="Armley regulated need", volunteers=2, safeguarding=Safeguarding.CHILDREN
    )
    offer = listings_make.offer(org_b, title="Bytes volunteers offer", volunteers=2)
    match = brokering.propose(need, offer, Allocation(2, 2), team)
    brokering.answer(match, owner, accept=True)
    brokering.answer(match, other, accept=True)
    person = make.user(name="Vic Volunteer")
    volunteers.invite(org_b, other, person.email)
    volunteers.accept_invitation(volunteers.find_invitation(_volunteer_token(person)), person)
    volunteers.invite(org_b, other, member.email)
    vic = volunteers.volunteer_of(org_b, person)
    places.ensure_places(match)
    place = places.places_of(match)[0]
    places.assign(place, vic, other)
    db.session.commit()
    session = make_session(match, [vic])
    log = hours.log_hours(session, vic, 120)
    db.session.commit()
    return {
        "vol_session_id": session.id,
        "hour_log_id": log.id,
        "volunteer_user_id": person.id,
        "volunteer_id": vic.id,
        "volunteer_token": _volunteer_token(member),
        "vol_match_id": match.id,
        "place_id": place.id,
    }


def _volunteer_token(person: User) -> str:
    sent = [e for e in emails_to(person.email) if e.template == "volunteer_invitation"]
    return link_in(sent[-1]).removeprefix("/volunteer-invitations/")


def _funding_world(org_a, panel_person) -> dict[str, int]:
    open_round = funding_make.grant_round(name="Open round")
    draft = funding_make.application(open_round, org_a, status=ApplicationStatus.DRAFT)
    scoring = funding_make.grant_round(
        name="Round being scored",
        status=RoundStatus.SCORING,
        opens_in=timedelta(days=-60),
        closes_in=timedelta(days=-30),
    )
    eligible = funding_make.application(scoring, org_a, status=ApplicationStatus.ELIGIBLE)
    funding_make.panel_member(scoring, panel_person)
    decided = funding_make.grant_round(
        name="Decided round",
        status=RoundStatus.DECIDED,
        opens_in=timedelta(days=-300),
        closes_in=timedelta(days=-270),
    )
    awarded = funding_make.application(decided, org_a, status=ApplicationStatus.ELIGIBLE)
    award = funding_make.award(awarded, reports_due=[today_in_leeds() + timedelta(days=30)])
    opportunity = FundingOpportunity(
        funder="Leeds Community Trust",
        title="Small grants for digital skills",
        what_it_funds="Equipment and volunteer costs for digital skills sessions.",
        deadline=today_in_leeds() + timedelta(days=40),
        link="https://example.org/grants",
    )
    db.session.add(opportunity)
    db.session.commit()
    return {
        "open_round": open_round.id,
        "draft_application": draft.id,
        "scoring_round": scoring.id,
        "eligible_application": eligible.id,
        "decided_round": decided.id,
        "awarded_application": awarded.id,
        "award": award.id,
        "report": award.reports[0].id,
        "opportunity": opportunity.id,
    }


# The world is built once through the services, its rows kept, and written back
# for each test (the database is emptied after every test): the same fresh world
# each time, at a fraction of the cost of building it again.
_SAVED: dict = {}


def _world_tables():
    return [t for t in db.metadata.sorted_tables if t.name not in REFERENCE_TABLES]


def _save(world: World) -> None:
    rows = {
        t.name: [dict(r._mapping) for r in db.session.execute(select(t))] for t in _world_tables()
    }
    _SAVED.update(world=world, rows=rows)


def _restore() -> World:
    with db.engine.begin() as conn:
        for table in _world_tables():
            rows = _SAVED["rows"][table.name]
            if not rows:
                continue
            conn.execute(table.insert(), rows)
            if conn.dialect.name == "postgresql" and "id" in table.c:
                # Rows came back with their ids: move the sequence past them.
                conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:name, 'id'), :top)"),
                    {"name": table.name, "top": max(row["id"] for row in rows)},
                )
    return _SAVED["world"]


def fresh_world(make) -> World:
    """The world, freshly in the database: built the first time, restored after."""
    if not _SAVED:
        built = _build_world(make)
        _save(built)
        return built
    return _restore()


@pytest.fixture
def world(make) -> World:
    return fresh_world(make)


def _show_skill_again(world: World) -> None:
    """Skills are reference data, kept between tests: undo the team's hide button."""
    db.session.execute(update(Skill).where(Skill.id == world.skill_id).values(active=True))
    db.session.commit()


def test_every_endpoint_is_in_the_matrix(app):
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in permissions.BUILTIN_PUBLIC_ENDPOINTS:
            continue
        routes.setdefault(rule.endpoint, set()).update(rule.methods & {"GET", "POST"})
    missing = sorted(set(routes) - set(MATRIX))
    assert not missing, f"Add these endpoints to MATRIX in {__file__}: {missing}"
    gone = sorted(set(MATRIX) - set(routes))
    assert not gone, f"MATRIX names endpoints that no longer exist: {gone}"
    for endpoint, methods in routes.items():
        assert set(MATRIX[endpoint]) == methods, f"{endpoint} answers {sorted(methods)}"


def test_every_view_declares_an_access_action(app):
    for endpoint, view in app.view_functions.items():
        if endpoint in permissions.BUILTIN_PUBLIC_ENDPOINTS:
            continue
        assert isinstance(getattr(view, "access_action", None), permissions.Action), endpoint


@pytest.mark.parametrize(("endpoint", "method", "role"), CELLS)
def test_permission_matrix(app, client, login, world, monkeypatch, endpoint, method, role):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    refusals = []
    real_deny = permissions.deny

    def spy_deny():
        refusals.append(endpoint)
        return real_deny()

    monkeypatch.setattr(permissions, "deny", spy_deny)
    if role != "anonymous":
        login(world.user(role))
    url = world.url(endpoint)

    response = client.open(url, method=method)
    if endpoint == "listings.toggle_term":
        _show_skill_again(world)

    location = urlsplit(response.headers.get("Location", ""))
    to_sign_in = response.status_code == 302 and location.path == "/account/sign-in"
    body = response.get_data().decode("utf-8", "replace")  # a download may be a zip
    where = f"{role} {method} {url} -> {response.status_code} {response.headers.get('Location')}"
    if role in MATRIX[endpoint][method]:
        assert not refusals, f"refused by the access rule: {where}"
        assert not to_sign_in, f"sent to sign in: {where}"
        expected_refusal = REFUSED_BY_BUSINESS_RULE.get((endpoint, method, role))
        if expected_refusal:
            assert response.status_code == 403, where
            assert expected_refusal in body, where
        else:
            assert response.status_code != 403, where
            assert response.status_code < 500, where
    elif role == "anonymous":
        assert refusals, f"not refused by the access rule: {where}"
        assert to_sign_in, f"not sent to sign in: {where}"
        assert parse_qs(location.query) == {"next": [url]}, where
    else:
        assert refusals, f"not refused by the access rule: {where}"
        assert response.status_code == 403, where
        assert DENIED_TEXT in body, where


def test_a_view_without_an_access_action_is_refused(app, client, monkeypatch):
    """Deny by default: a view that declares no action never runs."""
    calls = []

    def undeclared():
        calls.append(1)
        return "should never be served"

    monkeypatch.setitem(app.view_functions, "main.privacy", undeclared)
    response = client.get("/privacy")
    assert response.status_code == 403
    assert calls == []
    monkeypatch.undo()
    assert client.get("/privacy").status_code == 200


def test_the_team_outbox_is_closed_when_outbox_view_is_off(app, client, login, world, monkeypatch):
    login(world.user("team"))
    assert client.get("/team/outbox/").status_code == 200
    monkeypatch.setitem(app.config, "OUTBOX_VIEW", False)
    assert client.get("/team/outbox/").status_code == 403
    assert client.get(f"/team/outbox/{world.email_id}").status_code == 403


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("p_owner", True),
        ("owner", False),
        ("member", False),
        ("other", False),
        ("unverified", False),
        ("team", True),
    ],
)
def test_a_pending_organisation_is_seen_only_by_its_members_and_the_team(
    client, login, world, role, allowed
):
    if role == "p_owner":
        login(db.session.get(User, world.p_owner))
    elif role != "anonymous":
        login(world.user(role))
    response = client.get(f"/organisations/{world.org_p}")
    if allowed:
        assert response.status_code == 200
    elif role == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/account/sign-in"
    else:
        assert response.status_code == 403


def test_a_missing_object_is_404_before_the_access_check(client, login, world):
    """load -> check -> act: a missing organisation is 'not found' for everyone signed in."""
    login(world.user("other"))
    assert client.get("/organisations/999999/members").status_code == 404
    assert client.get("/team/outbox/999999").status_code == 404


def _open_as(client, login, world, role, url):
    if role != "anonymous":
        login(world.user(role))
    return client.get(url)


@pytest.mark.parametrize("role", ROLES)
def test_a_published_need_is_seen_by_everyone(client, login, world, role):
    response = _open_as(client, login, world, role, f"/needs/{world.needs['published']}")
    assert response.status_code == 200
    assert "Armley published need" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("anonymous", False),
        ("owner", True),
        ("member", True),
        ("other", True),
        ("unverified", False),
        ("team", True),
    ],
)
def test_a_published_offer_is_seen_by_verified_organisations_and_the_team(
    client, login, world, role, allowed
):
    url = f"/offers/{world.offers['published']}"
    response = _open_as(client, login, world, role, url)
    if allowed:
        assert response.status_code == 200
        assert "Bytes published offer" in response.get_data(as_text=True)
    elif role == "anonymous":
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/account/sign-in"
    else:
        assert response.status_code == 403
