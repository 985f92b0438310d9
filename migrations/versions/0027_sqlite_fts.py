"""The word search reads an FTS5 index on SQLite: need_fts and offer_fts, full-text
tables of each listing's title and description. Before, SQLite searched with LIKE per
word, reading every listing's text (81 ms a page at 100,000 listings). They are
external-content tables (content=need, content_rowid=id): they hold the index only,
and read the text from the listing's own row. The tokenizer stems English words with
Porter's algorithm, as PostgreSQL's 'english' configuration does ("laptops" finds
"laptop"), lowers case and removes accents ("cafe" finds "café").

Triggers after an insert, after an update of the title or the description, and after a
delete keep them in step with the listings (FTS5's 'delete' command takes the old text,
as it was indexed). They are filled here from the listings already there ('rebuild').
Nothing changes on PostgreSQL, which reads its tsvector column (0025_search_vector).
The tables, FTS5's own shadow tables (need_fts_data, _idx, _docsize, _config) and the
triggers are not in the models (brokerage/listings/models.py, `outside_the_models`).

A later migration that rebuilds need or offer on SQLite (batch mode: copy, drop,
rename) drops these triggers with the old table: it must make them again, and
'rebuild' the index. tests/test_migrations.py checks they are there at head.
Downgrade drops the triggers and the tables.

Revision ID: 0027_sqlite_fts
Revises: 0026_impact_summary
Create Date: 2026-12-04 18:00:00.000000

"""

from alembic import op

revision = "0027_sqlite_fts"
down_revision = "0026_impact_summary"
branch_labels = None
depends_on = None

TABLES = ("need", "offer")
TOKENIZE = "porter unicode61 remove_diacritics 2"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        fts = f"{table}_fts"
        op.execute(
            f"CREATE VIRTUAL TABLE {fts} USING fts5(title, description, "
            f"content='{table}', content_rowid='id', tokenize='{TOKENIZE}')"
        )
        add = (
            f"INSERT INTO {fts} (rowid, title, description)"  # noqa: S608 (this module's constants)
            " VALUES (new.id, new.title, new.description);"
        )
        remove = (
            f"INSERT INTO {fts} ({fts}, rowid, title, description)"  # noqa: S608 (this module's constants)
            " VALUES ('delete', old.id, old.title, old.description);"
        )
        op.execute(f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {add} END")
        op.execute(
            f"CREATE TRIGGER {fts}_update AFTER UPDATE OF title, description ON {table}"
            f" BEGIN {remove} {add} END"
        )
        op.execute(f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {remove} END")
        op.execute(f"INSERT INTO {fts} ({fts}) VALUES ('rebuild')")  # noqa: S608 (constants)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        fts = f"{table}_fts"
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER {fts}_{trigger}")
        op.execute(f"DROP TABLE {fts}")
