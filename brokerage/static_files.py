"""Static files under a fingerprint of their content, cached for a year.

Every static URL carries a hash of everything in static/ in its path
(/static/<hash>/css/application.css): a returning visitor's browser keeps each file
for a year without asking again (`Cache-Control: immutable`), and a release that
changes any file changes every URL, so nobody keeps an old file. Files refer to each
other by relative paths (application.mjs imports ../govuk/...), so they stay within
one release's set.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Flask, Response, request

ONE_YEAR_S = 365 * 24 * 60 * 60


def fingerprint(folder: Path) -> str:
    """12 hex digits of a hash of every file's path and content under `folder`."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@functools.cache
def version(folder: Path) -> str:
    """The fingerprint of the static files, worked out once per process: they change
    only with a release."""
    return fingerprint(folder)


def configure(app: Flask) -> None:
    app.config.setdefault("SEND_FILE_MAX_AGE_DEFAULT", ONE_YEAR_S)

    @app.after_request
    def immutable_static(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR_S}, immutable"
        return response
