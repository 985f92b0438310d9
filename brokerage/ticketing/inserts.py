"""A hold's order and lines, and a paid order's tickets, written with one INSERT ...
RETURNING each and put in the session as if loaded.

Not through the unit of work: a flush walks the order, its lines, their ticket types and
the ball for changes, and in a rush every buyer's hold and payment would pay for it.
"""

from __future__ import annotations

import functools

from sqlalchemy import insert, inspect
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from brokerage.extensions import db
from brokerage.ticketing.models import Ball, Order, OrderLine, Ticket

_ORDER_COLUMNS = tuple(Order.__table__.c)
_LINE_COLUMNS = tuple(OrderLine.__table__.c)
# A ticket's drawing is known already: not sent back.
_TICKET_COLUMNS = tuple(c for c in Ticket.__table__.c if c.key != "qr_svg")


def write_order(ball: Ball, lines: list[dict], **values) -> Order:
    """A new order of the ball with `values` and `lines` (each an OrderLine's columns but
    its order): the order in memory is what the database holds, its lines and ball
    loaded."""
    row = db.session.execute(_insert(Order), {"ball_id": ball.id, **values}).one()
    order = _persistent(Order, row, _ORDER_COLUMNS)
    rows = db.session.execute(
        _insert(OrderLine), [{"order_id": order.id, **line} for line in lines]
    ).all()
    written = [_persistent(OrderLine, line, _LINE_COLUMNS) for line in rows]
    set_committed_value(order, "ball", ball)
    set_committed_value(order, "lines", written)
    for line in written:
        set_committed_value(line, "order", order)
    return order


def write_tickets(order: Order, tickets: list[dict]) -> None:
    """Add `tickets` (each a Ticket's columns but its order) to the order's."""
    # Only paid orders have tickets, and this one has just become paid: a list not
    # loaded is empty, so there is nothing to read before adding to it.
    issued = [] if "tickets" in inspect(order).unloaded else list(order.tickets)
    if tickets:
        rows = db.session.execute(
            _insert(Ticket), [{"order_id": order.id, **values} for values in tickets]
        ).all()
        for row, values in zip(rows, tickets, strict=True):
            ticket = _persistent(Ticket, row, _TICKET_COLUMNS, qr_svg=values.get("qr_svg"))
            set_committed_value(ticket, "order", order)
            issued.append(ticket)
    set_committed_value(order, "tickets", issued)


@functools.cache
def _insert(model: type):
    """The model's INSERT ... RETURNING (rows in the order given), built once: its values
    are bound when it runs, and building it cost as much as running it."""
    returned = {Order: _ORDER_COLUMNS, OrderLine: _LINE_COLUMNS, Ticket: _TICKET_COLUMNS}[model]
    return insert(model.__table__).returning(*returned, sort_by_parameter_order=True)


@functools.cache
def _attribute_keys(model: type, columns: tuple) -> tuple[str, ...]:
    """The model's attribute for each of these columns of its table."""
    mapper = inspect(model)
    return tuple(mapper.get_property_by_column(column).key for column in columns)


@functools.cache
def _manager(model: type):
    configure_mappers()  # the attributes are set up only then (no query may have run yet)
    return inspect(model).class_manager


def _persistent(model: type, row, columns: tuple, **more) -> object:
    """The object for a row just written in SQL (`columns` returned; `more`: the rest),
    in the session as if loaded from it: its values put in place as the ORM's loading does
    (the constructor records each as a change, which is then thrown away)."""
    obj = _manager(model).new_instance()
    obj.__dict__.update(zip(_attribute_keys(model, columns), row, strict=True), **more)
    make_transient_to_detached(obj)  # its identity, and nothing to write
    db.session.add(obj)
    return obj
