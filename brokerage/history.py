"""History lines: every domain's record of who changed what, when.

Each domain keeps its own history table (a listing's, a match's, an organisation's, the
ball's), because each line says different things; they are all written here, stamped
with the one clock, so "when" means the same everywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from brokerage.clock import utcnow
from brokerage.extensions import db

Line = TypeVar("Line")


def record(line: Line, *, at: datetime | None = None) -> Line:
    """Add a history line to the session, stamped `at` (by default, now)."""
    line.created_at = at or utcnow()
    db.session.add(line)
    return line


def changes(
    fields: Iterable[tuple[str, str]],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    said: Callable[[str, Any], str],
    *,
    summarised: Iterable[str] = (),
) -> list[str]:
    """What changed, as people read it: "Label: old → new" for each field (name, label)
    whose value differs; on a first set-up (`before` None), "Label: value" for each
    field given a value. A field in `summarised` (long text) only says it changed."""
    summarised = set(summarised)
    lines = []
    for name, label in fields:
        new = after[name]
        if before is None:
            if new is not None and new != "":
                lines.append(f"{label}: {said(name, new)}")
        elif before[name] != new:
            if name in summarised:
                lines.append(f"{label} changed")
            else:
                lines.append(f"{label}: {said(name, before[name])} → {said(name, new)}")
    return lines
