"""Full-text search of needs and offers on PostgreSQL: a GIN index on the English
tsvector of each one's title and description, which the lists' word search reads
(brokerage/listings/search.py writes the same expression). SQLite keeps LIKE, so
nothing changes there. Indexes only: existing rows are indexed as they stand.

Revision ID: 0024_search_and_summaries
Revises: 0021_invoices
Create Date: 2026-12-03 19:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0024_search_and_summaries"
down_revision = "0021_invoices"
branch_labels = None
depends_on = None

TABLES = ("need", "offer")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"CREATE INDEX ix_{table}_search ON {table} USING gin "
            f"(to_tsvector('english'::regconfig, title || ' ' || description))"
        )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX ix_{table}_search")
