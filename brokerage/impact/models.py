"""The impact summary: the figures of completed matches added up by calendar month of
Leeds time, in all, by community organisation and by ward. Derived data, kept current
by summary.py as matches complete and their figures change, so that the impact pages
cost the same whatever the number of matches. Never edited by hand: rebuilt from the
matches by `flask rebuild-impact-summary`."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from brokerage.columns import UTCDateTime
from brokerage.extensions import db


class ImpactMonth(db.Model):
    """Every completed match of a month (closed_at, in Leeds), added up. A month with
    none has no row."""

    __tablename__ = "impact_month"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    matches: Mapped[int] = mapped_column(Integer, nullable=False)
    minutes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    devices: Mapped[int] = mapped_column(BigInteger, nullable=False)
    pence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    people: Mapped[int] = mapped_column(BigInteger, nullable=False)
    # The first and last confirmation of the month: where the figures start and end.
    first_closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_closed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class ImpactOrganisationMonth(db.Model):
    """How many of a month's completed matches were for each community organisation's
    needs: the organisations helped in a period are those with a row in it."""

    __tablename__ = "impact_organisation_month"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    matches: Mapped[int] = mapped_column(Integer, nullable=False)


class ImpactWardMonth(db.Model):
    """A month's completed matches by their needs' wards: a need in several wards
    counts in full in each."""

    __tablename__ = "impact_ward_month"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    ward_id: Mapped[int] = mapped_column(
        ForeignKey("ward.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    matches: Mapped[int] = mapped_column(Integer, nullable=False)
    minutes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    devices: Mapped[int] = mapped_column(BigInteger, nullable=False)
    pence: Mapped[int] = mapped_column(BigInteger, nullable=False)
    people: Mapped[int] = mapped_column(BigInteger, nullable=False)
