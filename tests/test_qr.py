"""The QR codes made by brokerage/qr.py are the ones segno makes: laid out with numpy from
layouts worked out once per version, with the mask chosen as segno chooses it (the
standard's lowest penalty of the eight), for ticket codes and for numeric, alphanumeric
and byte texts of versions 1 to 15, 30 and 40; the same matrix, version, error
correction level and mask, so that the PNG is the one segno writes; and the page's SVG,
written by brokerage/qr.py, is the one segno writes."""

from __future__ import annotations

import functools
import io
import random
import string

import numpy as np
import pytest
import segno
from segno import consts, encoder

from brokerage import qr
from brokerage.ticketing.models import new_ticket_code

ALPHANUMERIC = string.ascii_uppercase + string.digits + " $%*+-./:"
BYTES = string.ascii_letters + string.digits + string.punctuation + " \n\téüßÆ£"  # Latin-1
MODES = {
    "numeric": (string.digits, 10 / 3),
    "alphanumeric": (ALPHANUMERIC, 5.5),
    "byte": (BYTES, 8),
}
VERSIONS = [*range(1, 16), 30, 40]


def _text(rng: random.Random, alphabet: str, bits_a_character: float, version: int) -> str:
    """A text that takes about as many bits as a version `version` code holds at error
    correction level M, or a little less (segno may need the version after)."""
    capacity = consts.SYMBOL_CAPACITY[version][consts.ERROR_LEVEL_M]
    smaller = consts.SYMBOL_CAPACITY[version - 1][consts.ERROR_LEVEL_M] if version > 1 else 0
    bits = rng.randint(smaller, capacity - 20)
    return "".join(rng.choice(alphabet) for _ in range(max(1, int(bits / bits_a_character))))


@functools.cache
def _texts() -> list[str]:
    rng = random.Random(19)  # the same texts every run
    texts = [new_ticket_code() for _ in range(150)]
    for alphabet, bits_a_character in MODES.values():
        for version in VERSIONS:
            for _ in range(1 if version >= 30 else 4):
                texts.append(_text(rng, alphabet, bits_a_character, version))
    # Data that ends at a codeword's end after the terminator (segno writes a whole zero
    # codeword before the padding then), 1 and 3 bits short of the capacity (a shorter
    # terminator), at the capacity, and the shortest.
    texts += ["1" * 4, "A" * 7, "a", "1" * 17, "A" * 16, "1" * 27, "A" * 47, "", "0"]
    texts += ["0" * 40, "A" * 40, "AB" * 30]
    # Byte mode in UTF-8, for what Latin-1 cannot write.
    texts += ["20 € → Leeds", "€" * 100, "Ticket ✓ " * 30]
    texts.append("点検")  # kanji, which segno encodes itself
    return texts


@functools.cache
def _segnos(text: str) -> segno.QRCode:
    return segno.make_qr(text, error="m")


def _theirs(code: segno.QRCode) -> tuple:
    return code.version, code.error, code.mode, code.mask, code.matrix


def test_the_texts_have_every_mode_and_the_versions_asked_for():
    codes = [_segnos(text) for text in _texts()]
    assert {code.mode for code in codes} == {"numeric", "alphanumeric", "byte", "kanji"}
    for mode in MODES:
        assert set(VERSIONS) <= {code.version for code in codes if code.mode == mode}, mode
    assert {code.error for code in codes} == {"M", "Q", "H"}  # segno raises M when it can


def test_the_code_is_segnos_own():
    for text in _texts():
        assert _theirs(qr.make(text)) == _theirs(_segnos(text)), text


def test_the_drawing_is_the_svg_segno_writes():
    for text in _texts():
        theirs = _segnos(text).svg_inline(scale=4)
        assert qr.draw(text) == theirs.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def test_the_png_is_the_one_segno_writes():
    for text in _texts()[::10]:
        image = io.BytesIO()
        _segnos(text).save(image, kind="png", scale=4)
        assert qr.png(text) == image.getvalue(), text


def test_the_segment_is_segnos_own():
    for text in _texts():
        assert qr._segment(text) == encoder.make_segment(text, None), text


@pytest.mark.parametrize("mask", range(8))
def test_every_masks_penalty_is_the_one_segno_counts(mask):
    for text in _texts()[mask::20]:
        if _segnos(text).version > 15:
            continue  # segno takes a second for each of the eight
        first = segno.make_qr(text, error="m", mask=mask)
        width = len(first.matrix)
        layout = qr._layout(width)
        drawn = np.array([list(row) for row in first.matrix], dtype=np.uint8)
        changes = (layout.masks[np.newaxis] >> np.arange(8)[:, np.newaxis, np.newaxis]) & 1
        # The matrix under each mask, the function patterns and information as drawn.
        masked = drawn ^ changes[mask] ^ changes
        theirs = [
            encoder.evaluate_mask(tuple(bytearray(row.tolist()) for row in matrix), width, width)
            for matrix in masked
        ]
        packed = np.bitwise_or.reduce(masked << np.arange(8)[:, np.newaxis, np.newaxis])
        assert qr._penalties(packed.astype(np.uint8)) == theirs, text


def test_a_text_too_long_for_any_code_is_refused_as_segno_refuses_it():
    with pytest.raises(encoder.DataOverflowError):
        segno.make_qr("A" * 3392, error="m")
    with pytest.raises(encoder.DataOverflowError):
        qr.make("A" * 3392)
    # The most that fits: 18,672 bits at M, 17 of them the mode and count, 11 for two.
    assert _theirs(qr.make("A" * 3391)) == _theirs(segno.make_qr("A" * 3391, error="m"))


def test_the_page_and_the_email_draw_the_same_code():
    code = new_ticket_code()
    assert qr.draw(code) == segno.make_qr(code, error="m").svg_inline(scale=4).replace(
        "<svg ", '<svg role="img" focusable="false" ', 1
    )
    image = io.BytesIO()
    segno.make_qr(code, error="m").save(image, kind="png", scale=4)
    assert qr.png(code) == image.getvalue()
