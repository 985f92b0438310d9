"""Paths built once per process (brokerage/urls.py) are the paths Flask builds: for every
script root, endpoint and value, and whatever was asked for before."""

from __future__ import annotations

import pytest
from flask import Flask, url_for

from brokerage import urls

CALLS = [
    ("needs.index", {}),
    ("needs.index", {"q": "laptops & more", "page": 2}),
    ("needs.index", {"q": "laptops", "page": 2, "kind": None}),
    ("needs.show", {"item_id": 3}),
    ("needs.show", {"item_id": 4}),
    ("offers.show", {"item_id": 3}),
    ("matches.match", {"match_id": 7}),
    ("static", {"filename": "css/application.css"}),
    ("accounts.sign_in", {"next": "/matches/7?tab=a b"}),
]


def _flask_built(app, endpoint, values):
    return Flask.url_for(app, endpoint, **values)


@pytest.mark.parametrize("root", ["", "/programme"])
def test_each_path_is_the_one_flask_builds_under_each_script_root(app, root):
    for _ in range(2):  # built, then remembered
        for mount in ("", root):
            with app.test_request_context("/", base_url=f"http://localhost{mount}"):
                for endpoint, values in CALLS:
                    built = url_for(endpoint, **values)
                    assert built == _flask_built(app, endpoint, values)
                    assert built.startswith(f"{mount}/")


def test_what_is_not_kept_is_still_built_as_flask_builds_it(app):
    with app.test_request_context("/needs", base_url="http://localhost/programme"):
        assert url_for("needs.show", item_id=5, _anchor="matches") == ("/programme/needs/5#matches")
        assert url_for("needs.index", _external=True) == "http://localhost/programme/needs"
        assert url_for("needs.index", kind=["equipment", "money"]) == (
            "/programme/needs?kind=equipment&kind=money"
        )
    with app.test_request_context("/needs", base_url="http://localhost"):
        assert url_for("needs.show", item_id=5) == "/needs/5"


def test_a_full_memory_starts_again_and_paths_stay_right(app, monkeypatch):
    monkeypatch.setattr(urls, "PATHS_KEPT", 3)
    with app.test_request_context("/", base_url="http://localhost"):
        for item_id in range(1, 20):
            assert url_for("needs.show", item_id=item_id) == f"/needs/{item_id}"
        assert len(app._paths) <= 3
        assert url_for("needs.show", item_id=1) == "/needs/1"
