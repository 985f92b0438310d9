"""Queue emails in the outbox, and send what is due: the worker's side of the outbox."""

from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from flask import current_app, render_template
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from brokerage import qr
from brokerage.accounts.models import User
from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import Notice, OutboxEmail, OutboxStatus
from brokerage.written import as_loaded, insert_returning

log = logging.getLogger(__name__)

# Emails claimed and sent per send_due call (each claim, and each outcome, is committed).
SEND_BATCH = 100


# Header values must be one line of printable text: a line break in an organisation's
# name that reached a Subject would make every attempt to send that email fail.
_NOT_IN_HEADERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def header_safe(value: str, limit: int) -> str:
    """`value` as one line for an email header: control characters and line breaks
    become a space, runs of spaces one, at most `limit` characters."""
    return " ".join(_NOT_IN_HEADERS.sub(" ", value).split())[:limit]


def queue_email(
    to: str,
    template: str,
    subject: str,
    *,
    qr_images: list[tuple[str, str]] | None = None,
    **context,
) -> OutboxEmail:
    """Write an email to the outbox, in the caller's transaction.

    The body comes from templates/email/<template>.txt (and .html if present);
    it is sent later by the worker, so it is never lost if SMTP is down.
    `qr_images` are (content id, text) for QR codes the HTML shows as "cid:" images:
    the worker draws them when it sends the email.
    """
    subject = header_safe(subject, 200)
    context.setdefault("subject", subject)
    body_text = render_template(f"email/{template}.txt", **context)
    body_html = render_template(f"email/{template}.html", **context)
    values = {
        "to_address": header_safe(to, 254),
        "subject": subject,
        "body_text": body_text,
        "body_html": body_html,
        "template": template,
        "qr_images": json.dumps(qr_images) if qr_images else None,
    }
    # One INSERT ... RETURNING, the row then put in the session as if loaded: a ticket
    # rush queues an email for every payment, and a flush of one new object cost more
    # than the INSERT itself.
    row = db.session.execute(insert_returning(OutboxEmail, _EMAIL_COLUMNS), values).one()
    return as_loaded(OutboxEmail, row, _EMAIL_COLUMNS)


_EMAIL_COLUMNS = tuple(OutboxEmail.__table__.c)


class Sender(Protocol):
    def send(self, message: EmailMessage) -> None: ...


