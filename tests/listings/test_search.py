"""Finding open needs and offers: each filter, what counts as open, sorting, pages,
the filters in the URL, and a list page whose query count does not grow with the data."""

from __future__ import annotations

import os
from dataclasses import fields
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, literal, text
from sqlalchemy import select as sa_select
from werkzeug.datastructures import MultiDict

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.listings import search
from brokerage.listings.models import (
    ListingKind,
    ListingStatus,
    LocationMode,
    Need,
    Offer,
    Safeguarding,
    Skill,
)
from brokerage.listings.search import PAGE_SIZE, Filters, _word_filters, open_listings
from brokerage.organisations.models import OrganisationKind, Ward
from tests import factories
from tests.helpers import counted_statements
from tests.listings import factories as lm

VOL, EQUIP, SPONSOR = ListingKind.VOLUNTEERING, ListingKind.EQUIPMENT, ListingKind.SPONSORSHIP


@pytest.fixture
def community(make):
    return make.organisation(kind=OrganisationKind.COMMUNITY)


@pytest.fixture
def company(make):
    return make.organisation(kind=OrganisationKind.COMPANY)


def today():
    return today_in_leeds()


def found(model=Need, **filters) -> list[str]:
    """Titles of the open listings matching `filters`, in the order listed."""
    page = open_listings(model, Filters(**filters), today())
    assert page.total == len(page.items) or len(page.items) == PAGE_SIZE
    return [item.title for item in page.items]


def found_set(model=Need, **filters) -> set[str]:
    return set(found(model, **filters))


# --- Each filter ------------------------------------------------------------------------


def test_kind(community, company):
    for kind in ListingKind:
        lm.need(community, kind, title=f"Need {kind.value}")
        lm.offer(company, kind, title=f"Offer {kind.value}")
    assert found_set() == {f"Need {k.value}" for k in ListingKind}
    assert found(kind=EQUIP) == ["Need equipment"]
    assert found(Offer, kind=SPONSOR) == ["Offer sponsorship"]
    assert found_set(Offer, kind=None) == {f"Offer {k.value}" for k in ListingKind}


def test_skill(community, company):
    it, web, data = (lm.skill(s) for s in ("it-support", "web-development", "data-and-reporting"))
    lm.need(community, title="IT only", skill_ids=[it.id])
    lm.need(community, title="Web and data", skill_ids=[web.id, data.id])
    lm.need(community, title="Data only", skill_ids=[data.id])
    lm.need(community, EQUIP, title="Laptops")
    lm.offer(company, title="Data offer", skill_ids=[data.id])
    assert found(skill="web-development") == ["Web and data"]
    assert found_set(skill="data-and-reporting") == {"Web and data", "Data only"}
    assert found(skill="cyber-security") == []
    assert found(skill="no-such-skill") == []
    assert found(Offer, skill="data-and-reporting") == ["Data offer"]


def test_device(community, company):
    lm.need(community, EQUIP, title="Laptops", device_type_id=lm.device("laptop").id)
    lm.need(community, EQUIP, title="Tablets", device_type_id=lm.device("tablet").id)
    lm.need(community, VOL, title="Volunteers")
    lm.offer(company, EQUIP, title="Spare tablets", device_type_id=lm.device("tablet").id)
    assert found(device="tablet") == ["Tablets"]
    assert found(device="laptop") == ["Laptops"]
    assert found(device="smartphone") == []
    assert found(Offer, device="tablet") == ["Spare tablets"]


def test_ward_and_leeds_wide(community, company, make):
    armley, pudsey, leeds = (make.ward(s) for s in ("armley", "pudsey", "leeds-wide"))
    lm.need(community, title="Armley", ward_ids=[armley.id])
    lm.need(community, title="Pudsey", ward_ids=[pudsey.id])
    lm.need(community, title="Both", ward_ids=[armley.id, pudsey.id])
    lm.need(community, title="Everywhere", ward_ids=[leeds.id])
    lm.offer(company, title="City offer", ward_ids=[leeds.id])
    lm.offer(company, title="Pudsey offer", ward_ids=[pudsey.id])

    assert found_set(ward="armley") == {"Armley", "Both", "Everywhere"}
    assert found_set(ward="pudsey") == {"Pudsey", "Both", "Everywhere"}
    # A listing in two wards is listed once.
    assert sorted(found(ward="pudsey")) == sorted({"Pudsey", "Both", "Everywhere"})
    assert found(ward="kirkstall") == ["Everywhere"]
    # A ward that does not exist (a mistyped link) finds nothing, not the Leeds-wide ones.
    assert found(ward="nowhere") == []
    assert found(Offer, ward="nowhere") == []
    assert found_set(Offer, ward="armley") == {"City offer"}
    assert found_set(Offer, ward="pudsey") == {"City offer", "Pudsey offer"}
    page = open_listings(Need, Filters(ward="armley"), today())
    assert page.total == 3


