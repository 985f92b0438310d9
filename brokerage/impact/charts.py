"""Bar charts as plain data for the SVG the templates draw (templates/impact/_charts.html).

No charting library and no JavaScript: the geometry is worked out here, the template
writes <rect>s and <text>s with presentation attributes only (the Content-Security-
Policy allows no inline style). Every chart is an image with a title and a one-line
summary as its text alternative, and the page puts a table of its figures beside it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from brokerage.impact.figures import MEASURES, Row
from brokerage.money import pounds

# The brand's teal, and GOV.UK's text and border colours.
BAR_COLOUR = "#106165"
TEXT_COLOUR = "#0b0c0c"
GRID_COLOUR = "#b1b4b6"

WIDTH = 640
FONT_SIZE = 13


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as written for people
    x: float
    y: float
    width: float
    height: float
    tick: str | None = None  # the axis label drawn with it, if any
    tick_below: str | None = None  # a second line (the year, under January)


@dataclass(frozen=True)
class Gridline:
    position: float  # x of a vertical line (bars across) or y of a horizontal one
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    summary: str  # the text alternative, with the title
    horizontal: bool  # bars across (wards) or columns up (months)
    width: int
    height: int
    left: float  # the plot area
    top: float
    right: float
    bottom: float
    bars: list[Bar]
    gridlines: list[Gridline]
    colour: str = BAR_COLOUR
    text_colour: str = TEXT_COLOUR
    grid_colour: str = GRID_COLOUR
    font_size: int = FONT_SIZE


def formatter(measure: str) -> Callable[[float], str]:
    if MEASURES[measure].money:
        return lambda pence: pounds(round(pence))
    return lambda value: f"{round(value):,}"


def scale(largest: float, money: bool = False) -> tuple[float, float]:
    """A round top for the axis and the step between gridlines (1, 2 or 5 times a power
    of ten, at least 1, or £1 for money), with about four steps up to `largest`."""
    unit = 100 if money else 1
    if largest <= 0:
        return unit, unit
    rough = largest / 4
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    step = max(step, unit)
    return math.ceil(largest / step) * step, step


def _summary(title: str, rows: list[Row], values: list[int], fmt, over: str) -> str:
    if not rows or not any(values):
        return f"{title}{over}: no confirmed figures. The table next to the chart has the details."
    best = max(range(len(rows)), key=lambda i: values[i])
    return (
        f"{title}{over}. Highest: {fmt(values[best])} in {rows[best].label}. "
        "The table next to the chart has every figure."
    )


def month_chart(chart_id: str, rows: list[Row], measure: str) -> Chart:
    """Columns, one a month, left to right; a month's name under every column (or every
    second, third ... when there are many), the year under each January and the first."""
    m = MEASURES[measure]
    fmt = formatter(measure)
    values = [row.figures.measure(measure) for row in rows]
    left, right, top, height = 64.0, WIDTH - 12.0, 12.0, 300
    bottom = height - 44.0
    top_value, step = scale(max(values, default=0), m.money)
    band = (right - left) / max(len(rows), 1)
    every = max(1, math.ceil(len(rows) / 12))
    bars = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        bar_height = (bottom - top) * value / top_value
        first_of_year = i == 0 or row.key.endswith("-01")
        bars.append(
            Bar(
                label=row.label,
                text=fmt(value),
                x=round(left + band * i + band * 0.15, 2),
                y=round(bottom - bar_height, 2),
                width=round(band * 0.7, 2),
                height=round(bar_height, 2),
                tick=row.short_label if i % every == 0 else None,
                tick_below=row.key[:4] if first_of_year and i % every == 0 else None,
            )
        )
    over = f", {rows[0].label} to {rows[-1].label}" if rows else ""
    return Chart(
        id=chart_id,
        title=f"{m.label} by month",
        summary=_summary(f"{m.label} by month", rows, values, fmt, over),
        horizontal=False,
        width=WIDTH,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        bars=bars,
        gridlines=_gridlines(
            top_value, step, fmt, lambda v: bottom - (bottom - top) * v / top_value
        ),
    )


def ward_chart(chart_id: str, rows: list[Row], measure: str) -> Chart:
    """Bars across, one a ward, each named on its left and with its figure at its end."""
    m = MEASURES[measure]
    fmt = formatter(measure)
    values = [row.figures.measure(measure) for row in rows]
    row_height, left, right, top = 22.0, 220.0, WIDTH - 70.0, 8.0
    bottom = top + row_height * max(len(rows), 1)
    height = int(bottom + 28)
    top_value, step = scale(max(values, default=0), m.money)
    bars = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = top + row_height * i
        bars.append(
            Bar(
                label=row.label,
                text=fmt(value),
                x=left,
                y=round(y + row_height * 0.15, 2),
                width=round((right - left) * value / top_value, 2),
                height=round(row_height * 0.7, 2),
                tick=row.label,
            )
        )
    return Chart(
        id=chart_id,
        title=f"{m.label} by ward",
        summary=_summary(f"{m.label} by ward", rows, values, fmt, ""),
        horizontal=True,
        width=WIDTH,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        bars=bars,
        gridlines=_gridlines(top_value, step, fmt, lambda v: left + (right - left) * v / top_value),
    )


def _gridlines(top_value: float, step: float, fmt, position) -> list[Gridline]:
    count = round(top_value / step)
    return [Gridline(round(position(step * i), 2), fmt(step * i)) for i in range(count + 1)]
