"""Named volunteers without HTTP: invitations and joining, removal, places (assign,
open, sign up, confirm, withdraw) and disclosure checks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import today_in_leeds
from brokerage.errors import Conflict, DomainError, FieldError, IllegalTransition, NotAllowed
from brokerage.extensions import db
from brokerage.listings.models import ListingSide
from brokerage.matches import services as matches
from brokerage.matches.models import MatchMessage
from brokerage.notifications.models import Notice
from brokerage.organisations.models import Membership
from brokerage.permissions import Action, can, is_volunteer
from brokerage.privacy import erasure, subject
from brokerage.volunteering import checks, places, volunteers
from brokerage.volunteering.models import (
    PLACE_TRANSITIONS,
    CheckLevel,
    PlaceAction,
    PlaceEvent,
    PlaceStatus,
    VolunteerInvitation,
    VolunteerStatus,
    next_place_status,
)
from tests import factories
from tests.volunteering import make


def _notices(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notice.message).where(Notice.user_id == user.id).order_by(Notice.id)
        )
    )


# --- Joining and leaving ----------------------------------------------------------------


def test_an_invited_employee_joins_as_a_volunteer_not_a_member():
    org, lead = make.company()
    person = factories.user(name="Vera Volunteer", email="vera@bytes.example")
    volunteers.invite(org, lead, "Vera@Bytes.example ")
    db.session.commit()
    invitation = volunteers.find_invitation(make.token_for("vera@bytes.example"))
    assert invitation.token_hash != make.token_for("vera@bytes.example")  # only a hash kept
    joined = volunteers.accept_invitation(invitation, person)
    db.session.commit()
    assert joined.status is VolunteerStatus.ACTIVE
    assert is_volunteer(person, org)
    # A volunteer role, not a membership: they cannot act for the company.
    assert (
        db.session.scalar(select(func.count(Membership.id)).where(Membership.user_id == person.id))
        == 0
    )
    assert not can(person, Action.OFFER_POST, org)
    assert not can(person, Action.ORGANISATION_MEMBER, org)
    with pytest.raises(Conflict, match="already been used"):
        volunteers.accept_invitation(invitation, person)


def test_an_invitation_is_for_its_address_and_for_a_verified_account():
    org, lead = make.company()
    volunteers.invite(org, lead, "someone@bytes.example")
    invitation = volunteers.find_invitation(make.token_for("someone@bytes.example"))
    with pytest.raises(NotAllowed, match=r"was sent to someone@bytes\.example"):
        volunteers.accept_invitation(invitation, factories.user())
    unverified = factories.user(email="someone@bytes.example", verified=False)
    with pytest.raises(NotAllowed, match="Confirm your email address"):
        volunteers.accept_invitation(invitation, unverified)


def test_an_expired_invitation_is_refused(clock):
    org, lead = make.company()
    volunteers.invite(org, lead, "late@bytes.example")
    db.session.commit()
    clock(datetime.now(UTC) + timedelta(days=15))
    invitation = volunteers.find_invitation(make.token_for("late@bytes.example"))
    with pytest.raises(Conflict, match="expired"):
        volunteers.accept_invitation(invitation, factories.user(email="late@bytes.example"))


def test_a_current_volunteer_is_not_invited_twice():
    org, lead = make.company()
    v = make.volunteer(org)
    with pytest.raises(Conflict, match="already a volunteer"):
        volunteers.invite(org, lead, v.user.email)


def test_removing_a_volunteer_who_left_keeps_their_rows_and_frees_their_place():
    org, lead = make.company()
    v = make.volunteer(org, name="Lou Leaver")
    match = make.agreed_match(org, 2)
    first = places.places_of(match)[0]
    places.assign(first, v, lead)
    db.session.commit()
    freed = volunteers.remove(v, lead)
    db.session.commit()
    assert [p.number for p in freed] == [1]
    assert v.status is VolunteerStatus.LEFT and v.left_at is not None
    assert first.status is PlaceStatus.UNFILLED and first.volunteer is None
    assert not is_volunteer(v.user, org)
    # Their history stays, with their name.
    lines = db.session.scalars(
        select(PlaceEvent).where(PlaceEvent.place_id == first.id).order_by(PlaceEvent.id)
    ).all()
    assert [line.action for line in lines] == [PlaceAction.ASSIGN, PlaceAction.WITHDRAW]
    assert lines[-1].volunteer_id == v.id and "left the company" in lines[-1].comment
    assert volunteers.volunteers_of(org) == [v]
    with pytest.raises(IllegalTransition):
        volunteers.remove(v, lead)


def test_a_volunteer_who_deletes_their_account_leaves_and_frees_their_place():
    org, lead = make.company()
    v = make.volunteer(org, name="Dee Leted")
    match = make.agreed_match(org, 1)
    place = places.places_of(match)[0]
    places.assign(place, v, lead)
    db.session.commit()
    erasure.delete_account(v.user, factories.PASSWORD)
    db.session.commit()
    assert v.status is VolunteerStatus.LEFT
    assert place.status is PlaceStatus.UNFILLED and place.volunteer is None
    assert not is_volunteer(v.user, org)
    lines = db.session.scalars(
        select(PlaceEvent).where(PlaceEvent.place_id == place.id).order_by(PlaceEvent.id)
    ).all()
    assert lines[-1].action is PlaceAction.WITHDRAW
    assert "Dee Leted" not in (lines[-1].comment or "")


def test_a_volunteer_who_left_can_be_invited_back():
    org, lead = make.company()
    v = make.volunteer(org)
    volunteers.remove(v, lead)
    db.session.commit()
    again = make.volunteer(org, v.user)
    assert again.id == v.id and again.status is VolunteerStatus.ACTIVE


# --- Places ---------------------------------------------------------------------------------


def test_a_match_has_as_many_places_as_its_volunteers_made_once():
    org, _ = make.company()
    match = make.agreed_match(org, 3)
    places.ensure_places(match)
    places.ensure_places(match)
    assert [p.number for p in places.places_of(match)] == [1, 2, 3]
    assert {p.status for p in places.places_of(match)} == {PlaceStatus.UNFILLED}


def test_the_lead_assigns_and_the_charity_confirms():
    org, lead = make.company()
    v = make.volunteer(org, name="Ada Able")
    match = make.agreed_match(org, 2)
    place = places.places_of(match)[0]
    places.assign(place, v, lead)
    assert place.status is PlaceStatus.TAKEN and place.volunteer == v
    assert any("gave you a place" in n for n in _notices(v.user))
    charity = match.need.organisation.owners[0]
    assert any("Ada Able is named for place 1" in n for n in _notices(charity))
    with pytest.raises(Conflict, match="already has a place"):
        places.assign(places.places_of(match)[1], v, lead)
    places.confirm(place, charity)
    assert place.status is PlaceStatus.CONFIRMED and place.confirmed_by_id == charity.id
    with pytest.raises(Conflict, match="no volunteer waiting"):
        places.confirm(place, charity)


def test_only_the_companys_active_volunteers_are_assigned():
    org, lead = make.company()
    other_org, _ = make.company("Other Ltd")
    stranger = make.volunteer(other_org)
    match = make.agreed_match(org, 1)
    with pytest.raises(Exception, match="Choose a volunteer of Bytes Ltd"):
        places.assign(places.places_of(match)[0], stranger, lead)


def test_a_volunteer_signs_up_to_an_open_place_first_come():
    org, lead = make.company()
    first, second = make.volunteer(org), make.volunteer(org)
    match = make.agreed_match(org, 1)
    with pytest.raises(Conflict, match="every place on this match is taken"):
        places.sign_up(match, first)  # nothing open yet
    assert places.open_places(match, lead) == 1
    place = places.sign_up(match, first)
    db.session.commit()
    assert place.number == 1 and place.status is PlaceStatus.TAKEN and place.volunteer == first
    with pytest.raises(Conflict, match="every place on this match is taken"):
        places.sign_up(match, second)
    with pytest.raises(Conflict, match="already has a place"):
        places.sign_up(match, first)


def test_the_same_volunteer_signing_up_twice_at_once_is_told_not_shown_an_error(monkeypatch):
    """Two requests of one volunteer both pass the "already has a place" check before
    either writes: the second meets the one-place-each constraint, and is told."""
    org, lead = make.company()
    volunteer = make.volunteer(org)
    match = make.agreed_match(org, 2)
    places.open_places(match, lead)
    monkeypatch.setattr(places, "_check_volunteer", lambda match, volunteer: None)
    places.sign_up(match, volunteer)
    with pytest.raises(Conflict, match="You already have a place on this match"):
        places.sign_up(match, volunteer)
    db.session.commit()
    taken = [p for p in places.places_of(match) if p.volunteer_id == volunteer.id]
    assert len(taken) == 1


def test_a_withdrawn_place_is_free_to_fill_again():
    org, lead = make.company()
    v = make.volunteer(org)
    match = make.agreed_match(org, 1)
    places.open_places(match, lead)
    place = places.sign_up(match, v)
    places.withdraw(place, v.user)  # the volunteer themselves
    assert place.status is PlaceStatus.UNFILLED and place.volunteer_id is None
    with pytest.raises(Conflict, match="no volunteer to withdraw"):
        places.withdraw(place, lead)


def test_places_do_not_change_once_the_match_is_over():
    org, lead = make.company()
    v = make.volunteer(org)
    match = make.agreed_match(org, 1)
    matches.cancel(match, lead, "The charity closed.")
    with pytest.raises(Conflict, match="cannot change now"):
        places.assign(places.places_of(match)[0], v, lead)


def test_the_place_transition_table_is_the_only_way_a_place_moves():
    assert next_place_status(PlaceStatus.OPEN, PlaceAction.SIGN_UP) is PlaceStatus.TAKEN
    for status in PlaceStatus:
        for action in PlaceAction:
            if (status, action) not in PLACE_TRANSITIONS:
                with pytest.raises(IllegalTransition):
                    next_place_status(status, action)


def test_the_charity_asks_for_a_change_in_the_conversation():
    org, lead = make.company()
    v = make.volunteer(org, name="Cy Change")
    match = make.agreed_match(org, 1)
    place = places.places_of(match)[0]
    places.assign(place, v, lead)
    charity = match.need.organisation.owners[0]
    places.ask_for_change(match, charity, place, "Could someone come on Tuesdays instead?")
    db.session.commit()
    [message] = db.session.scalars(select(MatchMessage).where(MatchMessage.match_id == match.id))
    assert message.body == "About place 1 (Cy Change): Could someone come on Tuesdays instead?"
    assert any("New message" in n for n in _notices(lead))
    with pytest.raises(FieldError, match="Enter what you would like"):
        places.ask_for_change(match, charity, None, "   ")


# --- Disclosure checks ------------------------------------------------------------------------


def _regulated_with_volunteer():
    org, lead = make.company()
    v = make.volunteer(org, name="Kim Checked")
    match = make.agreed_match(org, 1, regulated=True)
    place = places.places_of(match)[0]
    places.assign(place, v, lead)
    db.session.commit()
    return match, place, lead, match.need.organisation.owners[0]


def test_no_check_no_confirmation_and_both_sides_are_told_why():
    _match, place, lead, charity = _regulated_with_volunteer()
    with pytest.raises(places.CheckMissing, match="Kim Checked has no disclosure check recorded"):
        places.confirm(place, charity)
    for person in (lead, charity, place.volunteer.user):
        assert any("cannot be confirmed for place 1" in n for n in _notices(person))
    assert place.status is PlaceStatus.TAKEN


def test_a_valid_enhanced_barred_list_check_lets_the_charity_confirm():
    _match, place, _lead, charity = _regulated_with_volunteer()
    check = checks.record_check(
        place, charity, CheckLevel.ENHANCED_BARRED, today_in_leeds() - timedelta(days=30)
    )
    assert check.checked_by is ListingSide.NEED and check.recorded_by_id == charity.id
    # What is kept: level, date, who checked, who recorded and when. No number, no copy.
    assert {c.name for c in type(check).__table__.columns} == {
        "id",
        "place_id",
        "volunteer_id",
        "level",
        "certificate_date",
        "checked_by",
        "recorded_by_id",
        "recorded_at",
    }
    places.confirm(place, charity)
    assert place.status is PlaceStatus.CONFIRMED


def test_a_lower_level_is_not_enough_for_regulated_activity():
    _match, place, _lead, charity = _regulated_with_volunteer()
    checks.record_check(place, charity, CheckLevel.STANDARD, today_in_leeds())
    state = checks.state_of(place)
    assert "regulated activity needs enhanced with barred list check" in state.problem
    with pytest.raises(places.CheckMissing):
        places.confirm(place, charity)


def test_a_check_older_than_the_configured_age_is_flagged(app, monkeypatch):
    _match, place, _lead, charity = _regulated_with_volunteer()
    old = today_in_leeds() - timedelta(days=3 * 365 + 1)
    checks.record_check(place, charity, CheckLevel.ENHANCED_BARRED, old)
    state = checks.state_of(place)
    assert state.flagged and "more than 3 years ago" in state.problem
    monkeypatch.setitem(app.config, "VOLUNTEER_CHECK_MAX_AGE_DAYS", 5 * 365)
    assert checks.state_of(place).ok


def test_the_charity_chooses_who_checks():
    match, place, lead, charity = _regulated_with_volunteer()
    with pytest.raises(NotAllowed, match="Bytes Ltd records the checks"):
        checks.choose_checker(match, charity, ListingSide.OFFER)
        db.session.flush()
        checks.record_check(place, charity, CheckLevel.ENHANCED_BARRED, today_in_leeds())
    with pytest.raises(NotAllowed, match="The charity chooses"):
        checks.choose_checker(match, lead, ListingSide.OFFER)
    check = checks.record_check(place, lead, CheckLevel.ENHANCED_BARRED, today_in_leeds())
    assert check.checked_by is ListingSide.OFFER
    assert can(lead, Action.CHECK_RECORD, match) and not can(charity, Action.CHECK_RECORD, match)


def test_a_certificate_date_must_be_real_and_past():
    _match, place, _lead, charity = _regulated_with_volunteer()
    with pytest.raises(FieldError, match="today or earlier"):
        checks.record_check(
            place, charity, CheckLevel.ENHANCED_BARRED, today_in_leeds() + timedelta(1)
        )
    with pytest.raises(FieldError, match="2002 or later"):
        checks.record_check(place, charity, CheckLevel.ENHANCED_BARRED, date(1999, 1, 1))


# --- People's data ------------------------------------------------------------------------------


def test_a_volunteers_data_is_in_their_copy_and_their_address_goes_when_they_delete():
    org, lead = make.company()
    v = make.volunteer(org, email="quinn@bytes.example")
    match = make.agreed_match(org, 1)
    places.assign(places.places_of(match)[0], v, lead)
    db.session.commit()
    held = subject.held_about("quinn@bytes.example")
    assert len(held.tables["volunteer"]) == 1
    [invitation] = held.tables["volunteer_invitation"]
    assert invitation["email"] == "quinn@bytes.example" and "token_hash" not in invitation
    assert "Companies you volunteer with" in dict(held.counts())
    erasure.delete_account(v.user, factories.PASSWORD)
    db.session.commit()
    emails = db.session.scalars(select(VolunteerInvitation.email)).all()
    assert emails == [f"erased@{erasure.DELETED_DOMAIN}"]


def test_a_regulated_match_starts_only_when_each_named_volunteer_is_checked():
    match, place, lead, charity = _regulated_with_volunteer()
    with pytest.raises(DomainError, match="Kim Checked has no disclosure check recorded"):
        matches.start(match, lead)
    checks.record_check(place, charity, CheckLevel.ENHANCED_BARRED, today_in_leeds())
    matches.start(match, lead)
    assert match.status.value == "in_progress"
