"""Other funders' opportunities: the team posts, changes and withdraws them; which
community organisations each one fits; an organisation's own list and its "not for us".

An opportunity fits a verified community organisation when all three hold:
- wards: it names none, or it or the organisation is Leeds-wide, or they share a ward;
- beneficiary groups: it names none, or they share one;
- organisation types: it names none, or the organisation's type is one of them;
and it is not withdrawn and its deadline is today or later (Leeds's date). Past ones
leave every list by that query alone: nothing has to run to take them off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased, selectinload

from brokerage.accounts.models import User
from brokerage.clock import today_in_leeds
from brokerage.errors import Conflict, FieldError
from brokerage.exports import joined, money, stream
from brokerage.extensions import db
from brokerage.funding.opportunity_models import (
    FundingOpportunity,
    OpportunityDismissal,
    opportunity_beneficiary_group,
    opportunity_ward,
)
from brokerage.notifications.services import notify
from brokerage.organisations.models import (
    BeneficiaryGroup,
    Membership,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    OrganisationType,
    Ward,
    organisation_beneficiary_group,
    organisation_ward,
)
from brokerage.pagination import Page, paginate

# The largest amount the team may enter: well inside the 32-bit pence columns.
MAX_AMOUNT_PENCE = 10_000_000_00
PER_PAGE = 25
COMMUNITY_TYPES = [t for t in OrganisationType if t.kind is OrganisationKind.COMMUNITY]


@dataclass
class OpportunityDetails:
    funder: str
    title: str
    what_it_funds: str
    deadline: date
    link: str
    who_may_apply: str = ""
    min_amount_pence: int | None = None
    max_amount_pence: int | None = None
    ward_ids: list[int] = field(default_factory=list)
    beneficiary_group_ids: list[int] = field(default_factory=list)
    organisation_types: list[OrganisationType] = field(default_factory=list)


# --- Which organisations an opportunity fits ------------------------------------------


def fits(opportunity=FundingOpportunity, organisation=Organisation):
    """The SQL condition "`opportunity` fits `organisation`" (open, by its wards, groups
    and types), for a query that has both in its FROM."""
    opp_ward, org_ward = opportunity_ward.alias(), organisation_ward.alias()
    opp_group = opportunity_beneficiary_group.alias()
    org_group = organisation_beneficiary_group.alias()
    citywide = aliased(Ward)
    own_ward = opp_ward.c.opportunity_id == opportunity.id
    ward_fits = or_(
        ~exists().where(own_ward),
        exists().where(own_ward, citywide.id == opp_ward.c.ward_id, citywide.is_citywide),
        exists().where(
            org_ward.c.organisation_id == organisation.id,
            citywide.id == org_ward.c.ward_id,
            citywide.is_citywide,
        ),
        exists().where(
            own_ward,
            org_ward.c.organisation_id == organisation.id,
            org_ward.c.ward_id == opp_ward.c.ward_id,
        ),
    )
    own_group = opp_group.c.opportunity_id == opportunity.id
    group_fits = or_(
        ~exists().where(own_group),
        exists().where(
            own_group,
            org_group.c.organisation_id == organisation.id,
            org_group.c.beneficiary_group_id == opp_group.c.beneficiary_group_id,
        ),
    )
    # Types are stored space separated: " cio cic " holds " cio ". The type's "_" would
    # be LIKE's one-character wildcard, so it is escaped.
    org_type = func.replace(cast(organisation.org_type, String), "_", "/_")
    type_fits = or_(
        opportunity.organisation_types == "",
        (literal(" ") + opportunity.organisation_types + literal(" ")).like(
            literal("% ") + org_type + literal(" %"), escape="/"
        ),
    )
    return and_(ward_fits, group_fits, type_fits)


def is_open(today: date, opportunity=FundingOpportunity):
    return and_(opportunity.withdrawn.is_(False), opportunity.deadline >= today)


def _verified_community(organisation=Organisation):
    return and_(
        organisation.kind == OrganisationKind.COMMUNITY,
        organisation.status == OrganisationStatus.APPROVED,
    )


def fitting_organisations(opportunity: FundingOpportunity, *, undismissed: bool = False):
    """The verified community organisations `opportunity` fits (open or not), with their
    members loaded; with `undismissed`, only those that have not said "not for us"."""
    stmt = (
        select(Organisation)
        .join(FundingOpportunity, FundingOpportunity.id == opportunity.id)
        .where(_verified_community(), fits())
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))
        .order_by(Organisation.id)
    )
    if undismissed:
        stmt = stmt.where(
            ~exists().where(
                OpportunityDismissal.opportunity_id == opportunity.id,
                OpportunityDismissal.organisation_id == Organisation.id,
            )
        )
    return list(db.session.scalars(stmt))


def funding_path(org: Organisation) -> str:
    return f"/organisations/{org.id}/funding"


# --- What an organisation sees -----------------------------------------------------------


@dataclass
class OrganisationOpportunities:
    fitting: list[FundingOpportunity]  # nearest deadline first
    dismissed: list[FundingOpportunity]


def for_organisation(org: Organisation, today: date | None = None) -> OrganisationOpportunities:
    """The open opportunities that fit `org`, nearest deadline first, split into those it
    has not dismissed and those it has: one query (and one each for their wards and
    groups), however many there are."""
    if org.kind is not OrganisationKind.COMMUNITY or org.status is not OrganisationStatus.APPROVED:
        return OrganisationOpportunities([], [])
    today = today or today_in_leeds()
    dismissed = (
        exists()
        .where(
            OpportunityDismissal.opportunity_id == FundingOpportunity.id,
            OpportunityDismissal.organisation_id == org.id,
        )
        .label("dismissed")
    )
    rows = db.session.execute(
        select(FundingOpportunity, dismissed)
        .join(Organisation, Organisation.id == org.id)
        .where(is_open(today), fits())
        .options(
            selectinload(FundingOpportunity.wards),
            selectinload(FundingOpportunity.beneficiary_groups),
        )
        .order_by(FundingOpportunity.deadline, FundingOpportunity.id)
    ).all()
    return OrganisationOpportunities(
        fitting=[opp for opp, gone in rows if not gone],
        dismissed=[opp for opp, gone in rows if gone],
    )


def dismiss(
    opportunity: FundingOpportunity, org: Organisation, by: User
) -> OpportunityDismissal | None:
    """`org` says `opportunity` is not for it: it moves to the dismissed list and no
    reminder about it goes to the organisation's members. Saying it twice is harmless."""
    found = db.session.scalars(
        select(OpportunityDismissal).where(
            OpportunityDismissal.opportunity_id == opportunity.id,
            OpportunityDismissal.organisation_id == org.id,
        )
    ).first()
    if found is not None:
        return found
    dismissal = OpportunityDismissal(
        opportunity_id=opportunity.id, organisation_id=org.id, dismissed_by_id=by.id
    )
    db.session.add(dismissal)
    db.session.flush()
    return dismissal


