"""The team's ball pages in Chromium: axe and the console on every page and its error
state, the door's answers on a phone-sized screen, and the camera scanner (with the
browser's BarcodeDetector and camera played by stand-ins: Chromium on Linux has no
BarcodeDetector, and a test machine no camera)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from brokerage.accounts.models import User
from brokerage.extensions import db
from brokerage.ticketing import refunds
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

pytestmark = pytest.mark.browser

# A QR code reader that reads what the test puts in sessionStorage, and a camera that
# films a black square.
STAND_INS = """
window.BarcodeDetector = class {
  static async getSupportedFormats () { return ['qr_code'] }
  async detect () {
    const code = window.sessionStorage.getItem('test-qr-code')
    return code ? [{ rawValue: code }] : []
  }
}
Object.defineProperty(navigator, 'mediaDevices', {
  value: {
    getUserMedia: async () => {
      const canvas = document.createElement('canvas')
      canvas.width = canvas.height = 10
      canvas.getContext('2d').fillRect(0, 0, 10, 10)
      return canvas.captureStream()
    }
  }
})
"""


def the_team_member() -> User:
    return db.session.scalars(select(User).where(User.email == "dee@example.org")).one()


@pytest.fixture
def ball_with_an_order(make):
    ball = ticketing_make.ball()
    make.team_member(name="Dee Door", email="dee@example.org")
    order = buy(ball, {ball.ticket_types[0].id: 3}, donation=1_000, gift_aid=True)
    gina = order.tickets[0]
    gina.guest_name, gina.access_needs = "Gina Guest", "Step-free access"
    db.session.commit()
    return ball, order


def test_every_team_page_of_the_ball_and_its_error_states(
    new_context, sign_in, check_page, ball_with_an_order
):
    ball, order = ball_with_an_order
    refunds.refund_tickets(order, [order.tickets[2].id], the_team_member(), "Not coming", 9_500)
    db.session.commit()
    page = new_context().new_page()
    sign_in(page, "dee@example.org")
    at = f"/team/ball/{ball.id}"
    single = ball.ticket_types[0]
    for url in [
        "/team/ball",
        "/team/ball/new",
        at,
        f"{at}/edit",
        f"{at}/types/new",
        f"{at}/types/{single.id}/edit",
        f"{at}/orders",
        f"{at}/orders?q=ada",
        f"{at}/orders/{order.id}",
        f"{at}/orders/{order.id}/refund?all=yes",
        f"{at}/complimentary",
        f"{at}/guests",
        f"{at}/door",
        f"{at}/door?q=gina",
    ]:
        page.goto(url)
        check_page(page)

    for url, button in [
        ("/team/ball/new", "Set up the ball"),
        (f"{at}/types/new", "Save ticket type"),
        (f"{at}/complimentary", "Issue complimentary tickets"),
    ]:
        page.goto(url)
        page.get_by_role("button", name=button).click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        check_page(page)

    # The confirmation sent again: no address, then a corrected one.
    page.goto(f"{at}/orders/{order.id}")
    page.get_by_label("Send to").fill("")
    page.get_by_role("button", name="Send the confirmation again").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the email address to send it to"
    )
    check_page(page)
    page.get_by_label("Send to").fill("ada.buyer@example.org")
    page.get_by_role("button", name="Send the confirmation again").click()
    expect(page.get_by_text("now the order's email address")).to_be_visible()
    check_page(page)

    page.goto(f"{at}/orders/{order.id}")
    page.get_by_label("Gina Guest").check()
    page.get_by_role("button", name="Refund the chosen tickets").click()
    expect(page.get_by_label("Amount to refund")).to_have_value("95")
    page.get_by_role("button", name="Refund").click()
    expect(page.get_by_text("Enter the reason for the refund").first).to_be_visible()
    check_page(page)


def test_the_door_answers_on_a_phone(new_context, sign_in, check_page, ball_with_an_order):
    ball, order = ball_with_an_order
    gina, _, third = order.tickets
    refunds.refund_tickets(order, [third.id], the_team_member(), "Not coming", 9_500)
    db.session.commit()
    page = new_context().new_page()
    sign_in(page, "dee@example.org")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/team/ball/{ball.id}/door")
    # Chromium on Linux has no BarcodeDetector: the camera is offered all the same, read
    # by jsQR (tests/browser/test_door_phone.py films a code), beside the plain form.
    expect(page.get_by_role("button", name="Check in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Scan with camera")).to_be_visible()

    for code, answer in [
        (gina.code, "Admitted: Gina Guest"),
        (gina.code.lower(), "by Dee Door"),
        (third.code, "Not valid: refunded"),
        ("NOT-A-CODE", "Not valid: unknown code"),
    ]:
        page.get_by_label("Ticket code").fill(code)
        page.get_by_role("button", name="Check in", exact=True).click()
        shown = page.get_by_role("alert")
        expect(shown).to_contain_text(answer)
        expect(shown).to_be_in_viewport()
        check_page(page)

    page.goto(f"/team/ball/{ball.id}/door?q=gina")
    page.get_by_role("button", name="Undo check-in").click()
    expect(page.get_by_text("Check-in undone: Gina Guest is not checked in")).to_be_visible()
    check_page(page)


def test_the_camera_reads_a_ticket_and_checks_it_in(
    new_context, sign_in, check_page, ball_with_an_order
):
    ball, order = ball_with_an_order
    context = new_context()
    sign_in(context.new_page(), "dee@example.org")
    context.add_init_script(STAND_INS)
    page = context.new_page()
    page.goto(f"/team/ball/{ball.id}/door")

    page.get_by_role("button", name="Scan with camera").click()
    expect(page.get_by_text("Point the camera at the QR code")).to_be_visible()
    check_page(page)
    page.evaluate("code => sessionStorage.setItem('test-qr-code', code)", order.tickets[0].code)
    expect(page.get_by_role("heading", name="Admitted: Gina Guest")).to_be_visible()

    # The camera opens again for the next guest, and the ticket still in front of it is
    # not sent a second time (which would hide "Admitted" behind "Already admitted").
    expect(page.get_by_text("Point the camera at the QR code")).to_be_visible()
    page.wait_for_timeout(1_000)
    expect(page.get_by_role("heading", name="Admitted: Gina Guest")).to_be_visible()
    page.evaluate("code => sessionStorage.setItem('test-qr-code', code)", order.tickets[1].code)
    expect(page.get_by_role("heading", name="Admitted: a guest of Ada Buyer")).to_be_visible()

    page.get_by_role("button", name="Stop the camera").click()
    expect(page.get_by_text("The camera is off.")).to_be_visible()
    check_page(page)
