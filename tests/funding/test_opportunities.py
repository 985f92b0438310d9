"""Other funders' opportunities: which organisations each fits, an organisation's own
list (soonest deadline first, "not for us", past ones gone by themselves), the notice
when one is posted and the reminder a week before its deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from brokerage.clock import today_in_leeds
from brokerage.config import ConfigError, load
from brokerage.errors import Conflict, FieldError
from brokerage.extensions import db
from brokerage.funding import opportunities as service
from brokerage.funding.opportunities import OpportunityDetails
from brokerage.notifications.models import Notice, OutboxEmail
from brokerage.notifications.reminders import send_reminders
from brokerage.organisations.models import OrganisationKind, OrganisationStatus, OrganisationType
from tests.funding.opportunity_factories import opportunity
from tests.helpers import counted_statements


def _titles(found) -> list[str]:
    return [o.title for o in found]


@pytest.fixture
def armley(make):
    """A verified charity in Armley working with older people."""
    return make.organisation(name="Armley Elders")


def test_an_opportunity_with_no_limits_fits_every_verified_community_organisation(make, armley):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    pending = make.organisation(status=OrganisationStatus.PENDING)
    anyone = opportunity(title="For anyone")
    assert _titles(service.for_organisation(armley).fitting) == ["For anyone"]
    assert service.for_organisation(company).fitting == []
    assert service.for_organisation(pending).fitting == []
    assert service.fitting_organisations(anyone) == [armley]


@pytest.mark.parametrize(
    ("wards", "org_wards", "fits"),
    [
        (["armley"], ["armley"], True),
        (["armley", "bramley-and-stanningley"], ["bramley-and-stanningley"], True),
        (["beeston-and-holbeck"], ["armley"], False),
        (["leeds-wide"], ["armley"], True),  # the opportunity is Leeds-wide
        (["beeston-and-holbeck"], ["leeds-wide"], True),  # the organisation is
        ([], ["armley"], True),
    ],
)
def test_wards_fit_when_shared_or_either_is_leeds_wide(make, wards, org_wards, fits):
    org = make.organisation(ward_ids=[make.ward(slug).id for slug in org_wards])
    opportunity(title="Ward one", wards=wards)
    assert bool(service.for_organisation(org).fitting) is fits


@pytest.mark.parametrize(
    ("groups", "fits"),
    [
        ([], True),
        (["older-people"], True),
        (["young-people", "older-people"], True),
        (["young-people"], False),
    ],
)
def test_groups_fit_when_shared(armley, groups, fits):
    opportunity(title="Groups", groups=groups)
    assert bool(service.for_organisation(armley).fitting) is fits


@pytest.mark.parametrize(
    ("types", "fits"),
    [
        ([], True),
        ([OrganisationType.REGISTERED_CHARITY], True),
        ([OrganisationType.CIO, OrganisationType.REGISTERED_CHARITY], True),
        ([OrganisationType.CIO], False),
        # "_" is not a wildcard: a type must be named exactly.
        ([OrganisationType.OTHER_COMMUNITY], False),
    ],
)
def test_types_fit_when_listed(armley, types, fits):
    opportunity(title="Types", types=types)
    assert bool(service.for_organisation(armley).fitting) is fits


def test_soonest_deadline_first_and_past_or_withdrawn_ones_leave_by_themselves(armley, clock):
    today = today_in_leeds()
    opportunity(title="Later", deadline=today + timedelta(days=30))
    opportunity(title="Today", deadline=today)
    opportunity(title="Soon", deadline=today + timedelta(days=3))
    opportunity(title="Withdrawn", withdrawn=True)
    assert _titles(service.for_organisation(armley).fitting) == ["Today", "Soon", "Later"]
    # Tomorrow (Leeds's date), with nothing run in between: today's has gone.
    clock(datetime(today.year, today.month, today.day, 12, tzinfo=UTC) + timedelta(days=1))
    assert _titles(service.for_organisation(armley).fitting) == ["Soon", "Later"]


def test_a_dismissed_one_moves_to_its_own_list_once(make, armley):
    person = armley.owners[0]
    first = opportunity(title="First")
    opportunity(title="Second")
    service.dismiss(first, armley, person)
    service.dismiss(first, armley, person)  # a second press changes nothing
    db.session.commit()
    found = service.for_organisation(armley)
    assert _titles(found.fitting) == ["Second"]
    assert _titles(found.dismissed) == ["First"]
    # Another organisation still sees it.
    other = make.organisation()
    assert _titles(service.for_organisation(other).fitting) == ["First", "Second"]


def test_the_list_is_a_fixed_number_of_queries(make, armley):
    def count() -> int:
        db.session.expire_all()
        org = db.session.get(type(armley), armley.id)
        with counted_statements() as statements:
            found = service.for_organisation(org)
            for opp in found.fitting:
                _ = [w.name for w in opp.wards], [g.name for g in opp.beneficiary_groups]
        return len(statements)

    opportunity(wards=["armley"], groups=["older-people"])
    few = count()
    for n in range(15):
        opportunity(title=f"More {n}", wards=["armley"], groups=["older-people"])
    assert count() == few <= 3


def _details(**changes) -> OpportunityDetails:
    values = dict(
        funder="Leeds Community Foundation",
        title="Digital skills for older people",
        what_it_funds="Tablets and volunteer time for digital skills sessions.",
        deadline=today_in_leeds() + timedelta(days=30),
        link="https://example.org/fund",
    )
    values.update(changes)
    return OpportunityDetails(**values)


def test_posting_tells_the_members_of_fitting_organisations_in_the_site_only(make, armley):
    team = make.team_member()
    member = make.member(armley)
    elsewhere = make.organisation(ward_ids=[make.ward("wetherby").id])
    emails = len(db.session.scalars(select(OutboxEmail)).all())
    posted = service.post_opportunity(_details(ward_ids=[make.ward("armley").id]), team)
    db.session.commit()
    told = db.session.scalars(select(Notice.user_id).where(Notice.message.contains("may suit")))
    assert sorted(told) == sorted([armley.owners[0].id, member.id])
    assert elsewhere.owners[0].id not in told
    notice = db.session.scalars(select(Notice).where(Notice.user_id == member.id)).one()
    assert notice.path == f"/organisations/{armley.id}/funding"
    assert posted.title in notice.message
    assert len(db.session.scalars(select(OutboxEmail)).all()) == emails


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"deadline": today_in_leeds() - timedelta(days=1)}, "deadline"),
        ({"link": "http://example.org"}, "link"),
        ({"min_amount_pence": 500_00, "max_amount_pence": 100_00}, "max_amount"),
        ({"min_amount_pence": 0}, "min_amount"),
    ],
)
def test_the_rules_refuse_bad_details(make, changes, field):
    with pytest.raises(FieldError) as refused:
        service.post_opportunity(_details(**changes), make.team_member())
    assert refused.value.field == field


def test_a_withdrawn_one_cannot_be_changed_or_withdrawn_again(make):
    withdrawn = opportunity(withdrawn=True)
    with pytest.raises(Conflict):
        service.update_opportunity(withdrawn, _details())
    with pytest.raises(Conflict):
        service.withdraw_opportunity(withdrawn)


def _reminders(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notice.message).where(
                Notice.user_id == user.id, Notice.message.contains("closes on")
            )
        )
    )


def test_a_reminder_goes_seven_days_before_the_deadline_once_unless_dismissed(app, make, armley):
    today = today_in_leeds()
    at = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    dismissing = make.organisation(name="Not Interested")
    switched_off = make.member(armley)
    switched_off.reminders_off = True
    db.session.commit()
    opp = opportunity(title="Tablets fund", deadline=today + timedelta(days=10))
    service.dismiss(opp, dismissing, dismissing.owners[0])
    db.session.commit()
    owner = armley.owners[0]

    assert send_reminders(app.config, now=at + timedelta(days=2)).opportunities == 0
    assert send_reminders(app.config, now=at + timedelta(days=3)).opportunities == 1
    said = f"closes on {opp.deadline:%-d %B}: apply, or say it is not for you"
    assert _reminders(owner) == [f"Tablets fund (Example Fund) {said}"]
    assert _reminders(dismissing.owners[0]) == []
    assert _reminders(switched_off) == []
    (email,) = db.session.scalars(select(OutboxEmail).where(OutboxEmail.template == "reminder"))
    assert email.to_address == owner.email
    assert f"/organisations/{armley.id}/funding" in email.body_text

    assert send_reminders(app.config, now=at + timedelta(days=4)).opportunities == 0
    assert len(_reminders(owner)) == 1
    # Past the deadline, or withdrawn: nothing more.
    assert send_reminders(app.config, now=at + timedelta(days=11)).opportunities == 0


@pytest.mark.parametrize("value", ["0", "seven", "400"])
def test_bad_opportunity_reminder_days_stop_the_app(monkeypatch, value):
    monkeypatch.setenv("REMIND_OPPORTUNITY_DAYS", value)
    with pytest.raises(ConfigError, match="REMIND_OPPORTUNITY_DAYS"):
        load({"APP_ENV": "testing"})


def test_the_reminder_days_are_a_setting(app, make, armley, monkeypatch):
    monkeypatch.setitem(app.config, "REMIND_OPPORTUNITY_DAYS", 2)
    today = today_in_leeds()
    at = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
    opportunity(deadline=today + timedelta(days=3))
    assert send_reminders(app.config, now=at).opportunities == 0
    assert send_reminders(app.config, now=at + timedelta(days=1)).opportunities == 1