def open_fitting(opportunity: FundingOpportunity, org: Organisation) -> bool:
    """Whether `opportunity` is open and fits `org` now."""
    return any(opp.id == opportunity.id for opp in _both(for_organisation(org)))


def _both(found: OrganisationOpportunities) -> Iterator[FundingOpportunity]:
    yield from found.fitting
    yield from found.dismissed


# --- The team's side ----------------------------------------------------------------------


def amount_problem(amount: int | None) -> str | None:
    if amount is not None and amount <= 0:
        return "The amount must be more than £0"
    if amount is not None and amount > MAX_AMOUNT_PENCE:
        return f"The amount must be £{MAX_AMOUNT_PENCE // 100:,} or less"
    return None


def _check(details: OpportunityDetails, today: date) -> None:
    if details.deadline < today:
        raise FieldError("deadline", "The deadline must be today or in the future")
    low, high = details.min_amount_pence, details.max_amount_pence
    for name, amount in (("min_amount", low), ("max_amount", high)):
        problem = amount_problem(amount)
        if problem:
            raise FieldError(name, problem)
    if low is not None and high is not None and low > high:
        raise FieldError("max_amount", "The most must be the same as or more than the least")
    if not details.link.startswith("https://"):
        raise FieldError("link", "Enter a link that starts with https://")


def _apply(opportunity: FundingOpportunity, details: OpportunityDetails) -> None:
    opportunity.funder = details.funder
    opportunity.title = details.title
    opportunity.what_it_funds = details.what_it_funds
    opportunity.who_may_apply = details.who_may_apply or ""
    opportunity.min_amount_pence = details.min_amount_pence
    opportunity.max_amount_pence = details.max_amount_pence
    opportunity.deadline = details.deadline
    opportunity.link = details.link
    opportunity.organisation_types = " ".join(
        t.value for t in OrganisationType if t in set(details.organisation_types)
    )
    opportunity.wards = (
        list(db.session.scalars(select(Ward).where(Ward.id.in_(details.ward_ids))))
        if details.ward_ids
        else []
    )
    opportunity.beneficiary_groups = (
        list(
            db.session.scalars(
                select(BeneficiaryGroup).where(
                    BeneficiaryGroup.id.in_(details.beneficiary_group_ids)
                )
            )
        )
        if details.beneficiary_group_ids
        else []
    )


def post_opportunity(
    details: OpportunityDetails, by: User, today: date | None = None
) -> FundingOpportunity:
    """The team posts another funder's opportunity; each member of an organisation it
    fits gets a notice in the site (no email: the reminder before the deadline is the
    one that may email, as every reminder does)."""
    _check(details, today or today_in_leeds())
    opportunity = FundingOpportunity(created_by_id=by.id)
    _apply(opportunity, details)
    db.session.add(opportunity)
    db.session.flush()
    told: set[int] = set()
    for org in fitting_organisations(opportunity):
        people = [m.user for m in org.active_memberships if m.user_id not in told]
        told.update(p.id for p in people)
        notify(
            people,
            f"A funding opportunity may suit {org.name}: {opportunity.title} "
            f"({opportunity.funder}), deadline {opportunity.deadline.day} "
            f"{opportunity.deadline:%B %Y}",
            funding_path(org),
        )
    return opportunity


