"""The door on a phone (issue 18), in a real Chromium at a phone's size: the camera reads a
ticket's QR code through jsQR where the browser has no BarcodeDetector (as on iOS Safari
and Firefox), with Chromium's stand-in camera filming a QR code the test draws; a scan sent
while the connection is down waits, is sent again when it is back, and admits once."""

from __future__ import annotations

import pytest
import segno
from playwright.sync_api import expect
from sqlalchemy import func, select

from brokerage.extensions import db
from brokerage.ticketing.models import CheckInEvent
from tests.browser.conftest import _CONSOLE_ERRORS, CHROMIUM_ARGS, TIMEOUT_MS, _watch
from tests.ticketing import factories as ticketing_make
from tests.ticketing.buying import buy

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The browser without BarcodeDetector, as iOS Safari and Firefox are.
NO_BARCODE_DETECTOR = "delete window.BarcodeDetector"


def write_y4m(path, text: str, width: int = 640, height: int = 480, frames: int = 5) -> None:
    """A few frames of video of the QR code of `text`, black on white, in the middle: the
    raw YUV 4:2:0 format Chromium's stand-in camera plays (--use-file-for-fake-video-capture)."""
    matrix = segno.make_qr(text, error="m").matrix
    size = len(matrix) + 8  # a quiet zone of 4 modules each side
    module = min(width, height) * 3 // 4 // size
    left, top = (width - size * module) // 2, (height - size * module) // 2
    luma = bytearray([235]) * (width * height)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                x, y = left + (column + 4) * module, top + (row + 4) * module
                for line in range(y, y + module):
                    luma[line * width + x : line * width + x + module] = bytes([16]) * module
    chroma = bytes([128]) * (width // 2 * height // 2)
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + bytes(luma) + chroma + chroma)


@pytest.fixture
def door_ball(make):
    ball = ticketing_make.ball()
    make.team_member(name="Dee Door", email="dee@example.org")
    order = buy(ball, {ball.ticket_types[0].id: 2})
    order.tickets[0].guest_name = "Gina Guest"
    db.session.commit()
    return ball, order


def sign_in_on_the_phone(page, sign_in) -> None:
    """Signed in as Dee (the header's Sign out button is behind Menu at a phone's width,
    so the sign-in is made wider), then back to the phone's screen."""
    page.set_viewport_size({"width": 1024, "height": 844})
    sign_in(page, "dee@example.org", check=False)
    page.set_viewport_size(PHONE["viewport"])


def expected_while_offline(context) -> None:
    """The browser logs each send that found no connection: meant here, and nothing else."""
    errors = _CONSOLE_ERRORS[context]
    assert errors and all("ERR_INTERNET_DISCONNECTED" in text for text, _ in errors), errors
    errors.clear()


def admissions() -> int:
    db.session.rollback()  # see what the live server committed
    return db.session.scalar(
        select(func.count()).select_from(CheckInEvent).where(CheckInEvent.action == "admit")
    )


def test_the_phone_camera_reads_a_qr_code_without_barcode_detector(
    browser_type, browser_type_launch_args, base_url, sign_in, check_page, door_ball, tmp_path
):
    ball, order = door_ball
    video = tmp_path / "ticket.y4m"
    write_y4m(video, order.tickets[0].code)
    browser = browser_type.launch(
        **{
            **browser_type_launch_args,
            "args": [
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        }
    )
    try:
        context = browser.new_context(base_url=base_url, permissions=["camera"], **PHONE)
        context.set_default_timeout(TIMEOUT_MS)
        _watch(context)
        context.add_init_script(NO_BARCODE_DETECTOR)
        page = context.new_page()
        sign_in_on_the_phone(page, sign_in)
        page.goto(f"/team/ball/{ball.id}/door")
        expect(page.get_by_text("0 of 2 guests admitted")).to_be_visible()
        assert page.evaluate("'BarcodeDetector' in window") is False

        page.get_by_role("button", name="Scan with camera").click()
        expect(page.get_by_role("heading", name="Admitted: Gina Guest")).to_be_visible()
        expect(page.get_by_text("1 of 2 guests admitted")).to_be_visible()
        # The ticket stays in front of the camera: it is not sent again.
        page.wait_for_timeout(1_000)
        expect(page.get_by_role("heading", name="Admitted: Gina Guest")).to_be_visible()
        assert page.evaluate("typeof window.jsQR") == "function"
        check_page(page)
        assert admissions() == 1
    finally:
        browser.close()


def test_a_scan_while_the_connection_drops_is_sent_again_and_admits_once(
    new_context, sign_in, check_page, door_ball
):
    ball, order = door_ball
    context = new_context(**PHONE)
    page = context.new_page()
    sign_in_on_the_phone(page, sign_in)
    page.goto(f"/team/ball/{ball.id}/door")
    expect(page.get_by_text("0 of 2 guests admitted")).to_be_visible()

    context.set_offline(True)
    page.get_by_label("Ticket code").fill(order.tickets[0].code)
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.get_by_text("Waiting for the connection…")).to_be_visible()
    assert admissions() == 0
    context.set_offline(False)

    expect(page.get_by_role("heading", name="Admitted: Gina Guest")).to_be_visible()
    expect(page.get_by_text("1 of 2 guests admitted")).to_be_visible()
    expect(page.get_by_text("Waiting for the connection…")).to_have_count(0)
    expected_while_offline(context)
    check_page(page)
    assert admissions() == 1

    # The connection drops after the server admitted but before its answer arrived: the
    # phone sends the same scan again and is given the first answer, not a warning.
    posts = []

    def lose_the_first_answer(route) -> None:
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(route.request.post_data)
        if len(posts) == 1:
            route.fetch(max_redirects=0)  # the server checks the guest in ...
            route.abort("internetdisconnected")  # ... and the answer is lost
        else:
            route.continue_()

    page.route(f"**/team/ball/{ball.id}/door", lose_the_first_answer)
    page.get_by_label("Ticket code").fill(order.tickets[1].code)
    page.get_by_role("button", name="Check in", exact=True).click()
    expect(page.get_by_role("heading", name="Admitted: a guest of Ada Buyer")).to_contain_text(
        "(this scan, answered at"
    )
    expect(page.get_by_text("2 of 2 guests admitted")).to_be_visible()
    assert len(posts) == 2 and admissions() == 2
    expected_while_offline(context)
    check_page(page)
    assert "do not admit twice" not in page.locator("main").inner_text()
