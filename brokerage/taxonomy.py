"""The vocabulary tables the team extends (skills, device types, wards, beneficiary
groups): one set of columns, one way to list them."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from brokerage.extensions import db


class Term:
    """A word in a vocabulary: its address-safe slug, the name people read, and where it
    comes in a list."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(120), nullable=False)
    position: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class RetirableTerm(Term):
    """A term the team can retire: kept for what already uses it, offered no more."""

    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)


def offered(model: type[Term]) -> list:
    """The terms of `model` a person may choose, in the team's order (retired ones left
    out)."""
    stmt = select(model).order_by(model.position, model.id)
    if issubclass(model, RetirableTerm):
        stmt = stmt.where(model.active.is_(True))
    return list(db.session.scalars(stmt))
