"""Building the demo from its plan (generator.plan): records made through the
service functions, then timestamps moved back into the year the plan describes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds
from brokerage.demo import names
from brokerage.demo.generator import EQU, SPO, VOL, ListingPlan, MatchPlan, OrgPlan, Plan
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    Condition,
    DeviceType,
    ListingAction,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
    WipeMethod,
)
from brokerage.listings.services import NeedDetails, OfferDetails, create_need, create_offer
from brokerage.matches import services as brokering
from brokerage.matches.allocation import kinds_in
from brokerage.matches.models import Match, MatchAction
from brokerage.organisations import services as organisations
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Organisation,
    OrganisationAction,
    Ward,
)


def _ids(model, slugs: list[str]) -> list[int]:
    return list(db.session.scalars(select(model.id).where(model.slug.in_(slugs))))


@dataclass
class Made:
    """What this run created, with how many days ago it happened: for the back-dating."""

    orgs: list[tuple[Organisation, OrgPlan]] = field(default_factory=list)
    listings: list[tuple[Need | Offer, ListingPlan]] = field(default_factory=list)
    matches: list[tuple[Match, MatchPlan]] = field(default_factory=list)


def apply(the_plan: Plan, team: User, password_hash: str, now: datetime) -> Made:
    made = Made()
    by_name = _apply_orgs(the_plan.orgs, team, password_hash, made)
    found = _apply_listings(the_plan.needs + the_plan.offers, by_name, team, made)
    _apply_matches(the_plan.matches, found, team, made)
    _close_listings(the_plan.needs + the_plan.offers, found, team, made, now)
    return made


def _apply_orgs(
    plans: list[OrgPlan], team: User, password_hash: str, made: Made
) -> dict[str, Organisation]:
    existing = {
        org.name: org
        for org in db.session.scalars(
            select(Organisation).where(Organisation.name.in_([p.name for p in plans]))
        )
    }
    users = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.email.in_([p.owner_email for p in plans]))
        )
    }
    ward_ids = {w.slug: w.id for w in db.session.scalars(select(Ward))}
    group_ids = {g.slug: g.id for g in db.session.scalars(select(BeneficiaryGroup))}
    for p in plans:
        if p.name in existing:
            continue
        owner = users.get(p.owner_email)
        if owner is None:
            owner = User(
                email=p.owner_email,
                name=p.owner_name,
                password_hash=password_hash,
                is_team=False,
                email_verified_at=team.email_verified_at,
            )
            db.session.add(owner)
            db.session.flush()
        org = organisations.create_organisation(
            owner,
            p.kind,
            organisations.OrganisationDetails(
                org_type=p.org_type,
                name=p.name,
                registration_scheme=p.scheme,
                registration_number=p.number,
                address_line_1=p.address,
                town="Leeds",
                postcode=p.postcode,
                description=p.description,
                website=p.website,
                ward_ids=[ward_ids[s] for s in p.wards],
                beneficiary_group_ids=[group_ids[s] for s in p.groups],
            ),
        )
        if p.status == "approved":
            organisations.decide_organisation(
                org, team, OrganisationAction.APPROVE, "Checked against the register."
            )
        elif p.status == "info_requested":
            organisations.decide_organisation(
                org,
                team,
                OrganisationAction.REQUEST_INFO,
                "Please send your constitution or your most recent annual report.",
            )
        elif p.status == "rejected":
            organisations.decide_organisation(
                org,
                team,
                OrganisationAction.REJECT,
                "We could not confirm that the group works in Leeds.",
            )
        existing[p.name] = org
        made.orgs.append((org, p))
    return existing


def _key(item: Need | Offer | ListingPlan) -> tuple[str, str, str]:
    if isinstance(item, ListingPlan):
        return item.side, item.org.name, item.title
    return item.side.value, item.organisation.name, item.title


def _apply_listings(
    plans: list[ListingPlan], orgs: dict[str, Organisation], team: User, made: Made
) -> dict[tuple[str, str, str], Need | Offer]:
    found: dict[tuple[str, str, str], Need | Offer] = {}
    for model in (Need, Offer):
        for item in db.session.scalars(
            select(model).where(model.organisation_id.in_([o.id for o in orgs.values()]))
        ):
            found[_key(item)] = item
    today = today_in_leeds()
    ids = {
        model: {row.slug: row.id for row in db.session.scalars(select(model))}
        for model in (Ward, BeneficiaryGroup, Skill, DeviceType)
    }
    for p in plans:
        if _key(p) in found:
            continue
        org = orgs[p.org.name]
        values = dict(
            kind=p.kind,
            title=p.title,
            description=p.description,
            ward_ids=[ids[Ward][s] for s in p.wards],
            beneficiary_group_ids=[ids[BeneficiaryGroup][s] for s in p.groups],
            skill_ids=[ids[Skill][s] for s in p.skills],
            volunteers=p.volunteers,
            hours_per_volunteer=p.hours,
            location_mode=LocationMode.EITHER if p.kind is VOL else None,
            device_type_id=ids[DeviceType][p.device] if p.device else None,
            quantity=p.quantity,
            condition=Condition.REFURBISHED if p.kind is EQU else None,
            amount_pence=p.amount_pence,
        )
        closes = today + timedelta(days=p.closes_in)
        author = org.owners[0]
        if p.side == "need":
            item = create_need(
                org,
                author,
                NeedDetails(
                    **values,
                    deadline=closes,
                    safeguarding=Safeguarding.ADULTS if p.kind is VOL else None,
                    purpose="For the people who come to our sessions" if p.kind is EQU else None,
                    pays_for=p.title if p.kind is SPO else None,
                ),
                submit=p.status != "draft",
            )
        else:
            item = create_offer(
                org,
                author,
                OfferDetails(
                    **values,
                    available_until=closes,
                    wipe_method=WipeMethod.NIST if p.kind is EQU else None,
                    certificate_per_serial=p.kind is EQU,
                ),
                submit=p.status != "draft",
            )
        if p.status == "changes_requested":
            listings.moderate(
                item,
                team,
                ListingAction.REQUEST_CHANGES,
                "Please say which days of the week suit you.",
            )
        elif p.status == "rejected":
            listings.moderate(
                item, team, ListingAction.REJECT, "This is outside what the programme covers."
            )
        elif p.status not in {"draft", "submitted"}:
            listings.moderate(item, team, ListingAction.PUBLISH, None)
        found[_key(p)] = item
        made.listings.append((item, p))
    return found


def _apply_matches(plans: list[MatchPlan], found: dict, team: User, made: Made) -> None:
    made_listings = {id(item) for item, _p in made.listings}
    for p in plans:
        need, offer = found[_key(p.need)], found[_key(p.offer)]
        if id(need) not in made_listings and id(offer) not in made_listings:
            continue  # both there before this run: their matches are too
        match = brokering.propose(
            need, offer, p.allocation, team, "You work with the same people: a good fit."
        )
        charity, company = need.organisation.owners[0], offer.organisation.owners[0]
        if p.status == "proposed":
            if p.half_accepted:
                brokering.answer(match, charity, accept=True)
        elif p.status == "declined":
            brokering.answer(match, company, accept=False, reason=p.reason)
        else:
            brokering.answer(match, charity, accept=True)
            if p.status == "cancelled":
                brokering.cancel(match, team, p.reason)
            else:
                brokering.answer(match, company, accept=True)
        if p.status not in {"declined", "cancelled"}:
            for number in range(p.messages):
                who = company if number % 2 == 0 else charity
                brokering.post_message(match, who, names.MESSAGES[number % len(names.MESSAGES)])
            if p.note:
                brokering.add_note(match, team, names.NOTES[p.days_ago % len(names.NOTES)])
        if p.status in {"in_progress", "completed"}:
            brokering.start(match, company)
        if p.status == "completed":
            a = p.allocation
            kinds = kinds_in(match)
            brokering.complete(
                match,
                charity,
                brokering.Delivery(
                    hours=a.total_hours if VOL in kinds else None,
                    devices=a.quantity if EQU in kinds else None,
                    pence=a.amount_pence if SPO in kinds else None,
                    people_reached=p.people,
                ),
            )
            if p.need_feedback:
                rating, comment, quote = p.need_feedback
                brokering.leave_feedback(match, charity, rating, comment, quote_allowed=quote)
            if p.offer_feedback:
                brokering.leave_feedback(match, company, *p.offer_feedback)
        made.matches.append((match, p))


def _close_listings(
    plans: list[ListingPlan], found: dict, team: User, made: Made, now: datetime
) -> None:
    """Withdraw and expire the listings planned so (published first, never matched)."""
    made_ids = {id(item) for item, _p in made.listings}
    for p in plans:
        item = found[_key(p)]
        if id(item) not in made_ids or p.status not in {"withdrawn", "expired"}:
            continue
        if p.status == "withdrawn":
            brokering.withdraw_listing(item, item.organisation.owners[0])
        else:
            # Its closing date passed a few weeks ago; the daily job expired it.
            past = (now - timedelta(days=p.days_ago // 3 + 1)).date()
            if isinstance(item, Need):
                item.deadline = past
            else:
                item.available_until = past
            listings.record(item, ListingAction.EXPIRE, None)
    db.session.flush()


# --- Moving times into the past ------------------------------------------------------------


def backdate(made: Made, now: datetime) -> None:
    """Give what this run made the times it would have had: the services stamp `now`."""

    latest = now - timedelta(minutes=10)

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    def by(moment: datetime) -> datetime:
        """Never later than a few minutes ago."""
        return min(moment, latest)

    for org, p in made.orgs:
        start = ago(p.days_ago)
        org.submitted_at = org.created_at = start
        org.updated_at = ago(max(p.days_ago - 2, 0))
        if org.decided_at is not None:
            org.decided_at = ago(p.days_ago - 1 if p.days_ago > 1 else 0.5)
        for number, event in enumerate(sorted(org.events, key=lambda e: e.id)):
            event.created_at = start + timedelta(hours=20 * number)
        for membership in org.memberships:
            membership.created_at = membership.decided_at = start
            membership.user.created_at = start - timedelta(hours=1)
    for item, p in made.listings:
        start = ago(p.days_ago)
        item.created_at = start
        if item.submitted_at is not None:
            item.submitted_at = start + timedelta(hours=1)
        if item.published_at is not None:
            item.published_at = start + timedelta(days=1)
        item.updated_at = start + timedelta(days=1)
        for number, event in enumerate(sorted(item.events, key=lambda e: e.id)):
            if event.action is ListingAction.EXPIRE:
                event.created_at = ago(p.days_ago // 3)
            else:
                event.created_at = by(start + timedelta(hours=12 * number))
    for match, p in made.matches:
        proposed = by(ago(p.days_ago) + timedelta(hours=2))
        closed = {
            "completed": proposed + timedelta(days=min(p.days_ago - 1, 12 + p.people % 20)),
            "declined": by(proposed + timedelta(days=2)),
            "cancelled": by(proposed + timedelta(days=6)),
        }.get(p.status)
        step = {
            MatchAction.PROPOSE: proposed,
            MatchAction.ACCEPT: by(proposed + timedelta(days=1)),
            MatchAction.AGREE: by(proposed + timedelta(days=2)),
            MatchAction.START: by(proposed + timedelta(days=4)),
            MatchAction.DECLINE: closed,
            MatchAction.CANCEL: closed,
            MatchAction.COMPLETE: closed,
        }
        match.proposed_at = proposed
        if match.need_accepted_at:
            match.need_accepted_at = step[MatchAction.ACCEPT]
        if match.offer_accepted_at:
            match.offer_accepted_at = step[MatchAction.AGREE]
        if match.agreed_at:
            match.agreed_at = step[MatchAction.AGREE]
        if match.started_at:
            match.started_at = step[MatchAction.START]
        if match.closed_at:
            match.closed_at = closed
        for event in match.events:
            event.created_at = step[event.action]
        talk = proposed + timedelta(days=2, hours=3)
        for number, message in enumerate(sorted(match.messages, key=lambda m: m.id)):
            message.created_at = by(talk + timedelta(hours=5 * number))
        for note in match.notes:
            note.created_at = by(proposed + timedelta(days=3))
        for feedback in match.feedback:
            feedback.created_at = by(closed + timedelta(days=1, hours=feedback.id % 24))
        match.updated_at = max(e.created_at for e in match.events)
    db.session.flush()