def test_group(community, make):
    older, young = make.group("older-people"), make.group("young-people")
    lm.need(community, title="Older", beneficiary_group_ids=[older.id])
    lm.need(community, title="Young", beneficiary_group_ids=[young.id])
    lm.need(community, title="Both", beneficiary_group_ids=[older.id, young.id])
    assert found_set(group="young-people") == {"Young", "Both"}
    assert found_set(group="older-people") == {"Older", "Both"}
    assert found(group="disabled-people") == []


def test_remote_means_remote_or_either(community, company):
    for mode in LocationMode:
        lm.need(community, title=f"Need {mode.value}", location_mode=mode)
    lm.need(community, EQUIP, title="Laptops")
    lm.offer(company, title="Offer on site", location_mode=LocationMode.ON_SITE)
    lm.offer(company, title="Offer remote", location_mode=LocationMode.REMOTE)
    assert found_set(remote=True) == {"Need remote", "Need either"}
    assert found_set(Offer, remote=True) == {"Offer remote"}
    assert len(found(remote=False)) == 4


def test_closing_within(community, company):
    for days in (0, 7, 8, 31, 32, 92, 93):
        lm.need(community, title=f"In {days}", deadline=today() + timedelta(days=days))
    for days in (0, 7, 8):
        lm.offer(company, title=f"In {days}", available_until=today() + timedelta(days=days))
    assert found_set(closing_within="7") == {"In 0", "In 7"}
    assert found_set(closing_within="31") == {"In 0", "In 7", "In 8", "In 31"}
    assert found_set(closing_within="92") == {"In 0", "In 7", "In 8", "In 31", "In 32", "In 92"}
    assert found_set(Offer, closing_within="7") == {"In 0", "In 7"}
    assert len(found(Offer, closing_within=None)) == 3


def test_words_search_title_and_description(community, company):
    lm.need(community, title="Laptops for the homework club", description="Year 7 pupils.")
    lm.need(community, title="Tablets", description="For HOMEWORK at the library.")
    lm.need(community, title="Broadband", description="For the drop-in café.")
    lm.offer(company, title="Old laptops", description="Wiped and ready for homework.")
    assert found_set(q="homework") == {"Laptops for the homework club", "Tablets"}
    assert found_set(q="Homework") == found_set(q="homework")
    # Several words must all be there, in the title or the description.
    assert found(q="homework laptops") == ["Laptops for the homework club"]
    assert found(q="library tablets") == ["Tablets"]
    assert found(q="homework broadband") == []
    assert found(q="café") == ["Broadband"]
    assert found(Offer, q="laptops homework") == ["Old laptops"]


# The suite's database, as tests/conftest.py chooses it.
ON_POSTGRESQL = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def test_punctuation_separates_words_and_is_never_a_wildcard(community):
    lm.need(community, title="100% online", description="Everything on the web.")
    lm.need(community, title="1000 online", description="Lots.")
    lm.need(community, title="snake_case training", description="Python style.")
    lm.need(community, title="snakeXcase training", description="Nothing.")
    lm.need(community, title="Folders", description=r"C:\temp is full.")
    assert found(q="100%") == ["100% online"]
    assert found(q="snake_case") == ["snake_case training"]
    assert found(q="C:\\temp") == ["Folders"]
    # Only punctuation: no word to look for, so nothing, as with only stop words.
    for junk in ("%", "_", "\\", "%_"):
        assert found(q=junk) == [], junk
    assert len(found(q="")) == 5


