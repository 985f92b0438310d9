"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from brokerage.extensions import db
from brokerage.listings.models import outside_the_models


def test_migrated_database_matches_the_models():
    # The test database was built by `flask db upgrade`; any model change
    # without a migration shows up here as a difference.
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": outside_the_models}
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_on_postgresql_the_search_vector_is_generated_and_indexed():
    # Left out of the comparison above (the models do not describe it), so checked here.
    if db.engine.dialect.name != "postgresql":
        columns = {c["name"] for c in inspect(db.engine).get_columns("need")}
        assert "search_vector" not in columns  # SQLite searches with LIKE
        return
    for table in ("need", "offer"):
        generated = db.session.execute(
            text(
                "SELECT is_generated, generation_expression FROM information_schema.columns"
                " WHERE table_name = :table AND column_name = 'search_vector'"
            ),
            {"table": table},
        ).one()
        assert generated.is_generated == "ALWAYS"
        assert "to_tsvector('english'" in generated.generation_expression
        index = db.session.scalar(
            text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
            {"name": f"ix_{table}_search"},
        )
        assert index.endswith("USING gin (search_vector)"), index
