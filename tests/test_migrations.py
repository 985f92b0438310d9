"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from datetime import UTC, date, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import insert, inspect, text

from brokerage import create_app
from brokerage.extensions import db
from brokerage.listings.models import Need, outside_the_models
from brokerage.organisations.models import Organisation


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


FTS_TRIGGERS = {
    f"{table}_fts_{when}" for table in ("need", "offer") for when in ("insert", "update", "delete")
}


def _full_text_schema(connection) -> tuple[set[str], set[str]]:
    """SQLite's FTS5 tables (with their shadow tables) and the triggers keeping them."""
    rows = connection.execute(
        text("SELECT type, name FROM sqlite_master WHERE name LIKE '%\\_fts%' ESCAPE '\\'")
    ).all()
    return {n for t, n in rows if t == "table"}, {n for t, n in rows if t == "trigger"}


def test_on_sqlite_the_listings_have_a_full_text_index_kept_by_triggers():
    # Outside the models, so checked here; a later migration that rebuilds need or
    # offer (batch mode on SQLite) would drop the triggers with the old table.
    if db.engine.dialect.name != "sqlite":
        tables = set(inspect(db.engine).get_table_names())
        assert not {"need_fts", "offer_fts"} & tables  # PostgreSQL reads search_vector
        return
    with db.engine.connect() as connection:
        tables, triggers = _full_text_schema(connection)
    assert {"need_fts", "offer_fts", "need_fts_data", "offer_fts_idx"} <= tables
    assert triggers == FTS_TRIGGERS


def test_0027_indexes_the_listings_already_there_and_goes_back(tmp_path):
    # On a database of its own: SQLite is the one 0027 changes (PostgreSQL: nothing).
    app = create_app(
        {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}"}
    )
    with app.app_context():
        try:
            upgrade(revision="0026_impact_summary")
            _a_published_need("Laptops for the homework club")
            upgrade()
            with db.engine.connect() as connection:
                tables, triggers = _full_text_schema(connection)
                assert {"need_fts", "offer_fts"} <= tables and triggers == FTS_TRIGGERS
                # 'rebuild' indexed the need that was there before the migration.
                assert _matching(connection, '"laptop"') == [1]
            downgrade(revision="0026_impact_summary")
            with db.engine.connect() as connection:
                assert _full_text_schema(connection) == (set(), set())
            _a_published_need("Tablets")  # no trigger left to fail
            upgrade()
            with db.engine.connect() as connection:
                assert _matching(connection, '"tablet"') == [2]
        finally:
            db.session.remove()
            db.engine.dispose()


def test_on_postgresql_0027_changes_nothing():
    if db.engine.dialect.name != "postgresql":
        return
    before = set(inspect(db.engine).get_table_names())
    downgrade(revision="0026_impact_summary")
    upgrade()
    db.engine.dispose()  # the inspector's cache
    assert set(inspect(db.engine).get_table_names()) == before


def _matching(connection, query: str) -> list[int]:
    return list(
        connection.scalars(
            text("SELECT rowid FROM need_fts WHERE need_fts MATCH :q ORDER BY rowid"), {"q": query}
        )
    )


def _a_published_need(title: str) -> None:
    """A need written with SQL alone (the models may be ahead of the schema)."""
    now = datetime.now(UTC)
    with db.engine.begin() as connection:
        organisation = connection.scalar(
            insert(Organisation.__table__)
            .values(
                kind="community", org_type="registered_charity", name=title,
                registration_scheme="none", address_line_1="1 Park Row", town="Leeds",
                postcode="LS1 5AB", description="Migrated", status="approved",
                submitted_at=now, created_at=now, updated_at=now,
            )
            .returning(Organisation.id)
        )  # fmt: skip
        user = connection.scalar(
            text(
                "INSERT INTO user_account (email, name, password_hash, is_team, active,"
                " session_token, created_at, updated_at) VALUES (:email, 'M', 'x', false,"
                " true, :email, :now, :now) RETURNING id"
            ),
            {"email": f"{title}@example.org", "now": now},
        )
        connection.execute(
            insert(Need.__table__).values(
                organisation_id=organisation, created_by_id=user, kind="equipment",
                title=title, description="For the pupils.", status="published",
                published_at=now, created_at=now, updated_at=now, deadline=date(2099, 1, 1),
            )
        )  # fmt: skip
