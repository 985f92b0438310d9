"""The word search reads a stored tsvector on PostgreSQL: each need and offer keeps
the English tsvector of its title and description in a generated column, which
PostgreSQL works out when the row is written, with the GIN index now on that column.
Before, a search worked out to_tsvector again for every row it looked at: at 100,000
listings and a common word, a second a page. SQLite keeps LIKE: nothing changes there.
The column is PostgreSQL's and not in the models (brokerage/listings/models.py,
`outside_the_models`). Adding it computes it for every existing row (a table rewrite:
seconds for tens of thousands of rows).

Revision ID: 0025_search_vector
Revises: 0023_guest_messages
Create Date: 2026-12-04 14:00:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0025_search_vector"
down_revision = "0023_guest_messages"
branch_labels = None
depends_on = None

TABLES = ("need", "offer")
DOCUMENT = "to_tsvector('english'::regconfig, title || ' ' || description)"


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({DOCUMENT}) STORED"
        )
        op.execute(f"DROP INDEX ix_{table}_search")
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin (search_vector)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"DROP INDEX ix_{table}_search")
        op.execute(f"ALTER TABLE {table} DROP COLUMN search_vector")
        op.execute(f"CREATE INDEX ix_{table}_search ON {table} USING gin ({DOCUMENT})")
