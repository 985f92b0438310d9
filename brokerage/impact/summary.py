"""The impact summary (models.py): kept current in the transaction that changes what it
counts, and read by the impact pages and the home page in place of every match.

Keeping it current. A month's rows are recomputed from the matches, never added to,
so they cannot drift: whenever a flush or a statement changes a match's status, its
confirmation time or figures, its need's wards or organisation, or the volunteering
sessions and hour logs its hours come from, the months of the completed matches
concerned (before and after the change) are recomputed, in the same transaction, with
the very queries the pages used to run (figures.select_confirmed). Session events do
it, so that no way of changing a match is missed: the services' flushes and their
conditional UPDATEs (an hour log's confirmation) alike. Each flush notes the months;
they are recomputed once, at the commit (or before the summary is read). On PostgreSQL
a month is locked while it is recomputed, so that two transactions completing matches
in the same month cannot each write a month without the other's match; the locks are
taken together, in month order, so two transactions cannot wait for each other. Rows
written behind the session's back (SQL sent straight to the connection) are not seen:
`flask rebuild-impact-summary` rebuilds every month from the matches.

Reading. The summary answers for whole months only, and without a ward, kind, group or
organisation filter (the public page, the home page, the team's impact page unfiltered
or by whole months). Any other filter is answered from the matches (figures.py), as
before, and so are the statements of a company or community organisation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy import Date, delete, distinct, event, func, insert, literal, or_, select
from sqlalchemy import inspect as inspect_object
from sqlalchemy.orm import ORMExecuteState, Session

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.impact import figures
from brokerage.impact.figures import Figures, HourValue, Report, Row, Totals, utc
from brokerage.impact.filters import ImpactFilters
from brokerage.impact.models import ImpactMonth, ImpactOrganisationMonth, ImpactWardMonth
from brokerage.listings.models import Need, need_ward
from brokerage.matches.models import Match, MatchStatus
from brokerage.volunteering.models import HourLog, VolunteerSession

# What a change must touch for the figures to change.
MATCH_FIGURES = (
    "status",
    "closed_at",
    "delivered_hours",
    "delivered_devices",
    "delivered_pence",
    "people_reached",
    "need_id",
)
NEED_FIGURES = ("wards", "organisation_id")
LOG_FIGURES = ("status", "confirmed_minutes", "match_id")
SESSION_FIGURES = ("status", "match_id")

# The first number of PostgreSQL's advisory lock of a month (the second: the month).
LOCK_SPACE = 0x1A7AC7

MONTHS = "impact_months"  # session.info: months to recompute
MATCHES = "impact_matches"  # session.info: matches whose month (as it is now) to recompute
PAUSED = "impact_paused"


# --- Months ---------------------------------------------------------------------------------


def month_of(moment: datetime) -> date:
    """The first day of the month, in Leeds, of a UTC time."""
    return today_in_leeds(utc(moment)).replace(day=1)


def _following(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _whole(month: date) -> ImpactFilters:
    return ImpactFilters(start=month, end=_following(month) - timedelta(days=1))


def recompute(connection, months: Iterable[date]) -> None:
    """Write the summary's rows of `months` afresh from the completed matches."""
    postgresql = connection.dialect.name == "postgresql"
    for month in sorted(set(months)):
        if postgresql:
            # Held to the end of the transaction: a second transaction recomputing the
            # month waits, then reads (a statement at a time) this one's matches too.
            connection.execute(
                select(func.pg_advisory_xact_lock(LOCK_SPACE, month.year * 12 + month.month))
            )
        for model in (ImpactMonth, ImpactOrganisationMonth, ImpactWardMonth):
            connection.execute(delete(model).where(model.month == month))
        chosen = _whole(month)
        row = connection.execute(
            figures.select_confirmed(
                (
                    *figures.match_sums(),
                    func.min(Match.closed_at).label("first"),
                    func.max(Match.closed_at).label("last"),
                ),
                chosen,
            )
        ).one()
        if not row.matches:
            continue
        connection.execute(
            insert(ImpactMonth).values(
                month=month,
                matches=row.matches,
                minutes=row.minutes,
                devices=row.devices,
                pence=row.pence,
                people=row.people,
                first_closed_at=utc(row.first),
                last_closed_at=utc(row.last),
            )
        )
        day = literal(month, Date)
        connection.execute(
            insert(ImpactOrganisationMonth).from_select(
                ["month", "organisation_id", "matches"],
                figures.select_confirmed((day, Need.organisation_id, func.count(Match.id)), chosen)
                .join(Need, Need.id == figures.unindexed(Match.need_id))
                .group_by(Need.organisation_id),
            )
        )
        connection.execute(
            insert(ImpactWardMonth).from_select(
                ["month", "ward_id", "matches", "minutes", "devices", "pence", "people"],
                figures.select_confirmed((day, need_ward.c.ward_id, *figures.match_sums()), chosen)
                .join(need_ward, need_ward.c.need_id == figures.unindexed(Match.need_id))
                .group_by(need_ward.c.ward_id),
            )
        )


