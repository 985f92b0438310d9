"""Database set-up that depends on the engine: SQLite pragmas and the instance folder."""

from __future__ import annotations

import os

from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from brokerage.extensions import db


def configure(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        os.makedirs(app.instance_path, exist_ok=True)
        options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        # Wait for a writer rather than fail at once: the live server and the worker share it.
        options.setdefault("connect_args", {}).setdefault("timeout", 15)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers work during a write.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def refresh_statistics() -> None:
    """Let SQLite's planner know the tables' sizes: without statistics it sorts every
    listing to show a page of 20. PostgreSQL's autovacuum keeps its own."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("ANALYZE"))
