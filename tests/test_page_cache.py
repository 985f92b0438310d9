"""Public pages shared between anonymous visitors for a few seconds: rendered once,
dropped when something changes, answered with 304 when the visitor's copy is current,
and never holding anyone's own state (a signed-in page, a message, a CSRF token)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from brokerage import page_cache
from brokerage.extensions import db
from brokerage.listings.models import ListingKind, ListingStatus, Skill
from brokerage.organisations.models import OrganisationKind
from tests.helpers import counted_statements
from tests.listings import factories as lm


@pytest.fixture
def sharing(app, monkeypatch):
    monkeypatch.setitem(app.config, "SHARED_PAGE_SECONDS", 10)
    page_cache.clear()
    yield
    page_cache.clear()


@pytest.fixture
def need(make):
    return lm.need(make.organisation(kind=OrganisationKind.COMMUNITY), title="Laptops for a club")


def _pages(need) -> list[str]:
    return ["/", "/needs", "/needs?q=laptops&kind=volunteering", f"/needs/{need.id}", "/impact"]


def test_the_next_anonymous_visitor_is_shown_the_same_page_without_a_query(sharing, app, need):
    for url in _pages(need):
        first = app.test_client().get(url)
        assert first.status_code == 200, url
        with counted_statements() as statements:
            second = app.test_client().get(url)
        assert statements == [], url
        assert second.get_data() == first.get_data()
        for answer in (first, second):
            assert answer.headers["Cache-Control"] == "no-cache", url
            assert "Cookie" in answer.headers["Vary"]
            assert "Set-Cookie" not in answer.headers
            assert answer.headers["ETag"] == first.headers["ETag"]
        # Nothing of anyone's own in what is shared.
        assert "csrf_token" not in first.get_data(as_text=True), url
        assert "Sign out" not in first.get_data(as_text=True), url


def test_a_visitor_whose_copy_is_current_is_answered_304(sharing, client, need):
    first = client.get("/needs")
    again = client.get("/needs", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_a_change_shows_at_once(sharing, client, make, need):
    assert "Tablets for a library" not in client.get("/needs").get_data(as_text=True)
    lm.need(need.organisation, title="Tablets for a library")  # committed
    assert "Tablets for a library" in client.get("/needs").get_data(as_text=True)


def test_a_signed_in_person_s_page_is_their_own_and_never_kept(sharing, app, login, make, need):
    anonymous = app.test_client()
    anonymous.get("/needs")
    member = login(make.user())
    page = member.get("/needs")
    assert "Sign out" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert "Sign out" not in app.test_client().get("/needs").get_data(as_text=True)


def test_a_visitor_s_message_is_shown_to_them_alone(sharing, app, need):
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "Your secret message")]
    page = visitor.get(f"/needs/{need.id}")
    assert "Your secret message" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    for _ in range(2):
        shared = app.test_client().get(f"/needs/{need.id}")
        assert "Your secret message" not in shared.get_data(as_text=True)


def test_a_page_that_gives_the_visitor_a_token_is_never_shared(sharing, app):
    # The ball's form carries a CSRF token in the visitor's session: sign-in alike.
    first = app.test_client().get("/account/sign-in")
    assert "Set-Cookie" in first.headers
    assert first.headers["Cache-Control"] == "no-store"


def test_off_when_the_setting_is_0(app, client, need):
    assert app.config["SHARED_PAGE_SECONDS"] == 0  # in tests, unless a test turns it on
    client.get("/needs")
    with counted_statements() as statements:
        page = client.get("/needs")
    assert statements
    assert page.headers["Cache-Control"] == "no-store"


def test_the_lists_filter_options_are_read_once_and_a_change_shows_at_once(sharing, login, make):
    company = make.organisation(kind=OrganisationKind.COMPANY)
    member = login(company.owners[0])
    skill = db.session.scalars(select(Skill).where(Skill.active.is_(True))).first()
    option = f'<option value="{skill.slug}">'
    assert option in member.get("/offers").get_data(as_text=True)
    # Signed-in pages are never shared, but the options every visitor sees are.
    with counted_statements() as statements:
        page = member.get("/needs")
    assert option in page.get_data(as_text=True)
    assert not [s for s in statements if "skill.slug" in s], statements
    assert page.headers["Cache-Control"] == "no-store"
    # A change committed in this process drops the kept options (another process's
    # shows within SHARED_PAGE_SECONDS, as on the shared pages).
    skill.active = False
    db.session.commit()
    try:
        assert option not in member.get("/offers").get_data(as_text=True)
    finally:
        skill.active = True
        db.session.commit()
    assert option in member.get("/offers").get_data(as_text=True)


def test_a_signed_in_lists_count_of_open_listings_is_shared_and_a_change_shows_at_once(
    sharing, login, make
):
    """The count of every open offer (no filters but dates) is the same for everyone: it
    is counted once for the next seconds, and a listing published or closed in this
    process shows in it at once."""
    company = make.organisation(kind=OrganisationKind.COMPANY)
    member = login(company.owners[0])
    first = lm.offer(company, title="Spare laptops")
    assert "1 open offer" in member.get("/offers").get_data(as_text=True)

    def counted() -> list[str]:
        return [s for s in statements if "count(offer.id)" in s.lower()]

    with counted_statements() as statements:
        page = member.get("/offers").get_data(as_text=True)
    assert "1 open offer" in page
    assert "Spare laptops" in page
    assert counted() == [], statements
    # Filtered by a closing date, it is another count, shared in its turn.
    with counted_statements() as statements:
        member.get("/offers?closing=31")
    assert counted(), statements

    lm.offer(company, title="Spare tablets")  # committed in this process
    with counted_statements() as statements:
        page = member.get("/offers").get_data(as_text=True)
    assert "2 open offers" in page
    assert "Spare tablets" in page
    assert counted()
    first.status = ListingStatus.WITHDRAWN
    db.session.commit()
    page = member.get("/offers").get_data(as_text=True)
    assert "1 open offer" in page
    assert "Spare laptops" not in page


def test_a_filtered_or_searched_lists_count_is_shared_by_its_filters_alone(sharing, login, make):
    """How many listings match a list's filters or words is the same for everyone: it is
    counted once for the next seconds, whatever the page number or the order, and
    counted again for other filters or when this process commits a change. The page's
    own listings are always read afresh."""
    company = make.organisation(kind=OrganisationKind.COMPANY)
    member = login(company.owners[0])
    lm.offer(company, title="Spare laptops")
    lm.offer(company, kind=ListingKind.EQUIPMENT, title="Laptops in a box")

    def counted(url: str) -> tuple[str, list[str]]:
        with counted_statements() as statements:
            page = member.get(url).get_data(as_text=True)
        return page, [s for s in statements if s.lower().startswith("select count(")]

    for url in ("/offers?kind=volunteering", "/offers?q=laptops"):
        page, counts = counted(url)
        assert counts, url
        wanted = "1 open offer matches" if "kind" in url else "2 open offers match"
        assert wanted in page, url
        # The same filters, another order or page: the count is not made again.
        for again in (url, url + "&sort=closing", url + "&page=1"):
            page, counts = counted(again)
            assert counts == [], again
            assert wanted in page and "Spare laptops" in page, again
    # Other filters are another count.
    page, counts = counted("/offers?kind=equipment")
    assert counts and "1 open offer matches" in page

    lm.offer(company, title="More laptops")  # committed in this process
    page, counts = counted("/offers?kind=volunteering")
    assert counts and "2 open offers match" in page and "More laptops" in page


def test_shared_values_are_bounded(sharing, app, monkeypatch):
    """Every search has a count of its own: past MAX_VALUES, the kept values start again
    rather than grow without end."""
    monkeypatch.setattr(page_cache, "MAX_VALUES", 3)
    with app.app_context():
        for n in range(7):
            page_cache.shared_value(("a search", n), lambda n=n: n)
            assert len(page_cache._values) <= 3
        assert page_cache.shared_value(("a search", 6), lambda: "made again") == 6


def test_a_shared_value_is_made_once_until_it_is_too_old_or_something_changes(
    sharing, app, monkeypatch
):
    made = []

    def make_value():
        made.append(1)
        return len(made)

    with app.app_context():
        assert page_cache.shared_value("key", make_value) == 1
        assert page_cache.shared_value("key", make_value) == 1
        page_cache.clear()  # what a commit that wrote anything does
        assert page_cache.shared_value("key", make_value) == 2
        later = page_cache.time.monotonic() + 11
        monkeypatch.setattr(page_cache.time, "monotonic", lambda: later)
        assert page_cache.shared_value("key", make_value) == 3
        monkeypatch.setitem(app.config, "SHARED_PAGE_SECONDS", 0)
        assert page_cache.shared_value("key", make_value) == 4
        assert page_cache.shared_value("key", make_value) == 5
