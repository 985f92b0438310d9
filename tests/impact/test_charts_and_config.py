"""Chart geometry and text alternatives, and the configured value of an hour."""

from __future__ import annotations

import pytest

from brokerage.config import ConfigError, load
from brokerage.impact import charts
from brokerage.impact.figures import Figures, Row


def rows(*values: int, measure: str = "hours") -> list[Row]:
    attribute = {"hours": "hours", "money": "pence"}[measure]
    return [
        Row(
            key=f"2026-{i + 1:02d}",
            label=f"Month {i + 1}",
            short_label=f"M{i + 1}",
            figures=Figures(**{attribute: value}),
        )
        for i, value in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("largest", "money", "expected"),
    [
        (0, False, (1, 1)),
        (1, False, (1, 1)),
        (3, False, (3, 1)),
        (7, False, (8, 2)),
        (95, False, (100, 50)),
        (1234, False, (1500, 500)),
        (0, True, (100, 100)),
        (123_456, True, (150_000, 50_000)),
    ],
)
def test_the_axis_ends_on_a_round_number(largest, money, expected):
    assert charts.scale(largest, money) == expected


def test_a_month_chart_has_a_column_a_month_scaled_to_the_axis():
    chart = charts.month_chart("c", rows(0, 5, 10), "hours")

    assert chart.title == "Volunteer hours by month"
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[2] == pytest.approx(2 * heights[1])
    assert heights[2] == pytest.approx(chart.bottom - chart.top)  # 10 is the top of the axis
    assert [bar.text for bar in chart.bars] == ["0", "5", "10"]
    assert [g.text for g in chart.gridlines] == ["0", "5", "10"]
    assert chart.summary.startswith("Volunteer hours by month, Month 1 to Month 3. Highest: 10")
    assert all(bar.x + bar.width <= chart.right for bar in chart.bars)


def test_many_months_are_labelled_every_few_and_years_under_january():
    chart = charts.month_chart("c", rows(*range(36)), "hours")

    assert sum(1 for bar in chart.bars if bar.tick) == 12
    assert chart.bars[0].tick_below == "2026"


def test_a_ward_chart_has_a_bar_a_ward_and_money_in_pounds():
    chart = charts.ward_chart("w", rows(250_000, 0, 100_000, measure="money"), "money")

    assert chart.horizontal
    assert [bar.text for bar in chart.bars] == ["£2,500", "£0", "£1,000"]
    assert chart.bars[1].width == 0
    assert [g.text for g in chart.gridlines] == ["£0", "£1,000", "£2,000", "£3,000"]
    assert "Highest: £2,500 in Month 1" in chart.summary


def test_an_empty_chart_says_so():
    chart = charts.ward_chart("w", rows(0, 0), "hours")
    assert "no confirmed figures" in chart.summary


# --- The value of an hour --------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch):
    for name in ("IMPACT_HOUR_VALUE_LOW_PENCE", "IMPACT_HOUR_VALUE_HIGH_PENCE", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", "testing")
    return monkeypatch


def test_the_hour_value_has_defaults_and_comes_from_the_environment(environment):
    config = load()
    assert (config["IMPACT_HOUR_VALUE_LOW_PENCE"], config["IMPACT_HOUR_VALUE_HIGH_PENCE"]) == (
        1350,
        3000,
    )
    environment.setenv("IMPACT_HOUR_VALUE_LOW_PENCE", "1200")
    environment.setenv("IMPACT_HOUR_VALUE_HIGH_PENCE", "4500")
    config = load()
    assert (config["IMPACT_HOUR_VALUE_LOW_PENCE"], config["IMPACT_HOUR_VALUE_HIGH_PENCE"]) == (
        1200,
        4500,
    )


@pytest.mark.parametrize(
    ("low", "high", "message"),
    [
        ("3000", "1500", "the low one no higher"),
        ("-1", "1500", "0 or more"),
        ("twelve", "1500", "must be a whole number"),
    ],
)
def test_a_wrong_hour_value_stops_the_app_starting(environment, low, high, message):
    environment.setenv("IMPACT_HOUR_VALUE_LOW_PENCE", low)
    environment.setenv("IMPACT_HOUR_VALUE_HIGH_PENCE", high)
    with pytest.raises(ConfigError, match=message):
        load()
