"""Volunteering sessions as people use them: the charity adds a session in Leeds time and
puts a volunteer holding a place on it; the volunteer sees it in My volunteering and
downloads its calendar file, whose times read back as entered on both sides of each
clock change; changes and cancellations email the volunteers and move SEQUENCE on; the
calendar feed at a secret address holds only the person's sessions and can be reset;
the day-before reminder goes once, and one bad session does not stop the others."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from brokerage.clock import LONDON
from brokerage.extensions import db
from brokerage.notifications import reminders
from brokerage.organisations.models import Ward
from brokerage.volunteering import calendar as calendars
from brokerage.volunteering import places
from brokerage.volunteering import sessions as services
from brokerage.volunteering.models import SessionStatus, VolunteerSession
from brokerage.volunteering.sessions import SessionDetails
from tests import factories
from tests.helpers import (
    counted_statements,
    emails_to,
    field_errors,
    flashes,
    page_text,
    submit,
    table_rows,
)
from tests.volunteering import make

# Before the autumn 2026 clock change, so sessions on both sides of both changes are
# in the future.
SEPTEMBER = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(clock):
    """A company with two volunteers (one on a place, one not) and an agreed match."""
    clock(SEPTEMBER)
    org, lead = make.company()
    vee = make.volunteer(org, name="Vee Volunteer", email="vee@bytes.example")
    nope = make.volunteer(org, name="Nia Noplace", email="nia@bytes.example")
    match = make.agreed_match(org, 2)
    first, _ = places.places_of(match)
    places.assign(first, vee, lead)
    db.session.commit()
    charity = match.need.organisation.owners[0]
    return {"org": org, "lead": lead, "vee": vee, "nope": nope, "match": match, "charity": charity}


def _armley() -> int:
    return db.session.scalar(select(Ward.id).where(Ward.slug == "armley"))


def _form(day: str, start: str, end: str, **extra) -> dict:
    d, m, y = day.split("/")
    data = {
        "starts_at": [d, m, y, start],
        "ends": end,
        "where": "in_person",
        "address": "Harehills Library, Roundhay Road",
        "ward": str(_armley()),
        "link": "",
        "notes": "",
    }
    data.update(extra)
    return data


def _add(match, person, when: datetime, hours: int = 2, **kwargs) -> VolunteerSession:
    details = SessionDetails(
        when, when + timedelta(hours=hours), False, "1 Town Street", _armley(), **kwargs
    )
    session = services.add_session(match, person, details)
    db.session.commit()
    return session


def _events(body: bytes) -> list:
    return icalendar.Calendar.from_ical(body).walk("VEVENT")


def test_the_charity_adds_a_session_and_the_volunteer_downloads_it(client, login, world):
    match, vee = world["match"], world["vee"]
    login(world["charity"])
    url = f"/matches/{match.id}/sessions"
    response = submit(client, f"{url}/new", _form("14/10/2026", "10am", "12:30pm"))
    assert response.status_code == 302
    response = client.get(response.headers["Location"])
    assert "The session is added" in flashes(response)
    # Only the volunteer holding a place is offered.
    assert "Vee Volunteer" in page_text(response)
    assert "Nia Noplace" not in page_text(response)
    (session,) = services.sessions_of(match)
    volunteers_url = f"{url}/{session.id}/volunteers"
    response = submit(client, volunteers_url, {"volunteers": str(vee.id)})
    assert response.status_code == 302
    when, where, who, status, _ = table_rows(client.get(url))[0]
    assert when == "14 October 2026 at 10:00am to 12:30pm"
    assert where.startswith("Harehills Library, Roundhay Road") and where.endswith("Armley")
    assert (who, status) == ("Vee Volunteer", "Scheduled")
    [added] = [e for e in emails_to("vee@bytes.example") if e.template == "volunteer_session"]
    assert "has been added to your volunteering" in added.body_text
    assert f"/matches/{match.id}/sessions/{session.id}/calendar.ics" in added.body_text

    login(vee.user)
    mine = page_text(client.get("/volunteering"))
    assert "Upcoming sessions" in mine
    assert "14 October 2026 at 10:00am to 12:30pm" in mine
    ics = client.get(f"{url}/{session.id}/calendar.ics")
    assert ics.status_code == 200
    assert ics.content_type.startswith("text/calendar")
    (event,) = _events(ics.data)
    assert event.start == datetime(2026, 10, 14, 10, 0, tzinfo=LONDON)
    assert event.end == datetime(2026, 10, 14, 12, 30, tzinfo=LONDON)
    assert "Harehills Library" in str(event["LOCATION"])

    # A volunteer of the company without a place sees none of it.
    login(world["nope"].user)
    assert client.get(url).status_code == 403
    assert client.get(f"{url}/{session.id}/calendar.ics").status_code == 403
    assert "You are not on any upcoming sessions" in page_text(client.get("/volunteering"))


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        # Either side of the autumn 2026 change (BST, then GMT) ...
        ("24/10/2026", "6pm", "8pm"),
        ("26/10/2026", "6pm", "8pm"),
        # ... and of the spring 2027 change (GMT, then BST).
        ("27/3/2027", "10am", "11:30am"),
        ("29/3/2027", "10am", "11:30am"),
    ],
)
def test_calendar_times_read_back_as_the_leeds_times_entered(client, login, world, day, start, end):
    match = world["match"]
    login(world["lead"])
    response = submit(client, f"/matches/{match.id}/sessions/new", _form(day, start, end))
    assert response.status_code == 302, field_errors(response)
    (session,) = services.sessions_of(match)
    body = client.get(f"/matches/{match.id}/sessions/{session.id}/calendar.ics").data
    text = body.decode()
    assert "DTSTART;TZID=Europe/London:" in text
    calendar = icalendar.Calendar.from_ical(body)
    (zone,) = calendar.walk("VTIMEZONE")
    assert zone["TZID"] == "Europe/London"
    names = {str(part["TZNAME"]) for part in zone.subcomponents}
    assert names == {"GMT", "BST"}
    (event,) = calendar.walk("VEVENT")
    d, m, y = (int(x) for x in day.split("/"))
    starts = datetime(y, m, d, *((18, 0) if start == "6pm" else (10, 0)))
    ends = datetime(y, m, d, *((20, 0) if end == "8pm" else (11, 30)))
    assert event.start.tzinfo.key == "Europe/London"
    assert event.start.replace(tzinfo=None) == starts
    assert event.end.replace(tzinfo=None) == ends
    # The moment itself is right, too: the UTC stored is the Leeds time entered.
    assert event.start.astimezone(UTC) == session.starts_at


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_at": ["1", "8", "2026", "10am"]}, "starts_at", "must start in the future"),
        ({"ends": "9am"}, "ends", "end time must be after the start time"),
        ({"ends": "later"}, "ends", "like 12:30pm or 14:00"),
        ({"address": ""}, "address", "Enter the address of the session"),
        ({"ward": ""}, "ward", "Choose the ward"),
        ({"where": "remote"}, "link", "Enter the link for the remote session"),
        ({"where": "remote", "link": "http://meet.example.org/x"}, "link", "starts with https://"),
        ({"starts_at": ["28", "3", "2027", "1:30am"], "ends": "3am"}, "starts_at", "no 1:30am"),
    ],
)
def test_a_bad_session_is_refused_beside_the_field_and_nothing_saved(
    client, login, world, changes, field, message
):
    match = world["match"]
    login(world["charity"])
    data = _form("14/10/2026", "10am", "12pm")
    data.update(changes)
    response = submit(client, f"/matches/{match.id}/sessions/new", data)
    assert response.status_code == 400
    assert message in field_errors(response)[field], field_errors(response)
    assert db.session.scalar(select(func.count(VolunteerSession.id))) == 0


def test_a_remote_session_keeps_its_link_and_no_address(client, login, world):
    match = world["match"]
    login(world["lead"])
    link = "https://meet.example.org/family-tablets"
    data = _form("14/10/2026", "10am", "12pm", where="remote", link=link)
    assert submit(client, f"/matches/{match.id}/sessions/new", data).status_code == 302
    (session,) = services.sessions_of(match)
    assert session.remote and session.link == link
    assert session.address is None and session.ward_id is None
    (event,) = _events(calendars.calendar_file([session]))
    assert str(event["LOCATION"]) == link and str(event["URL"]) == link


def test_changing_and_cancelling_email_the_volunteers_and_move_the_sequence_on(
    client, login, world
):
    match, vee = world["match"], world["vee"]
    session = _add(match, world["charity"], datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    services.set_attendees(session, world["charity"], [vee.id])
    db.session.commit()
    (first,) = _events(calendars.calendar_file([session]))
    assert first["SEQUENCE"] == 0

    login(world["lead"])
    url = f"/matches/{match.id}/sessions/{session.id}"
    response = submit(client, f"{url}/edit", _form("15/10/2026", "2pm", "4pm"))
    assert response.status_code == 302, field_errors(response)
    db.session.refresh(session)
    (changed,) = _events(calendars.calendar_file([session]))
    assert changed["UID"] == first["UID"]
    assert changed["SEQUENCE"] == 1
    assert changed.start == datetime(2026, 10, 15, 14, 0, tzinfo=LONDON)
    sent = [e for e in emails_to("vee@bytes.example") if e.template == "volunteer_session"]
    assert "has changed" in sent[-1].body_text
    assert "15 October 2026 at 2:00pm to 4:00pm" in sent[-1].body_text

    response = submit(client, f"{url}/cancel", {})
    assert "The session is cancelled" in flashes(client.get(response.headers["Location"]))
    db.session.refresh(session)
    assert session.status is SessionStatus.CANCELLED and session.sequence == 2
    sent = [e for e in emails_to("vee@bytes.example") if e.template == "volunteer_session"]
    assert "is cancelled" in sent[-1].body_text
    # The feed keeps it, cancelled, so subscribed calendars remove it.
    (event,) = _events(calendars.feed_for(vee.user))
    assert event["STATUS"] == "CANCELLED" and event["UID"] == first["UID"]
    assert event["SEQUENCE"] == 2
    # A cancelled session cannot be changed or cancelled again.
    response = submit(client, f"{url}/edit", _form("16/10/2026", "2pm", "4pm"))
    assert "has been cancelled" in flashes(client.get(response.headers["Location"]))


def test_the_feed_holds_only_the_persons_sessions_and_its_address_can_be_reset(
    client, login, world, make
):
    match, vee = world["match"], world["vee"]
    mine = _add(match, world["charity"], datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    _add(match, world["charity"], datetime(2026, 10, 21, 9, 0, tzinfo=UTC))
    services.set_attendees(mine, world["charity"], [vee.id])
    db.session.commit()
    outsider = make.user(name="Ozzy Outsider")

    login(vee.user)
    page = client.get("/volunteering/calendar")
    address = page_text(page)
    feed_path = next(w for w in page.get_data(as_text=True).split('"') if "/calendar/" in w)
    feed_path = feed_path[feed_path.index("/calendar/") :]
    assert "Anyone with this address can see your sessions" in address
    client.get("/account/sign-out")
    with client.session_transaction() as s:
        s.clear()
    response = client.get(feed_path)  # no sign-in: calendar apps cannot sign in
    assert response.status_code == 200
    uids = [str(e["UID"]) for e in _events(response.data)]
    assert len(uids) == 1 and uids[0].startswith(f"volunteer-session-{mine.id}@")
    # The charity's member sees both of the match's sessions; an outsider none.
    assert len(_events(calendars.feed_for(world["charity"]))) == 2
    assert _events(calendars.feed_for(outsider)) == []
    # A token of one person's id does not open another's.
    assert calendars.user_for_token(calendars.feed_token(outsider)) == outsider
    assert client.get("/calendar/not-a-token.ics").status_code == 404

    login(vee.user)
    response = submit(client, "/volunteering/calendar/reset", {}, page="/volunteering/calendar")
    assert "The old one no longer works" in flashes(client.get(response.headers["Location"]))
    with client.session_transaction() as s:
        s.clear()
    assert client.get(feed_path).status_code == 404
    assert calendars.user_for_token(calendars.feed_token(vee.user)) == vee.user


def test_only_volunteers_holding_a_place_can_be_put_on_a_session(world):
    session = _add(world["match"], world["lead"], datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    with pytest.raises(services.FieldError):
        services.set_attendees(session, world["lead"], [world["nope"].id])
    assert session.attendees == []


def _outbox(template: str) -> list:
    return [
        e
        for address in ("vee@bytes.example", "nia@bytes.example", "sam@bytes.example")
        for e in emails_to(address)
        if e.template == template
    ]


def test_the_day_before_reminder_goes_once_to_each_volunteer(app, clock, world):
    match, vee = world["match"], world["vee"]
    tomorrow = _add(match, world["lead"], datetime(2026, 10, 14, 17, 0, tzinfo=UTC))
    later = _add(match, world["lead"], datetime(2026, 10, 15, 17, 0, tzinfo=UTC))
    for session in (tomorrow, later):
        services.set_attendees(session, world["lead"], [vee.id])
    db.session.commit()

    # 11:30pm on 13 October in Leeds is 10:30pm UTC: "tomorrow" is the Leeds date.
    clock(datetime(2026, 10, 13, 22, 30, tzinfo=UTC))
    done = reminders.send_reminders(app.config)
    assert done.sessions == 1
    (email,) = _outbox("volunteer_session_reminder")
    assert "You are volunteering tomorrow" in email.body_text
    assert "14 October 2026 at 6:00pm to 8:00pm" in email.body_text
    assert "1 Town Street (Armley)" in email.body_text
    assert f"/sessions/{tomorrow.id}/calendar.ics" in email.body_text
    assert reminders.send_reminders(app.config).sessions == 0
    assert len(_outbox("volunteer_session_reminder")) == 1


def test_one_bad_session_does_not_stop_the_other_reminders(app, clock, world, monkeypatch):
    match, vee = world["match"], world["vee"]
    bad = _add(match, world["lead"], datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    good = _add(match, world["lead"], datetime(2026, 10, 14, 15, 0, tzinfo=UTC))
    for session in (bad, good):
        services.set_attendees(session, world["lead"], [vee.id])
    db.session.commit()
    real_where = services.where

    def broken(session):
        if session.id == bad.id:
            raise RuntimeError("a broken row")
        return real_where(session)

    monkeypatch.setattr(services, "where", broken)
    clock(datetime(2026, 10, 13, 12, 0, tzinfo=UTC))
    done = reminders.send_reminders(app.config)
    assert (done.sessions, done.problems) == (1, 1)
    (email,) = _outbox("volunteer_session_reminder")
    assert f"/sessions/{good.id}/calendar.ics" in email.body_text
    # The bad one's "sent" mark was rolled back with it: it goes once it is mended.
    monkeypatch.setattr(services, "where", real_where)
    assert reminders.send_reminders(app.config).sessions == 1


def test_a_person_who_turned_reminders_off_gets_none(app, clock, world):
    vee = world["vee"]
    session = _add(world["match"], world["lead"], datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    services.set_attendees(session, world["lead"], [vee.id])
    vee.user.reminders_off = True
    db.session.commit()
    clock(datetime(2026, 10, 13, 12, 0, tzinfo=UTC))
    assert reminders.send_reminders(app.config).sessions == 0


def test_the_sessions_page_reads_a_fixed_number_of_statements(client, login, world):
    match = world["match"]
    login(world["charity"])

    def count() -> int:
        with counted_statements() as seen:
            assert client.get(f"/matches/{match.id}/sessions").status_code == 200
        return len(seen)

    _add(match, world["lead"], datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    one = count()
    for day in range(15, 20):
        session = _add(match, world["lead"], datetime(2026, 10, day, 9, 0, tzinfo=UTC))
        services.set_attendees(session, world["lead"], [world["vee"].id])
    db.session.commit()
    assert count() == one


def test_sessions_need_a_live_volunteering_match(world):
    match = world["match"]
    places_person = factories.user(name="Una Related")
    with pytest.raises(services.DomainError):
        _add(match, places_person, datetime(2026, 10, 14, 9, 0, tzinfo=UTC))


def test_a_volunteer_whose_place_is_withdrawn_comes_off_the_sessions_to_come(clock, world):
    match, vee, lead = world["match"], world["vee"], world["lead"]
    past = _add(match, lead, datetime(2026, 9, 10, 9, 0, tzinfo=UTC))
    future = _add(match, lead, datetime(2026, 10, 14, 9, 0, tzinfo=UTC))
    for session in (past, future):
        services.set_attendees(session, lead, [vee.id])
    db.session.commit()
    clock(datetime(2026, 9, 20, 9, 0, tzinfo=UTC))
    (place,) = [p for p in places.places_of(match) if p.volunteer_id == vee.id]
    places.withdraw(place, lead)
    db.session.commit()
    db.session.expire_all()
    assert [a.volunteer_id for a in past.attendees] == [vee.id]
    assert future.attendees == []
    assert services.upcoming_for(vee.user) == []
