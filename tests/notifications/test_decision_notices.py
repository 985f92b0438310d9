"""Decisions reach people in the site as well as by email: verification, moderation,
join requests and their answers. Each notice links to the page to act on."""

from __future__ import annotations

from sqlalchemy import select

from brokerage.extensions import db
from brokerage.listings.models import ListingAction, ListingStatus
from brokerage.listings.services import moderate
from brokerage.notifications.models import Notice
from brokerage.organisations import membership
from brokerage.organisations.models import OrganisationStatus
from tests.helpers import page_text
from tests.listings import factories as listings_make


def _notices(user) -> list[tuple[str, str]]:
    return [
        (n.message, n.path)
        for n in db.session.scalars(
            select(Notice).where(Notice.user_id == user.id).order_by(Notice.id)
        )
    ]


def test_an_owner_is_told_in_the_site_that_their_organisation_is_verified(make, client, login):
    owner = make.user(name="Olive Owner")
    org = make.organisation(owner, name="Armley Digital", status=OrganisationStatus.APPROVED)
    assert ("Armley Digital is verified", f"/organisations/{org.id}") in _notices(owner)
    login(owner)
    assert "Armley Digital is verified" in page_text(client.get("/notices"))


def test_the_author_hears_in_the_site_that_a_need_needs_changes(make):
    need = listings_make.need(status=ListingStatus.SUBMITTED)
    author = need.created_by
    moderate(need, make.team_member(), ListingAction.REQUEST_CHANGES, "Say which wards")
    db.session.commit()
    assert (f"Please change {need.title}", f"/needs/{need.id}") in _notices(author)


def test_join_requests_and_their_answers_reach_people_in_the_site(make):
    owner = make.user(name="Olive Owner")
    org = make.organisation(owner, name="Armley Digital")
    asker = make.user(name="Asha Asker")
    request = membership.request_to_join(org, asker, "I volunteer on Tuesdays")
    db.session.commit()
    assert ("A new request to join Armley Digital", f"/organisations/{org.id}/members") in (
        _notices(owner)
    )
    membership.decide_join_request(request, owner, accept=True)
    db.session.commit()
    assert ("You are now a member of Armley Digital", f"/organisations/{org.id}") in _notices(asker)
