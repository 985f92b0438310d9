"""The team writes to the ball's guests in Chromium (issue 18): compose, a preview with the
count, send; each address is emailed once however often Send is pressed, and every page of
the way (and its error state) passes axe and the HTML checker."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

pytestmark = pytest.mark.browser


def messages_sent() -> list[str]:
    db.session.rollback()  # see what the live server committed
    return list(
        db.session.scalars(
            select(OutboxEmail.to_address)
            .where(OutboxEmail.template == "guest_message")
            .order_by(OutboxEmail.to_address)
        )
    )


def test_the_team_writes_to_table_hosts(new_context, sign_in, check_page, make):
    ball = ticketing_make.ball()
    make.team_member(name="Dee Door", email="dee@example.org")
    single, table = ball.ticket_types[0], ball.ticket_types[1]
    buy(ball, {single.id: 2})
    buy(ball, {table.id: 1}, name="Tom Table", email="tom@example.org")
    buy(ball, {table.id: 1}, name="Tom Table", email="TOM@example.org")
    db.session.commit()
    page = new_context().new_page()
    sign_in(page, "dee@example.org", check=False)

    page.goto(f"/team/ball/{ball.id}")
    page.get_by_role("link", name="Write to guests").click()
    expect(page.get_by_text("No messages sent yet.")).to_be_visible()
    check_page(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose who to write to")
    check_page(page)

    page.get_by_label("Table hosts (the buyers of tables)").check()
    page.get_by_label("Subject").fill("Your table's seating plan")
    page.get_by_label("Message").fill("Please send us your table plan by Friday.\n\nThank you!")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check the message before sending it")).to_be_visible()
    expect(page.locator("#recipient-count")).to_have_text(
        "Table hosts (the buyers of tables): 1 email address"
    )
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "Please send us your table plan by Friday."
    )
    check_page(page)
    assert messages_sent() == []

    sending = page.evaluate(
        "Object.fromEntries(new FormData(document.querySelector('form[action$=\"/send\"]')))"
    )
    page.get_by_role("button", name="Send to 1 email address").click()
    expect(page.get_by_text("“Your table's seating plan” is sent to 1 address.")).to_be_visible()
    expect(page.locator("#sent + table")).to_contain_text("Your table's seating plan")
    check_page(page)
    # The same send again (a double submit, or a retried request): nothing more is sent.
    again = page.request.post(f"/team/ball/{ball.id}/messages/send", form=sending)
    assert again.ok and "is sent to 1 address." in again.text()
    assert messages_sent() == ["tom@example.org"]
    page.reload()
    expect(page.locator("#sent + table tbody tr")).to_have_count(1)
