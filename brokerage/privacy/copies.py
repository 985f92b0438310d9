"""A person's copy of their data. Small accounts get the zip at once; a large one
(more than DATA_COPY_INLINE_ROWS rows) is made by the worker, which emails a link that
works once, for DATA_COPY_LINK_HOURS, to the person signed in."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select, update

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.errors import DomainError
from brokerage.extensions import db
from brokerage.links import site_url
from brokerage.notifications.services import queue_email
from brokerage.privacy.models import DataExport, DataExportStatus, next_copy_status
from brokerage.privacy.subject import held_about, rows_held_about

log = logging.getLogger(__name__)


class LinkSpent(DomainError):
    status_code = 410


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def made_now(user: User, config: Mapping) -> bool:
    """Whether the copy is small enough to make in the request."""
    return rows_held_about(user.email) <= config["DATA_COPY_INLINE_ROWS"]


def ask_for_copy(user: User) -> DataExport:
    """Queue a copy for the worker; one already queued or ready is the answer."""
    waiting = db.session.scalars(
        select(DataExport).where(
            DataExport.user_id == user.id,
            DataExport.status.in_([DataExportStatus.QUEUED, DataExportStatus.READY]),
        )
    ).first()
    if waiting is not None:
        return waiting
    copy = DataExport(user=user, status=DataExportStatus.QUEUED)
    db.session.add(copy)
    db.session.flush()
    return copy


def make_copies(config: Mapping, now: datetime | None = None) -> int:
    """The worker: make each queued copy, email its link; let expired ones go. One
    copy that fails is logged and the rest still go."""
    now = now or utcnow()
    made = 0
    queued = db.session.scalars(
        select(DataExport)
        .where(DataExport.status == DataExportStatus.QUEUED)
        .order_by(DataExport.id)
    ).all()
    for copy in queued:
        try:
            with db.session.begin_nested():
                token = secrets.token_urlsafe(32)
                copy.content = held_about(copy.user.email).as_zip()
                copy.token_hash = _hash(token)
                copy.ready_at = now
                copy.expires_at = now + timedelta(hours=config["DATA_COPY_LINK_HOURS"])
                copy.status = next_copy_status(copy.status, "make")
                queue_email(
                    copy.user.email,
                    "data_copy_ready",
                    "Your data is ready to download",
                    user=copy.user,
                    hours=config["DATA_COPY_LINK_HOURS"],
                    link=site_url("privacy.fetch_copy", token=token),
                )
                made += 1
        except Exception:
            log.exception("copies: copy %s could not be made", copy.id)
    db.session.execute(
        update(DataExport)
        .where(DataExport.status == DataExportStatus.READY, DataExport.expires_at <= now)
        .values(status=DataExportStatus.EXPIRED, content=None, token_hash=None)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return made


def fetch_copy(user: User, token: str, now: datetime | None = None) -> bytes:
    """The zip behind an emailed link, once, for the person it was made for."""
    now = now or utcnow()
    copy = db.session.scalars(
        select(DataExport).where(DataExport.token_hash == _hash(token[:200]))
    ).first()
    if (
        copy is None
        or copy.user_id != user.id
        or copy.status is not DataExportStatus.READY
        or copy.expires_at <= now
    ):
        raise LinkSpent(
            "This link has already been used or has expired. Ask for a new copy from your "
            "account page."
        )
    content = copy.content
    copy.content = None
    copy.token_hash = None
    copy.status = next_copy_status(copy.status, "fetch")
    copy.downloaded_at = now
    db.session.flush()
    return content


def latest_copy(user: User) -> DataExport | None:
    return db.session.scalars(
        select(DataExport).where(DataExport.user_id == user.id).order_by(DataExport.id.desc())
    ).first()
