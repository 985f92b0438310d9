"""Reading a CSV download the way a spreadsheet does, and counting what it cost."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlsplit

from tests.helpers import counted_statements


def body(response) -> str:
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    text = response.get_data(as_text=True)
    # The byte order mark that tells Excel the file is UTF-8.
    assert text.startswith("\ufeff")
    return text.removeprefix("\ufeff")


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response))))


def column(rows: list[list[str]], name: str) -> list[str]:
    """The values under the header `name`, row by row."""
    index = rows[0].index(name)
    return [row[index] for row in rows[1:]]


def filename(response) -> str:
    return response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')


def statements_for(client, url: str) -> int:
    """The statements a whole download costs, rows included (they are read as the
    file is written, after the view has returned)."""
    read_csv(client.get(url))  # warm up: one-off work (connections, caches) is not counted
    with counted_statements() as statements:
        read_csv(client.get(url))
    return len(statements)


def refused(client, login, make, url: str) -> None:
    """Only the team gets it: a visitor is sent to sign in, anyone else gets a 403."""
    response = client.get(url)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account/sign-in"
    owner = make.user()
    make.organisation(owner)
    login(owner)
    assert client.get(url).status_code == 403
