"""The ball's Jinja filters, for its pages and emails (registered by the blueprint)."""

from __future__ import annotations

from datetime import datetime, timedelta

from markupsafe import Markup

from brokerage import qr
from brokerage.clock import LONDON, format_datetime, london
from brokerage.ticketing.models import Ticket


def qr_code(ticket: Ticket, title: str) -> Markup:
    """The ticket's QR code, inline SVG, named for screen readers by its title."""
    return qr.titled(ticket.qr_svg, ticket.code, title)


def qr_content_id(ticket: Ticket) -> str:
    """Where an email's HTML finds the ticket's QR code: an image sent with the email."""
    return qr.content_id(ticket.id)


def ticket_code(code: str) -> str:
    """A ticket code in groups of four, easier to read out (check-in ignores spaces)."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def london_when(value: datetime | None) -> str:
    """A time in Leeds's own time; on the days the clocks change, with GMT or BST, since
    1:30am happens twice in October and not at all in March."""
    if value is None:
        return ""
    local = london(value)
    midnight = datetime(local.year, local.month, local.day, tzinfo=LONDON)
    changes = midnight.utcoffset() != (midnight + timedelta(hours=23)).utcoffset()
    return format_datetime(value) + (f" {local.tzname()}" if changes else "")


FILTERS = {
    "qr_code": qr_code,
    "qr_content_id": qr_content_id,
    "ticket_code": ticket_code,
    "london_when": london_when,
}
