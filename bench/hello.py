"""The bare Flask app bench/pages.py measures every page against: one route, no
database, no template, served by the same gunicorn settings as the product."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello() -> str:
    return "Hello, World!"