def test_any_form_of_a_word_finds_it(community, company):
    lm.need(community, title="A computer for the drop-in", description="Donated please.")
    lm.need(community, title="Volunteers teaching", description="Two sessions a week.")
    lm.need(community, title="Tablets", description="Nothing about that here.")
    lm.offer(company, title="Refurbished laptops", description="Wiped computers, ready.")
    assert found(q="computers") == ["A computer for the drop-in"]
    assert found(q="teach volunteer") == ["Volunteers teaching"]
    assert found(q="volunteers tablets") == []  # every word must be there
    assert found(Offer, q="computer laptop") == ["Refurbished laptops"]
    assert found(Offer, q="wipe") == ["Refurbished laptops"]
    # Stop words are left out of a search, so they never narrow it...
    assert found(q="the computers") == ["A computer for the drop-in"]
    # ...and only punctuation, or only stop words: nothing, and no error.
    assert found(q="%") == []
    assert found(q="the and") == []


# What people type, however odd: never an error, on either database. FTS5 reads
# quotes, *, ^, :, -, +, parentheses, AND/OR/NOT/NEAR as its syntax; each word is
# quoted, so they are only text.
HOSTILE = [
    '"', '""', '"laptops', "*", "laptop*", "^laptop", "NEAR(", "NEAR(laptop tablet)",
    "AND", "OR", "NOT", "laptop AND", "OR tablet", "-laptop", "+", "title:laptop",
    "{title}: laptop", "(", ")", ":", "\x07\x1b[0m", "😀", "laptop 😀",
    "x" * 100, "é" * 100, "'; DROP TABLE need; --", "\u200b", "ǅ", "\ufeff", "١٢٣",
]  # fmt: skip


@pytest.mark.parametrize("words", HOSTILE)
def test_odd_words_never_raise(community, words):
    lm.need(community, title="Laptops for the club", description="Any will do.")
    for model in (Need, Offer):
        page = open_listings(model, Filters.from_args({"q": words}), today())
        assert page.total <= 1
    assert found(q=f"{words} laptops") in ([], ["Laptops for the club"])


def test_nul_in_the_words_is_refused_before_any_search(client):
    # PostgreSQL cannot take NUL in text: the app refuses it in any URL (forms.py).
    for words in ("%00", "lap%00top"):
        assert client.get(f"/needs?q={words}").status_code == 400


@settings(max_examples=60, deadline=None, derandomize=True)
@given(words=st.text(st.characters(exclude_characters="\x00"), max_size=120))
def test_any_text_searched_for_never_raises(app, words):
    # No fixtures that make rows: hypothesis runs this many times within one test.
    with app.app_context():
        filters = Filters.from_args({"q": words})
        for model in (Need, Offer):
            assert open_listings(model, filters, today()).total == 0


@pytest.mark.skipif(not ON_POSTGRESQL, reason="full-text search is PostgreSQL's")
def test_on_postgresql_the_word_search_reads_the_index(community):
    lm.need(community, title="Computers", description="For the club.")
    # A table this small is read whole; at 100,000 rows the planner picks the index
    # (bench/pages.py). Here: that it can, so the expression is the index's.
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = " ".join(row[0] for row in db.session.execute(text("EXPLAIN " + _search_sql())))
    assert "ix_need_search" in plan, plan


def _search_sql() -> str:
    """The SQL the list's words search sends, with its values in place."""
    query = sa_select(Need.id).where(*_word_filters(Need, Filters(q="computers")))
    return str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))


def test_filters_combine(community, make):
    armley = make.ward("armley")
    web = lm.skill("web-development")
    lm.need(community, title="Match", ward_ids=[armley.id], skill_ids=[web.id])
    lm.need(community, title="Wrong skill", ward_ids=[armley.id])
    lm.need(community, title="Wrong ward", skill_ids=[web.id], ward_ids=[make.ward("pudsey").id])
    lm.need(community, EQUIP, title="Wrong kind", ward_ids=[armley.id])
    filters = dict(kind=VOL, ward="armley", skill="web-development", q="match")
    assert found(**filters) == ["Match"]


# --- What is open -----------------------------------------------------------------------


OFFER_SAMPLE = (
    ListingStatus.DRAFT,
    ListingStatus.SUBMITTED,
    ListingStatus.PUBLISHED,
    ListingStatus.PARTLY_MET,
    ListingStatus.MET,
    ListingStatus.EXPIRED,
)


