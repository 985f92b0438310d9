"""Everything held about a person: their account and every row that points at it, and
every row that holds their email address (ball orders and their tickets, emails sent,
invitations). Read from the tables themselves, so a table added later is included
without anyone remembering to list it here. For a person's own download and for the
team's answer to a subject access request."""

from __future__ import annotations

import csv
import enum
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Table, func, select

from brokerage.clock import utcnow
from brokerage.extensions import db

# Never given out, even to the person: what would let someone sign in as them or open
# their links, and what is only a drawing of something already listed.
SECRET_COLUMNS = {"password_hash", "session_token", "token", "token_hash", "qr_svg"}
# Columns that hold an email address, by table.
EMAIL_COLUMNS = {
    "ticket_order": "buyer_email",
    "outbox_email": "to_address",
    "invitation": "email",
    "volunteer_invitation": "email",
}
# Rows that belong to a row found by email (a ball order's lines and tickets).
CHILDREN = {"ticket_order": ("ticket_order_line", "ticket", "ticket_refund")}
USERS = "user_account"

LABELS = {
    "user_account": "Your account",
    "user_session": "Where you signed in",
    "membership": "Organisations you belong to or asked to join",
    "invitation": "Invitations",
    "organisation_event": "Changes you made to organisations",
    "need": "Needs you posted",
    "offer": "Offers you posted",
    "listing_event": "Changes you made to needs and offers",
    "match": "Matches you proposed or answered",
    "match_event": "Changes you made to matches",
    "match_message": "Messages you wrote",
    "match_feedback": "Feedback you left",
    "match_team_note": "Team notes you wrote",
    "help_offer": "Offers of help you made",
    "volunteer": "Companies you volunteer with",
    "volunteer_invitation": "Invitations to volunteer",
    "volunteer_place": "Volunteering places you confirmed",
    "volunteer_place_event": "Changes you made to volunteering places",
    "volunteer_check_arrangement": "Who checks volunteers, as you chose",
    "disclosure_check": "Disclosure checks you recorded",
    "volunteer_hour_log": "Hours you logged as a volunteer, or confirmed for one",
    "notice": "Notices you were sent in the site",
    "outbox_email": "Emails we sent you",
    "ticket_order": "Your ball orders",
    "ticket_order_line": "What each ball order bought",
    "ticket": "Tickets and guests on your ball orders",
    "ticket_refund": "Refunds on your ball orders",
    "gift_aid_claim": "Gift Aid claims you made for the ball",
    "grant_round": "Grant rounds you set up",
    "grant_application": "Grant applications you started or decided",
    "application_event": "Changes you made to grant applications",
    "panel_member": "Grant panels you sat on",
    "award": "Grants you awarded or recorded as paid",
    "monitoring_report": "Grant reports you sent or reviewed",
    "award_event": "Changes you made to grant awards and their reports",
    "review": "Grant applications you reviewed on a panel",
    "score": "Your scores and comments as a panel member",
    "funding_opportunity": "Funding opportunities you posted",
    "opportunity_dismissal": "Funding opportunities you set aside",
}


def label(table: str) -> str:
    return LABELS.get(table, table.replace("_", " ").capitalize())


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes | memoryview):
        return None
    return value


def _rows(table: Table, condition) -> list[dict]:
    columns = [c for c in table.columns if c.name not in SECRET_COLUMNS]
    query = select(*columns).where(condition).order_by(*table.primary_key.columns)
    return [{k: _plain(v) for k, v in row._mapping.items()} for row in db.session.execute(query)]