def rebuild() -> int:
    """Every month afresh, from the completed matches: how many months have figures."""
    connection = db.session.connection()
    for model in (ImpactMonth, ImpactOrganisationMonth, ImpactWardMonth):
        connection.execute(delete(model))
    first, last = connection.execute(
        select(func.min(Match.closed_at), func.max(Match.closed_at)).where(
            Match.status == MatchStatus.COMPLETED
        )
    ).one()
    if first is None:
        return 0
    months, month = [], month_of(first)
    while month <= month_of(last):
        months.append(month)
        month = _following(month)
    recompute(connection, months)
    return db.session.scalar(select(func.count()).select_from(ImpactMonth))


@contextmanager
def paused(session: Session) -> Iterator[None]:
    """Changes made meanwhile are not followed (a bulk load): `rebuild()` after."""
    session.info[PAUSED] = True
    try:
        yield
    finally:
        session.info.pop(PAUSED, None)
        session.info.pop(MONTHS, None)
        session.info.pop(MATCHES, None)


# --- Following the changes --------------------------------------------------------------------


def _months_of_completed(connection, *conditions) -> set[date]:
    """The months of the completed matches that meet any of `conditions`."""
    if not conditions:
        return set()
    rows = connection.execute(
        select(Match.closed_at)
        .distinct()
        .where(
            Match.status == MatchStatus.COMPLETED,
            Match.closed_at.is_not(None),
            or_(*conditions),
        )
    )
    return {month_of(closed_at) for (closed_at,) in rows}


def _changed(obj, names: tuple[str, ...]) -> bool:
    attrs = inspect_object(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _identity(obj) -> int | None:
    key = inspect_object(obj).identity
    return key[0] if key else None


def _conditions(matches: set, needs: set, logs: set, sessions: set) -> list:
    conditions = []
    if matches:
        conditions.append(Match.id.in_(matches))
    if needs:
        conditions.append(Match.need_id.in_(needs))
    if logs:
        conditions.append(Match.id.in_(select(HourLog.match_id).where(HourLog.id.in_(logs))))
    if sessions:
        conditions.append(
            Match.id.in_(select(VolunteerSession.match_id).where(VolunteerSession.id.in_(sessions)))
        )
    return conditions


def _before_flush(session: Session, _context, _instances) -> None:
    """The months the changed rows count in now, before the flush changes them."""
    if session.info.get(PAUSED):
        return
    matches, needs, logs, sessions = set(), set(), set(), set()
    for obj in session.dirty:
        if isinstance(obj, Match) and _changed(obj, MATCH_FIGURES):
            matches.add(_identity(obj))
        elif isinstance(obj, Need) and _changed(obj, NEED_FIGURES):
            needs.add(_identity(obj))
        elif isinstance(obj, HourLog) and _changed(obj, LOG_FIGURES):
            logs.add(_identity(obj))
        elif isinstance(obj, VolunteerSession) and _changed(obj, SESSION_FIGURES):
            sessions.add(_identity(obj))
    for obj in session.deleted:
        for model, found in ((Match, matches), (HourLog, logs), (VolunteerSession, sessions)):
            if isinstance(obj, model):
                found.add(_identity(obj))
    conditions = _conditions(matches, needs, logs, sessions)
    if not conditions:
        return
    connection = session.connection()
    session.info.setdefault(MONTHS, set()).update(_months_of_completed(connection, *conditions))
    # Their months after the flush, read then (a match's new closed_at).
    session.info.setdefault(MATCHES, set()).update(
        _match_ids(connection, matches, needs, logs, sessions)
    )


def _match_ids(connection, matches, needs, logs, sessions) -> set[int]:
    """The ids of the (not deleted) matches concerned, whatever their status."""
    found = {m for m in matches if m is not None}
    conditions = _conditions(set(), needs, logs, sessions)
    if conditions:
        found.update(connection.scalars(select(Match.id).where(or_(*conditions))))
    return found


def _after_flush(session: Session, _context) -> None:
    """New matches, hour logs and sessions: their matches' months, at the commit."""
    if session.info.get(PAUSED):
        return
    pending = session.info.setdefault(MATCHES, set())
    for obj in session.new:
        if isinstance(obj, Match):
            pending.add(obj.id)
        elif isinstance(obj, HourLog | VolunteerSession):
            pending.add(obj.match_id)


def catch_up(session: Session) -> None:
    """Flush, then recompute the months waiting to be: those the matches changed so far
    count in, before and after the change. Run at the commit (and before the summary is
    read), not at every flush: a service that flushes three times recomputes a month
    once, and takes the months' locks together, in order (PostgreSQL), so that two
    transactions cannot each hold a month the other waits for."""
    if session.info.get(PAUSED):
        return
    session.flush()
    months = session.info.pop(MONTHS, set())
    matches = session.info.pop(MATCHES, set())
    if not months and not matches:
        return
    connection = session.connection()
    if matches:
        months |= _months_of_completed(connection, Match.id.in_(matches))
    recompute(connection, months)


def _statement(state: ORMExecuteState) -> None:
    """An UPDATE or DELETE of matches, hour logs or sessions sent as a statement (an hour
    log's conditional confirmation), or matches inserted in bulk: the months of the
    rows it touches, read before it runs; those after, at the next flush or commit."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    session = state.session
    if session.info.get(PAUSED):
        return
    table = getattr(state.statement, "table", None)
    if table is None or table.name not in {"match", HourLog.__tablename__, "volunteer_session"}:
        return
    connection = session.connection()
    months = session.info.setdefault(MONTHS, set())
    if state.is_insert:
        if table.name != "match":
            return  # an hour log or session inserted in bulk: no service does that
        rows = state.parameters
        rows = rows if isinstance(rows, list) else [rows or {}]
        for values in rows:
            status = values.get("status")
            closed_at = values.get("closed_at")
            if closed_at is not None and status in (MatchStatus.COMPLETED, "completed"):
                months.add(month_of(closed_at))
        return
    where = state.statement.whereclause
    key = Match.id if table.name == "match" else table.c.match_id
    touched = select(key).select_from(table)
    if where is not None:
        touched = touched.where(where)
    ids = set(connection.scalars(touched))
    months |= _months_of_completed(connection, Match.id.in_(ids))
    if state.is_update:
        session.info.setdefault(MATCHES, set()).update(ids)


def _forget(session: Session, previous_transaction) -> None:
    """A rollback of the whole transaction undoes its changes: nothing is left to
    recompute. A savepoint's rollback (begin_nested) leaves what was changed before it
    waiting: recomputing a month again is harmless, missing one is not."""
    if previous_transaction.nested:
        return
    session.info.pop(MONTHS, None)
    session.info.pop(MATCHES, None)


def configure() -> None:
    """Follow every session's changes (once, however many apps are made)."""
    if event.contains(Session, "before_flush", _before_flush):
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _statement)
    event.listen(Session, "before_commit", catch_up)
    event.listen(Session, "after_soft_rollback", _forget)


