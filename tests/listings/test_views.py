"""Need and offer pages through the test client: posting each kind through the forms,
the team's review, publishing, finding, editing, withdrawing and expiring; what bad
input gets back; and who may open which page."""

from __future__ import annotations

import contextvars
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.listings import services as listings
from brokerage.listings.models import (
    Condition,
    DeviceType,
    ListingAction,
    ListingEvent,
    ListingKind,
    ListingStatus,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
    WipeMethod,
)
from brokerage.notifications.models import OutboxEmail
from brokerage.organisations.models import (
    BeneficiaryGroup,
    OrganisationKind,
    OrganisationStatus,
    Ward,
)
from tests.helpers import (
    counted_statements,
    csrf_token,
    elements,
    emails_to,
    error_summary,
    field_errors,
    flashes,
    link_in,
    main_html,
    page_text,
    sign_in_as,
    submit,
    table_rows,
    texts,
)
from tests.listings import factories as listings_make

KINDS = ["volunteering", "equipment", "sponsorship"]
SIDES = {"need": Need, "offer": Offer}


def titles_listed(response) -> list[str]:
    """The titles in a list of open needs or offers."""
    return [
        text
        for _, text in elements(
            main_html(response),
            lambda tag, a: tag == "h3" and "govuk-heading-s" in a.get("class", ""),
        )
    ]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def the_only(model):
    return db.session.scalars(select(model)).one()


def listing_emails(person) -> list[OutboxEmail]:
    """The emails about needs and offers sent to `person` (not those about their organisation)."""
    return [e for e in emails_to(person.email) if e.template.startswith("listing_")]


def sign_out(client) -> None:
    with client.session_transaction() as session:
        session.clear()


def browser(app, user=None):
    """A second test client, signed in as `user` or signed out."""
    other = app.test_client()
    if user is not None:
        sign_in_as(other, user)
    return other


def post(client, url: str, data: dict | None = None):
    """POST with a CSRF token from the home page: the token belongs to the session, so it
    serves every form, and the home page is much quicker to draw than a listing form."""
    return submit(client, url, data, page="/")


# --- What the forms are sent -----------------------------------------------------------------


def _id(model, slug: str) -> str:
    return str(db.session.scalars(select(model.id).where(model.slug == slug)).one())


def _ward(slug: str) -> str:
    return _id(Ward, slug)


def _common_form(button: str) -> dict:
    return {
        "wards": [_ward("armley")],
        "beneficiary_groups": [_id(BeneficiaryGroup, "older-people")],
        button: "Send for review" if button == "send" else "Save as draft",
    }


NEED_TITLES = {
    "volunteering": "Help rebuild our drop-in website",
    "equipment": "Laptops for the lending library",
    "sponsorship": "Mobile data for the lending scheme",
}
OFFER_TITLES = {
    "volunteering": "Two developers for a charity website",
    "equipment": "Refurbished laptops from our office",
    "sponsorship": "A budget for digital champions",
}


def need_form(kind: str, button: str = "send", **overrides) -> dict:
    """A valid need form of `kind`; an override of None leaves the field out."""
    data = {
        "title": NEED_TITLES[kind],
        "description": "Our Tuesday drop-in helps older people in Armley get online.",
        "deadline": ["1", "3", "2030"],
        **_common_form(button),
    }
    if kind == "volunteering":
        data.update(
            skills=[_id(Skill, "web-development")],
            volunteers="2",
            hours_per_volunteer="10",
            location_mode="remote",
            starts_on=["1", "1", "2030"],
            ends_on=["1", "2", "2030"],
            safeguarding="none",
        )
    elif kind == "equipment":
        data.update(
            device_type=_id(DeviceType, "laptop"),
            quantity="1,200",
            condition="refurbished",
            minimum_spec="8 GB memory and a webcam",
            purpose="Loans to older learners for a term",
        )
    else:
        data.update(amount="£2,500.50", pays_for="A year of mobile data for 40 people")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def offer_form(kind: str, button: str = "send", **overrides) -> dict:
    """A valid offer form of `kind`; an override of None leaves the field out."""
    data = {
        "title": OFFER_TITLES[kind],
        "description": "Our people give two days a year to Leeds charities.",
        "available_from": ["1", "1", "2030"],
        "available_until": ["1", "6", "2030"],
        **_common_form(button),
    }
    if kind == "volunteering":
        data.update(
            skills=[_id(Skill, "web-development")],
            volunteers="3",
            hours_per_volunteer="7",
            location_mode="either",
        )
    elif kind == "equipment":
        data.update(
            device_type=_id(DeviceType, "laptop"),
            quantity="20",
            condition="used",
            wipe_method="nist_800_88",
            certificate_per_serial="yes",
        )
    else:
        data.update(amount="£2,500.50")
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- People ----------------------------------------------------------------------------------


def charity(make, name: str = "Armley Digital Drop-in"):
    """A verified community organisation, its owner, and a member who posts."""
    owner = make.user(name="Dawn Okafor")
    org = make.organisation(owner, name=name)
    poster = make.member(org, make.user(name="Sam Aziz"))
    return org, owner, poster


def company(make, name: str = "Aire Valley Software Ltd"):
    owner = make.user(name="Chris Mensah")
    org = make.organisation(owner, kind=OrganisationKind.COMPANY, name=name)
    poster = make.member(org, make.user(name="Alex Byrne"))
    return org, owner, poster


# What each kind stores: the kind's own answers, and nothing for the other kinds' questions.
_NOTHING = dict.fromkeys(
    (
        "volunteers",
        "hours_per_volunteer",
        "location_mode",
        "device_type",
        "quantity",
        "condition",
        "amount_pence",
    )
)
_NEED_NOTHING = {
    **_NOTHING,
    "skills": [],
    **dict.fromkeys(
        ("starts_on", "ends_on", "safeguarding", "minimum_spec", "purpose", "pays_for")
    ),
}
_OFFER_NOTHING = {**_NOTHING, "skills": [], "wipe_method": None, "certificate_per_serial": None}


def stored(item) -> dict:
    """The kind-specific answers a need or an offer holds."""
    names = _NEED_NOTHING if isinstance(item, Need) else _OFFER_NOTHING
    values = {name: getattr(item, name) for name in names}
    values["skills"] = [skill.slug for skill in item.skills]
    values["device_type"] = item.device_type.slug if item.device_type else None
    return values


NEED_STORED = {
    "volunteering": {
        **_NEED_NOTHING,
        "skills": ["web-development"],
        "volunteers": 2,
        "hours_per_volunteer": 10,
        "location_mode": LocationMode.REMOTE,
        "starts_on": date(2030, 1, 1),
        "ends_on": date(2030, 2, 1),
        "safeguarding": Safeguarding.NONE,
    },
    "equipment": {
        **_NEED_NOTHING,
        "device_type": "laptop",
        "quantity": 1200,
        "condition": Condition.REFURBISHED,
        "minimum_spec": "8 GB memory and a webcam",
        "purpose": "Loans to older learners for a term",
    },
    "sponsorship": {
        **_NEED_NOTHING,
        "amount_pence": 250_050,
        "pays_for": "A year of mobile data for 40 people",
    },
}
NEED_AMOUNT_LINE = {
    "volunteering": "2 volunteers \u00d7 10 hours (20 hours)",
    "equipment": "1200 \u00d7 laptop",
    "sponsorship": "£2,500.50",
}
# A filter for each kind that finds it, and one that does not.
NEED_FILTERS = {
    "volunteering": ("kind=volunteering&skill=web-development&remote=yes", "skill=cyber-security"),
    "equipment": ("kind=equipment&device=laptop", "device=tablet"),
    "sponsorship": ("kind=sponsorship&ward=armley&group=older-people", "kind=equipment"),
}
SEARCH_WORD = {"volunteering": "WEBSITE", "equipment": "lending library", "sponsorship": "data"}


