"""Seating at the ball: the team's tables, placing guests at them, the table plan and
the place cards.

A table-of-10 ticket's ten seats are one party and go to one table whole; a single seat
is a party of one. A party is named by the id of its first ticket (refunded ones
included, so the name does not move when a seat is refunded). Every decision that
fills a table takes the ball's lock first (availability.lock_ball), then counts who
already sits there, so two placements at once can never seat more guests than the
table has seats, on PostgreSQL and on SQLite alike. Refunds take seats off their
table (refunds.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update

from brokerage.accounts.models import User
from brokerage.clock import format_datetime, utcnow
from brokerage.errors import Conflict, FieldError
from brokerage.extensions import db
from brokerage.ticketing.availability import lock_ball
from brokerage.ticketing.guests import guest_changes_until
from brokerage.ticketing.models import (
    PAID_STATUSES,
    Ball,
    BallChange,
    Order,
    OrderLine,
    SeatingTable,
    Ticket,
    TicketStatus,
    TicketType,
)

MAX_SEATS_AT_A_TABLE = 30


# --- Tables ---------------------------------------------------------------------------


def tables(ball: Ball) -> list[SeatingTable]:
    return list(
        db.session.scalars(
            select(SeatingTable)
            .where(SeatingTable.ball_id == ball.id)
            .order_by(SeatingTable.position, SeatingTable.id)
        )
    )


def seated_counts(ball: Ball) -> dict[int, int]:
    """Table id -> how many valid tickets sit at it."""
    rows = db.session.execute(
        select(Ticket.table_id, func.count(Ticket.id))
        .join(SeatingTable, SeatingTable.id == Ticket.table_id)
        .where(SeatingTable.ball_id == ball.id, Ticket.status == TicketStatus.VALID)
        .group_by(Ticket.table_id)
    ).all()
    return {table_id: count for table_id, count in rows}


def _seated_at(table: SeatingTable) -> int:
    return db.session.scalar(
        select(func.count(Ticket.id)).where(
            Ticket.table_id == table.id, Ticket.status == TicketStatus.VALID
        )
    )


def _name_taken(ball: Ball, name: str, but: SeatingTable | None = None) -> bool:
    query = select(SeatingTable.id).where(
        SeatingTable.ball_id == ball.id, func.lower(SeatingTable.name) == name.lower()
    )
    if but is not None:
        query = query.where(SeatingTable.id != but.id)
    return db.session.scalar(query.limit(1)) is not None


def _check(ball: Ball, name: str, seats: int, but: SeatingTable | None = None) -> None:
    if _name_taken(ball, name, but):
        raise FieldError("name", f"There is already a table called {name}")
    if not 1 <= seats <= MAX_SEATS_AT_A_TABLE:
        raise FieldError("seats", f"A table has between 1 and {MAX_SEATS_AT_A_TABLE} seats")


def _record(ball: Ball, actor: User, what: str, changes: str = "") -> None:
    db.session.add(BallChange(ball_id=ball.id, actor_id=actor.id, what=what, changes=changes))


def add_table(ball: Ball, name: str, seats: int, actor: User) -> SeatingTable:
    """A new table, after the others."""
    lock_ball(ball)
    _check(ball, name, seats)
    last = db.session.scalar(
        select(func.max(SeatingTable.position)).where(SeatingTable.ball_id == ball.id)
    )
    table = SeatingTable(ball_id=ball.id, name=name, seats=seats, position=(last or 0) + 1)
    db.session.add(table)
    _record(ball, actor, f"Added table {name}", f"Seats: {seats}")
    db.session.flush()
    return table


def change_table(table: SeatingTable, name: str, seats: int, actor: User) -> None:
    """Rename a table or change its seats: never below the guests already at it."""
    lock_ball(table.ball)
    _check(table.ball, name, seats, but=table)
    seated = _seated_at(table)
    if seats < seated:
        raise FieldError(
            "seats",
            f"{seated} guests sit at table {table.name}: give it at least {seated} seats, "
            "or move some of them first",
        )
    changes = []
    if name != table.name:
        changes.append(f"Name: {table.name} to {name}")
    if seats != table.seats:
        changes.append(f"Seats: {table.seats} to {seats}")
    if changes:
        _record(table.ball, actor, f"Changed table {table.name}", "; ".join(changes))
    table.name, table.seats = name, seats
    db.session.flush()


def remove_table(table: SeatingTable, actor: User) -> int:
    """Take a table away; its guests go back to the unseated. Returns how many."""
    lock_ball(table.ball)
    result = db.session.execute(
        update(Ticket)
        .where(Ticket.table_id == table.id)
        .values(table_id=None)
        .execution_options(synchronize_session=False)
    )
    _record(table.ball, actor, f"Removed table {table.name}")
    db.session.delete(table)
    db.session.flush()
    db.session.expire_all()
    return result.rowcount or 0


# --- Parties --------------------------------------------------------------------------


@dataclass
class Party:
    """Seats placed together: one table-of-10 ticket's seats, or one single seat."""

    key: int  # the id of its first ticket
    order_id: int
    buyer_name: str
    ticket_type: str
    seating_wishes: str | None
    number: int = 1  # its place among the order's bookings: "order 12, booking 2"
    table_id: int | None = None
    ticket_ids: list[int] = field(default_factory=list)
    guests: list[str | None] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.ticket_ids)

    @property
    def named(self) -> list[str]:
        return [name for name in self.guests if name]


def _chunks(tickets: list, per: int) -> list[list]:
    return [tickets[i : i + per] for i in range(0, len(tickets), per)]


