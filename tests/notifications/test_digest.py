"""The daily digest: one email a day listing a person's notices instead of one each;
chosen on the account page; other emails (receipts, resets) still go at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from brokerage.clock import utcnow
from brokerage.extensions import db
from brokerage.notifications.digest import send_digests
from brokerage.notifications.models import OutboxEmail
from brokerage.notifications.services import notify, queue_email
from tests.helpers import emails_to, page_text, submit


def _templates(address: str) -> list[str]:
    return [e.template for e in emails_to(address)]


def test_a_person_chooses_the_digest_on_their_account_page(client, login, make):
    person = make.user(email="dee@example.org")
    login(person)
    assert "You get an email for each notice" in page_text(client.get("/account/"))
    response = submit(client, "/account/daily-digest", {"digest": "on"}, page="/account/")
    assert response.status_code == 302
    assert "You get one email a day listing your new notices" in page_text(client.get("/account/"))
    db.session.expire_all()
    assert person.daily_digest is True


def test_notices_wait_for_one_email_a_day(app, make, clock):
    start = datetime(2027, 3, 1, 8, tzinfo=UTC)
    clock(start)
    dee = make.user(name="Dee Digest", email="dee@example.org")
    dee.daily_digest, dee.digest_sent_at = True, start
    eve = make.user(name="Eve Each", email="eve@example.org")
    db.session.commit()

    clock(start + timedelta(hours=2))
    for n in (1, 2, 3):
        notify(
            [dee, eve],
            f"Match {n} needs your answer",
            f"/matches/{n}",
            email=("reminder", f"Match {n}"),
            message=f"Match {n}",
        )
    queue_email("dee@example.org", "account_exists", "Your account", user=dee)
    db.session.commit()
    # Eve hears of each at once; Dee only of what is not a notice.
    assert _templates("eve@example.org") == ["reminder"] * 3
    assert _templates("dee@example.org") == ["account_exists"]

    assert send_digests(app.config, now=start + timedelta(hours=20)) == 0  # not a day yet
    assert send_digests(app.config, now=start + timedelta(days=1)) == 1
    digest = [e for e in emails_to("dee@example.org") if e.template == "daily_digest"]
    assert len(digest) == 1
    assert digest[0].subject == "3 new notices for you"
    assert "Match 2 needs your answer" in digest[0].body_text
    assert (
        "http://localhost/matches/2" in digest[0].body_text or "/matches/2" in digest[0].body_text
    )

    # Nothing new: no email. Something new a day later: the next one lists only that.
    assert send_digests(app.config, now=start + timedelta(days=1, hours=2)) == 0
    clock(start + timedelta(days=1, hours=5))
    notify([dee], "Armley Digital is verified", "/organisations/1")
    db.session.commit()
    assert send_digests(app.config, now=start + timedelta(days=2)) == 1
    latest = db.session.scalars(
        select(OutboxEmail)
        .where(OutboxEmail.template == "daily_digest")
        .order_by(OutboxEmail.id.desc())
    ).first()
    assert latest.subject == "1 new notice for you"
    assert "Match 1" not in latest.body_text


def test_turning_the_digest_on_does_not_send_old_notices(app, make, client, login):
    dee = make.user(email="dee@example.org")
    notify([dee], "An old notice", "/notices")
    db.session.commit()
    login(dee)
    submit(client, "/account/daily-digest", {"digest": "on"}, page="/account/")
    assert send_digests(app.config, now=utcnow() + timedelta(days=1)) == 0