def _pointing_at_users() -> list[tuple[Table, object]]:
    """(table, column) for every column that names a person's account."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == USERS for fk in column.foreign_keys):
                found.append((table, column))
    return found


@dataclass
class Held:
    """What is held about one email address: `tables` maps a table's name to its rows."""

    email: str
    user_id: int | None = None
    tables: dict[str, list[dict]] = field(default_factory=dict)

    def add(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        kept = self.tables.setdefault(table, [])
        seen = {row.get("id") for row in kept}
        kept.extend(row for row in rows if row.get("id") not in seen)

    @property
    def found(self) -> bool:
        return bool(self.tables)

    def counts(self) -> list[tuple[str, int]]:
        return [(label(name), len(rows)) for name, rows in self.tables.items()]

    def as_json(self) -> str:
        return json.dumps(
            {
                "email": self.email,
                "made_at": utcnow().isoformat(),
                "held": {label(name): rows for name, rows in self.tables.items()},
            },
            indent=2,
            ensure_ascii=False,
        )

    def as_zip(self) -> bytes:
        """One JSON file of everything, and a CSV file for each list."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("everything.json", self.as_json())
            for name, rows in self.tables.items():
                text = io.StringIO()
                writer = csv.DictWriter(text, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
                archive.writestr(f"{name}.csv", text.getvalue())
        return buffer.getvalue()


def rows_held_about(email: str) -> int:
    """How many rows `held_about(email)` would gather (counted, not read): whether
    the copy is made now or by the worker."""
    email = email.strip().lower()
    tables = {table.name: table for table in db.metadata.sorted_tables}
    users = tables[USERS]
    user_id = db.session.scalar(select(users.c.id).where(func.lower(users.c.email) == email))
    total = 0
    if user_id is not None:
        total += 1  # the account itself
        for table, column in _pointing_at_users():
            total += db.session.scalar(
                select(func.count()).select_from(table).where(column == user_id)
            )
        for table, condition in _panel_conditions(tables, user_id):
            total += db.session.scalar(select(func.count()).select_from(table).where(condition))
    for name, column_name in EMAIL_COLUMNS.items():
        table = tables[name]
        total += db.session.scalar(
            select(func.count()).select_from(table).where(func.lower(table.c[column_name]) == email)
        )
    return total


def held_about(email: str) -> Held:
    """Everything held about `email` (any case): the account with that address and
    every row pointing at it, and every row holding the address itself."""
    email = email.strip().lower()
    held = Held(email=email)
    tables = {table.name: table for table in db.metadata.sorted_tables}
    users = tables[USERS]
    user_id = db.session.scalar(select(users.c.id).where(func.lower(users.c.email) == email))
    if user_id is not None:
        held.user_id = user_id
        held.add(USERS, _rows(users, users.c.id == user_id))
        for table, column in _pointing_at_users():
            held.add(table.name, _rows(table, column == user_id))
        for table, condition in _panel_conditions(tables, user_id):
            held.add(table.name, _rows(table, condition))
    for name, column_name in EMAIL_COLUMNS.items():
        table = tables[name]
        rows = _rows(table, func.lower(table.c[column_name]) == email)
        held.add(name, rows)
        ids = [row["id"] for row in rows]
        for child in CHILDREN.get(name, ()) if ids else ():
            child_table = tables[child]
            key = next(
                c
                for c in child_table.columns
                if any(fk.column.table.name == name for fk in c.foreign_keys)
            )
            held.add(child, _rows(child_table, key.in_(ids)))
    return held


def _panel_conditions(tables: dict[str, Table], user_id: int) -> list[tuple[Table, object]]:
    """(table, condition) for a panel member's own reviews and scores: only theirs, never
    the reviews of a panel someone else sits on (a team member who added them); and a
    volunteer's own hour logs."""
    panel, review, score = tables["panel_member"], tables["review"], tables["score"]
    own_panels = select(panel.c.id).where(panel.c.user_id == user_id)
    own_reviews = select(review.c.id).where(review.c.panel_member_id.in_(own_panels))
    # A volunteer's hour logs point at their volunteer role, not at their account.
    volunteer, hours = tables["volunteer"], tables["volunteer_hour_log"]
    own_roles = select(volunteer.c.id).where(volunteer.c.user_id == user_id)
    return [
        (review, review.c.panel_member_id.in_(own_panels)),
        (score, score.c.review_id.in_(own_reviews)),
        (hours, hours.c.volunteer_id.in_(own_roles)),
    ]
