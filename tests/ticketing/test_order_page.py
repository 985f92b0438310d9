"""The order page, reached by its token: tickets with QR codes, guests named until
the team's cut-off, refunded seats shown as such; and the emails that link to it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from brokerage.clock import utcnow
from brokerage.errors import Conflict
from brokerage.extensions import db
from brokerage.security import CONTENT_SECURITY_POLICY
from brokerage.ticketing import guests, refunds
from brokerage.ticketing.models import Order, TicketStatus
from tests.helpers import (
    emails_to,
    error_summary,
    field_errors,
    flashes,
    link_in,
    main_html,
    page_text,
    submit,
)
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import checkout, latest_order, stand_in_path


@pytest.fixture
def paid_order(client) -> Order:
    """Ada's paid order for two single seats, bought through the stand-in."""
    ball = ticketing_make.ball(capacity=50)
    stand_in = stand_in_path(checkout(client, {ball.ticket_types[0].id: 2}))
    submit(client, stand_in, {"pay": "y"})
    order = latest_order()
    assert len(order.tickets) == 2
    return order


def test_an_unknown_token_is_not_found(client, paid_order):
    assert client.get("/ball/orders/not-a-token").status_code == 404
    assert client.get(f"/ball/orders/{paid_order.id}").status_code == 404
    assert client.get(f"/ball/orders/{paid_order.token}x").status_code == 404
    assert client.get("/ball/orders/not-a-token/paid").status_code == 404
    assert client.get("/ball/orders/not-a-token/cancelled").status_code == 404


def test_the_token_is_long_and_random(paid_order):
    assert len(paid_order.token) >= 43  # 32 random bytes
    for ticket in paid_order.tickets:
        assert re.fullmatch(r"[A-Z2-7]{32}", ticket.code)  # 160 bits


def test_each_ticket_shows_its_qr_code_and_its_code_within_the_csp(client, paid_order):
    page = client.get(f"/ball/orders/{paid_order.token}")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    html = main_html(page)
    assert html.count('<svg role="img"') == 2
    assert "<title>QR code for seat 1</title>" in html
    # Inline SVG with no style attribute or element: allowed by style-src 'self'.
    assert "style=" not in html and "<style" not in html
    text = page_text(page)
    for ticket in paid_order.tickets:
        grouped = " ".join(re.findall(r".{1,4}", ticket.code))
        assert grouped in text
    assert "Seat 1: Single seat" in text and "Seat 2: Single seat" in text
    assert "Not named yet" in text


def test_the_qr_code_reads_back_as_the_ticket_code(client, paid_order):
    """The SVG drawn is segno's QR code of exactly the ticket's code."""
    import segno

    ticket = paid_order.tickets[0]
    page = client.get(f"/ball/orders/{paid_order.token}").get_data(as_text=True)
    drawn = re.search(r'<path transform="scale\(4\)"[^>]* d="([^"]+)"', page).group(1)
    expected = segno.make_qr(ticket.code, error="m").svg_inline(scale=4)
    assert f'd="{drawn}"' in expected


def test_each_ticket_is_drawn_once_when_issued_and_not_again_when_shown(
    client, paid_order, monkeypatch
):
    """The email and the order page show the drawing kept with the ticket: showing the
    page draws nothing, however often it is visited."""
    import segno

    from brokerage.ticketing.models import Ticket

    kept = {t.id: t.qr_svg for t in paid_order.tickets}
    assert all(svg and svg.startswith('<svg role="img"') for svg in kept.values())
    [email] = [e for e in emails_to("ada@example.org") if e.template == "ball_confirmation"]

    def no_drawing(*args, **kwargs):
        raise AssertionError("a QR code was drawn while the page was shown")

    monkeypatch.setattr(segno, "make_qr", no_drawing)
    page = client.get(f"/ball/orders/{paid_order.token}").get_data(as_text=True)
    for number, ticket in enumerate(paid_order.tickets, start=1):
        drawing = kept[ticket.id]
        start = drawing.index(">") + 1
        shown = f"{drawing[:start]}<title>QR code for seat {number}</title>{drawing[start:]}"
        assert shown in page
        assert f'<img src="cid:ticket-{ticket.id}.qr@' in email.body_html

    # A ticket issued before drawings were kept is drawn when shown.
    monkeypatch.undo()
    db.session.execute(
        Ticket.__table__.update().where(Ticket.order_id == paid_order.id).values(qr_svg=None)
    )
    db.session.commit()
    again = client.get(f"/ball/orders/{paid_order.token}").get_data(as_text=True)
    assert again.count('<svg role="img"') == 2
    assert re.findall(r' d="[^"]+"', again) == re.findall(r' d="[^"]+"', page)