def parties(ball: Ball) -> list[Party]:
    """Every party of the ball's paid orders with a valid seat, order by order (two
    queries, whatever the number of guests)."""
    rows = db.session.execute(
        select(
            Ticket.id,
            Ticket.order_line_id,
            Ticket.status,
            Ticket.table_id,
            Ticket.guest_name,
            OrderLine.seats_per_ticket,
            Order.id,
            Order.buyer_name,
            Order.seating_wishes,
            TicketType.name,
        )
        .join(OrderLine, OrderLine.id == Ticket.order_line_id)
        .join(Order, Order.id == Ticket.order_id)
        .join(TicketType, TicketType.id == Ticket.ticket_type_id)
        .where(Order.ball_id == ball.id, Order.status.in_(PAID_STATUSES))
        .order_by(Order.id, Ticket.order_line_id, Ticket.id)
    ).all()
    by_line: dict[int, list] = defaultdict(list)
    for row in rows:
        by_line[row[1]].append(row)
    found: list[Party] = []
    numbers: dict[int, int] = defaultdict(int)
    for line_rows in by_line.values():
        for chunk in _chunks(line_rows, line_rows[0][5]):
            first = chunk[0]
            numbers[first[6]] += 1
            party = Party(first[0], first[6], first[7], first[9], first[8], numbers[first[6]])
            for ticket_id, _, status, table_id, guest, *_ in chunk:
                if status is TicketStatus.VALID:
                    party.ticket_ids.append(ticket_id)
                    party.guests.append(guest)
                    party.table_id = party.table_id or table_id
            if party.ticket_ids:
                found.append(party)
    return found


def party_tickets(ticket: Ticket) -> list[Ticket]:
    """The valid tickets placed together with `ticket` (read as they are now)."""
    line = db.session.get(OrderLine, ticket.order_line_id)
    same_line = list(
        db.session.scalars(
            select(Ticket)
            .where(Ticket.order_line_id == line.id)
            .order_by(Ticket.id)
            .execution_options(populate_existing=True)
        )
    )
    for chunk in _chunks(same_line, line.seats_per_ticket):
        if any(t.id == ticket.id for t in chunk):
            return [t for t in chunk if t.status is TicketStatus.VALID]
    return []


def place(table: SeatingTable, ticket: Ticket) -> int:
    """Seat the party of `ticket` at `table`, all of it or none: refused when the table
    has too few free seats. Returns how many seats moved."""
    ball = table.ball
    lock_ball(ball)
    if db.session.get(SeatingTable, table.id, populate_existing=True) is None:
        raise Conflict("That table has just been removed")
    if ticket.order.ball_id != ball.id or ticket.order.status not in PAID_STATUSES:
        raise Conflict("Only the seats of paid orders can be placed")
    party = party_tickets(ticket)
    if not party:
        raise Conflict("That seat was refunded, so there is nobody to place")
    moving = [t for t in party if t.table_id != table.id]
    free = table.seats - _seated_at(table)
    if len(moving) > free:
        seats = "1 seat" if len(party) == 1 else f"{len(party)} seats together"
        raise Conflict(
            f"Table {table.name} has {free} free seat{'s' if free != 1 else ''}: "
            f"this booking needs {seats}"
        )
    for t in moving:
        t.table_id = table.id
    db.session.flush()
    return len(moving)


def unplace(ticket: Ticket) -> int:
    """Take the party of `ticket` off its table. Returns how many seats."""
    party = [t for t in party_tickets(ticket) if t.table_id is not None]
    for t in party:
        t.table_id = None
    db.session.flush()
    return len(party)


# --- The table plan and place cards --------------------------------------------------


@dataclass
class PlannedTable:
    table: SeatingTable
    parties: list[Party]

    @property
    def seated(self) -> int:
        return sum(p.size for p in self.parties)

    @property
    def free(self) -> int:
        return self.table.seats - self.seated


@dataclass
class Plan:
    tables: list[PlannedTable]
    unplaced: list[Party]

    @property
    def unplaced_seats(self) -> int:
        return sum(p.size for p in self.unplaced)


def plan(ball: Ball) -> Plan:
    """Each table with the parties at it, and the parties not placed yet (three
    queries)."""
    planned = {t.id: PlannedTable(t, []) for t in tables(ball)}
    unplaced = []
    for party in parties(ball):
        if party.table_id in planned:
            planned[party.table_id].parties.append(party)
        else:
            unplaced.append(party)
    return Plan(list(planned.values()), unplaced)


@dataclass(frozen=True)
class PlaceCard:
    guest: str
    table: str


def place_cards(ball: Ball) -> list[PlaceCard]:
    """One card per named guest seated at a table, table by table."""
    rows = db.session.execute(
        select(Ticket.guest_name, SeatingTable.name)
        .join(SeatingTable, SeatingTable.id == Ticket.table_id)
        .join(Order, Order.id == Ticket.order_id)
        .where(
            SeatingTable.ball_id == ball.id,
            Order.status.in_(PAID_STATUSES),
            Ticket.status == TicketStatus.VALID,
            func.coalesce(Ticket.guest_name, "") != "",
        )
        .order_by(SeatingTable.position, SeatingTable.id, Ticket.guest_name)
    ).all()
    return [PlaceCard(guest, table) for guest, table in rows]


def set_wishes(order: Order, wishes: str | None, now: datetime | None = None) -> None:
    """The buyer's seating wishes ("with Aire Valley Software"), or none: until the
    cut-off for guest details, as the guests' names."""
    now = now or utcnow()
    if order.status not in PAID_STATUSES:
        raise Conflict("Seating wishes can be given once the order is paid")
    until = guest_changes_until(order.ball)
    if now >= until:
        raise Conflict(
            f"Seating wishes could be changed until {format_datetime(until)}. "
            "To change them now, email the programme team."
        )
    order.seating_wishes = wishes or None
    db.session.flush()