def update_opportunity(
    opportunity: FundingOpportunity, details: OpportunityDetails, today: date | None = None
) -> FundingOpportunity:
    if opportunity.withdrawn:
        raise Conflict("This opportunity has been withdrawn: it cannot be changed.")
    _check(details, today or today_in_leeds())
    _apply(opportunity, details)
    db.session.flush()
    return opportunity


def withdraw_opportunity(opportunity: FundingOpportunity) -> None:
    """Take it off every organisation's list (kept for the record and the CSV)."""
    if opportunity.withdrawn:
        raise Conflict("This opportunity is already withdrawn.")
    opportunity.withdrawn = True
    db.session.flush()


def state(opportunity: FundingOpportunity, today: date) -> str:
    """How the team's list words it: open, past its deadline, or withdrawn."""
    if opportunity.withdrawn:
        return "Withdrawn"
    return "Past its deadline" if opportunity.deadline < today else "Open"


def closing_soon(today: date, days: int) -> list[FundingOpportunity]:
    """Open opportunities whose deadline is within `days` days: the reminders' list."""
    return list(
        db.session.scalars(
            select(FundingOpportunity)
            .where(is_open(today), FundingOpportunity.deadline <= today + timedelta(days=days))
            .order_by(FundingOpportunity.deadline, FundingOpportunity.id)
        )
    )


def team_list(page: int, today: date | None = None) -> Page:
    today = today or today_in_leeds()
    closed = or_(FundingOpportunity.withdrawn.is_(True), FundingOpportunity.deadline < today)
    total = db.session.scalar(select(func.count(FundingOpportunity.id))) or 0
    query = (
        select(FundingOpportunity)
        .options(
            selectinload(FundingOpportunity.wards),
            selectinload(FundingOpportunity.beneficiary_groups),
        )
        .order_by(closed, FundingOpportunity.deadline, FundingOpportunity.id)
    )
    return paginate(query, total=total, page=page, per_page=PER_PAGE)


OPPORTUNITY_COLUMNS = [
    "Opportunity ID",
    "Funder",
    "Title",
    "What it funds",
    "Who may apply",
    "Least (£)",
    "Most (£)",
    "Deadline",
    "State",
    "Wards",
    "Beneficiary groups",
    "Organisation types",
    "Link",
    "Organisations that said not for us",
    "Posted (UK time)",
]


def opportunity_rows(today: date | None = None) -> Iterator[list]:
    """Every opportunity as CSV rows, in the team list's order: one query."""
    today = today or today_in_leeds()
    closed = or_(FundingOpportunity.withdrawn.is_(True), FundingOpportunity.deadline < today)
    statement = select(
        FundingOpportunity.id,
        FundingOpportunity.funder,
        FundingOpportunity.title,
        FundingOpportunity.what_it_funds,
        FundingOpportunity.who_may_apply,
        FundingOpportunity.min_amount_pence,
        FundingOpportunity.max_amount_pence,
        FundingOpportunity.deadline,
        FundingOpportunity.withdrawn,
        joined(
            select(Ward.name)
            .join(opportunity_ward, opportunity_ward.c.ward_id == Ward.id)
            .where(opportunity_ward.c.opportunity_id == FundingOpportunity.id),
            Ward.position,
            FundingOpportunity,
        ).label("wards"),
        joined(
            select(BeneficiaryGroup.name)
            .join(
                opportunity_beneficiary_group,
                opportunity_beneficiary_group.c.beneficiary_group_id == BeneficiaryGroup.id,
            )
            .where(opportunity_beneficiary_group.c.opportunity_id == FundingOpportunity.id),
            BeneficiaryGroup.position,
            FundingOpportunity,
        ).label("groups"),
        FundingOpportunity.organisation_types,
        FundingOpportunity.link,
        select(func.count(OpportunityDismissal.id))
        .where(OpportunityDismissal.opportunity_id == FundingOpportunity.id)
        .scalar_subquery()
        .label("dismissed"),
        FundingOpportunity.created_at,
    ).order_by(closed, FundingOpportunity.deadline, FundingOpportunity.id)
    return _csv_rows(stream(statement), today)


def _csv_rows(rows: Iterable, today: date) -> Iterator[list]:
    for row in rows:
        yield [
            row.id,
            row.funder,
            row.title,
            row.what_it_funds,
            row.who_may_apply,
            money(row.min_amount_pence),
            money(row.max_amount_pence),
            row.deadline,
            state(row, today),
            row.wards or "Any",
            row.groups or "Any",
            type_labels(row.organisation_types) or "Any",
            row.link,
            row.dismissed,
            row.created_at,
        ]


def type_labels(stored: str) -> str:
    return ", ".join(OrganisationType(v).label for v in stored.split() if v in _TYPE_VALUES)


_TYPE_VALUES = {t.value for t in OrganisationType}


def types_of(opportunity: FundingOpportunity) -> list[OrganisationType]:
    return [
        OrganisationType(v) for v in opportunity.organisation_types.split() if v in _TYPE_VALUES
    ]
