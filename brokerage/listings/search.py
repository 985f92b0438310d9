"""Finding open needs and offers: filters kept in the URL, one page at a time (the
team's CSV, in exports.py, uses the same filters).

The list page costs the same queries whatever the data size: one page of rows (with
their organisation, device and, on PostgreSQL, their ward and skill names), on SQLite
one for the page's ward and skill names, one for how many match and one for all the
filter drop-downs (choices.py); the last two are shared by every list page with the
same filters for a few seconds (page_cache.shared_value).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache, lru_cache

from sqlalchemy import (
    Date,
    Integer,
    Select,
    bindparam,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    union_all,
)

from brokerage import page_cache
from brokerage.database import plan_each_run
from brokerage.extensions import db
from brokerage.listings.models import (
    OPEN_STATUSES,
    SEARCH_VECTOR,
    DeviceType,
    ListingKind,
    ListingMixin,
    LocationMode,
    Skill,
    fts_table,
)
from brokerage.organisations.models import BeneficiaryGroup, Organisation, Ward
from brokerage.pagination import Page, page_count, page_number
from brokerage.text_search import every_word_matching

PAGE_SIZE = 20
# Listings matched by other filters or words are counted up to this many (50 pages).
COUNT_LIMIT = 1_000
CLOSING_WITHIN = {"7": "Within a week", "31": "Within a month", "92": "Within 3 months"}
SORTS = {"newest": "Newest first", "closing": "Closing soonest"}


@dataclass(frozen=True)
class Filters:
    kind: ListingKind | None = None
    skill: str | None = None
    device: str | None = None
    ward: str | None = None
    group: str | None = None
    remote: bool = False
    closing_within: str | None = None
    q: str = ""
    sort: str = "newest"
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read filters from a query string, ignoring anything that is not a real choice."""
        kind = args.get("kind", "")
        page = args.get("page", "1")
        closing = args.get("closing", "")
        sort = args.get("sort", "newest")
        return cls(
            kind=ListingKind(kind) if kind in {k.value for k in ListingKind} else None,
            skill=_slug(args.get("skill")),
            device=_slug(args.get("device")),
            ward=_slug(args.get("ward")),
            group=_slug(args.get("group")),
            remote=args.get("remote") == "yes",
            closing_within=closing if closing in CLOSING_WITHIN else None,
            q=" ".join(args.get("q", "").split())[:100],
            sort=sort if sort in SORTS else "newest",
            page=page_number(page),
        )

    def args(self, **changes) -> dict[str, str]:
        """The query string for these filters (with `changes`), without empty values."""
        f = replace(self, **changes)
        values = {
            "kind": f.kind.value if f.kind else "",
            "skill": f.skill or "",
            "device": f.device or "",
            "ward": f.ward or "",
            "group": f.group or "",
            "remote": "yes" if f.remote else "",
            "closing": f.closing_within or "",
            "q": f.q,
            "sort": f.sort if f.sort != "newest" else "",
            "page": str(f.page) if f.page != 1 else "",
        }
        return {k: v for k, v in values.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.args(sort="newest", page=1))