def test_the_buyer_names_the_guests_and_their_needs(client, paid_order):
    first, second = paid_order.tickets
    url = f"/ball/orders/{paid_order.token}"
    response = submit(
        client,
        url,
        {
            f"guest_{first.id}": "Grace Hopper",
            f"dietary_{first.id}": "Vegetarian",
            f"access_{first.id}": "Step-free access",
            f"guest_{second.id}": "Alan Turing",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == url
    page = client.get(url)
    assert "Guest details saved." in flashes(page)
    db.session.expire_all()
    assert (first.guest_name, first.dietary, first.access_needs) == (
        "Grace Hopper",
        "Vegetarian",
        "Step-free access",
    )
    assert (second.guest_name, second.dietary, second.access_needs) == ("Alan Turing", None, None)
    assert "Grace Hopper" in page_text(page)
    # The form shows what is saved, to change it.
    assert 'value="Alan Turing"' in page.get_data(as_text=True)


def test_guest_details_that_are_too_long_are_refused_beside_the_field(client, paid_order):
    first = paid_order.tickets[0]
    url = f"/ball/orders/{paid_order.token}"
    response = submit(client, url, {f"guest_{first.id}": "x" * 121})
    assert response.status_code == 400
    assert field_errors(response) == {
        f"guest_{first.id}": "Seat 1: the name must be 120 characters or fewer"
    }
    db.session.expire_all()
    assert first.guest_name is None


def test_after_the_cut_off_the_details_are_read_only(client, paid_order):
    first = paid_order.tickets[0]
    first.guest_name = "Grace Hopper"
    paid_order.ball.guest_changes_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    url = f"/ball/orders/{paid_order.token}"

    page = client.get(url)
    text = page_text(page)
    assert "Guest details could be changed until" in text
    assert "Save guest details" not in text
    assert "Grace Hopper" in text

    response = submit(client, url, {f"guest_{first.id}": "Someone Else"}, page="/ball")
    assert response.status_code == 409
    assert "Guest details could be changed until" in error_summary(response)
    db.session.expire_all()
    assert first.guest_name == "Grace Hopper"


def test_without_a_cut_off_guests_can_be_named_until_the_ball(paid_order):
    ball = paid_order.ball
    ball.guest_changes_until = None
    assert guests.guest_changes_until(ball) == ball.starts_at
    details = {paid_order.tickets[0].id: guests.GuestDetails("Ada", None, None)}
    assert guests.name_guests(paid_order, details, ball.starts_at - timedelta(seconds=1)) == 1
    with pytest.raises(Conflict, match="could be changed until"):
        guests.name_guests(paid_order, details, ball.starts_at)


def test_a_refunded_seat_is_shown_as_refunded_and_cannot_be_renamed(client, make, paid_order):
    first, second = paid_order.tickets
    refunds.refund_tickets(paid_order, [second.id], make.team_member(), "Cannot come", 9_500)
    db.session.commit()
    url = f"/ball/orders/{paid_order.token}"

    page = client.get(url)
    text = page_text(page)
    assert "Part of this order is refunded" in text
    assert "Refunded This ticket is no longer valid." in text
    assert main_html(page).count('<svg role="img"') == 1
    assert f"guest_{second.id}" not in page.get_data(as_text=True)

    submit(client, url, {f"guest_{first.id}": "Grace", f"guest_{second.id}": "Nobody"})
    db.session.expire_all()
    assert first.guest_name == "Grace"
    assert second.guest_name is None and second.status is TicketStatus.REVOKED

    [email] = [e for e in emails_to("ada@example.org") if e.template == "ball_refund"]
    assert "We have refunded £95" in email.body_text
    assert " ".join(re.findall(r".{1,4}", second.code)) in email.body_text
    assert "Your other tickets still stand." in email.body_text
    assert link_in(email) == url


def test_a_pending_order_has_no_tickets_yet(client):
    ball = ticketing_make.ball(capacity=10)
    checkout(client, {ball.ticket_types[0].id: 1})
    order = latest_order()
    page = client.get(f"/ball/orders/{order.token}")
    assert "We are waiting for your payment to be confirmed" in page_text(page)
    assert "Your tickets" not in page_text(page)
    # A guest form posted anyway is refused by the rule.
    response = submit(client, f"/ball/orders/{order.token}", {}, page="/ball")
    assert response.status_code == 409
    assert "once the order is paid" in error_summary(response)


def test_the_confirmation_email_links_the_order_page_and_lists_every_seat(client, paid_order):
    [email] = [e for e in emails_to("ada@example.org") if e.template == "ball_confirmation"]
    assert email.subject == "Your tickets for Digital Charity Ball 2027"
    assert link_in(email) == f"/ball/orders/{paid_order.token}"
    assert "your payment of £190 is received" in email.body_text
    assert "- 2 x Single seat, £95 each" in email.body_text
    for number, ticket in enumerate(paid_order.tickets, start=1):
        grouped = " ".join(re.findall(r".{1,4}", ticket.code))
        assert f"Seat {number} (Single seat): {grouped}" in email.body_text
        assert grouped in email.body_html
    assert email.body_html.count('<img src="cid:ticket-') == 2
    assert f'href="http://localhost/ball/orders/{paid_order.token}"' in email.body_html
