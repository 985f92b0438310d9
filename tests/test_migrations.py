"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from brokerage.extensions import db


# The full-text search indexes are PostgreSQL's alone (expressions SQLite cannot
# reflect): Alembic says it skips comparing them there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
def test_migrated_database_matches_the_models():
    # The test database was built by `flask db upgrade`; any model change
    # without a migration shows up here as a difference.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
