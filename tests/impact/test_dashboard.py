"""The team's dashboard: work waiting and for how long, matches by status, the median
time from publishing a need to an agreed match, the needs open longest unmatched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from brokerage.extensions import db
from brokerage.impact import dashboard
from brokerage.listings.models import ListingStatus, Need, Offer
from brokerage.matches import services
from brokerage.matches.help_offers import offer_help
from brokerage.matches.models import HelpOffer, Match, MatchStatus
from brokerage.organisations.models import Organisation, OrganisationKind, OrganisationStatus
from tests.helpers import counted_statements
from tests.impact.make import confirmed, copies
from tests.listings import factories as listings_make
from tests.matches import factories as brokering_make

# Times are set relative to now: the factories date what they make by the clock.
NOW = datetime.now(UTC).replace(microsecond=0)


def _set(model, row_id: int, **values) -> None:
    db.session.execute(update(model).where(model.id == row_id).values(**values))
    db.session.commit()


def test_work_waiting_counts_each_queue_and_how_long_its_oldest_has_waited(make):
    pending = [make.organisation(status=OrganisationStatus.PENDING) for _ in range(2)]
    _set(Organisation, pending[0].id, submitted_at=NOW - timedelta(days=9))
    _set(Organisation, pending[1].id, submitted_at=NOW - timedelta(days=2))
    make.organisation(status=OrganisationStatus.INFO_REQUESTED)  # waits for its owner
    need = listings_make.need(status=ListingStatus.SUBMITTED)
    _set(Need, need.id, submitted_at=NOW - timedelta(days=3))
    listings_make.need(status=ListingStatus.DRAFT)
    offers = [listings_make.offer(status=ListingStatus.SUBMITTED) for _ in range(3)]
    _set(Offer, offers[1].id, submitted_at=NOW - timedelta(hours=30))
    proposal = brokering_make.proposed()
    _set(Match, proposal.id, proposed_at=NOW - timedelta(days=12))
    brokering_make.agreed()
    company = make.organisation(kind=OrganisationKind.COMPANY)
    help_offer = offer_help(
        listings_make.need(), company.owners[0], company, "We have two people free."
    )
    db.session.commit()
    _set(HelpOffer, help_offer.id, created_at=NOW - timedelta(days=1))

    waiting = {w.name: w for w in dashboard.waiting()}

    # Every organisation the factories approve was pending once; only P1 and P2 still are.
    assert (waiting["organisations"].count, waiting["organisations"].oldest) == (
        2,
        NOW - timedelta(days=9),
    )
    assert (waiting["needs"].count, waiting["needs"].oldest) == (1, NOW - timedelta(days=3))
    assert (waiting["offers"].count, waiting["offers"].oldest) == (3, NOW - timedelta(hours=30))
    assert (waiting["proposals"].count, waiting["proposals"].oldest) == (
        1,
        NOW - timedelta(days=12),
    )
    assert (waiting["help"].count, waiting["help"].oldest) == (1, NOW - timedelta(days=1))


def test_nothing_waiting_is_zero_and_no_oldest():
    assert [(w.count, w.oldest) for w in dashboard.waiting()] == [(0, None)] * 5


def test_matches_by_status_lists_every_status_in_order():
    brokering_make.proposed()
    brokering_make.proposed()
    brokering_make.agreed()
    confirmed()

    assert dashboard.matches_by_status() == [
        (MatchStatus.PROPOSED, 2),
        (MatchStatus.AGREED, 1),
        (MatchStatus.IN_PROGRESS, 0),
        (MatchStatus.COMPLETED, 1),
        (MatchStatus.DECLINED, 0),
        (MatchStatus.CANCELLED, 0),
    ]


def _agreed_after(days: float, agreed_days_ago: float = 10, finish: bool = False) -> Match:
    match = confirmed() if finish else brokering_make.agreed()
    agreed = NOW - timedelta(days=agreed_days_ago)
    _set(Need, match.need_id, published_at=agreed - timedelta(days=days))
    _set(Match, match.id, agreed_at=agreed)
    return match


@pytest.mark.parametrize(
    ("waits", "median"),
    [
        pytest.param([2.0], 2.0, id="one"),
        pytest.param([1.0, 2.0, 10.0], 2.0, id="odd"),
        pytest.param([1.0, 2.0, 4.0, 10.0], 3.0, id="even"),
        pytest.param([0.5, 0.25], 0.375, id="parts-of-days"),
    ],
)
def test_median_days_from_publishing_to_an_agreed_match(waits, median):
    for i, days in enumerate(waits):
        _agreed_after(days, finish=i == 0)  # completed ones count: they were agreed

    result = dashboard.median_days_to_agreement(NOW)

    assert result.matches == len(waits)
    assert result.days == pytest.approx(median, abs=1e-6)


def test_the_median_covers_the_last_year_and_leaves_out_what_it_cannot_know():
    _agreed_after(3)
    _agreed_after(100, agreed_days_ago=400)  # agreed over a year ago
    _agreed_after(-5)  # the need was published again after the match was agreed
    brokering_make.proposed()  # not agreed

    assert dashboard.median_days_to_agreement(NOW) == dashboard.Median(days=3.0, matches=1)
    assert dashboard.median_days_to_agreement(NOW + timedelta(days=400)).days is None


def test_needs_open_longest_without_a_match_oldest_first(make):
    def published(days_ago: int, **values) -> Need:
        need = listings_make.need(title=f"Open {days_ago} days", **values)
        _set(Need, need.id, published_at=NOW - timedelta(days=days_ago))
        return need

    oldest = published(40)
    published(30)
    proposed = published(50)
    brokering_make.proposed(proposed.kind, need=proposed)
    declined_only = published(35)
    match = brokering_make.proposed(declined_only.kind, need=declined_only)
    services.answer(match, declined_only.organisation.owners[0], accept=False, reason="No")
    db.session.commit()
    past_deadline = published(60)
    _set(Need, past_deadline.id, deadline=(NOW - timedelta(days=1)).date())
    listings_make.need(status=ListingStatus.SUBMITTED)

    longest = dashboard.longest_open(NOW)

    assert [n.title for n in longest] == ["Open 40 days", "Open 35 days", "Open 30 days"]
    assert longest[0].id == oldest.id
    assert longest[0].organisation == oldest.organisation.name
    assert [n.title for n in dashboard.longest_open(NOW, limit=1)] == ["Open 40 days"]


def test_the_dashboard_costs_four_queries_however_many_matches():
    match = confirmed()
    listings_make.need()
    with counted_statements() as few:
        small = dashboard.dashboard(NOW)
    copies(match, 60)
    with counted_statements() as many:
        large = dashboard.dashboard(NOW)
    assert len(few) == len(many) == 4
    completed = MatchStatus.COMPLETED
    assert (dict(small.statuses)[completed], dict(large.statuses)[completed]) == (1, 61)
