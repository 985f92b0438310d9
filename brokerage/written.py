"""Rows written with one INSERT ... RETURNING and put in the session as if loaded.

For the writes every buyer in a ticket rush makes (an order, its lines, its tickets, the
confirmation email): the unit of work's flush of a new object, and the constructor that
records each value as a change only for it to be thrown away, cost more than the INSERT.
"""

from __future__ import annotations

import functools

from sqlalchemy import Insert, insert, inspect
from sqlalchemy.orm import configure_mappers, make_transient_to_detached

from brokerage.extensions import db


@functools.cache
def insert_returning(model: type, columns: tuple) -> Insert:
    """The model's INSERT ... RETURNING `columns` (rows in the order given), built once:
    its values are bound when it runs, and building it cost as much as running it."""
    return insert(model.__table__).returning(*columns, sort_by_parameter_order=True)


def as_loaded(model: type, row, columns: tuple, **more) -> object:
    """The object for a row just written in SQL (`columns` returned; `more`: the rest),
    in the session as if loaded from it: its values put in place as the ORM's loading
    does."""
    obj = _manager(model).new_instance()
    obj.__dict__.update(zip(_attribute_keys(model, columns), row, strict=True), **more)
    make_transient_to_detached(obj)  # its identity, and nothing to write
    db.session.add(obj)
    return obj


@functools.cache
def _attribute_keys(model: type, columns: tuple) -> tuple[str, ...]:
    """The model's attribute for each of these columns of its table."""
    mapper = inspect(model)
    return tuple(mapper.get_property_by_column(column).key for column in columns)


@functools.cache
def _manager(model: type):
    configure_mappers()  # the attributes are set up only then (no query may have run yet)
    return inspect(model).class_manager
