"""Queue emails in the outbox, and send what is due: the worker's side of the outbox."""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from flask import current_app, has_request_context, render_template, request
from sqlalchemy import func, select

from brokerage import qr
from brokerage.columns import utcnow
from brokerage.extensions import db
from brokerage.notifications.models import Notice, OutboxEmail, OutboxStatus

log = logging.getLogger(__name__)


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
    context.setdefault("subject", subject)
    body_text = render_template(f"email/{template}.txt", **context)
    body_html = render_template(f"email/{template}.html", **context)
    email = OutboxEmail(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        template=template,
        qr_images=json.dumps(qr_images) if qr_images else None,
    )
    db.session.add(email)
    db.session.flush()
    return email


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
    message["Message-ID"] = f"<outbox-{email.id}-{email.created_at:%Y%m%d%H%M%S}@brokerage>"
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


def next_due_email(now: datetime) -> OutboxEmail | None:
    stmt = (
        select(OutboxEmail)
        .where(OutboxEmail.status == OutboxStatus.PENDING, OutboxEmail.next_attempt_at <= now)
        .order_by(OutboxEmail.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # Several workers may run: each takes a row the others have not locked.
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.scalars(stmt).first()


def deliver(email: OutboxEmail, sender: Sender, now: datetime) -> bool:
    """Try to send one email; record the outcome on the row. True when sent."""
    config = current_app.config
    email.attempts += 1
    try:
        sender.send(build_message(email, config["MAIL_DEFAULT_SENDER"]))
    except (OSError, smtplib.SMTPException) as exc:
        email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if email.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            email.status = OutboxStatus.FAILED
            log.error("Gave up on email %s to %s: %s", email.id, email.to_address, exc)
        else:
            email.next_attempt_at = now + retry_delay(email.attempts)
            log.warning("Email %s failed (attempt %s): %s", email.id, email.attempts, exc)
        return False
    email.status = OutboxStatus.SENT
    email.sent_at = now
    email.last_error = None
    return True


def send_due(sender: Sender, now: datetime | None = None, limit: int = 100) -> tuple[int, int]:
    """Send due emails one at a time, committing after each (the row stays locked
    while it is sent, and a crash can resend at most the one in hand).

    Returns (sent, failed). This is the worker's transaction boundary, so it commits.
    """
    sent = failed = 0
    for _ in range(limit):
        moment = now or utcnow()
        email = next_due_email(moment)
        if email is None:
            break
        if deliver(email, sender, moment):
            sent += 1
        else:
            failed += 1
        db.session.commit()
    return sent, failed


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
        if email is not None:
            template, subject = email
            site = request.host_url if has_request_context() else current_app.config["BASE_URL"]
            link = site.rstrip("/") + path
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


def unseen_count(user) -> int:
    """How many notices arrived since the person last opened their notices."""
    stmt = select(func.count(Notice.id)).where(Notice.user_id == user.id)
    if user.notices_seen_at is not None:
        stmt = stmt.where(Notice.created_at > user.notices_seen_at)
    return db.session.scalar(stmt) or 0


def mark_seen(user, now: datetime | None = None) -> datetime | None:
    """Record this visit; returns the previous one, so the page can mark what is new."""
    previous = user.notices_seen_at
    user.notices_seen_at = now or utcnow()
    db.session.flush()
    return previous