@dataclass
class SMTPSender:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_tls: bool = False
    use_ssl: bool = False
    timeout: float = 20

    @classmethod
    def from_config(cls, config) -> SMTPSender:
        return cls(
            host=config["MAIL_SERVER"],
            port=config["MAIL_PORT"],
            username=config["MAIL_USERNAME"],
            password=config["MAIL_PASSWORD"],
            use_tls=config["MAIL_USE_TLS"],
            use_ssl=config["MAIL_USE_SSL"],
            timeout=config["MAIL_TIMEOUT"],
        )

    def send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.use_ssl:
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with smtp:
            if self.use_tls and not self.use_ssl:
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def build_message(email: OutboxEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    # A stable id lets a receiving server drop a duplicate if we crash after sending.
    message["Message-ID"] = email.message_id
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
        html = message.get_body(("html",))
        for content_id, text in json.loads(email.qr_images or "[]"):
            # multipart/related: the HTML's <img src="cid:..."> finds each image.
            html.add_related(
                qr.png(text), "image", "png", cid=f"<{content_id}>", filename=f"{text}.png"
            )
    return message


def retry_delay(attempts: int) -> timedelta:
    """Back off 1, 2, 4 ... minutes after each failure, at most six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def worker_name() -> str:
    """Which worker holds a claim: host and process, for the team and the logs."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _due(now: datetime):
    """Rows to try now: pending and due, or claimed by a worker that has not
    finished within MAIL_CLAIM_TIMEOUT_S (it died between sending and recording)."""
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT_S"])
    return or_(
        and_(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now),
        and_(OutboxEmail.status == OutboxStatus.SENDING, OutboxEmail.claimed_at <= stale),
    )


def claim_due_email(now: datetime, worker: str) -> OutboxEmail | None:
    """Claim the next due email for `worker` and commit the claim, before any SMTP.

    The attempt is counted here, so an attempt cut short by a crash still counts
    towards MAIL_MAX_ATTEMPTS. The claim is a conditional UPDATE: two workers that
    pick the same row cannot both win it, on either database."""
    for _ in range(5):
        stmt = select(OutboxEmail.id).where(_due(now)).order_by(OutboxEmail.id).limit(1)
        if db.session.get_bind().dialect.name == "postgresql":
            # Several workers may run: each looks past rows the others hold.
            stmt = stmt.with_for_update(skip_locked=True)
        email_id = db.session.scalar(stmt)
        if email_id is None:
            db.session.commit()
            return None
        won = db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id == email_id, _due(now))
            .values(
                status=OutboxStatus.SENDING,
                claimed_at=now,
                claimed_by=worker,
                attempts=OutboxEmail.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        db.session.commit()
        if won:
            return db.session.get(OutboxEmail, email_id)
    return None


def deliver(email: OutboxEmail, sender: Sender, now: datetime) -> bool:
    """Send one claimed email; record the outcome on the row (the caller commits).
    True when sent. Whatever goes wrong with this email (the SMTP server, or the
    message itself) is recorded against it alone."""
    config = current_app.config
    try:
        sender.send(build_message(email, config["MAIL_DEFAULT_SENDER"]))
    except Exception as exc:  # one bad row never stops the others
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            email.status = OutboxStatus.FAILED
            log.error("Gave up on email %s to %s: %s", email.id, email.to_address, exc)
        else:
            email.status = OutboxStatus.PENDING
            email.next_attempt_at = now + retry_delay(email.attempts)
            log.warning("Email %s failed (attempt %s): %s", email.id, email.attempts, exc)
        return False
    email.status = OutboxStatus.SENT
    email.sent_at = now
    email.last_error = None
    return True


def send_due(
    sender: Sender,
    now: datetime | None = None,
    limit: int = SEND_BATCH,
    *,
    worker: str | None = None,
    stopping: Callable[[], bool] = lambda: False,
) -> tuple[int, int]:
    """Send due emails one at a time: claim (committed), send, record (committed).

    A crash between sending and recording leaves the row "sending"; after
    MAIL_CLAIM_TIMEOUT_S it is sent again with the same Message-ID: the product errs
    towards at least once. `stopping()` is asked before each email, so a worker told
    to stop finishes the one in hand. Returns (sent, failed); this is the worker's
    transaction boundary, so it commits.
    """
    worker = worker or worker_name()
    sent = failed = 0
    for _ in range(limit):
        if stopping():
            break
        moment = now or utcnow()
        email = claim_due_email(moment, worker)
        if email is None:
            break
        if deliver(email, sender, moment):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


def send_while_due(
    sender: Sender, *, budget_s: float, stopping: Callable[[], bool] = lambda: False
) -> tuple[int, int]:
    """The worker's round of sending: batch after batch of `send_due` while a whole
    batch was due, for at most `budget_s` seconds (then the worker's other jobs have
    their turn). One batch a round held each worker to 100 emails per interval: a
    ball's sell-out or a queue left by a mail outage took minutes to drain."""
    started = time.monotonic()
    sent = failed = 0
    while not stopping():
        batch_sent, batch_failed = send_due(sender, limit=SEND_BATCH, stopping=stopping)
        sent, failed = sent + batch_sent, failed + batch_failed
        if batch_sent + batch_failed < SEND_BATCH or time.monotonic() - started >= budget_s:
            break
    return sent, failed


@dataclass(frozen=True)
class MailFlow:
    """Whether mail is flowing, for the team's dashboard and /healthz."""

    waiting: int  # pending or being sent
    failed: int  # given up on, for the team to look at
    oldest_waiting_s: int | None  # how long the oldest waiting email has waited
    warn_after_s: int

    @property
    def stuck(self) -> bool:
        return self.oldest_waiting_s is not None and self.oldest_waiting_s > self.warn_after_s


def mail_flow(now: datetime | None = None) -> MailFlow:
    now = now or utcnow()
    waiting_statuses = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    waiting, oldest = db.session.execute(
        select(func.count(OutboxEmail.id), func.min(OutboxEmail.created_at)).where(
            OutboxEmail.status.in_(waiting_statuses)
        )
    ).one()
    failed = db.session.scalar(
        select(func.count(OutboxEmail.id)).where(OutboxEmail.status == OutboxStatus.FAILED)
    )
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = None if oldest is None else max(int((now - oldest).total_seconds()), 0)
    return MailFlow(
        waiting=waiting or 0,
        failed=failed or 0,
        oldest_waiting_s=age,
        warn_after_s=current_app.config["MAIL_WARN_AFTER_S"],
    )


# In-app notices: a line for each person, shown on their notices page and counted
# in the navigation until they look.


def notify(people, text: str, path: str, email: tuple[str, str] | None = None, **context):
    """Tell each of `people` (once each) in the app and, with `email` = (template,
    subject), by email through the outbox. Runs in the caller's transaction."""
    seen: set[int] = set()
    for person in people:
        if person is None or person.id in seen or not person.active:
            continue
        seen.add(person.id)
        db.session.add(Notice(user_id=person.id, message=text[:300], path=path[:300]))
        # A person on the daily digest hears of it in tomorrow's one email instead.
        if email is not None and not person.daily_digest:
            template, subject = email
            # From the configured address, never the request's Host header.
            link = current_app.config["BASE_URL"].rstrip("/") + path
            queue_email(person.email, template, subject, user=person, link=link, **context)
    db.session.flush()


def notices_for(user, limit: int = 50) -> list[Notice]:
    return list(
        db.session.scalars(
            select(Notice)
            .where(Notice.user_id == user.id)
            .order_by(Notice.created_at.desc(), Notice.id.desc())
            .limit(limit)
        )
    )


def unseen_count_column():
    """unseen_count as a column of a query that selects from `User` (the person signed
    in: accounts/signing_in.py loads it with their session)."""
    return (
        select(func.count(Notice.id))
        .where(
            Notice.user_id == User.id,
            or_(User.notices_seen_at.is_(None), Notice.created_at > User.notices_seen_at),
        )
        .correlate(User)
        .scalar_subquery()
        .label("unseen_notices")
    )


def unseen_count(user) -> int:
    """How many notices arrived since the person last opened their notices."""
    stmt = select(func.count(Notice.id)).where(Notice.user_id == user.id)
    if user.notices_seen_at is not None:
        stmt = stmt.where(Notice.created_at > user.notices_seen_at)
    return db.session.scalar(stmt) or 0


def mark_seen(user, now: datetime | None = None) -> datetime | None:
    """Record this visit; returns the previous one, so the page can mark what is new.
    One UPDATE of the column, not the unit of work: a flush of the changed person walks
    every object loaded with them (their memberships, organisations and the notices on
    the page) for changed keys, which cost more than the rest of the page's reading."""
    previous = user.notices_seen_at
    seen = now or utcnow()
    db.session.execute(
        update(User).where(User.id == user.id).values(notices_seen_at=seen),
        execution_options={"synchronize_session": False},
    )
    set_committed_value(user, "notices_seen_at", seen)
    return previous