@pytest.mark.parametrize(
    ("factory", "model", "closes", "statuses"),
    [
        pytest.param(lm.need, Need, "deadline", tuple(ListingStatus), id="need"),
        # The rule is shared: a sample is enough for offers.
        pytest.param(lm.offer, Offer, "available_until", OFFER_SAMPLE, id="offer"),
    ],
)
def test_only_published_and_partly_met_items_before_their_date(
    make, factory, model, closes, statuses
):
    org = make.organisation(
        kind=OrganisationKind.COMMUNITY if model is Need else OrganisationKind.COMPANY
    )
    for status in statuses:
        factory(org, status=status, title=status.value)
    closes_today = factory(org, title="Closes today", **{closes: today()})
    past = factory(org, title="Closed yesterday")
    partly_past = factory(org, status=ListingStatus.PARTLY_MET, title="Partly met, closed")
    for item in (past, partly_past):
        setattr(item, closes, today() - timedelta(days=1))
    db.session.commit()

    assert found_set(model) == {"published", "partly_met", closes_today.title}
    # Every filter keeps to the open ones.
    assert found_set(model, kind=VOL, q="e") <= {"published", "partly_met", "Closes today"}


# --- Sorting and pages ------------------------------------------------------------------


def test_newest_first_by_publication(community):
    a, b, c = (lm.need(community, title=t) for t in ("A", "B", "C"))
    now = datetime.now(UTC)
    for hours, item in ((1, a), (3, b), (2, c)):
        item.published_at = now - timedelta(hours=hours)
    db.session.commit()
    assert found() == ["A", "C", "B"]
    assert found(sort="newest") == ["A", "C", "B"]


def test_closing_soonest(community, company):
    for title, days in (("Ten", 10), ("Three", 3), ("Twenty", 20), ("Also three", 3)):
        lm.need(community, title=title, deadline=today() + timedelta(days=days))
        lm.offer(company, title=title, available_until=today() + timedelta(days=days))
    # Ties keep the order they were posted in.
    assert found(sort="closing") == ["Three", "Also three", "Ten", "Twenty"]
    assert found(Offer, sort="closing") == ["Three", "Also three", "Ten", "Twenty"]


