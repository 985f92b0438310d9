"""Money is integer pence everywhere; this is how it is written for people."""

from __future__ import annotations


def pounds(pence: int | None) -> str:
    """£ with thousands separators, pence only when there are some: £2,000 or £2,000.50."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}" if part == 0 else f"{sign}£{whole:,}.{part:02d}"
