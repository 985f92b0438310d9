"""The one CSV helper: cells a spreadsheet cannot take for formulas, numbers that stay
numbers, London times, pounds; a response that is written as its rows come."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from brokerage import exports
from brokerage.listings.models import ListingStatus
from brokerage.organisations.models import Organisation
from tests.exports.reading import read_csv
from tests.helpers import counted_statements


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","Click")',
            '\'=HYPERLINK("http://evil.example","Click")',
        ),
        ("+44 113 000 0000", "'+44 113 000 0000"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Armley Digital", "Armley Digital"),
        ("a = b", "a = b"),
        ("", ""),
        (None, ""),
        (True, "Yes"),
        (False, "No"),
        (ListingStatus.PARTLY_MET, "Partly met"),
        # Days are ISO; times are Leeds's own, summer and winter.
        (date(2027, 6, 12), "2027-06-12"),
        (datetime(2027, 6, 12, 19, 14, tzinfo=UTC), "2027-06-12 20:14"),
        (datetime(2027, 1, 5, 19, 14, tzinfo=UTC), "2027-01-05 19:14"),
    ],
)
def test_a_cell_is_text_a_spreadsheet_shows_as_it_is(value, cell):
    assert exports.safe_cell(value) == cell


@pytest.mark.parametrize("number", [0, 7, -5, 2.5, Decimal("-1.50"), Decimal("190.00")])
def test_numbers_stay_numbers_even_below_zero(number):
    assert exports.safe_cell(number) is number


@pytest.mark.parametrize(
    ("pence", "pounds"),
    [(19_000, "190.00"), (5, "0.05"), (0, "0.00"), (-150, "-1.50"), (250_000, "2500.00")],
)
def test_money_is_pounds_with_two_decimals(pence, pounds):
    amount = exports.money(pence)
    assert isinstance(amount, Decimal)
    assert str(exports.safe_cell(amount)) == pounds
    assert exports.money(None) is None


def test_the_response_is_a_utf8_download_for_excel_with_numbers_unquoted():
    response = exports.csv_response(
        "list.csv",
        ["ID", "Name", "Amount (£)", "Change"],
        [[1, "=cmd|' /C calc'!A0", exports.money(-150), -3], [2, 'Zoë, "the" Café', None, 4]],
    )
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="list.csv"'
    assert response.headers["Cache-Control"] == "no-store"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")
    # Numbers are written bare (never quoted, never given an apostrophe), even negative.
    assert text.splitlines()[1] == "1,'=cmd|' /C calc'!A0,-1.50,-3"
    assert read_csv(response) == [
        ["ID", "Name", "Amount (£)", "Change"],
        ["1", "'=cmd|' /C calc'!A0", "-1.50", "-3"],
        ["2", 'Zoë, "the" Café', "", "4"],
    ]
    assert text.endswith("\r\n")


def test_rows_are_read_as_the_file_is_written_not_all_first(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 1_000)
    read = []

    def rows():
        for n in range(10_000):
            read.append(n)
            yield [n, f"Row {n}"]

    response = exports.csv_response("big.csv", ["N", "Name"], rows())
    assert response.is_streamed
    assert read == []
    chunks = iter(response.response)
    first = next(chunks)
    assert 1_000 <= len(first) < 2_000
    assert 0 < len(read) < 200
    rest = b"".join(chunks)
    assert len(read) == 10_000
    assert (first + rest).decode().count("\r\n") == 10_001


def test_stream_runs_nothing_until_asked_then_reads_in_a_session_of_its_own(make):
    make.organisation(name="Kirkstall Computers")
    with counted_statements() as statements:
        rows = exports.stream(select(Organisation.name))
        assert statements == []
        assert [row.name for row in rows] == ["Kirkstall Computers"]
    assert len(statements) == 1


def test_a_file_name_carries_the_day_in_leeds(clock):
    clock(datetime(2027, 6, 30, 23, 30, tzinfo=UTC))
    assert exports.dated("needs") == "needs-2027-07-01.csv"


def test_a_download_given_up_half_way_lets_go_of_its_rows(monkeypatch):
    monkeypatch.setattr(exports, "CHUNK", 100)
    closed = []

    def rows():
        try:
            for n in range(1_000):
                yield [n, "A row long enough to fill a chunk soon"]
        finally:
            closed.append(True)

    response = exports.csv_response("big.csv", ["N", "Text"], rows())
    next(iter(response.response))
    assert closed == []
    response.close()  # what the server does when the browser goes away
    assert closed == [True]