# --- Reading ----------------------------------------------------------------------------------


def answers(filters: ImpactFilters) -> bool:
    """Whether the summary has the figures of `filters`: whole months, no other filter."""
    return (
        not (
            filters.ward
            or filters.kind
            or filters.group
            or filters.company_id
            or filters.community_id
        )
        and (filters.start is None or filters.start.day == 1)
        and (filters.end is None or (filters.end + timedelta(days=1)).day == 1)
    )


def _within(column, filters: ImpactFilters) -> list:
    conditions = []
    if filters.start:
        conditions.append(column >= filters.start)
    if filters.end:
        conditions.append(column <= filters.end)
    return conditions


def _sums(model) -> tuple:
    return (
        func.coalesce(func.sum(model.matches), 0).label("matches"),
        func.coalesce(func.sum(model.minutes), 0).label("minutes"),
        func.coalesce(func.sum(model.devices), 0).label("devices"),
        func.coalesce(func.sum(model.pence), 0).label("pence"),
        func.coalesce(func.sum(model.people), 0).label("people"),
    )


def totals(filters: ImpactFilters) -> Totals:
    """figures.totals, from the summary when it can answer: one query."""
    if not answers(filters):
        return figures.totals(filters)
    catch_up(db.session)
    organisations = (
        select(func.count(distinct(ImpactOrganisationMonth.organisation_id)))
        .where(*_within(ImpactOrganisationMonth.month, filters))
        .scalar_subquery()
        .label("organisations")
    )
    row = db.session.execute(
        select(
            *_sums(ImpactMonth),
            organisations,
            func.min(ImpactMonth.first_closed_at).label("first"),
            func.max(ImpactMonth.last_closed_at).label("last"),
        ).where(*_within(ImpactMonth.month, filters))
    ).one()
    return Totals(Figures.of(row), HourValue.configured(), utc(row.first), utc(row.last))


def by_month(filters: ImpactFilters, total: Totals, now: datetime) -> list[Row]:
    """figures.by_month, from the summary (which must answer `filters`): one query."""
    months = figures.period_months(filters, total, now)
    if not months:
        return []
    rows = db.session.execute(
        select(ImpactMonth.month, *_sums(ImpactMonth))
        .where(ImpactMonth.month >= months[0], ImpactMonth.month <= months[-1])
        .group_by(ImpactMonth.month)
    )
    return figures.month_rows(
        months, {figures.month_key(row.month): Figures.of(row) for row in rows}
    )


def by_ward(filters: ImpactFilters) -> list[Row]:
    """figures.by_ward, from the summary (which must answer `filters`): one query."""
    sums = (
        select(ImpactWardMonth.ward_id, *_sums(ImpactWardMonth))
        .where(*_within(ImpactWardMonth.month, filters))
        .group_by(ImpactWardMonth.ward_id)
        .subquery()
    )
    return figures.ward_rows(sums, filters)


def report(filters: ImpactFilters, now: datetime) -> Report:
    """figures.report, from the summary when it can answer: three small queries."""
    if not answers(filters):
        return figures.report(filters, now)
    total = totals(filters)
    return Report(total, by_month(filters, total, now), by_ward(filters))