# --- A need from posting to publishing -------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_charity_member_sends_a_need_the_team_questions_it_and_then_publishes_it(
    app, client, login, make, kind
):
    org, owner, poster = charity(make)
    team = make.team_member(name="Priya Shah")
    login(poster)

    choose = client.get(f"/organisations/{org.id}/needs/new")
    assert f'href="/organisations/{org.id}/needs/new/{kind}"' in choose.get_data(as_text=True)
    response = post(client, f"/organisations/{org.id}/needs/new/{kind}", need_form(kind))

    assert response.status_code == 302
    need = the_only(Need)
    assert response.headers["Location"] == f"/needs/{need.id}"
    assert "Sent to the programme team for review" in flashes(client.get(f"/needs/{need.id}"))
    assert need.kind is ListingKind(kind)
    assert need.status is ListingStatus.SUBMITTED
    assert need.organisation == org and need.created_by == poster
    assert need.title == NEED_TITLES[kind]
    assert need.deadline == date(2030, 3, 1)
    assert [w.slug for w in need.wards] == ["armley"]
    assert [g.slug for g in need.beneficiary_groups] == ["older-people"]
    assert stored(need) == NEED_STORED[kind]

    mine = client.get(f"/organisations/{org.id}/needs")
    assert table_rows(mine) == [
        [NEED_TITLES[kind], NEED_AMOUNT_LINE[kind], "1 March 2030", "Waiting for review"]
    ]

    # The team sees it in the queue with how long it has waited.
    need.submitted_at = utcnow() - timedelta(days=2, hours=3)
    db.session.commit()
    login(team)
    queue = client.get("/team/reviews")
    label = ListingKind(kind).label.lower()
    assert table_rows(queue) == [
        [NEED_TITLES[kind], f"Need: {label}", "Armley Digital Drop-in", "2 days"]
    ]
    review = client.get(f"/team/needs/{need.id}")
    assert "Waiting 2 days." in page_text(review)

    response = post(
        client,
        f"/team/needs/{need.id}",
        {"decision": "request_changes", "comment": "Please say which weeks suit you."},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/reviews"
    db.session.refresh(need)
    assert need.status is ListingStatus.CHANGES_REQUESTED
    for person in (poster, owner):
        [email] = listing_emails(person)
        assert email.template == "listing_changes_requested"
        assert "Please say which weeks suit you." in email.body_text
        assert link_in(email) == f"/needs/{need.id}"
    assert "Nothing is waiting for review." in page_text(client.get("/team/reviews"))

    # The poster reads the comment, changes the need and sends it back.
    login(poster)
    page = client.get(f"/needs/{need.id}")
    assert "The programme team asked for changes Please say which weeks suit you." in texts(
        page, "govuk-inset-text"
    )
    edit = client.get(f"/needs/{need.id}/edit")
    assert edit.status_code == 200
    assert f'value="{NEED_TITLES[kind]}"' in edit.get_data(as_text=True)
    assert re.search(r'id="deadline-year"[^>]*value="2030"', edit.get_data(as_text=True))
    assert "goes back to the programme team" not in page_text(edit)
    changed = need_form(kind, title=NEED_TITLES[kind] + " this spring")
    response = post(client, f"/needs/{need.id}/edit", changed)
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status is ListingStatus.SUBMITTED
    assert need.review_comment is None
    assert need.title == NEED_TITLES[kind] + " this spring"

    # Published, it is listed for everyone and found by a filter and by search.
    login(team)
    response = post(client, f"/team/needs/{need.id}", {"decision": "publish", "comment": ""})
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status is ListingStatus.PUBLISHED
    assert [e.template for e in listing_emails(poster)] == [
        "listing_changes_requested",
        "listing_published",
    ]

    visitor = browser(app)
    title = need.title
    assert titles_listed(visitor.get("/needs")) == [title]
    finds, misses = NEED_FILTERS[kind]
    found = visitor.get(f"/needs?{finds}&ward=armley")
    assert titles_listed(found) == [title]
    assert "1 open need matches your filters" in page_text(found)
    assert titles_listed(visitor.get(f"/needs?{misses}")) == []
    assert titles_listed(visitor.get(f"/needs?q={SEARCH_WORD[kind]}")) == [title]
    assert titles_listed(visitor.get("/needs?q=broadband+bicycles")) == []

    # The history: who and why for the organisation and the team; what and when for others.
    steps = [
        ("Saved as a draft", "Sam Aziz", ""),
        ("Sent for review", "Sam Aziz", ""),
        ("Changes requested", "Priya Shah (programme team)", "Please say which weeks suit you."),
        ("Sent for review", "Sam Aziz", ""),
        ("Published", "Priya Shah (programme team)", ""),
    ]
    for person in (poster, owner, team):
        login(person)
        history = table_rows(client.get(f"/needs/{need.id}"))
        assert [tuple(row[1:]) for row in history] == steps
    public = visitor.get(f"/needs/{need.id}")
    assert public.status_code == 200
    assert [row[1:] for row in table_rows(public)] == [[what] for what, _, _ in steps]
    for hidden in ("Priya Shah", "Sam Aziz", "Please say which weeks", "Who", "Comment"):
        assert hidden not in page_text(public)
    assert "Still needed:" in page_text(public)
    outsider = make.member(make.organisation())
    login(outsider)
    assert "Priya Shah" not in page_text(client.get(f"/needs/{need.id}"))


@pytest.mark.parametrize("kind", KINDS)
def test_a_need_saved_as_a_draft_stays_private_until_it_is_sent(client, login, make, kind):
    org, _, poster = charity(make)
    login(poster)

    response = post(
        client, f"/organisations/{org.id}/needs/new/{kind}", need_form(kind, "save_draft")
    )

    assert response.status_code == 302
    need = the_only(Need)
    assert need.status is ListingStatus.DRAFT
    assert need.submitted_at is None
    assert stored(need) == NEED_STORED[kind]
    assert "Saved as a draft" in flashes(client.get(f"/needs/{need.id}"))
    assert table_rows(client.get(f"/organisations/{org.id}/needs"))[0][-1] == "Draft"
    assert titles_listed(client.get("/needs")) == []
    login(make.team_member())
    assert "Nothing is waiting for review." in page_text(client.get("/team/reviews"))

    login(poster)
    response = post(client, f"/needs/{need.id}/submit")
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status is ListingStatus.SUBMITTED
    assert table_rows(client.get(f"/organisations/{org.id}/needs"))[0][-1] == "Waiting for review"
    login(make.team_member())
    assert [row[0] for row in table_rows(client.get("/team/reviews"))] == [NEED_TITLES[kind]]


def test_a_rejected_need_shows_the_reason_to_its_poster(client, login, make):
    org, owner, poster = charity(make)
    need = listings_make.need(org, status=ListingStatus.SUBMITTED, author=poster)
    login(make.team_member())

    response = post(
        client, f"/team/needs/{need.id}", {"decision": "reject", "comment": "Outside Leeds."}
    )

    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status is ListingStatus.REJECTED
    assert [e.template for e in listing_emails(poster)] == ["listing_rejected"]
    assert [e.template for e in listing_emails(owner)] == ["listing_rejected"]
    login(poster)
    page = client.get(f"/needs/{need.id}")
    assert "The programme team did not accept it Outside Leeds." in texts(page, "govuk-inset-text")
    assert "Not accepted" in texts(page, "govuk-tag")
    assert client.get(f"/needs/{need.id}/edit").status_code == 404


# --- An offer from posting to publishing -----------------------------------------------------

OFFER_STORED = {
    "volunteering": {
        **_OFFER_NOTHING,
        "skills": ["web-development"],
        "volunteers": 3,
        "hours_per_volunteer": 7,
        "location_mode": LocationMode.EITHER,
    },
    "equipment": {
        **_OFFER_NOTHING,
        "device_type": "laptop",
        "quantity": 20,
        "condition": Condition.USED,
        "wipe_method": WipeMethod.NIST,
        "certificate_per_serial": True,
    },
    "sponsorship": {**_OFFER_NOTHING, "amount_pence": 250_050},
}
OFFER_DETAILS = {
    "volunteering": "People 3, 7 hours each (21 hours in all)",
    "equipment": "Certificate per serial number Yes",
    "sponsorship": "Budget £2,500.50",
}
OFFER_FILTERS = {
    "volunteering": ("skill=web-development&remote=yes", "skill=cyber-security"),
    "equipment": ("device=laptop", "device=tablet"),
    "sponsorship": ("kind=sponsorship", "kind=volunteering"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_a_company_member_sends_an_offer_the_team_questions_it_and_then_publishes_it(
    client, login, make, kind
):
    org, owner, poster = company(make)
    team = make.team_member(name="Priya Shah")
    login(poster)

    response = post(client, f"/organisations/{org.id}/offers/new/{kind}", offer_form(kind))

    assert response.status_code == 302
    offer = the_only(Offer)
    assert response.headers["Location"] == f"/offers/{offer.id}"
    assert offer.status is ListingStatus.SUBMITTED
    assert (offer.available_from, offer.available_until) == (date(2030, 1, 1), date(2030, 6, 1))
    assert stored(offer) == OFFER_STORED[kind]
    assert OFFER_DETAILS[kind] in " ".join(
        texts(client.get(f"/offers/{offer.id}"), "govuk-summary-list__row")
    )
    assert table_rows(client.get(f"/organisations/{org.id}/offers"))[0][-1] == "Waiting for review"

    login(team)
    [row] = table_rows(client.get("/team/reviews"))
    assert row == [
        OFFER_TITLES[kind],
        f"Offer: {ListingKind(kind).label.lower()}",
        "Aire Valley Software Ltd",
        "under an hour",
    ]
    post(
        client,
        f"/team/offers/{offer.id}",
        {"decision": "request_changes", "comment": "Which days?"},
    )
    db.session.refresh(offer)
    assert offer.status is ListingStatus.CHANGES_REQUESTED
    for person in (poster, owner):
        assert [e.template for e in listing_emails(person)] == ["listing_changes_requested"]

    login(poster)
    page = client.get(f"/offers/{offer.id}")
    assert "The programme team asked for changes Which days?" in texts(page, "govuk-inset-text")
    response = post(
        client, f"/offers/{offer.id}/edit", offer_form(kind, description="Any weekday.")
    )
    assert response.status_code == 302
    db.session.refresh(offer)
    assert offer.status is ListingStatus.SUBMITTED
    assert offer.description == "Any weekday."

    login(team)
    post(client, f"/team/offers/{offer.id}", {"decision": "publish"})
    db.session.refresh(offer)
    assert offer.status is ListingStatus.PUBLISHED
    assert listing_emails(poster)[-1].template == "listing_published"

    # Members of a verified charity find it; the history's who and why are not theirs.
    _, _, reader = charity(make)
    login(reader)
    assert titles_listed(client.get("/offers")) == [OFFER_TITLES[kind]]
    finds, misses = OFFER_FILTERS[kind]
    assert titles_listed(client.get(f"/offers?{finds}")) == [OFFER_TITLES[kind]]
    assert titles_listed(client.get(f"/offers?{misses}")) == []
    assert titles_listed(client.get("/offers?q=weekday")) == [OFFER_TITLES[kind]]
    seen = client.get(f"/offers/{offer.id}")
    assert seen.status_code == 200
    assert [row[1:] for row in table_rows(seen)] == [
        ["Saved as a draft"],
        ["Sent for review"],
        ["Changes requested"],
        ["Sent for review"],
        ["Published"],
    ]
    assert "Which days?" not in page_text(seen)
    assert "Alex Byrne" not in page_text(seen)

    login(poster)
    history = table_rows(client.get(f"/offers/{offer.id}"))
    assert [row[2:] for row in history] == [
        ["Alex Byrne", ""],
        ["Alex Byrne", ""],
        ["Priya Shah (programme team)", "Which days?"],
        ["Alex Byrne", ""],
        ["Priya Shah (programme team)", ""],
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_an_offer_saved_as_a_draft_is_sent_later(client, login, make, kind):
    org, _, poster = company(make)
    login(poster)

    post(client, f"/organisations/{org.id}/offers/new/{kind}", offer_form(kind, "save_draft"))

    offer = the_only(Offer)
    assert offer.status is ListingStatus.DRAFT
    assert stored(offer) == OFFER_STORED[kind]
    assert table_rows(client.get(f"/organisations/{org.id}/offers"))[0][-1] == "Draft"
    post(client, f"/offers/{offer.id}/submit")
    db.session.refresh(offer)
    assert offer.status is ListingStatus.SUBMITTED


@pytest.mark.parametrize("condition", ["used", "refurbished"])
def test_devices_that_are_not_new_must_say_how_they_were_wiped(client, login, make, condition):
    org, _, poster = company(make)
    login(poster)

    response = post(
        client,
        f"/organisations/{org.id}/offers/new/equipment",
        offer_form("equipment", condition=condition, wipe_method=None),
    )

    assert response.status_code == 200
    assert field_errors(response) == {"wipe_method": "Say how data is wiped from the devices"}
    assert "Say how data is wiped from the devices" in error_summary(response)
    assert count(Offer) == 0


def test_new_devices_need_no_wipe_method_and_the_certificate_answer_is_kept(client, login, make):
    org, _, poster = company(make)
    login(poster)

    response = post(
        client,
        f"/organisations/{org.id}/offers/new/equipment",
        offer_form("equipment", condition="new", wipe_method=None, certificate_per_serial="no"),
    )

    assert response.status_code == 302
    offer = the_only(Offer)
    assert offer.condition is Condition.NEW
    assert offer.wipe_method is None
    assert offer.certificate_per_serial is False
    details = " ".join(texts(client.get(f"/offers/{offer.id}"), "govuk-summary-list__row"))
    assert "Data wiping New devices: nothing to wipe" in details
    assert "Certificate per serial number No" in details


def test_the_certificate_question_must_be_answered(client, login, make):
    org, _, poster = company(make)
    login(poster)
    response = post(
        client,
        f"/organisations/{org.id}/offers/new/equipment",
        offer_form("equipment", certificate_per_serial=None),
    )
    assert response.status_code == 200
    assert field_errors(response) == {
        "certificate_per_serial": "Say whether a certificate comes with each device"
    }
    assert count(Offer) == 0


def test_an_equipment_offer_shows_its_current_answers_when_changed(client, login, make):
    org, _, poster = company(make)
    offer = listings_make.offer(org, kind=ListingKind.EQUIPMENT, status=ListingStatus.DRAFT)
    login(poster)
    html = client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    assert re.search(r'value="nist_800_88"\s+checked', html)
    assert re.search(r'name="certificate_per_serial"[^>]*value="yes"\s+checked', html)


# --- Changing a published item, withdrawing -------------------------------------------------


@pytest.mark.parametrize("side", ["need", "offer"])
def test_changing_a_published_item_warns_and_sends_it_back_to_review(
    app, client, login, make, side
):
    if side == "need":
        org, _, poster = charity(make)
        item = listings_make.need(org, author=poster, title="Help with our website")
        reader, hidden = browser(app), 302  # needs are public; hidden ones ask to sign in
        form = need_form("volunteering", "save_draft", title="Help with our new website")
    else:
        org, _, poster = company(make)
        item = listings_make.offer(org, author=poster, title="Help with your website")
        _, _, charity_member = charity(make, name="Seacroft Silver Surfers")
        reader, hidden = browser(app, charity_member), 403
        form = offer_form("volunteering", "save_draft", title="Help with your new website")
    assert titles_listed(reader.get(f"/{side}s")) == [item.title]
    login(poster)

    edit = client.get(f"/{side}s/{item.id}/edit")
    assert (
        f"This {side} is published. If you save changes, it goes back to the programme team "
        "for review and is hidden until they publish it again."
    ) in page_text(edit)
    assert "Save changes" in edit.get_data(as_text=True)
    response = post(client, f"/{side}s/{item.id}/edit", form)

    assert response.status_code == 302
    assert "sent back to the programme team for review" in flashes(
        client.get(f"/{side}s/{item.id}")
    )
    db.session.refresh(item)
    assert item.status is ListingStatus.SUBMITTED
    assert item.title == form["title"]
    assert item.events[-1].action is ListingAction.EDIT_PUBLISHED
    history = table_rows(client.get(f"/{side}s/{item.id}"))
    assert history[-1][1:] == ["Changed, and sent back for review", poster.name, ""]
    assert titles_listed(reader.get(f"/{side}s")) == []
    assert reader.get(f"/{side}s/{item.id}").status_code == hidden

    team = make.team_member()
    login(team)
    assert [row[0] for row in table_rows(client.get("/team/reviews"))] == [form["title"]]
    post(client, f"/team/{side}s/{item.id}", {"decision": "publish"})
    db.session.refresh(item)
    assert item.status is ListingStatus.PUBLISHED
    assert titles_listed(reader.get(f"/{side}s")) == [form["title"]]


def test_changing_a_draft_keeps_it_a_draft(client, login, make):
    org, _, poster = charity(make)
    need = listings_make.need(org, status=ListingStatus.DRAFT, author=poster)
    login(poster)
    edit = client.get(f"/needs/{need.id}/edit")
    assert "is published" not in page_text(edit)
    post(client, f"/needs/{need.id}/edit", need_form("volunteering", "save_draft"))
    db.session.refresh(need)
    assert need.status is ListingStatus.DRAFT
    assert need.title == NEED_TITLES["volunteering"]
    assert "Your changes are saved." in flashes(client.get(f"/needs/{need.id}"))


@pytest.mark.parametrize("side", ["need", "offer"])
def test_withdrawing_takes_it_off_the_list_and_shows_on_its_page(app, client, login, make, side):
    if side == "need":
        org, _, poster = charity(make)
        item = listings_make.need(org, author=poster, title="Tablets for the tea dance")
    else:
        org, _, poster = company(make)
        item = listings_make.offer(org, author=poster, title="Tablets from our shop")
    login(poster)
    page = client.get(f"/{side}s/{item.id}")
    assert f"Withdraw this {side}" in page_text(page)
    assert titles_listed(client.get(f"/{side}s")) == [item.title]
    # The button is a link to a page that says what will happen, and asks.
    assert f'href="/{side}s/{item.id}/withdraw"' in main_html(page)
    confirm = client.get(f"/{side}s/{item.id}/withdraw")
    assert confirm.status_code == 200
    text = page_text(confirm)
    assert f"Withdraw “{item.title}”?" in text
    assert "cannot be changed, sent for review or put back" in text
    assert "No match is waiting on it." in text
    db.session.refresh(item)
    assert item.status is not ListingStatus.WITHDRAWN

    response = post(client, f"/{side}s/{item.id}/withdraw")

    assert response.status_code == 302
    assert response.headers["Location"] == f"/{side}s/{item.id}"
    page = client.get(f"/{side}s/{item.id}")
    assert f"The {side} is withdrawn." in flashes(page)
    db.session.refresh(item)
    assert item.status is ListingStatus.WITHDRAWN
    assert "Withdrawn" in texts(page, "govuk-tag")
    assert table_rows(page)[-1][1:] == ["Withdrawn", poster.name, ""]
    assert f"Withdraw this {side}" not in page_text(page)
    assert "Change it" not in page_text(page)
    assert titles_listed(client.get(f"/{side}s")) == []
    assert table_rows(client.get(f"/organisations/{org.id}/{side}s"))[0][-1] == "Withdrawn"
    assert client.get(f"/{side}s/{item.id}/edit").status_code == 404
    # Withdrawing again is refused and says why.
    again = post(client, f"/{side}s/{item.id}/withdraw")
    assert again.status_code == 409
    assert "cannot be withdrawn" in page_text(again)
    # And its confirmation page sends back to the item, saying why.
    response = client.get(f"/{side}s/{item.id}/withdraw")
    assert response.headers["Location"] == f"/{side}s/{item.id}"
    assert "it cannot be withdrawn" in flashes(client.get(f"/{side}s/{item.id}"))
    assert count(ListingEvent) == len(item.events)


# --- Bad input on the need and offer forms ---------------------------------------------------

NEED_EMPTY = {
    "volunteering": {
        "title": "Enter a title",
        "description": "Enter a description",
        "skills": "Choose the skills",
        "volunteers": "Enter how many volunteers",
        "hours_per_volunteer": "Enter the hours for each volunteer",
        "location_mode": "Choose on site, remote or either",
        "safeguarding": "Say whether the work involves regulated activity",
        "wards": "Choose Leeds-wide or the wards",
        "beneficiary_groups": "Choose who it will help",
        "deadline": "Enter the date it is needed by",
    },
    "equipment": {
        "title": "Enter a title",
        "description": "Enter a description",
        "device_type": "Choose the type of device",
        "quantity": "Enter how many",
        "condition": "Choose the condition",
        "purpose": "Say what the equipment is for",
        "wards": "Choose Leeds-wide or the wards",
        "beneficiary_groups": "Choose who it will help",
        "deadline": "Enter the date it is needed by",
    },
    "sponsorship": {
        "title": "Enter a title",
        "description": "Enter a description",
        "amount": "Enter the amount in pounds",
        "pays_for": "Say what the money will pay for",
        "wards": "Choose Leeds-wide or the wards",
        "beneficiary_groups": "Choose who it will help",
        "deadline": "Enter the date it is needed by",
    },
}
OFFER_EMPTY = {
    "volunteering": {
        "title": "Enter a title",
        "description": "Enter a description",
        "skills": "Choose the skills",
        "volunteers": "Enter how many people",
        "hours_per_volunteer": "Enter the hours each person can give",
        "location_mode": "Choose on site, remote or either",
        "wards": "Choose Leeds-wide or the wards",
        "beneficiary_groups": "Choose who it will help",
        "available_until": "Enter the date it is available until",
    },
    "equipment": {
        "title": "Enter a title",
        "description": "Enter a description",
        "device_type": "Choose the type of device",
        "quantity": "Enter how many",
        "condition": "Choose the condition",
        "certificate_per_serial": "Say whether a certificate comes with each device",
        "wards": "Choose Leeds-wide or the wards",
        "beneficiary_groups": "Choose who it will help",
        "available_until": "Enter the date it is available until",
    },
    "sponsorship": {
        "title": "Enter a title",
        "description": "Enter a description",
        "amount": "Enter the amount in pounds",
        "wards": "Choose Leeds-wide or the wards",
        "beneficiary_groups": "Choose who it will help",
        "available_until": "Enter the date it is available until",
    },
}

WHOLE = "must be a whole number, like 12"
POUNDS = "Enter the amount in pounds, like 2500 or 2500.50"
BOTH_WARDS = "Choose Leeds-wide or particular wards, not both"

# (side, kind, what is sent instead of the valid value, the errors shown beside the fields)
BAD_INPUT = [
    # Needs: skilled volunteering
    (
        "need",
        "volunteering",
        dict(
            volunteers="lots",
            hours_per_volunteer="-3",
            skills=["abc"],
            location_mode="nowhere",
            safeguarding="maybe",
            wards=["abc"],
            beneficiary_groups=["99999"],
        ),
        {
            "volunteers": f"How many volunteers {WHOLE}",
            "hours_per_volunteer": f"Hours for each volunteer {WHOLE}",
            "skills": "Choose skills from the list",
            "location_mode": "Choose on site, remote or either",
            "safeguarding": "Choose one of the answers",
            "wards": "Choose Leeds-wide or wards from the list",
            "beneficiary_groups": "Choose from the list",
        },
    ),
    (
        "need",
        "volunteering",
        dict(volunteers="1.5", hours_per_volunteer="²", skills=["99999"], wards="both"),
        {
            "volunteers": f"How many volunteers {WHOLE}",
            "hours_per_volunteer": f"Hours for each volunteer {WHOLE}",
            "skills": "Choose skills from the list",
            "wards": BOTH_WARDS,
        },
    ),
    (
        "need",
        "volunteering",
        dict(
            deadline=["31", "2", "2030"], starts_on=["", "1", "2030"], ends_on=["1", "13", "2030"]
        ),
        {
            "deadline": "Needed by must be a real date",
            "starts_on": "Start date must include a day, month and year",
            "ends_on": "End date must be a real date",
        },
    ),
    (
        "need",
        "volunteering",
        dict(starts_on=["1", "2", "2030"], ends_on=["31", "1", "2030"]),
        {"ends_on": "The end date must be on or after the start date"},
    ),
    (
        "need",
        "volunteering",
        dict(starts_on=["2", "3", "2030"], ends_on=["1", "4", "2030"]),
        {
            "starts_on": "The start date must be on or before the date it is needed by: "
            "no offer could be matched to work that starts after the need closes"
        },
    ),
    (
        "need",
        "volunteering",
        dict(starts_on=None, ends_on=["1", "1", "2020"]),
        {"ends_on": "The end date must be today or in the future"},
    ),
    (
        "need",
        "volunteering",
        dict(deadline=["", "3", "2030"], starts_on=["1", "1", "30"], ends_on=["x", "y", "zzzz"]),
        {
            "deadline": "Needed by must include a day, month and year",
            "starts_on": "Start date must have a year of 4 numbers, like 2027",
            "ends_on": "End date must be a real date",
        },
    ),
    (
        "need",
        "volunteering",
        dict(title="x" * 161, description="y" * 4001, deadline=["1", "3", "2030", "4"]),
        {
            "title": "Title must be 160 characters or fewer",
            "description": "Description must be 4,000 characters or fewer",
        },
    ),
    # Needs: equipment
    (
        "need",
        "equipment",
        dict(quantity="lots", device_type="abc", condition="used", purpose="  "),
        {
            "quantity": f"How many {WHOLE}",
            "device_type": "Choose the type of device from the list",
            "condition": "Choose the condition from the list",
            "purpose": "Say what the equipment is for",
        },
    ),
    (
        "need",
        "equipment",
        dict(quantity="-3", device_type="99999", condition="broken", deadline=["1", "3"]),
        {
            "quantity": f"How many {WHOLE}",
            "device_type": "Choose the type of device from the list",
            "condition": "Choose the condition from the list",
            "deadline": "Needed by must include a day, month and year",
        },
    ),
    (
        "need",
        "equipment",
        dict(quantity="1.5", wards="both"),
        {"quantity": f"How many {WHOLE}", "wards": BOTH_WARDS},
    ),
    # Needs: sponsorship
    (
        "need",
        "sponsorship",
        dict(amount="lots", pays_for=""),
        {"amount": POUNDS, "pays_for": "Say what the money will pay for"},
    ),
    ("need", "sponsorship", dict(amount="-3"), {"amount": POUNDS}),
    ("need", "sponsorship", dict(amount="1.5"), {"amount": POUNDS}),
    (
        "need",
        "sponsorship",
        dict(amount="2,500.555", deadline=["29", "2", "2031"]),
        {"amount": POUNDS, "deadline": "Needed by must be a real date"},
    ),
    # Offers: skilled volunteering
    (
        "offer",
        "volunteering",
        dict(volunteers="lots", hours_per_volunteer="1.5", location_mode="moon", skills=["abc"]),
        {
            "volunteers": f"How many people {WHOLE}",
            "hours_per_volunteer": f"Hours each person can give {WHOLE}",
            "location_mode": "Choose on site, remote or either",
            "skills": "Choose skills from the list",
        },
    ),
    (
        "offer",
        "volunteering",
        dict(
            volunteers="-3",
            available_from=["", "1", "2030"],
            available_until=["31", "2", "2030"],
            wards="both",
        ),
        {
            "volunteers": f"How many people {WHOLE}",
            "available_from": "Available from must include a day, month and year",
            "available_until": "Available until must be a real date",
            "wards": BOTH_WARDS,
        },
    ),
    (
        "offer",
        "volunteering",
        dict(available_from=["2", "6", "2030"], available_until=["1", "6", "2030"]),
        {"available_until": "Available until must be on or after available from"},
    ),
    # Offers: equipment
    (
        "offer",
        "equipment",
        dict(
            quantity="-3",
            device_type="abc",
            condition="any",
            wipe_method="shred",
            certificate_per_serial="maybe",
        ),
        {
            "quantity": f"How many {WHOLE}",
            "device_type": "Choose the type of device from the list",
            "condition": "Choose the condition from the list",
            "wipe_method": "Choose how data is wiped from the list",
            "certificate_per_serial": "Choose yes or no",
        },
    ),
    (
        "offer",
        "equipment",
        dict(quantity="1.5", device_type="99999", condition="broken"),
        {
            "quantity": f"How many {WHOLE}",
            "device_type": "Choose the type of device from the list",
            "condition": "Choose the condition from the list",
        },
    ),
    (
        "offer",
        "equipment",
        dict(quantity="lots", wipe_method=None),
        {"quantity": f"How many {WHOLE}", "wipe_method": "Say how data is wiped from the devices"},
    ),
    # Offers: sponsorship
    (
        "offer",
        "sponsorship",
        dict(amount="lots", beneficiary_groups=["abc"]),
        {"amount": POUNDS, "beneficiary_groups": "Choose from the list"},
    ),
    ("offer", "sponsorship", dict(amount="-3"), {"amount": POUNDS}),
    ("offer", "sponsorship", dict(amount="1.5"), {"amount": POUNDS}),
    (
        "offer",
        "sponsorship",
        dict(amount="2,500.555", available_until=["1", "6", "30"]),
        {
            "amount": POUNDS,
            "available_until": "Available until must have a year of 4 numbers, like 2027",
        },
    ),
]
BAD_INPUT += [
    (side, kind, None, errors)
    for side, table in (("need", NEED_EMPTY), ("offer", OFFER_EMPTY))
    for kind, errors in table.items()
]


def _poster(make, side: str):
    return (charity if side == "need" else company)(make)


def _filled(side: str, kind: str, overrides: dict | None, button: str) -> dict:
    if overrides is None:  # the empty form: only the button
        return {button: "Send for review" if button == "send" else "Save as draft"}
    overrides = dict(overrides)
    if overrides.get("wards") == "both":
        overrides["wards"] = [_ward("leeds-wide"), _ward("armley")]
    return (need_form if side == "need" else offer_form)(kind, button, **overrides)


@pytest.mark.parametrize(
    ("side", "kind", "overrides", "errors"),
    BAD_INPUT,
    ids=[
        f"{side}-{kind}-{'empty' if o is None else '-'.join(sorted(e))}"
        for side, kind, o, e in BAD_INPUT
    ],
)
def test_bad_input_is_shown_beside_each_field_and_nothing_is_saved(
    client, login, make, side, kind, overrides, errors
):
    org, _, poster = _poster(make, side)
    login(poster)
    emails = count(OutboxEmail)
    # The empty form is saved as a draft: a draft needs every answer too.
    button = "save_draft" if overrides is None else "send"

    response = post(
        client,
        f"/organisations/{org.id}/{side}s/new/{kind}",
        _filled(side, kind, overrides, button),
    )

    assert response.status_code == 200
    assert field_errors(response) == errors
    summary = error_summary(response)
    for message in errors.values():
        assert message in summary
    assert "<title>Error:" in response.get_data(as_text=True)
    assert count(SIDES[side]) == 0
    assert count(ListingEvent) == 0
    assert count(OutboxEmail) == emails


@pytest.mark.parametrize(
    ("side", "typed", "pence"),
    [
        ("need", "2500", 250_000),
        ("need", " £1,000 ", 100_000),
        ("offer", "£2,500.50", 250_050),
        ("offer", "1000.05", 100_005),
    ],
)
def test_amounts_are_read_as_pounds_and_kept_in_pence(client, login, make, side, typed, pence):
    org, _, poster = _poster(make, side)
    login(poster)
    form = _filled(side, "sponsorship", {"amount": typed}, "save_draft")
    response = post(client, f"/organisations/{org.id}/{side}s/new/sponsorship", form)
    assert response.status_code == 302
    assert the_only(SIDES[side]).amount_pence == pence


@pytest.mark.parametrize(
    ("side", "kind", "overrides", "field", "message"),
    [
        ("need", "volunteering", {"volunteers": "0"}, "volunteers", "must be 1 or more"),
        (
            "need",
            "volunteering",
            {"hours_per_volunteer": "2,001"},
            "hours_per_volunteer",
            "2,000 or fewer",
        ),
        (
            "offer",
            "equipment",
            {"quantity": "10001"},
            "quantity",
            "How many must be 10,000 or fewer",
        ),
        ("need", "sponsorship", {"amount": "0.99"}, "amount", "The amount must be £1 or more"),
        (
            "offer",
            "sponsorship",
            {"amount": "£10,000,000.01"},
            "amount",
            "The amount must be £10,000,000 or less",
        ),
        (
            "need",
            "equipment",
            {"deadline": ["1", "1", "2020"]},
            "deadline",
            "The date it is needed by must be today or in the future",
        ),
        (
            "offer",
            "sponsorship",
            {"available_from": None, "available_until": ["1", "1", "2020"]},
            "available_until",
            "Available until must be today or in the future",
        ),
    ],
)
def test_numbers_out_of_range_and_past_dates_are_refused(
    client, login, make, side, kind, overrides, field, message
):
    """Limits and past dates are told beside the field, and nothing is saved."""
    org, _, poster = _poster(make, side)
    login(poster)
    form = _filled(side, kind, overrides, "send")
    response = post(client, f"/organisations/{org.id}/{side}s/new/{kind}", form)
    assert response.status_code == 200
    assert message in field_errors(response)[field]
    assert message in error_summary(response)
    assert count(SIDES[side]) == 0
    assert count(ListingEvent) == 0


def test_a_draft_may_keep_a_past_date_until_it_is_sent(client, login, make):
    org, _, poster = charity(make)
    login(poster)
    form = need_form("sponsorship", "save_draft", deadline=["1", "1", "2020"])
    assert post(client, f"/organisations/{org.id}/needs/new/sponsorship", form).status_code == 302
    need = the_only(Need)
    assert need.status is ListingStatus.DRAFT
    response = post(client, f"/needs/{need.id}/submit")
    # Back to the need's page, told why, where the date can be changed.
    assert response.status_code == 302
    assert "The closing date has passed" in page_text(client.get(response.headers["Location"]))
    db.session.refresh(need)
    assert need.status is ListingStatus.DRAFT


@pytest.mark.parametrize("side", ["need", "offer"])
def test_bad_changes_are_refused_and_the_item_is_unchanged(client, login, make, side):
    org, _, poster = _poster(make, side)
    make_item = listings_make.need if side == "need" else listings_make.offer
    item = make_item(org, kind=ListingKind.EQUIPMENT, status=ListingStatus.DRAFT, title="Before")
    login(poster)
    form = _filled(
        side, "equipment", {"title": "", "quantity": "lots", "device_type": "abc"}, "send"
    )

    response = post(client, f"/{side}s/{item.id}/edit", form)

    assert response.status_code == 200
    assert field_errors(response) == {
        "title": "Enter a title",
        "quantity": f"How many {WHOLE}",
        "device_type": "Choose the type of device from the list",
    }
    db.session.refresh(item)
    assert (item.title, item.quantity, item.status) == ("Before", 10, ListingStatus.DRAFT)
    assert len(item.events) == 1


def test_an_unknown_kind_or_item_is_not_found(client, login, make):
    org, _, poster = charity(make)
    login(poster)
    assert client.get(f"/organisations/{org.id}/needs/new/bicycles").status_code == 404
    assert (
        post(
            client, f"/organisations/{org.id}/needs/new/bicycles", need_form("sponsorship")
        ).status_code
        == 404
    )
    assert client.get("/needs/99999").status_code == 404
    assert client.get("/needs/99999/edit").status_code == 404
    assert client.get("/organisations/99999/needs/new/sponsorship").status_code == 404
    assert count(Need) == 0


def test_junk_in_the_list_filters_is_ignored(client, make):
    listings_make.need(title="Laptops for learners", kind=ListingKind.EQUIPMENT)
    for query in (
        "kind=bicycles",
        "skill=%25",
        "ward=<script>",
        "page=-1",
        "page=abc",
        "sort=x",
        "closing=5",
        "remote=1",
        "q=%25_",
    ):
        response = client.get(f"/needs?{query}")
        assert response.status_code == 200, query
    assert titles_listed(client.get("/needs?kind=bicycles&page=abc")) == ["Laptops for learners"]
    assert titles_listed(client.get("/needs?q=%25")) == []


@pytest.mark.parametrize("side", ["need", "offer"])
def test_each_listed_item_says_who_what_where_and_by_when(client, login, make, side):
    """The list reads plain values, not the models: each line must still say what the
    models would, with the wards and skills in their lists' order."""
    model = SIDES[side]
    org = make.organisation(
        kind=OrganisationKind.COMMUNITY if side == "need" else OrganisationKind.COMPANY
    )
    if side == "offer":
        # Offers are for members of verified organisations.
        login(make.member(make.organisation(kind=OrganisationKind.COMPANY)))
    factory = listings_make.need if side == "need" else listings_make.offer
    closes = "deadline" if side == "need" else "available_until"
    day = listings.today_in_leeds() + timedelta(days=10)
    skills = [listings_make.skill(s) for s in ("web-development", "it-support")]
    wards = [make.ward(w) for w in ("pudsey", "armley")]
    for age, (title, kind, values) in enumerate(
        (
            ("Helpers", ListingKind.VOLUNTEERING, dict(volunteers=1, hours_per_volunteer=8)),
            ("Laptops", ListingKind.EQUIPMENT, dict(quantity=3)),
            ("Money", ListingKind.SPONSORSHIP, dict(amount_pence=250_050)),
        )
    ):
        item = factory(
            org,
            kind,
            title=title,
            skill_ids=[s.id for s in skills] if kind is ListingKind.VOLUNTEERING else [],
            ward_ids=[w.id for w in wards],
            location_mode=LocationMode.REMOTE if kind is ListingKind.VOLUNTEERING else None,
            **{closes: day},
            **values,
        )
        # Listed in this order: newest first.
        item.published_at = utcnow() - timedelta(minutes=age)
    db.session.commit()

    def in_order(terms) -> str:
        return ", ".join(t.name for t in sorted(terms, key=lambda t: (t.position, t.id)))

    until = f"{'Needed by' if side == 'need' else 'Available until'} {day.day} {day:%B %Y}"
    where = f"{in_order(wards)}. {until}."
    assert texts(client.get(f"/{side}s"), "app-results__item") == [
        f"Helpers {org.name} · Skilled volunteering "
        f"1 volunteer \u00d7 8 hours (8 hours): {in_order(skills)} (remote) {where}",
        f"Laptops {org.name} · Equipment 3 \u00d7 laptop {where}",
        f"Money {org.name} · Sponsorship or funding £2,500.50 {where}",
    ]
    assert count(model) == 3


def test_a_result_drawn_once_follows_edits_and_the_sites_address(client, make):
    """Each result's markup is kept once drawn (listings/rendering.py): a change to the
    listing shows at once, and a site served under a path prefix links under it."""
    need = listings_make.need(title="Volunteers for a coding club", volunteers=2)
    for _ in range(2):
        assert titles_listed(client.get("/needs")) == ["Volunteers for a coding club"]
    need.title = "Volunteers for a homework club"
    need.volunteers = 3
    db.session.commit()
    [shown] = texts(client.get("/needs"), "app-results__item")
    assert shown.startswith("Volunteers for a homework club")
    assert "3 volunteers" in shown

    def links(response) -> list[str]:
        return [a["href"] for a, _ in elements(main_html(response), lambda t, a: t == "a")]

    assert f"/needs/{need.id}" in links(client.get("/needs"))
    prefixed = client.get("/needs", environ_overrides={"SCRIPT_NAME": "/programme"})
    assert f"/programme/needs/{need.id}" in links(prefixed)
    assert f"/needs/{need.id}" in links(client.get("/needs"))


def test_the_filter_form_drawn_once_follows_the_terms_the_choices_and_the_address(
    client, lists_restored
):
    """The filter form is kept once drawn (listings/rendering.py): a term renamed, added
    or retired shows at once, the choices made are the ones selected, a later page has
    the same form, and a site served under a path prefix sends the form under it."""

    def skills(response) -> list[tuple[str, bool]]:
        html = main_html(response)
        [(_, _)] = elements(html, lambda t, a: t == "select" and a.get("name") == "skill")
        found = re.search(r'<select[^>]*name="skill"[^>]*>(.*?)</select>', html, flags=re.S)
        options = re.findall(r'<option value="([^"]*)"( selected)?', found.group(1))
        return [(value, bool(chosen)) for value, chosen in options]

    def form_action(response) -> str:
        [(form, _)] = elements(main_html(response), lambda t, a: t == "form")
        return form["action"]

    skill = db.session.scalar(select(Skill).where(Skill.active.is_(True)).order_by(Skill.id))
    offered = skills(client.get("/needs"))
    assert offered[0] == ("", False)  # "Any"
    assert (skill.slug, False) in offered
    assert skills(client.get(f"/needs?skill={skill.slug}")) == [
        (value, value == skill.slug) for value, _ in offered
    ]
    # A later page's form is the first page's.
    assert skills(client.get(f"/needs?skill={skill.slug}&page=2")) == skills(
        client.get(f"/needs?skill={skill.slug}")
    )

    added = Skill(slug="brand-new-skill", name="Brand new skill", position=999)
    db.session.add(added)
    db.session.commit()
    assert [value for value, _ in skills(client.get("/needs"))] == [
        *(value for value, _ in offered),
        "brand-new-skill",
    ]
    added.slug = "renamed-skill"
    db.session.commit()
    assert [value for value, _ in skills(client.get("/needs"))][-1] == "renamed-skill"
    added.active = False
    db.session.commit()
    assert skills(client.get("/needs")) == offered

    assert form_action(client.get("/needs")) == "/needs"
    prefixed = client.get("/needs", environ_overrides={"SCRIPT_NAME": "/programme"})
    assert form_action(prefixed) == "/programme/needs"
    assert form_action(client.get("/needs")) == "/needs"


# --- The review form and the lists form -----------------------------------------------------

CHOOSE = "Choose publish, ask for changes, or do not accept"


REVIEW_ERRORS = [
    ("need", {"comment": "Looks good"}, "decision", CHOOSE),
    ("offer", {"decision": "nonsense"}, "decision", CHOOSE),
    ("need", {"decision": "withdraw", "comment": "Why not"}, "decision", CHOOSE),
    (
        "offer",
        {"decision": "request_changes", "comment": ""},
        "comment",
        "Enter what needs to change",
    ),
    (
        "need",
        {"decision": "request_changes", "comment": " \r\n "},
        "comment",
        "Enter what needs to change",
    ),
    ("offer", {"decision": "reject"}, "comment", "Enter the reason for not accepting it"),
    (
        "need",
        {"decision": "reject", "comment": " "},
        "comment",
        "Enter the reason for not accepting it",
    ),
    (
        "offer",
        {"decision": "reject", "comment": "x" * 2001},
        "comment",
        "Comment must be 2,000 characters or fewer",
    ),
]


@pytest.mark.parametrize(("side", "data", "field", "message"), REVIEW_ERRORS)
def test_a_bad_review_is_refused_beside_the_field(client, login, make, side, data, field, message):
    item = (listings_make.need if side == "need" else listings_make.offer)(
        status=ListingStatus.SUBMITTED
    )
    events = count(ListingEvent)
    emails = count(OutboxEmail)
    login(make.team_member())

    response = post(client, f"/team/{side}s/{item.id}", data)

    assert response.status_code == 200
    assert field_errors(response) == {field: message}
    assert message in error_summary(response)
    db.session.refresh(item)
    assert item.status is ListingStatus.SUBMITTED
    assert count(ListingEvent) == events
    assert count(OutboxEmail) == emails


def test_the_review_queue_reads_its_organisations_with_its_listings(client, login, make):
    """However many organisations are waiting, the queue is the same few statements
    (it read each organisation on its own before: 296 statements with 3,000 listings)."""

    names = set()

    def queue_statements(waiting: int) -> tuple[int, list[list[str]]]:
        for n in range(waiting):
            company = make.organisation(kind=OrganisationKind.COMPANY)
            charity = make.organisation()
            listings_make.need(charity, status=ListingStatus.SUBMITTED, title=f"Need {n}")
            listings_make.offer(company, status=ListingStatus.SUBMITTED, title=f"Offer {n}")
            names.update((company.name, charity.name))
        client.get("/team/reviews")
        with counted_statements() as statements:
            rows = table_rows(client.get("/team/reviews"))
        return len(statements), rows

    login(make.team_member())
    few, _ = queue_statements(1)
    many, rows = queue_statements(4)
    assert many == few, (few, many)
    assert len(rows) == 10 and {row[2] for row in rows} == names


def test_deciding_on_something_no_longer_waiting_says_what_happened(client, login, make):
    need = listings_make.need(status=ListingStatus.WITHDRAWN, title="Old need")
    login(make.team_member())
    review = client.get(f"/team/needs/{need.id}")
    assert "Your decision" not in page_text(review)

    response = post(client, f"/team/needs/{need.id}", {"decision": "publish"})

    assert response.status_code == 302
    assert response.headers["Location"] == f"/team/needs/{need.id}"
    notice = flashes(client.get(f"/team/needs/{need.id}"))
    assert "It is now 'withdrawn'." in notice
    db.session.refresh(need)
    assert need.status is ListingStatus.WITHDRAWN


@pytest.fixture
def lists_restored():
    """The lists are reference data, kept between tests: put them back as they were."""
    models = (Skill, DeviceType, BeneficiaryGroup)
    before = {
        model: {t.id: t.active for t in db.session.scalars(select(model))} for model in models
    }
    yield
    db.session.rollback()
    for model, terms in before.items():
        for term in db.session.scalars(select(model)):
            if term.id not in terms:
                db.session.delete(term)
            else:
                term.active = terms[term.id]
    db.session.commit()


def _term_post(client, vocab: str, name: str | None, url: str | None = None):
    token = csrf_token(client, "/")
    data = {f"{vocab}-csrf_token": token, "csrf_token": token}
    if name is not None:
        data[f"{vocab}-name"] = name
    return client.post(url or f"/team/lists/{vocab}", data=data)


@pytest.mark.parametrize(
    ("vocab", "name", "message"),
    [
        ("skills", None, "Enter a name"),
        ("skills", "   ", "Enter a name"),
        ("skills", "Web development", "Web development is already in the list"),
        ("skills", "web   DEVELOPMENT", "web DEVELOPMENT is already in the list"),
        ("devices", "Laptop", "Laptop is already in the list"),
        ("groups", "x" * 121, "Name must be 120 characters or fewer"),
    ],
)
def test_a_bad_list_entry_is_refused_beside_the_field(client, login, make, vocab, name, message):
    model = {"skills": Skill, "devices": DeviceType, "groups": BeneficiaryGroup}[vocab]
    before = count(model)
    login(make.team_member())

    response = _term_post(client, vocab, name)

    assert response.status_code == 400
    assert field_errors(response) == {f"{vocab}-name": message}
    assert message in error_summary(response)
    assert count(model) == before


def test_the_team_adds_and_hides_a_skill_and_posters_see_the_change(
    client, login, make, lists_restored
):
    org, _, poster = charity(make)
    login(make.team_member())
    assert client.post("/team/lists/colours", data={"colours-name": "Red"}).status_code in (
        400,
        404,
    )

    response = _term_post(client, "skills", "  Accessibility   audits ")

    assert response.status_code == 302
    assert "Accessibility audits is added." in flashes(client.get("/team/lists"))
    added = db.session.scalars(select(Skill).where(Skill.slug == "accessibility-audits")).one()
    assert added.active
    login(poster)
    assert "Accessibility audits" in page_text(
        client.get(f"/organisations/{org.id}/needs/new/volunteering")
    )

    login(make.team_member())
    web = db.session.scalars(select(Skill).where(Skill.slug == "web-development")).one()
    assert _term_post(client, "skills", None, f"/team/lists/skills/{web.id}").status_code == 302
    db.session.refresh(web)
    assert not web.active
    assert _term_post(client, "skills", None, "/team/lists/skills/99999").status_code == 404
    assert _term_post(client, "nonsense", None, f"/team/lists/nonsense/{web.id}").status_code == 404

    # A hidden skill cannot be chosen for a new need.
    login(poster)
    response = post(
        client, f"/organisations/{org.id}/needs/new/volunteering", need_form("volunteering")
    )
    assert field_errors(response) == {"skills": "Choose skills from the list"}
    assert count(Need) == 0


# --- Who may see and do what -----------------------------------------------------------------


def test_only_members_of_a_verified_organisation_of_the_right_kind_post(client, login, make):
    charity_org, _, charity_member = charity(make)
    company_org, _, company_member = company(make)
    pending_owner = make.user()
    pending = make.organisation(pending_owner, status=OrganisationStatus.PENDING)
    unconfirmed = make.member(charity_org, make.user(verified=False))

    for person, org, side in [
        (company_member, company_org, "need"),
        (charity_member, charity_org, "offer"),
        (pending_owner, pending, "need"),
        (unconfirmed, charity_org, "need"),
    ]:
        login(person)
        assert client.get(f"/organisations/{org.id}/{side}s/new").status_code == 403
        assert client.get(f"/organisations/{org.id}/{side}s/new/sponsorship").status_code == 403
        form = _filled(side, "sponsorship", {}, "send")
        response = post(client, f"/organisations/{org.id}/{side}s/new/sponsorship", form)
        assert response.status_code == 403, (person.name, side)
    assert count(Need) == 0
    assert count(Offer) == 0

    login(pending_owner)
    mine = client.get(f"/organisations/{pending.id}/needs")
    assert "You can post once the programme team has verified" in page_text(mine)
    assert "Post a new need" not in page_text(mine)
    sign_out(client)
    response = client.get(f"/organisations/{charity_org.id}/needs/new/sponsorship")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=")


def test_a_member_of_one_organisation_cannot_touch_anothers_need(client, login, make):
    _, _, member_a = charity(make, name="Armley Digital Drop-in")
    org_b, _, member_b = charity(make, name="Harehills Tech Hub")
    need = listings_make.need(org_b, status=ListingStatus.DRAFT, author=member_b, title="B's need")
    login(member_a)

    assert client.get(f"/needs/{need.id}").status_code == 403
    assert client.get(f"/needs/{need.id}/edit").status_code == 403
    assert post(client, f"/needs/{need.id}/edit", need_form("volunteering")).status_code == 403
    assert post(client, f"/needs/{need.id}/submit").status_code == 403
    assert post(client, f"/needs/{need.id}/withdraw").status_code == 403
    assert client.get(f"/organisations/{org_b.id}/needs").status_code == 403
    assert client.get(f"/organisations/{org_b.id}/needs/new/volunteering").status_code == 403
    db.session.refresh(need)
    assert (need.title, need.status) == ("B's need", ListingStatus.DRAFT)
    assert len(need.events) == 1
    # The team reads it but does not change it for them.
    login(make.team_member())
    assert client.get(f"/needs/{need.id}").status_code == 200
    assert client.get(f"/needs/{need.id}/edit").status_code == 403


def test_an_unpublished_need_is_seen_only_by_its_organisation_and_the_team(client, login, make):
    org, owner, poster = charity(make)
    charity_outsider = make.member(make.organisation())
    company_outsider = make.member(make.organisation(kind=OrganisationKind.COMPANY))
    team = make.team_member()
    for status in (
        ListingStatus.DRAFT,
        ListingStatus.SUBMITTED,
        ListingStatus.CHANGES_REQUESTED,
        ListingStatus.REJECTED,
        ListingStatus.WITHDRAWN,
    ):
        need = listings_make.need(org, status=status, author=poster)
        sign_out(client)
        response = client.get(f"/needs/{need.id}")
        assert response.status_code == 302, status
        assert response.headers["Location"] == f"/account/sign-in?next=/needs/{need.id}"
        for outsider in (charity_outsider, company_outsider):
            login(outsider)
            assert client.get(f"/needs/{need.id}").status_code == 403, status
        for person in (poster, owner, team):
            login(person)
            assert client.get(f"/needs/{need.id}").status_code == 200, status


def test_a_published_need_is_seen_by_anyone(client, make):
    need = listings_make.need(title="Volunteers for a coding club")
    response = client.get(f"/needs/{need.id}")
    assert response.status_code == 200
    assert "Volunteers for a coding club" in page_text(response)
    assert titles_listed(client.get("/needs")) == ["Volunteers for a coding club"]


def test_offers_are_for_members_of_verified_organisations(client, login, make):
    company_org, _, company_member = company(make)
    offer = listings_make.offer(company_org, title="Laptops to give away")
    draft = listings_make.offer(company_org, status=ListingStatus.DRAFT, title="Not ready")

    for url in ("/offers", f"/offers/{offer.id}"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == f"/account/sign-in?next={url}"
    login(make.user())
    assert client.get("/offers").status_code == 403
    assert client.get(f"/offers/{offer.id}").status_code == 403
    login(make.organisation(status=OrganisationStatus.PENDING).owners[0])
    assert client.get("/offers").status_code == 403
    assert client.get(f"/offers/{offer.id}").status_code == 403

    _, _, charity_member = charity(make)
    login(charity_member)
    assert titles_listed(client.get("/offers")) == ["Laptops to give away"]
    page = client.get(f"/offers/{offer.id}")
    assert page.status_code == 200
    assert "Laptops to give away" in page_text(page)
    assert "Withdraw this offer" not in page_text(page)
    assert client.get(f"/offers/{draft.id}").status_code == 403
    assert client.get(f"/offers/{offer.id}/edit").status_code == 403
    for person in (company_member, make.team_member()):
        login(person)
        assert client.get(f"/offers/{draft.id}").status_code == 200


def test_only_the_team_reviews_and_changes_the_lists(client, login, make, lists_restored):
    org, owner, poster = charity(make)
    need = listings_make.need(org, status=ListingStatus.SUBMITTED, author=poster)
    skills = count(Skill)
    for person in (poster, owner):
        login(person)
        assert client.get("/team/reviews").status_code == 403
        assert client.get(f"/team/needs/{need.id}").status_code == 403
        assert post(client, f"/team/needs/{need.id}", {"decision": "publish"}).status_code == 403
        assert client.get("/team/lists").status_code == 403
        assert _term_post(client, "skills", "Knitting").status_code == 403
    db.session.refresh(need)
    assert need.status is ListingStatus.SUBMITTED
    assert count(Skill) == skills
    sign_out(client)
    assert client.get("/team/reviews").status_code == 302


# --- Expiring -----------------------------------------------------------------------------


@pytest.fixture
def run(app):
    """Run a command as `flask --app brokerage ...` would: in its own app context and
    database session, so only what it commits is seen afterwards."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        result = contextvars.Context().run(runner.invoke, args=list(args))
        db.session.expire_all()
        return result

    return invoke


def test_expire_listings_closes_what_is_past_its_date_and_says_how_many(
    app, client, login, run, make
):
    org, _, poster = charity(make)
    company_org, _, _ = company(make)
    yesterday = listings.today_in_leeds() - timedelta(days=1)
    published = listings_make.need(org, author=poster, title="Past need")
    draft = listings_make.need(org, status=ListingStatus.DRAFT, title="Past draft")
    offer = listings_make.offer(company_org, status=ListingStatus.SUBMITTED, title="Past offer")
    withdrawn = listings_make.need(org, status=ListingStatus.WITHDRAWN, title="Past withdrawn")
    today = listings_make.need(org, title="Closes today")
    future = listings_make.offer(company_org, title="Future offer")
    # The services refuse past dates on sending, so the dates are moved in the database.
    published.deadline = draft.deadline = withdrawn.deadline = yesterday
    offer.available_until = yesterday
    today.deadline = listings.today_in_leeds()
    db.session.commit()

    result = run("expire-listings")

    assert result.exit_code == 0, result.output
    assert "Expired 3 past their closing date." in result.output
    for item in (published, draft, offer):
        assert item.status is ListingStatus.EXPIRED
        assert item.events[-1].action is ListingAction.EXPIRE
        assert item.events[-1].actor is None
    assert withdrawn.status is ListingStatus.WITHDRAWN
    assert today.status is ListingStatus.PUBLISHED
    assert future.status is ListingStatus.PUBLISHED
    assert titles_listed(client.get("/needs")) == ["Closes today"]

    # Once public, it stays readable, marked expired; the poster sees the service did it.
    visitor = browser(app)
    page = visitor.get(f"/needs/{published.id}")
    assert page.status_code == 200
    assert "Expired" in texts(page, "govuk-tag")
    assert visitor.get(f"/needs/{draft.id}").status_code == 302
    login(poster)
    history = table_rows(client.get(f"/needs/{published.id}"))
    assert history[-1][1:] == ["Expired", "The service", ""]

    again = run("expire-listings")
    assert "Expired 0 past their closing date." in again.output


def test_editing_a_post_keeps_the_terms_the_team_has_since_hidden(
    client, login, make, lists_restored
):
    """Hidden terms leave new posts' choices; a post that has one keeps it when edited,
    unless its poster unticks it."""
    org, _, poster = charity(make)
    login(poster)
    need = listings_make.need(org, status=ListingStatus.DRAFT, author=poster)
    web, support = _id(Skill, "web-development"), _id(Skill, "it-support")
    older = _id(BeneficiaryGroup, "older-people")
    post(
        client,
        f"/needs/{need.id}/edit",
        need_form("volunteering", "save_draft", skills=[web, support]),
    )
    equipment = listings_make.need(org, ListingKind.EQUIPMENT, ListingStatus.DRAFT, author=poster)
    laptop = _id(DeviceType, "laptop")
    post(client, f"/needs/{equipment.id}/edit", need_form("equipment", "save_draft"))

    team = make.team_member()
    for vocab, term in (("skills", web), ("groups", older), ("devices", laptop)):
        listings.toggle_term(vocab, int(term), team)
    db.session.commit()

    label = "(no longer offered for new posts)"
    page = client.get(f"/needs/{need.id}/edit").get_data(as_text=True)
    assert f"Web development {label}" in page and f"Older people {label}" in page
    assert re.search(rf'value="{web}" checked', page) and re.search(
        rf'value="{older}" checked', page
    )
    assert "IT support " + label not in page
    new = client.get(f"/organisations/{org.id}/needs/new/volunteering")
    assert new.status_code == 200
    assert "Web development" not in page_text(new) and "IT support" in page_text(new)

    # Saved as the browser sends it, unchanged: nothing is lost.
    response = post(
        client,
        f"/needs/{need.id}/edit",
        need_form("volunteering", "save_draft", skills=[web, support]),
    )
    assert response.status_code == 302
    db.session.expire_all()
    need = db.session.get(Need, need.id)
    assert {str(s.id) for s in need.skills} == {web, support}
    assert {str(g.id) for g in need.beneficiary_groups} == {older}
    response = post(client, f"/needs/{equipment.id}/edit", need_form("equipment", "save_draft"))
    assert response.status_code == 302
    assert str(db.session.get(Need, equipment.id).device_type_id) == laptop

    # Unticked, it is gone, and no longer offered to this post either.
    post(
        client, f"/needs/{need.id}/edit", need_form("volunteering", "save_draft", skills=[support])
    )
    db.session.expire_all()
    assert [str(s.id) for s in db.session.get(Need, need.id).skills] == [support]
    assert f"Web development {label}" not in client.get(f"/needs/{need.id}/edit").get_data(
        as_text=True
    )


@pytest.mark.parametrize("side", ["need", "offer"])
def test_what_was_typed_is_what_everyone_reads_on_the_page(client, login, make, side):
    typed = {
        "title": 'Laptops & <b>chargers</b> for "Tuesday" club',
        "description": "Ten laptops <script>alert(1)</script> & their bags.",
    }
    org = make.organisation(
        kind=OrganisationKind.COMMUNITY if side == "need" else OrganisationKind.COMPANY,
        name="Holbeck & <Beeston> Trust",
    )
    item = getattr(listings_make, side)(org, kind=ListingKind.EQUIPMENT, **typed)
    other = make.organisation(
        kind=OrganisationKind.COMPANY if side == "need" else OrganisationKind.COMMUNITY
    )
    for person in (org.owners[0], listings_make.team_member(), other.owners[0]):
        login(person)
        text = page_text(client.get(f"/{side}s/{item.id}"))
        assert typed["title"] in text
        assert typed["description"] in text
        assert "Holbeck & <Beeston> Trust" in text
        assert "&amp;" not in text and "&lt;" not in text