def bulk(model, org, count: int, **values) -> list[int]:
    """Insert `count` published volunteering listings straight into the tables (with
    their skill, ward and group links), far quicker than the services. The first is
    the newest. Returns their ids in order."""
    now = datetime.now(UTC)
    closes = "deadline" if model is Need else "available_until"
    rows = []
    for i in range(count):
        row = dict(
            organisation_id=org.id,
            created_by_id=org.owners[0].id,
            kind=VOL,
            title=f"Bulk {model.__name__.lower()} {i}",
            description="Made in bulk for the list tests.",
            status=ListingStatus.PUBLISHED,
            volunteers=2,
            hours_per_volunteer=3,
            location_mode=LocationMode.REMOTE,
            submitted_at=now - timedelta(days=1),
            published_at=now - timedelta(seconds=i + 1),
            **{closes: today() + timedelta(days=30 + i % 60)},
        )
        if model is Need:
            row["safeguarding"] = Safeguarding.NONE
        row.update(values)
        rows.append(row)
    ids = list(
        db.session.scalars(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    )
    key = f"{model.__tablename__}_id"
    links = model.link_tables()
    for name, target_id in (
        ("skill", lm.skill("it-support").id),
        ("ward", factories.ward("armley").id),
        ("beneficiary_group", factories.group("older-people").id),
    ):
        db.session.execute(insert(links[name]), [{key: i, f"{name}_id": target_id} for i in ids])
    db.session.commit()
    return ids


def test_twenty_a_page_and_a_page_too_far_shows_the_last(community):
    ids = bulk(Need, community, 45)

    def page(number: int):
        return open_listings(Need, Filters(page=number), today())

    first, third, beyond = page(1), page(3), page(9)
    assert (first.total, first.pages, first.page) == (45, 3, 1)
    assert [i.id for i in first.items] == ids[:20]
    assert [i.id for i in page(2).items] == ids[20:40]
    assert [i.id for i in third.items] == ids[40:]
    assert (beyond.page, [i.id for i in beyond.items]) == (3, ids[40:])
    # The items come with their wards and skills, in the page's order.
    assert all(item.skill_names and item.ward_names for item in first.items)


def test_a_search_is_counted_up_to_the_limit_and_says_more_than(community, client, monkeypatch):
    # Counting every match of a common word read every row (a second a page at
    # 100,000 listings): a filtered or searched list counts up to COUNT_LIMIT.
    monkeypatch.setattr(search, "COUNT_LIMIT", 30)
    ids = bulk(Need, community, 45)
    searched = open_listings(Need, Filters(q="bulk"), today())
    assert (searched.total, searched.more, searched.pages) == (30, True, 2)
    assert [i.id for i in searched.items] == ids[:20]
    # Only the counted ones are paged through; past them is a page too far.
    second, beyond = (open_listings(Need, Filters(q="bulk", page=n), today()) for n in (2, 3))
    assert [i.id for i in second.items] == ids[20:40]
    assert (beyond.page, [i.id for i in beyond.items]) == (2, ids[20:40])
    # Within the limit the count is exact; with no filter or word, always exact.
    assert open_listings(Need, Filters(q="bulk 7"), today()).more is False
    plain = open_listings(Need, Filters(), today())
    assert (plain.total, plain.more, plain.pages) == (45, False, 3)

    text = client.get("/needs?q=bulk").get_data(as_text=True)
    assert "More than 30 open needs match your filters" in text
    assert "The first 30, in the order chosen, are listed here." in text
    assert "45 open needs" in client.get("/needs").get_data(as_text=True)


def test_an_edited_listing_is_found_by_its_new_words_only(community):
    need = lm.need(community, title="Laptops for the club", description="Any will do.")
    assert found(q="tablet") == []
    need.title = "Tablets for the club"
    db.session.commit()
    assert found(q="tablet") == ["Tablets for the club"]
    assert found(q="laptops") == []
    need.description = "Chromebooks would do."
    db.session.commit()
    assert found(q="chromebook tablets") == ["Tablets for the club"]
    assert found(q="any") == []
    _index_agrees_with_the_listings()


def test_a_listing_no_longer_open_or_deleted_is_not_found(community, company):
    kept = lm.need(community, title="Laptops kept", description="Any will do.")
    withdrawn = lm.need(community, title="Laptops withdrawn", description="Any will do.")
    withdrawn.status = ListingStatus.WITHDRAWN
    db.session.commit()
    # Nothing in the app deletes a listing (it is withdrawn), but the tests' clean-up
    # does, and a database's owner may: the index must follow.
    (need,) = bulk(Need, community, 1, title="Laptops deleted")
    (offer,) = bulk(Offer, company, 1, title="Laptops offered")
    assert len(found(q="laptops")) == 2 and len(found(Offer, q="laptops")) == 1
    db.session.execute(text("DELETE FROM need WHERE id = :id"), {"id": need})
    db.session.execute(text("DELETE FROM offer WHERE id = :id"), {"id": offer})
    db.session.commit()
    assert found(q="laptops") == [kept.title]
    assert found(Offer, q="laptops") == []
    _index_agrees_with_the_listings()


def _index_agrees_with_the_listings() -> None:
    """On SQLite, FTS5's own check that its index is that of the listings' text now."""
    if db.engine.dialect.name != "sqlite":
        return
    for name in ("need_fts", "offer_fts"):
        db.session.execute(text(f"INSERT INTO {name} ({name}) VALUES ('integrity-check')"))


@pytest.mark.skipif(ON_POSTGRESQL, reason="SQLite's two ways of reading its FTS5 index")
@pytest.mark.parametrize(
    "filters",
    [
        dict(q="bulk"),
        dict(q="bulk", page=2),
        dict(q="bulk", page=3),
        dict(q="bulk", sort="closing"),
        dict(q="bulk", sort="closing", page=2),
        dict(q="bulk", closing_within="31"),
        dict(q="rare bulk"),
        dict(q="bulks 1"),
    ],
)
def test_both_ways_of_reading_the_words_find_the_same_page(community, monkeypatch, filters):
    # A page of a common word is read in the list's order and each listing checked; of
    # a rare word, from the index's matches (search._IndexedWords): the same listings.
    bulk(Need, community, 45)
    bulk(Need, community, 3, description="A rare word.")
    pages = {}
    for common in (True, False):
        monkeypatch.setattr(search._IndexedWords, "common", lambda self, c=common: literal(c))
        search._statements.cache_clear()  # built again, with `common` as set here
        page = open_listings(Need, Filters(**filters), today())
        pages[common] = (page.total, page.more, page.page, [item.id for item in page.items])
    search._statements.cache_clear()  # none kept with `common` set by this test
    assert pages[True] == pages[False]
    assert pages[True][3]  # something was found


def test_no_results_is_one_empty_page():
    page = open_listings(Need, Filters(page=4), today())
    assert (page.items, page.total, page.pages, page.page) == ([], 0, 1, 1)


def test_the_list_page_shows_the_last_page_for_a_page_too_far(client, community):
    bulk(Need, community, 25)
    response = client.get("/needs?page=7")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "25 open needs" in text
    assert "Bulk need 24" in text and "Bulk need 0<" not in text


# --- Filters in the URL -----------------------------------------------------------------


def test_from_args_ignores_junk():
    junk = Filters.from_args(
        MultiDict(
            {
                "kind": "VOLUNTEERING",
                "skill": "<script>",
                "device": "lap top",
                "ward": "armley'; drop table ward; --",
                "group": "",
                "remote": "true",
                "closing": "5",
                "sort": "oldest",
                "page": "-3",
                "surprise": "yes",
            }
        )
    )
    assert junk == Filters()
    assert Filters.from_args({}) == Filters()
    assert Filters().args() == {}
    assert Filters().active is False


PAGE_NUMBERS = [
    ("2", 2),
    ("0", 1),
    ("abc", 1),
    ("1.5", 1),
    ("", 1),
    (" 3", 1),
    ("²", 1),  # a digit to str.isdigit(), not to int()
    ("٣", 1),  # Arabic-Indic three
    ("0004", 4),
    ("99999", 10_000),
    ("9" * 5000, 10_000),  # more digits than int() will read
]


def test_from_args_page_numbers():
    for value, expected in PAGE_NUMBERS:
        assert Filters.from_args({"page": value}).page == expected, value[:10]


def test_from_args_tidies_words():
    filters = Filters.from_args({"q": "  laptops \t  for\nschools  ", "skill": " Web-Development "})
    assert filters.q == "laptops for schools"
    assert filters.skill == "web-development"
    assert len(Filters.from_args({"q": "x" * 500}).q) == 100


def test_args_round_trip():
    full = Filters(
        kind=EQUIP,
        skill="web-development",
        device="laptop",
        ward="armley",
        group="older-people",
        remote=True,
        closing_within="31",
        q="homework club",
        sort="closing",
        page=3,
    )
    args = full.args()
    assert args == {
        "kind": "equipment",
        "skill": "web-development",
        "device": "laptop",
        "ward": "armley",
        "group": "older-people",
        "remote": "yes",
        "closing": "31",
        "q": "homework club",
        "sort": "closing",
        "page": "3",
    }
    assert Filters.from_args(MultiDict(args)) == full
    assert full.active is True
    assert full.args(page=1, sort="newest") == {
        k: v for k, v in args.items() if k not in ("page", "sort")
    }
    for filters in (Filters(), Filters(q="a b"), Filters(remote=True, page=2)):
        assert Filters.from_args(filters.args()) == filters


def test_junk_in_the_url_still_gives_the_list(client):
    response = client.get("/needs?page=%C2%B2&kind=nope&closing=x&sort=y&skill=%3Cb%3E")
    assert response.status_code == 200


# --- The list page's queries do not grow with the data ----------------------------------


def _statements_for(client, url: str, expect: str) -> int:
    client.get(url)  # warm up: one-off work (connections, caches) is not counted
    with counted_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    assert expect in response.get_data(as_text=True)
    return len(statements)


@pytest.mark.parametrize(
    ("model", "url"),
    [
        pytest.param(Need, "/needs?kind=volunteering", id="needs"),
        pytest.param(Offer, "/offers?kind=volunteering", id="offers"),
    ],
)
def test_the_list_costs_the_same_queries_for_10_or_1000_items(make, client, login, model, url):
    kind = OrganisationKind.COMMUNITY if model is Need else OrganisationKind.COMPANY
    first, second = make.organisation(kind=kind), make.organisation(kind=kind)
    if model is Offer:
        # Offers are for members of verified organisations.
        login(make.member(make.organisation(kind=OrganisationKind.COMPANY)))
    noun = model.__name__.lower()

    bulk(model, first, 10)
    with_10 = _statements_for(client, url, f"10 open {noun}s")

    bulk(model, first, 495)
    bulk(model, second, 495)
    with_1000 = _statements_for(client, url, f"1,000 open {noun}s")

    assert with_10 == with_1000
    assert with_1000 < 25


@pytest.mark.parametrize(
    "filters",
    [
        pytest.param(Filters(), id="dates-only"),
        pytest.param(Filters(kind=VOL, ward="armley", sort="closing"), id="row-filters"),
        pytest.param(Filters(q="bulk", page=2), id="words"),
    ],
)
def test_a_page_of_listings_costs_three_queries(community, filters):
    """One for the page's rows, with their organisation and device; on SQLite one more
    for the names of their wards and skills (PostgreSQL reads them with the rows); one
    for how many match in all, shared between pages with the same filters for a few
    seconds where pages are shared (tests/test_page_cache.py; not in these tests). A
    word search on PostgreSQL first asks for plans made for its own words
    (database.plan_each_run)."""
    queries = 2 if db.engine.dialect.name == "postgresql" else 3
    ids = bulk(Need, community, 45)
    with counted_statements() as statements:
        page = open_listings(Need, filters, today())
    assert page.total == 45 and len(page.items) == PAGE_SIZE
    assert {item.id for item in page.items} <= set(ids)
    setting = "SET LOCAL plan_cache_mode = force_custom_plan"
    searched_on_postgres = bool(filters.q) and db.engine.dialect.name == "postgresql"
    assert (statements[:1] == [setting]) == searched_on_postgres
    assert len([s for s in statements if s != setting]) == queries, statements


@pytest.fixture
def reordered_terms():
    """Two wards and two skills whose list order (position) is the reverse of the order
    they were added in (id), put back afterwards (the taxonomies outlive each test)."""
    wards = db.session.scalars(
        sa_select(Ward).where(Ward.is_citywide.is_(False)).order_by(Ward.id).limit(2)
    ).all()
    skills = db.session.scalars(sa_select(Skill).order_by(Skill.id).limit(2)).all()
    terms = [*wards, *skills]
    positions = [term.position for term in terms]
    for first, second in (wards, skills):
        first.position, second.position = 1_000_001, 1_000_000
    db.session.commit()
    yield wards, skills
    for term, position in zip(terms, positions, strict=True):
        term.position = position
    db.session.commit()


def test_a_listed_item_has_its_wards_and_skills_in_their_lists_order(community, reordered_terms):
    """The names shown under each result: in the order the wards and skills are listed
    (their position), not the order they were added or picked in; none where it has
    none."""
    (older_ward, newer_ward), (older_skill, newer_skill) = reordered_terms
    picked = lm.need(
        community,
        title="Picked in the other order",
        ward_ids=[older_ward.id, newer_ward.id],
        skill_ids=[older_skill.id, newer_skill.id],
    )
    kit = lm.need(community, ListingKind.EQUIPMENT, title="No skills at all")

    items = {item.id: item for item in open_listings(Need, Filters(), today()).items}

    assert items[picked.id].ward_names == (newer_ward.name, older_ward.name)
    assert items[picked.id].skill_names == (newer_skill.name, older_skill.name)
    assert items[kit.id].ward_names == (factories.ward("armley").name,)
    assert items[kit.id].skill_names == ()


@pytest.mark.parametrize("model", [Need, Offer], ids=["need", "offer"])
def test_a_listed_items_values_are_read_into_the_fields_of_their_names(model):
    """A page's rows become ListedItems by position (quicker than by name): the columns
    read must be the fields, in their order, followed by the wards and skills."""
    names = [column.key for column in search._listed_columns(model)]
    assert [*names, "ward_names", "skill_names"] == [f.name for f in fields(search.ListedItem)]
