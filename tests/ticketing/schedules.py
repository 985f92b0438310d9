"""Reading a Gift Aid claim's schedule back: the ODS file (or each file in its zip) as
rows of cell texts, and which cells are numbers."""

from __future__ import annotations

import io
import zipfile

from odf import teletype
from odf.opendocument import load
from odf.table import TableCell, TableRow


def ods_rows(content: bytes) -> list[list[str]]:
    """Every row of the spreadsheet's table, as the texts of its cells."""
    document = load(io.BytesIO(content))
    return [
        [teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
        for row in document.spreadsheet.getElementsByType(TableRow)
    ]


def ods_value_types(content: bytes) -> list[list[str]]:
    """Each cell's OpenDocument value type ('string', 'float', or '' when empty)."""
    document = load(io.BytesIO(content))
    return [
        [cell.getAttribute("valuetype") or "" for cell in row.getElementsByType(TableCell)]
        for row in document.spreadsheet.getElementsByType(TableRow)
    ]


def zip_files(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
