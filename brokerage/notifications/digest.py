"""The daily digest: for people who asked for one email a day, the worker sends each
of them one email listing the notices they had since the last one, instead of an
email per notice. Emails that are not notices (a receipt, a password reset, an
invitation) still go on their own."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import Notice
from brokerage.notifications.services import queue_email

log = logging.getLogger(__name__)

EVERY = timedelta(days=1)
MOST = 50  # notices listed in one digest; the page has them all


def send_digests(config: Mapping, now: datetime | None = None) -> int:
    """One digest to each person on the daily digest whose last one went a day ago or
    more and who has notices since. Returns how many went; one person's failure is
    logged and the rest still get theirs."""
    now = now or utcnow()
    base = config["BASE_URL"].rstrip("/")
    people = db.session.scalars(
        select(User)
        .where(User.daily_digest.is_(True), User.active.is_(True))
        .where((User.digest_sent_at.is_(None)) | (User.digest_sent_at <= now - EVERY))
        .order_by(User.id)
    ).all()
    sent = 0
    for person in people:
        try:
            with db.session.begin_nested():
                since = person.digest_sent_at or (now - EVERY)
                notices = db.session.scalars(
                    select(Notice)
                    .where(Notice.user_id == person.id, Notice.created_at > since)
                    .where(Notice.created_at <= now)
                    .order_by(Notice.created_at, Notice.id)
                ).all()
                if not notices:
                    continue
                count = len(notices)
                queue_email(
                    person.email,
                    "daily_digest",
                    f"{count} new notice{'s' if count != 1 else ''} for you",
                    user=person,
                    items=[(n.message, base + n.path) for n in notices[:MOST]],
                    more=max(0, count - MOST),
                    link=base + "/notices",
                )
                person.digest_sent_at = now
                sent += 1
        except Exception:
            log.exception("digest: person %s could not be sent theirs", person.id)
    db.session.commit()
    return sent
