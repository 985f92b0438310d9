"""A large account's copy of its data is made by the worker and fetched once through an
emailed link, by the person it was made for, before the link runs out."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import select

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.privacy.copies import make_copies
from brokerage.privacy.models import DataExport, DataExportStatus
from tests.helpers import emails_to, link_in, page_text


@pytest.fixture
def large(app, monkeypatch):
    """Every account counts as large: its copy goes through the worker."""
    monkeypatch.setitem(app.config, "DATA_COPY_INLINE_ROWS", 0)


def _ask(client, login, person):
    login(person)
    response = client.get("/account/your-data")
    assert response.status_code == 302
    assert "We are preparing your data" in page_text(client.get("/account/"))


def test_the_worker_makes_the_copy_and_the_link_works_once(app, client, login, make, large):
    person = make.user(name="Lara Large", email="lara@example.org")
    _ask(client, login, person)
    _ask(client, login, person)  # asking again while one waits makes no second copy
    assert db.session.scalars(select(DataExport)).all()[0].status is DataExportStatus.QUEUED
    assert len(db.session.scalars(select(DataExport)).all()) == 1

    assert make_copies(app.config) == 1
    email = next(e for e in emails_to("lara@example.org") if e.template == "data_copy_ready")
    assert "works once, for 24 hours" in email.body_text
    link = link_in(email)
    assert link.startswith("/account/your-data/")

    response = client.get(link)
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        held = json.loads(archive.read("everything.json"))["held"]
    assert held["Your account"][0]["name"] == "Lara Large"

    again = client.get(link)
    assert again.status_code == 410
    assert "This link has already been used or has expired" in page_text(again)
    copy = db.session.scalars(select(DataExport)).one()
    db.session.refresh(copy)
    assert (copy.status, copy.content) == (DataExportStatus.DOWNLOADED, None)


def test_the_link_is_only_for_the_person_and_runs_out(app, client, login, make, large):
    person = make.user(email="lara@example.org")
    _ask(client, login, person)
    make_copies(app.config)
    link = link_in(
        next(e for e in emails_to("lara@example.org") if e.template == "data_copy_ready")
    )

    login(make.user(email="someone.else@example.org"))
    assert client.get(link).status_code == 410

    make_copies(app.config, now=utcnow() + timedelta(hours=25))
    copy = db.session.scalars(select(DataExport)).one()
    db.session.refresh(copy)
    assert copy.status is DataExportStatus.EXPIRED
    assert copy.content is None
    login(person)
    assert client.get(link).status_code == 410


def test_a_small_account_gets_its_copy_at_once(client, login, make):
    login(make.user(email="sam@example.org"))
    response = client.get("/account/your-data")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert db.session.scalars(select(DataExport)).all() == []
