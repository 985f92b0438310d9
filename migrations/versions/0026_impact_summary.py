"""The impact summary: completed matches' figures added up by calendar month of Leeds
time, in all (impact_month), by community organisation (impact_organisation_month)
and by ward (impact_ward_month), which the impact pages and the home page read in
place of every match; brokerage/impact/summary.py keeps them current. An index on
match.closed_at, by which a month's matches are found to recompute it.

The tables are filled here from the matches already completed, with SQL of this
migration's own (the app's code may change after it): the same figures as
brokerage/impact/figures.py counts. `flask rebuild-impact-summary` does the same with
the app's code at any time. Downgrade drops the tables and the index.

Revision ID: 0026_impact_summary
Revises: 0025_search_vector
Create Date: 2026-12-04 14:00:00.000000

"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0026_impact_summary"
down_revision = "0025_search_vector"
branch_labels = None
depends_on = None

LONDON = ZoneInfo("Europe/London")
MATCH = '"match"'  # a keyword of SQL, quoted

# A match's volunteer minutes: its confirmed hour logs when it has a session that was
# not cancelled or any hour log, otherwise the hours confirmed at delivery.
MINUTES = """
    CASE WHEN EXISTS (SELECT 1 FROM volunteer_session s
                      WHERE s.match_id = m.id AND s.status = 'scheduled')
           OR EXISTS (SELECT 1 FROM volunteer_hour_log h WHERE h.match_id = m.id)
         THEN (SELECT COALESCE(SUM(h.confirmed_minutes), 0) FROM volunteer_hour_log h
               WHERE h.match_id = m.id AND h.status = 'confirmed')
         ELSE m.delivered_hours * 60 END
"""
SUMS = f"""
    COUNT(m.id), COALESCE(SUM({MINUTES}), 0), COALESCE(SUM(m.delivered_devices), 0),
    COALESCE(SUM(m.delivered_pence), 0), COALESCE(SUM(m.people_reached), 0)
"""
MONTH_OF = "m.status = 'completed' AND m.closed_at >= :start AND m.closed_at < :end"


def upgrade():
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.create_index("ix_match_closed_at", ["closed_at"], unique=False)
    op.create_table(
        "impact_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("devices", sa.BigInteger(), nullable=False),
        sa.Column("pence", sa.BigInteger(), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.Column("first_closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_impact_month")),
    )
    op.create_table(
        "impact_organisation_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_impact_organisation_month_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "month", "organisation_id", name=op.f("pk_impact_organisation_month")
        ),
    )
    with op.batch_alter_table("impact_organisation_month", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_impact_organisation_month_organisation_id"),
            ["organisation_id"],
            unique=False,
        )
    op.create_table(
        "impact_ward_month",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("ward_id", sa.Integer(), nullable=False),
        sa.Column("matches", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("devices", sa.BigInteger(), nullable=False),
        sa.Column("pence", sa.BigInteger(), nullable=False),
        sa.Column("people", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ward_id"],
            ["ward.id"],
            name=op.f("fk_impact_ward_month_ward_id_ward"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("month", "ward_id", name=op.f("pk_impact_ward_month")),
    )
    with op.batch_alter_table("impact_ward_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_impact_ward_month_ward_id"), ["ward_id"], unique=False)
    fill(op.get_bind())


def downgrade():
    with op.batch_alter_table("impact_ward_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_impact_ward_month_ward_id"))
    op.drop_table("impact_ward_month")
    with op.batch_alter_table("impact_organisation_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_impact_organisation_month_organisation_id"))
    op.drop_table("impact_organisation_month")
    op.drop_table("impact_month")
    with op.batch_alter_table("match", schema=None) as batch_op:
        batch_op.drop_index("ix_match_closed_at")


# --- Filling the tables from the completed matches ------------------------------------------


def _aware(value) -> datetime:
    """A time as the database returns it (SQLite: naive UTC, maybe as text)."""
    if not isinstance(value, datetime):
        value = datetime.fromisoformat(str(value))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _month_of(moment: datetime) -> date:
    return moment.astimezone(LONDON).date().replace(day=1)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def fill(connection) -> None:
    """Each month that has completed matches, summed with one statement per table.
    Times are bound as the database stores them (SQLite: naive UTC)."""
    sqlite = connection.dialect.name == "sqlite"
    closed = connection.execute(
        sa.text(
            f"SELECT DISTINCT closed_at FROM {MATCH} "  # noqa: S608 (this module's constants)
            f"WHERE status = 'completed' AND closed_at IS NOT NULL"
        )
    )
    months = sorted({_month_of(_aware(value)) for (value,) in closed})
    stamp = sa.DateTime(timezone=not sqlite)
    parameters = [
        sa.bindparam("month", type_=sa.Date()),
        sa.bindparam("start", type_=stamp),
        sa.bindparam("end", type_=stamp),
    ]
    month_sql = sa.text(
        f"INSERT INTO impact_month (month, matches, minutes, devices, pence, people, "  # noqa: S608 (this module's constants)
        f"first_closed_at, last_closed_at) "
        f"SELECT :month, {SUMS}, MIN(m.closed_at), MAX(m.closed_at) "
        f"FROM {MATCH} m WHERE {MONTH_OF}"
    ).bindparams(*parameters)
    organisation_sql = sa.text(
        f"INSERT INTO impact_organisation_month (month, organisation_id, matches) "  # noqa: S608 (this module's constants)
        f"SELECT :month, n.organisation_id, COUNT(m.id) "
        f"FROM {MATCH} m JOIN need n ON n.id = m.need_id WHERE {MONTH_OF} "
        f"GROUP BY n.organisation_id"
    ).bindparams(*parameters)
    ward_sql = sa.text(
        f"INSERT INTO impact_ward_month (month, ward_id, matches, minutes, devices, pence, "  # noqa: S608 (this module's constants)
        f"people) "
        f"SELECT :month, w.ward_id, {SUMS} "
        f"FROM {MATCH} m JOIN need_ward w ON w.need_id = m.need_id WHERE {MONTH_OF} "
        f"GROUP BY w.ward_id"
    ).bindparams(*parameters)
    for month in months:
        start = _start_of(month)
        end = _start_of((month + timedelta(days=32)).replace(day=1))
        if sqlite:
            start, end = start.replace(tzinfo=None), end.replace(tzinfo=None)
        values = {"month": month, "start": start, "end": end}
        for statement in (month_sql, organisation_sql, ward_sql):
            connection.execute(statement, values)