def _slug(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    return value[:64] if value and all(ch.isalnum() or ch == "-" for ch in value) else None


@dataclass(frozen=True, slots=True)
class ListedItem:
    """One listing as the list page shows it, and nothing more.

    Read as plain values rather than as Needs or Offers: building twenty ORM objects
    with their organisation, device, wards and skills was the list page's largest
    cost. What is worked out from the values follows the models' own rules:
    `total_hours` is ListingMixin's, and the labels are the enums'."""

    id: int
    kind: ListingKind
    title: str
    organisation_name: str
    device_name: str | None
    volunteers: int | None
    hours_per_volunteer: int | None
    location_mode: LocationMode | None
    quantity: int | None
    amount_pence: int | None
    closes_on: date
    ward_names: tuple[str, ...]
    skill_names: tuple[str, ...]

    total_hours = ListingMixin.total_hours


def _linked(model, link_name: str, target, condition):
    """`model.id IN (ids linked to a matching target)`: one subquery evaluated once,
    rather than a correlated EXISTS per row (much cheaper for counts). The link table
    is joined to the target, so that SQLite reads it through its index on the target's
    id rather than scanning it all."""
    link = model.link_tables()[link_name]
    key, target_key = link.c[f"{model.__tablename__}_id"], link.c[f"{link_name}_id"]
    return model.id.in_(select(key).join(target, target.id == target_key).where(condition))


def _closing(model, filters: Filters, today: date) -> list:
    if not filters.closing_within:
        return []
    closes = model.closes_on_column()
    return [closes <= _written_day(today + timedelta(days=int(filters.closing_within)))]


def _row_filters(model, filters: Filters) -> list:
    """The filters that need each listing's row (or its links)."""
    others = []
    if filters.kind:
        others.append(model.kind == filters.kind)
    if filters.skill:
        others.append(_linked(model, "skill", Skill, Skill.slug == filters.skill))
    if filters.device:
        # Slugs are unique: `=` (one id, or none) lets SQLite use the device index.
        device = select(DeviceType.id).where(DeviceType.slug == filters.device)
        others.append(model.device_type_id == device.scalar_subquery())
    if filters.ward:
        # Leeds-wide listings serve every ward: every real one, so a ward that does not
        # exist finds nothing, as an unknown skill or group does.
        real = select(Ward.id).where(Ward.slug == filters.ward, Ward.is_citywide.is_(False))
        others.append(
            _linked(
                model,
                "ward",
                Ward,
                or_(Ward.slug == filters.ward, Ward.is_citywide.is_(True) & real.exists()),
            )
        )
    if filters.group:
        others.append(
            _linked(
                model,
                "beneficiary_group",
                BeneficiaryGroup,
                BeneficiaryGroup.slug == filters.group,
            )
        )
    if filters.remote:
        others.append(model.location_mode.in_([LocationMode.REMOTE, LocationMode.EITHER]))
    return others


def _word_filters(model, filters: Filters) -> list:
    """Every word searched for, in the title or the description, in any form of the
    word ("computers" finds "computer"), read from an index: on PostgreSQL by English
    full-text search; on SQLite by FTS5, meaning the same (text_search's
    `every_word_matching`), the listings joined to the index's matches (see
    _IndexedWords). Only stop words, or only punctuation: nothing is found."""
    words = filters.q.split()[:8]
    if not words:
        return []
    if db.engine.dialect.name == "postgresql":
        query = func.plainto_tsquery(ENGLISH, " ".join(words))
        return [_document(model).op("@@")(query)]
    indexed = _indexed_words(model, filters)
    return indexed.joined() if indexed else [false()]


@dataclass(frozen=True)
class _IndexedWords:
    """A words search on SQLite: FTS5's query `query` of the index of `model`'s
    listings (migration 0027_sqlite_fts), whose rowid is the listing's id.

    Two ways to read it. Joined, the listings are read from the index's matches: right
    for counting up to COUNT_LIMIT (it stops there) and for words few listings have.
    Checked, listing by listing as the page's order reads them (each check a search of
    the index, ~10 us): right for a page of a word most listings have, where reading
    every match to sort them is what costs (40 ms at 100,000 listings). `common` says
    which, as the query runs: the words are in 1 listing in 20 or more."""

    model: type
    query: str

    @property
    def _index(self):
        return _full_text_index(self.model)

    def _match(self):
        return self._index.c[self._index.name].op("MATCH")(self.query)

    def joined(self) -> list:
        return [self._index.c.rowid == self.model.id, self._match()]

    def checked(self):
        index = self._index
        return select(literal(1)).where(index.c.rowid == self.model.id, self._match()).exists()

    def common(self):
        index = self._index
        # max(id) is read from the primary key's end: near enough how many listings.
        listings = select(func.coalesce(func.max(self.model.id), 0)).scalar_subquery()
        some = select(index.c.rowid).where(self._match()).limit(listings // COMMON + 1).subquery()
        return select(func.count()).select_from(some).scalar_subquery() * COMMON >= listings


# The words are common (`_IndexedWords.common`) in 1 listing in COMMON or more.
COMMON = 20


def _indexed_words(model, filters: Filters) -> _IndexedWords | None:
    """SQLite's words search for `filters`, or None when no word is left to find."""
    query = every_word_matching(" ".join(filters.q.split()[:8]))
    return _IndexedWords(model, query) if query else None


# A constant, not a parameter: plainto_tsquery with a configuration the planner knows.
ENGLISH = literal_column("'english'::regconfig")


def _document(model):
    """The stored English tsvector of a listing's title and description (PostgreSQL's
    generated column, models.SEARCH_VECTOR: read, not worked out per row)."""
    return literal_column(f"{model.__tablename__}.{SEARCH_VECTOR}")


@cache
def _full_text_index(model):
    """SQLite's FTS5 table of the listings of `model` (migration 0027_sqlite_fts): its
    rowid is the listing's id; its own name, as a column, is the whole row to MATCH."""
    name = fts_table(model.__tablename__)
    return table(name, column("rowid", Integer), column(name))


def filter_conditions(model, filters: Filters, today: date) -> list:
    """Every condition the list's filters make, besides what is open."""
    return (
        _closing(model, filters, today)
        + _row_filters(model, filters)
        + _word_filters(model, filters)
    )


def _likely(condition, sqlite: bool):
    """`condition`, which most listings meet. SQLite's planner knows only the average rows
    per value of an index, so it takes "open and not yet closed" (true of most listings)
    for a narrow condition: it reads every open listing through the status index and sorts
    them all for a page of 20 (50 ms at 12,000 open offers). Told that most rows pass,
    it walks the newest-first index and stops after the page (2 ms). PostgreSQL's
    statistics know already."""
    return func.likelihood(condition, literal_column("0.90")) if sqlite else condition


def open_listings(model, filters: Filters, today: date) -> Page:
    """One page of open listings of `model` (Need or Offer) matching `filters`."""
    # Arguments, read now: tests change the sizes (and a process may serve two databases).
    sizes = (PAGE_SIZE, COUNT_LIMIT, db.engine.dialect.name)
    if filters.q.strip():
        # The best plan for a word search depends on how common its words are: planned
        # once for any words, "laptops" at 100,000 listings took 38 ms instead of 8.
        plan_each_run()
    page_query, count_query, exact = _statements(model, filters, today, *sizes)
    items = _page_of(model, page_query)
    total = _shared_count(model, filters, today, count_query)
    shown = _page(items, total, filters.page, exact)
    if (items and filters.page <= shown.pages) or filters.page == 1:
        return shown

    # A page too far: count afresh (the shared count may be a few seconds old), and
    # show the last page instead.
    total = db.session.scalar(count_query) or 0
    pages = _page(None, total, 1, exact).pages
    last = replace(filters, page=pages)
    items = _page_of(model, _statements(model, last, today, *sizes)[0])
    return _page(items, total, pages, exact)


def _shared_count(model, filters: Filters, today: date, count_query: Select) -> int:
    """How many listings match `filters` (whatever the page and the order): the same for
    everyone, so counted once for every list page with those filters shown in the next
    seconds in this process (page_cache.shared_value, as the public pages are; a change
    committed in this process drops it at once). Counting was the cost of a signed-in
    list page that grew with the number of listings: an entry of the index for each open
    listing, and for other filters or words each matching listing's row, up to
    COUNT_LIMIT (at 10,000 needs, a ward and a kind: 1,224 listings looked at, 2 ms)."""
    matching = replace(filters, page=1, sort="newest")
    key = ("listings.count", model.__tablename__, today, matching)
    return page_cache.shared_value(key, lambda: db.session.scalar(count_query) or 0)


@lru_cache(maxsize=256)
def _statements(
    model, filters: Filters, today: date, page_size: int, count_limit: int, dialect: str
) -> tuple[Select, Select, bool]:
    """The statement for the page `filters` ask for, the statement counting every match
    (run apart and shared: `_shared_count`), and whether it counts exactly. Built once
    for the same filters on the same day and kept (the most recent 256): building them
    took as long as the database took to answer them.

    The page's ids are chosen from narrow rows first (a subquery), then just those rows
    are joined to their organisation and device: sorting thousands of wide rows is what
    makes lists slow."""
    sqlite = dialect == "sqlite"
    closes = model.closes_on_column()
    # What is open, and when it closes: an index alone answers these.
    dates = [
        _is_open(model),
        closes >= _written_day(today),
        *_closing(model, filters, today),
    ]
    # The other filters need each listing's row (or its links).
    others = _row_filters(model, filters)
    words = _word_filters(model, filters)
    conditions = dates + others + words
    newest_first = filters.sort != "closing"
    order = (
        (model.published_at.desc(), model.id.desc())
        if newest_first
        else (closes.asc(), model.id.asc())
    )
    if newest_first and not filters.closing_within:
        # Most listings are open: the page is found by reading newest first.
        dates = [_likely(condition, sqlite) for condition in dates]

    # What is open, and when it closes, is counted exactly, from an index. Other
    # filters and words need each listing's row: counting every match would read them
    # all (a second at 100,000 listings and a common word), so they are counted up to
    # COUNT_LIMIT, reading no further, and the page says "more than" past it.
    exact = not (others or words)

    def ids(conditions: list, limit=page_size):
        return (
            select(model.id)
            .where(*conditions)
            .order_by(*order)
            .limit(limit)
            .offset((filters.page - 1) * page_size)
            .subquery()
        )

    indexed = _indexed_words(model, filters) if sqlite else None
    if indexed is None:
        chosen = (
            select(model.id)
            .where(*dates, *others, *words)
            .order_by(*order)
            .limit(_written(page_size))
            .offset(_written((filters.page - 1) * page_size))
            .subquery()
        )
    else:
        # A page of a word most listings have is read in the list's order, each listing
        # checked against the index, whatever the dates; of a rarer word, from the
        # index's matches (_IndexedWords). Both are there, each with a LIMIT of 0 unless
        # it is the one to use: SQLite reads nothing for a LIMIT of 0.
        opened = [model.status.in_(OPEN_STATUSES), closes >= today]
        likely = [_likely(c, sqlite) for c in opened + _closing(model, filters, today)]
        common = indexed.common()
        walked = ids(likely + others + [indexed.checked()], case((common, page_size), else_=0))
        joined = ids(dates + others + words, case((common, 0), else_=page_size))
        both = union_all(select(walked.c.id), select(joined.c.id)).subquery()
        chosen = select(both.c.id).subquery()
    names = () if sqlite else _term_name_arrays(model)
    page = (
        select(*_listed_columns(model), *names)
        .join(chosen, model.id == chosen.c.id)
        .join(Organisation, Organisation.id == model.organisation_id)
        .outerjoin(DeviceType, DeviceType.id == model.device_type_id)
        .order_by(*order)
    )
    return page, _count(model, conditions, exact, count_limit), exact


# What is open (the statuses, which never change, and today's date) and the page's LIMIT
# and OFFSET are written into the statements, not sent as parameters. With them as
# parameters PostgreSQL planned the list's page afresh every time it ran (a generic
# plan's guesses at an unknown date and LIMIT looked dearer than each custom plan):
# about 0.4 ms of its CPU for every list page at 10,000 listings. With none, the
# unfiltered list's plan is made once per connection (a day's, and a page number's,
# statement of its own: the statements are built once a day, and the first pages are
# the ones asked for).
def _is_open(model):
    return model.status.in_([literal_column(f"'{s.value}'") for s in sorted(OPEN_STATUSES)])


def _written(number: int):
    return literal_column(str(int(number)))


def _written_day(day: date):
    return literal_column(f"'{day.isoformat()}'", Date)


def _count(model, conditions: list, exact: bool, count_limit: int):
    """How many listings meet `conditions`: up to `count_limit` + 1 unless `exact`."""
    if exact:
        return select(func.count(model.id)).where(*conditions)
    some = select(model.id).where(*conditions).limit(_written(count_limit + 1)).subquery()
    return select(func.count()).select_from(some)


def _page(items: list | None, total: int, page: int, exact: bool) -> Page:
    """Page `page` of `total` listings; unless counted `exact`ly, past COUNT_LIMIT, of
    "more than" that many (only that many can be paged through: narrowing the filters
    finds the rest)."""
    more = not exact and total > COUNT_LIMIT
    total = COUNT_LIMIT if more else total
    return Page(items or [], total, page, page_count(total, PAGE_SIZE), more=more)


def _page_of(model, statement: Select) -> list[ListedItem]:
    """The listings `statement` (from `_statements`) reads. Their wards' and skills'
    names come in the same rows on PostgreSQL, and from a second statement on SQLite
    (`_term_names`)."""
    # Plain rows, through the connection: the ORM's handling of a statement that loads no
    # objects cost more than the database's answer.
    rows = db.session.connection().execute(statement).all()
    if not rows:
        return []
    if "skill_names" in rows[0]._fields:
        # PostgreSQL: each row came with its wards' and skills' names (_term_name_arrays).
        return [ListedItem(*row[:-2], tuple(row[-2]), tuple(row[-1])) for row in rows]
    names = _term_names(model, [row.id for row in rows])
    # The columns are ListedItem's fields in order (_listed_columns).
    return [
        ListedItem(
            *row,
            tuple(names.get(("ward", row.id), ())),
            tuple(names.get(("skill", row.id), ())),
        )
        for row in rows
    ]


def _listed_columns(model) -> tuple:
    """The columns a ListedItem is made of, named as its fields."""
    return (
        model.id,
        model.kind,
        model.title,
        Organisation.name.label("organisation_name"),
        DeviceType.name.label("device_name"),
        model.volunteers,
        model.hours_per_volunteer,
        model.location_mode,
        model.quantity,
        model.amount_pence,
        model.closes_on_column().label("closes_on"),
    )


def _term_names(model, ids: list[int]) -> dict[tuple[str, int], list[str]]:
    """The names of the wards and skills of the listings `ids`, in each taxonomy's
    order, keyed by (taxonomy, listing id): one query for the page, whatever its size."""
    names: dict[tuple[str, int], list[str]] = {}
    terms = db.session.connection().execute(_term_names_of(model), {"ids": ids})
    for taxonomy, listing_id, name in terms:
        names.setdefault((taxonomy, listing_id), []).append(name)
    return names


def _term_name_arrays(model) -> tuple:
    """The names of each listing's wards and skills as two columns of its row, each an
    array in its taxonomy's order (PostgreSQL's ARRAY(subquery), an empty array for
    none): the page is one statement, not two. Under load at 10,000 listings that was
    about 0.2 ms less of the app's CPU a list page and 0.1 ms more of PostgreSQL's (the
    names are looked up row by row). SQLite has no ordered aggregate before 3.44, so it
    keeps `_term_names`."""
    key = f"{model.__tablename__}_id"
    links = model.link_tables()
    return tuple(
        func.array(
            select(target.name)
            .join(links[name], target.id == links[name].c[f"{name}_id"])
            .where(links[name].c[key] == model.id)
            .order_by(target.position, target.id)
            .scalar_subquery()
        ).label(f"{name}_names")
        for name, target in (("ward", Ward), ("skill", Skill))
    )


@cache
def _term_names_of(model):
    """The statement for `_term_names`, built once per model: it is the same for every
    page but for the ids, and building it took longer than running it."""
    key = f"{model.__tablename__}_id"
    ids = bindparam("ids", expanding=True)
    links = model.link_tables()
    terms = union_all(
        *(
            select(
                literal(name).label("taxonomy"),
                links[name].c[key].label("listing_id"),
                target.name,
                target.position,
                target.id,
            )
            .join(target, target.id == links[name].c[f"{name}_id"])
            .where(links[name].c[key].in_(ids))
            for name, target in (("ward", Ward), ("skill", Skill))
        )
    ).subquery()
    return select(terms.c.taxonomy, terms.c.listing_id, terms.c.name).order_by(
        terms.c.taxonomy, terms.c.listing_id, terms.c.position, terms.c.id
    )
