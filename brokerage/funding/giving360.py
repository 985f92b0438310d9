"""Our grants as open data in the 360Giving Data Standard: one row a grant, with the
standard's spreadsheet column titles (its "summary table" template).

Identifiers follow the standard: a grant is GRANTS_360_PREFIX-award-<the award's id>
(stable: an award's id never changes); a recipient is its org-id from the register
number we already check (org-id.guide): GB-CHC- for the Charity Commission for England
and Wales, GB-SC- for OSCR (SC0xxxxx), GB-NIC- for Northern Ireland (digits only),
GB-COH- for Companies House. An unregistered group gets our own prefix's
PREFIX-org-<its id>. The funder is FUNDER_ORG_ID and FUNDER_ORG_NAME.

The public file holds the rounds whose results are published; the team's adds the
rounds decided but not yet published."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC

from sqlalchemy import select

from brokerage.clock import today_in_leeds
from brokerage.exports import money, stream
from brokerage.funding.award_models import Award, AwardStatus
from brokerage.funding.models import GrantApplication, GrantRound, RoundStatus
from brokerage.organisations.models import Organisation, RegistrationScheme

COLUMNS = (
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Applied For",
    "Amount Awarded",
    "Amount Disbursed",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Recipient Org:Charity Number",
    "Recipient Org:Company Number",
    "Recipient Org:Postal Code",
    "Beneficiary Location:Name",
    "Beneficiary Location:Country Code",
    "Beneficiary Location:Geographic Code",
    "Beneficiary Location:Geographic Code Type",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Code",
    "Grant Programme:Title",
    "From an open call?",
    "Last modified",
)

# Every grant helps people in Leeds: the local authority district's ONS code.
LEEDS = ("Leeds", "GB", "E08000035", "LAD")

ORG_ID_PREFIXES = {
    RegistrationScheme.CHARITY_EW: "GB-CHC-",
    RegistrationScheme.CHARITY_SC: "GB-SC-",
    RegistrationScheme.CHARITY_NI: "GB-NIC-",
    RegistrationScheme.COMPANIES_HOUSE: "GB-COH-",
}
CHARITY_SCHEMES = frozenset(
    {RegistrationScheme.CHARITY_EW, RegistrationScheme.CHARITY_SC, RegistrationScheme.CHARITY_NI}
)

PUBLIC_ROUNDS = (RoundStatus.PUBLISHED,)
TEAM_ROUNDS = (RoundStatus.DECIDED, RoundStatus.PUBLISHED)


def grant_identifier(prefix: str, award_id: int) -> str:
    return f"{prefix}-award-{award_id}"


def org_identifier(prefix: str, scheme: RegistrationScheme, number: str | None, org_id: int) -> str:
    """The organisation's org-id: from its register number, or ours for a group that
    is not registered. Northern Ireland's is the number's digits alone."""
    if scheme in ORG_ID_PREFIXES and number:
        if scheme is RegistrationScheme.CHARITY_NI:
            number = number.removeprefix("NIC")
        return ORG_ID_PREFIXES[scheme] + number
    return f"{prefix}-org-{org_id}"


def _statement(statuses: tuple[RoundStatus, ...]):
    return (
        select(
            Award.id,
            Award.amount_pence,
            Award.status,
            Award.awarded_at,
            Award.updated_at,
            GrantApplication.title,
            GrantApplication.summary,
            GrantApplication.amount_pence,
            Organisation.id,
            Organisation.name,
            Organisation.registration_scheme,
            Organisation.registration_number,
            Organisation.postcode,
            GrantRound.id,
            GrantRound.name,
        )
        .join(GrantApplication, GrantApplication.id == Award.application_id)
        .join(GrantRound, GrantRound.id == GrantApplication.round_id)
        .join(Organisation, Organisation.id == GrantApplication.organisation_id)
        .where(GrantRound.status.in_(statuses))
        .order_by(Award.awarded_at, Award.id)
    )


def _iso(moment) -> str:
    """An ISO 8601 date and time with its offset: 2027-03-01T10:15:00+00:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def grant_row(row, config: Mapping) -> list:
    (
        award_id,
        amount,
        status,
        awarded_at,
        updated_at,
        title,
        summary,
        applied,
        org_id,
        org_name,
        scheme,
        number,
        postcode,
        round_id,
        round_name,
    ) = row
    prefix = config["GRANTS_360_PREFIX"]
    scheme = RegistrationScheme(scheme)
    return [
        grant_identifier(prefix, award_id),
        title,
        summary or title,
        "GBP",
        money(applied),
        money(amount),
        money(amount) if AwardStatus(status) is not AwardStatus.AWARDED else None,
        today_in_leeds(awarded_at).isoformat(),
        org_identifier(prefix, scheme, number, org_id),
        org_name,
        number if scheme in CHARITY_SCHEMES else None,
        number if scheme is RegistrationScheme.COMPANIES_HOUSE else None,
        postcode,
        *LEEDS,
        config["FUNDER_ORG_ID"],
        config["FUNDER_ORG_NAME"],
        f"{prefix}-round-{round_id}",
        round_name,
        "Yes",
        _iso(updated_at),
    ]


def grant_rows(config: Mapping, *, include_decided: bool) -> Iterator[list]:
    """The file's rows, read as the download is written (exports.stream). `config` is
    copied now: the rows are read after the request has gone."""
    config = {
        name: config[name] for name in ("GRANTS_360_PREFIX", "FUNDER_ORG_ID", "FUNDER_ORG_NAME")
    }
    rows = stream(_statement(TEAM_ROUNDS if include_decided else PUBLIC_ROUNDS))

    def written() -> Iterator[list]:
        try:
            for row in rows:
                yield grant_row(row, config)
        finally:
            rows.close()

    return written()
