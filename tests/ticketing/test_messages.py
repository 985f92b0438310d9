"""The team writes to the ball's guests (issue 18): who a message goes to, a preview with
the count, each address once, a double-submitted send sent once, erased orders skipped,
plain text kept plain, links from BASE_URL, and the message kept with the ball's history."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.notifications.models import OutboxEmail
from brokerage.privacy.retention import erase_order
from brokerage.ticketing import messages
from brokerage.ticketing.message_models import Audience, GuestMessage
from brokerage.ticketing.models import BallChange
from tests.helpers import emails_to, field_errors, flashes, page_text, submit, table_rows
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy


def outbox() -> int:
    """Emails of the team's messages (the orders' confirmations are there too)."""
    return db.session.scalar(
        select(func.count()).select_from(OutboxEmail).where(OutboxEmail.template == "guest_message")
    )


def message_to(address: str) -> list[OutboxEmail]:
    return [email for email in emails_to(address) if email.template == "guest_message"]


def guests_of_a_ball():
    """Ada: two single seats (one named) and, in another order under her address in
    capitals, a table; Bob: one named seat; Cy: a seat, whose order is later erased."""
    ball = ticketing_make.ball()
    single, table = ball.ticket_types[0], ball.ticket_types[1]
    ada = buy(ball, {single.id: 2})
    ada.tickets[0].guest_name = "Gina Guest"
    ada_table = buy(ball, {table.id: 1}, email="ADA@Example.org")
    for ticket in ada_table.tickets:
        ticket.guest_name = "Named"
    bob = buy(ball, {single.id: 1}, name="Bob Brown", email="bob@example.org")
    bob.tickets[0].guest_name = "Bob Brown"
    cy = buy(ball, {single.id: 1}, name="Cy Old", email="cy@example.org")
    erase_order(cy)
    db.session.commit()
    return ball, single, table


def addresses(ball, audience, ticket_type_id=None) -> tuple[list[str], int]:
    found = messages.recipients(ball, messages.Draft(audience, "S", "B", ticket_type_id))
    return sorted(found.orders), found.skipped_erased


def test_each_audience_reaches_its_buyers_once_and_skips_erased_orders(team):
    ball, single, table = guests_of_a_ball()
    assert addresses(ball, Audience.ALL) == (["ada@example.org", "bob@example.org"], 1)
    assert addresses(ball, Audience.TICKET_TYPE, table.id) == (["ada@example.org"], 0)
    assert addresses(ball, Audience.TICKET_TYPE, single.id) == (
        ["ada@example.org", "bob@example.org"],
        1,
    )
    assert addresses(ball, Audience.UNNAMED) == (["ada@example.org"], 1)
    assert addresses(ball, Audience.TABLE_HOSTS) == (["ada@example.org"], 0)


def test_compose_preview_send_once_each_and_kept_in_the_history(client, team):
    ball, _, _ = guests_of_a_ball()
    url = f"/team/ball/{ball.id}/messages"
    body = "Doors open at 7pm.\n<b>Bring</b> your ticket & a smile.\n\nSee you there"
    preview = submit(client, url, {"audience": "all", "subject": "The night", "body": body})
    assert preview.status_code == 200 and outbox() == 0
    text = page_text(preview)
    assert "Every guest (the buyers of all paid orders): 2 email addresses" in text
    assert "1 order whose buyer's details were erased" in text
    assert "&lt;b&gt;Bring&lt;/b&gt; your ticket &amp; a smile." in preview.get_data(as_text=True)
    key = re.search(r'name="send_key" value="([^"]+)"', preview.get_data(as_text=True))[1]

    sent = {"audience": "all", "subject": "The night", "body": body, "send_key": key}
    for _ in range(2):  # the button pressed twice, or the request retried
        response = submit(client, f"{url}/send", sent, page=url)
        assert response.status_code == 302
    [ada] = message_to("ada@example.org")  # her first order's address, as she typed it
    [bob] = message_to("bob@example.org")
    assert outbox() == 2
    assert ada.subject == "The night"
    assert "<b>Bring</b> your ticket & a smile." in ada.body_text
    assert "&lt;b&gt;Bring&lt;/b&gt; your ticket &amp; a smile." in ada.body_html
    # Ada bought twice: one email with a link to each order, on the configured site.
    assert len(re.findall(r"http://localhost/ball/orders/\S+", ada.body_text)) == 2
    assert "Hello Bob Brown" in bob.body_text

    [message] = db.session.scalars(select(GuestMessage)).all()
    assert (message.recipients, message.skipped_erased, message.actor.name) == (2, 1, "Dee Door")
    page = client.get(url)
    assert "“The night” is sent to 2 addresses." in flashes(page)
    [row] = table_rows(page)
    assert row[1] == "Dee Door" and row[2].startswith("The night Doors open at 7pm.")
    assert row[3] == (
        "Every guest (the buyers of all paid orders): 2 addresses (1 erased order left out)"
    )
    [change] = db.session.scalars(select(BallChange).where(BallChange.ball_id == ball.id)).all()
    assert change.what == "Sent a message to guests: The night"
    assert (
        change.changes
        == "Every guest (the buyers of all paid orders): 2 addresses; 1 erased skipped"
    )


def test_bad_input_is_shown_beside_the_field_and_sends_nothing(client, team):
    ball, _, _ = guests_of_a_ball()
    url = f"/team/ball/{ball.id}/messages"
    response = submit(client, url, {"audience": "ticket_type", "subject": " ", "body": ""})
    assert response.status_code == 400
    assert field_errors(response) == {
        "subject": "Enter the subject",
        "body": "Enter the message",
    }
    response = submit(client, url, {"audience": "ticket_type", "subject": "S", "body": "B"})
    assert field_errors(response) == {
        "ticket_type": "Choose the ticket type whose buyers to write to"
    }
    response = submit(client, url, {"audience": "nobody", "subject": "S", "body": "B"})
    assert response.status_code == 400 and "audience" in field_errors(response)
    # Sending without the preview's key is refused.
    response = submit(
        client, f"{url}/send", {"audience": "all", "subject": "S", "body": "B"}, page=url
    )
    assert response.status_code == 400
    assert outbox() == 0 and not db.session.scalars(select(GuestMessage)).all()
