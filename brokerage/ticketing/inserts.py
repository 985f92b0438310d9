"""A hold's order and lines, and a paid order's tickets, written with one INSERT ...
RETURNING each and put in the session as if loaded.

Not through the unit of work: a flush walks the order, its lines, their ticket types and
the ball for changes, and in a rush every buyer's hold and payment would pay for it.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import set_committed_value

from brokerage.extensions import db
from brokerage.ticketing.models import Ball, Order, OrderLine, Ticket
from brokerage.written import as_loaded, insert_returning

_ORDER_COLUMNS = tuple(Order.__table__.c)
_LINE_COLUMNS = tuple(OrderLine.__table__.c)
# A ticket's drawing is known already: not sent back.
_TICKET_COLUMNS = tuple(c for c in Ticket.__table__.c if c.key != "qr_svg")


def write_order(ball: Ball, lines: list[dict], **values) -> Order:
    """A new order of the ball with `values` and `lines` (each an OrderLine's columns but
    its order): the order in memory is what the database holds, its lines and ball
    loaded."""
    statement = insert_returning(Order, _ORDER_COLUMNS)
    row = db.session.execute(statement, {"ball_id": ball.id, **values}).one()
    order = as_loaded(Order, row, _ORDER_COLUMNS)
    rows = db.session.execute(
        insert_returning(OrderLine, _LINE_COLUMNS),
        [{"order_id": order.id, **line} for line in lines],
    ).all()
    written = [as_loaded(OrderLine, line, _LINE_COLUMNS) for line in rows]
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
            insert_returning(Ticket, _TICKET_COLUMNS),
            [{"order_id": order.id, **values} for values in tickets],
        ).all()
        for row, values in zip(rows, tickets, strict=True):
            ticket = as_loaded(Ticket, row, _TICKET_COLUMNS, qr_svg=values.get("qr_svg"))
            set_committed_value(ticket, "order", order)
            issued.append(ticket)
    set_committed_value(order, "tickets", issued)
