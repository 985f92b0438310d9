"""The impact pages' GET forms: the team's filters and a statement's period.

The URL is read once, by `ImpactFilters.read`, so the page, its CSV and the figures
agree on what it says. A value that cannot be used is left out and the page says
why beside its box (never a server error). The forms answer to `errors` and to
iteration as a WTForms form does, so base.html shows the error summary and the
"Error:" in the title as it does for every other form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import literal, select, union_all

from brokerage.clock import today_in_leeds
from brokerage.extensions import db
from brokerage.impact.figures import MEASURES
from brokerage.impact.filters import ImpactFilters, last_twelve_months
from brokerage.listings.models import ListingKind
from brokerage.organisations.models import BeneficiaryGroup, Ward

DEFAULT_MEASURE = "matches"


@dataclass(frozen=True)
class Choices:
    """What the filters offer: (slug, name) pairs, in each list's order."""

    wards: list[tuple[str, str]]
    groups: list[tuple[str, str]]

    @property
    def kinds(self) -> list[tuple[str, str]]:
        return [(k.value, k.label) for k in ListingKind]


def choices() -> Choices:
    """The wards (Leeds-wide among them: it has its own figures) and the beneficiary
    groups in use: one query."""
    terms = union_all(
        select(literal(0).label("list"), Ward.slug, Ward.name, Ward.position, Ward.id),
        select(
            literal(1).label("list"),
            BeneficiaryGroup.slug,
            BeneficiaryGroup.name,
            BeneficiaryGroup.position,
            BeneficiaryGroup.id,
        ).where(BeneficiaryGroup.active.is_(True)),
    ).subquery()
    rows = db.session.execute(
        select(terms.c.list, terms.c.slug, terms.c.name).order_by(
            terms.c.list, terms.c.position, terms.c.id
        )
    ).all()
    return Choices(
        wards=[(slug, name) for number, slug, name in rows if number == 0],
        groups=[(slug, name) for number, slug, name in rows if number == 1],
    )


def measure(args: Mapping) -> str:
    """Which figure the charts show: one of MEASURES, anything else ignored."""
    value = args.get("show", "")
    return value if value in MEASURES else DEFAULT_MEASURE


@dataclass(frozen=True)
class _Field:
    """Just enough of a WTForms field for templating.error_summary."""

    name: str
    id: str
    errors: list[str]
    widget: None = None


# Each box's id: where the error summary's link for it lands.
_IDS = {
    "from": "from-day",
    "to": "to-day",
    "ward": "filter-ward",
    "kind": "filter-kind",
    "group": "filter-group",
}


class _GetForm:
    fields: tuple[str, ...] = ()

    def __init__(self, args: Mapping):
        self.args = args
        self.problems: dict[str, str] = {}
        self.form_errors: list[str] = []

    @property
    def errors(self) -> dict[str, list[str]]:
        return {name: [message] for name, message in self.problems.items()}

    def __iter__(self):
        for name in self.fields:
            yield _Field(name, _IDS[name], [self.problems[name]] if name in self.problems else [])

    def error(self, name: str) -> dict | None:
        """The errorMessage parameter of a GOV.UK component, or None."""
        return {"text": self.problems[name]} if name in self.problems else None

    def date_items(self, name: str, value: date | None) -> list[dict]:
        """The day, month and year boxes of a GOV.UK date input: what was typed when it
        could not be used, otherwise the date in use."""
        typed = getattr(self.args, "getlist", lambda _n: [])(name)
        if name in self.problems and len(typed) == 3:
            day, month, year = (part[:20] for part in typed)
        elif value is not None:
            day, month, year = str(value.day), str(value.month), str(value.year)
        else:
            day = month = year = ""
        error = " govuk-input--error" if name in self.problems else ""
        return [
            {
                "name": name,
                "id": f"{name}-day",
                "label": "Day",
                "value": day,
                "classes": "govuk-input--width-2" + error,
            },
            {
                "name": name,
                "id": f"{name}-month",
                "label": "Month",
                "value": month,
                "classes": "govuk-input--width-2" + error,
            },
            {
                "name": name,
                "id": f"{name}-year",
                "label": "Year",
                "value": year,
                "classes": "govuk-input--width-4" + error,
            },
        ]


class FilterForm(_GetForm):
    """The team's impact filters: dates, ward, kind, beneficiary group."""

    fields = ("from", "to", "ward", "kind", "group")

    def __init__(self, args: Mapping, offered: Choices):
        super().__init__(args)
        filters, self.problems = ImpactFilters.read(args)
        # A well-formed slug that names nothing we know is a problem too.
        if filters.ward and filters.ward not in {slug for slug, _ in offered.wards}:
            self.problems["ward"] = "Choose a ward from the list"
            filters = replace(filters, ward=None)
        if filters.group and filters.group not in {slug for slug, _ in offered.groups}:
            self.problems["group"] = "Choose a group from the list"
            filters = replace(filters, group=None)
        self.filters = filters
        self.choices = offered


class PeriodForm(_GetForm):
    """A statement's period: from and to, by default the last twelve months. With only
    one of them, the other is a year away from it."""

    fields = ("from", "to")

    def __init__(self, args: Mapping, now: datetime):
        super().__init__(args)
        filters, problems = ImpactFilters.read(args)
        self.problems = {k: v for k, v in problems.items() if k in self.fields}
        start, end = filters.start, filters.end
        default_start, default_end = last_twelve_months(now)
        if start is None and end is None:
            start, end = default_start, default_end
        elif end is None:
            end = max(start, min(_year_after(start), today_in_leeds(now)))
        elif start is None:
            start = _year_after(end, -1) + timedelta(days=1)
        self.start, self.end = start, end
        self.is_default = (start, end) == (default_start, default_end)

    def args_for_csv(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


def _year_after(day: date, years: int = 1) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
