"""Each ticket's code as a QR code: inline SVG for the order page, drawn once when the
ticket is issued and kept with it (`Ticket.qr_svg`), and a PNG image sent with the
confirmation email (most email programs show no inline SVG), made by the worker
that sends it.

Drawing one takes segno a few milliseconds (it tries all eight masks and keeps the
most readable); a table's order page would otherwise draw ten on every visit.
Tickets issued before the drawing was kept are drawn when shown (once per process
per code).
"""

from __future__ import annotations

import functools
import io

import segno
from markupsafe import Markup, escape


def draw(code: str) -> str:
    """The QR code of `code` as inline SVG without a title (no style attributes, so the
    page's Content-Security-Policy allows it)."""
    svg = segno.make_qr(code, error="m").svg_inline(scale=4)
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


_drawn_when_shown = functools.lru_cache(maxsize=4096)(draw)


def titled(svg: str | None, code: str, title: str) -> Markup:
    """The ticket's QR code (as kept, or drawn now) named for screen readers by `title`:
    its <title> is the first thing inside the <svg> element."""
    svg = svg or _drawn_when_shown(code)
    start = svg.index(">") + 1
    return Markup(f"{svg[:start]}<title>{escape(title)}</title>{svg[start:]}")  # noqa: S704


def png(code: str) -> bytes:
    """The QR code of `code` as a PNG image, the same size as the page's drawing."""
    image = io.BytesIO()
    segno.make_qr(code, error="m").save(image, kind="png", scale=4)
    return image.getvalue()


def content_id(ticket_id: int) -> str:
    """The Content-ID of a ticket's QR code image in an email."""
    return f"ticket-{ticket_id}.qr@digital-inclusion-leeds"
