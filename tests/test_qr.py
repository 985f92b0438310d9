"""The QR codes' mask: chosen by brokerage/qr.py with numpy exactly as segno chooses it
(the standard's lowest penalty of the eight), for ticket codes and for other texts of
every length a code could be, so that the drawing is the one segno would make; and the
page's SVG, written by brokerage/qr.py, is the one segno writes."""

from __future__ import annotations

import io
import random
import string

import numpy as np
import segno
from segno import encoder

from brokerage import qr
from brokerage.ticketing.models import new_ticket_code

ALPHABET = string.ascii_uppercase + string.digits + " $%*+-./:"


def _texts() -> list[str]:
    rng = random.Random(19)  # the same texts every run
    others = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 300))) for _ in range(150)]
    return [new_ticket_code() for _ in range(150)] + others + ["0" * 40, "A" * 40, "AB" * 30]


def test_the_mask_and_the_drawing_are_segnos_own():
    for text in _texts():
        theirs, ours = segno.make_qr(text, error="m"), qr.make(text)
        assert (ours.mask, ours.version, ours.matrix) == (
            theirs.mask,
            theirs.version,
            theirs.matrix,
        ), text


def test_every_masks_penalty_is_the_one_segno_counts():
    for text in _texts()[::5]:
        first = segno.make_qr(text, error="m", mask=0)
        width = len(first.matrix)
        layout, data, patterns = qr._layout(width)
        drawn = np.array([list(row) for row in first.matrix], dtype=np.uint8)
        masked = np.where(data, drawn ^ patterns[0], layout)[np.newaxis] ^ patterns.astype(np.uint8)
        theirs = [
            encoder.evaluate_mask(tuple(bytearray(row.tolist()) for row in matrix), width, width)
            for matrix in masked
        ]
        assert qr._penalties(masked) == theirs, text


def test_the_drawing_is_the_svg_segno_writes():
    for text in _texts():
        theirs = segno.make_qr(text, error="m").svg_inline(scale=4)
        assert qr.draw(text) == theirs.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def test_the_page_and_the_email_draw_the_same_code():
    code = new_ticket_code()
    assert qr.draw(code) == segno.make_qr(code, error="m").svg_inline(scale=4).replace(
        "<svg ", '<svg role="img" focusable="false" ', 1
    )
    image = io.BytesIO()
    segno.make_qr(code, error="m").save(image, kind="png", scale=4)
    assert qr.png(code) == image.getvalue()
