"""Each ticket's code as a QR code: inline SVG for the order page, drawn once when the
ticket is issued and kept with it (`Ticket.qr_svg`), and a PNG image sent with the
confirmation email (most email programs show no inline SVG), made by the worker
that sends it.

A table's order page would otherwise draw ten on every visit. Tickets issued before
the drawing was kept are drawn when shown (once per process per code).

segno took about 2 ms to draw one, most of it trying all eight masks to keep the most
readable, as the standard asks, and walking every module in Python: `make` has segno's
encoder lay the code out, scores the eight masks here with numpy exactly as segno does,
applies the one chosen as segno's encoder would, and `draw` writes segno's SVG from the
rows' runs (about 1 ms in all).
"""

from __future__ import annotations

import functools
import io

import numpy as np
import segno
from markupsafe import Markup, escape
from segno import consts, encoder


def draw(code: str) -> str:
    """The QR code of `code` as inline SVG without a title (no style attributes, so the
    page's Content-Security-Policy allows it): what segno's `svg_inline(scale=4)` writes,
    written here from the rows' runs of dark modules found with numpy (segno walks every
    module in Python: a third of a ticket's drawing)."""
    matrix = np.array(make(code).matrix, dtype=np.int8)
    size = (len(matrix) + 2 * _BORDER) * _SCALE
    # Each row's runs of dark modules: where a run starts, and where it ends.
    edges = np.diff(np.pad(matrix, ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    # segno's path: a move from the end of the last run (relative, but the first) and a
    # horizontal line along the middle of each row.
    path, x, y = [], 0, 0
    for row, start, end in zip(rows.tolist(), starts.tolist(), ends.tolist(), strict=True):
        x1, y1 = start + _BORDER, row + _BORDER
        if path:
            path.append(f"m{x1 - x} {y1 - y}h{end - start}")
        else:
            path.append(f"M{x1} {y1}.5h{end - start}")
        x, y = end + _BORDER, y1
    return (
        f'<svg role="img" focusable="false" width="{size}" height="{size}" class="segno">'
        f'<path transform="scale({_SCALE})" class="qrline" stroke="#000" d="{"".join(path)}"/>'
        "</svg>"
    )


_SCALE = 4  # pixels a module
_BORDER = 4  # modules of quiet zone, as the standard asks


_drawn_when_shown = functools.lru_cache(maxsize=4096)(draw)


def titled(svg: str | None, code: str, title: str) -> Markup:
    """The ticket's QR code (as kept, or drawn now) named for screen readers by `title`:
    its <title> is the first thing inside the <svg> element."""
    svg = svg or _drawn_when_shown(code)
    start = svg.index(">") + 1
    return Markup(f"{svg[:start]}<title>{escape(title)}</title>{svg[start:]}")  # noqa: S704


def png(code: str) -> bytes:
    """The QR code of `code` as a PNG image, the same size as the page's drawing."""
    image = io.BytesIO()
    make(code).save(image, kind="png", scale=4)
    return image.getvalue()


def content_id(ticket_id: int) -> str:
    """The Content-ID of a ticket's QR code image in an email."""
    return f"ticket-{ticket_id}.qr@digital-inclusion-leeds"


# --- Choosing the mask ---------------------------------------------------------------
#
# The standard (ISO/IEC 18004:2015, 7.8.3) asks for the mask with the lowest penalty of
# the eight. segno tries each in pure Python, most of the time a ticket's code takes; the
# same penalties are worked out here for all eight at once with numpy, exactly as segno
# scores them (its quirks included), and segno is then told which mask to use. The layout
# before masking comes from segno's encoder (not its public API, so tests/test_qr.py
# checks every score and choice against segno's own for many codes: a segno that lays
# codes out differently fails them).


@functools.cache
def _layout(width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a QR code of this width, as segno lays it out before masking: the function
    patterns and reserved areas, where the data is (the modules a mask changes), and
    each mask's pattern."""
    base = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(base, width, width)
    encoder.add_alignment_patterns(base, width, width)
    layout = np.array([list(row) for row in base], dtype=np.uint8)
    data = layout > 0x1
    data[-8, 8] = False  # the dark module
    rows, columns = np.indices((width, width))
    patterns = np.array(
        [
            np.vectorize(lambda i, j, fn=fn: bool(fn(i, j)))(rows, columns)
            for fn in encoder.get_data_mask_functions(False)
        ]
    )
    return layout, data, patterns & data


_FINDER_LIKE = np.array([1, 0, 1, 1, 1, 0, 1], dtype=np.uint8)


def _penalties(masked: np.ndarray) -> list[int]:
    """The penalty score of each masked matrix (masks x width x width), as segno's
    `encoder.mask_scores` counts it (N1 + N2 + N3 + N4)."""
    count, width = masked.shape[0], masked.shape[1]
    lines = np.concatenate([masked, masked.transpose(0, 2, 1)], axis=1)  # rows, columns
    # N1: each run of five or more modules of one value in a row or column: its length - 2.
    change = np.ones((count, 2 * width, width + 1), dtype=bool)
    change[..., 1:width] = lines[..., 1:] != lines[..., :-1]
    starts = np.flatnonzero(change)
    runs = np.diff(starts)
    n1 = np.bincount(
        starts[:-1] // (2 * width * (width + 1)),
        weights=np.where(runs >= 5, runs - 2, 0),
        minlength=count,
    )
    # N2: each 2 x 2 block of one value: 3.
    corner = masked[:, 1:, 1:]
    blocks = (
        (corner == masked[:, 1:, :-1])
        & (corner == masked[:, :-1, 1:])
        & (corner == masked[:, :-1, :-1])
    )
    n2 = 3 * blocks.sum(axis=(1, 2))
    # N3: 1:1:3:1:1 with four light modules before or after it: 40 each, found as segno
    # searches (after one that counts it looks on from its end, after one that does not
    # from its fifth module). Two can overlap only 4 or 6 modules apart, so one is
    # passed over when one that counts starts 4 or 6 before it: worked out for every
    # place at once, again until nothing changes (a place depends on earlier ones only).
    places = width - 6
    found = np.ones((count, 2 * width, places), dtype=bool)
    for offset, value in enumerate(_FINDER_LIKE):
        found &= lines[..., offset : offset + places] == value
    n3 = np.zeros(count, dtype=np.int64)
    if found.any():
        lit = np.zeros((count, 2 * width, width + 1), dtype=np.int32)
        lit[..., 1:] = np.cumsum(lines != 0, axis=2)
        place = np.arange(places)
        before = lit[..., place] - lit[..., np.maximum(place - 4, 0)]
        after = lit[..., np.minimum(place + 11, width)] - lit[..., place + 7]
        candidates = found & ((before == 0) | (after == 0))
        counted = candidates
        while True:
            passed_over = np.zeros_like(found)
            passed_over[..., 4:] |= counted[..., :-4]
            passed_over[..., 6:] |= counted[..., :-6]
            again = candidates & ~passed_over
            if np.array_equal(again, counted):
                break
            counted = again
        n3 = 40 * counted.sum(axis=(1, 2))
    # N4: how far the share of dark modules is from half, in steps of 5%: 10 each.
    dark = masked.sum(axis=(1, 2), dtype=np.int64)
    n4 = [10 * int(abs(float(d) / (width**2) * 100 - 50) / 5) for d in dark.tolist()]
    return [int(a) + int(b) + int(c) + d for a, b, c, d in zip(n1, n2, n3, n4, strict=True)]


def make(code: str) -> segno.QRCode:
    """The QR code of `code` (error correction M), with the mask segno would choose."""
    placed, version, error, segments = _placed(code)
    unmasked = np.array(placed, dtype=np.uint8)
    _, data, patterns = _layout(len(unmasked))
    penalties = _penalties(unmasked[np.newaxis] ^ patterns.astype(np.uint8))
    best = penalties.index(min(penalties))  # the first of the lowest, as segno
    # The chosen mask on the data modules, then the format and version information, as
    # segno's encoder writes them.
    masked = np.where(data, unmasked ^ patterns[best], unmasked)
    rows = tuple(bytearray(row) for row in masked.tolist())
    encoder.add_format_info(rows, version, error, best)
    encoder.add_version_info(rows, version)
    return segno.QRCode(encoder.Code(rows, version, error, best, segments))


def _placed(code: str) -> tuple[tuple[bytearray, ...], int, int, object]:
    """The matrix of `code` as segno's encoder lays it out before masking (its
    `segno.make_qr(code, error="m")`, to the codewords' placement), with the version,
    error correction level and segments it chose. Not segno's public API: tests/test_qr.py
    checks every matrix against segno's own. segno's own masking walked every module in
    Python (a third of a ticket's drawing), and masks are applied here with numpy."""
    segments = encoder.prepare_data(code, None, None)
    error = consts.ERROR_LEVEL_M
    version = encoder.find_version(segments, error, eci=False, micro=False)
    error = encoder.boost_error_level(version, error, segments, False)
    buffer = encoder.Buffer()
    for segment in segments:
        encoder.write_segment(buffer, segment, None, encoder.version_range(version), False)
    capacity = consts.SYMBOL_CAPACITY[version][error]
    encoder.write_terminator(buffer, capacity, None, len(buffer))
    encoder.write_padding_bits(buffer, version, len(buffer))
    encoder.write_pad_codewords(buffer, version, capacity, len(buffer))
    message = encoder.make_final_message(version, error, buffer)
    width = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    encoder.add_codewords(matrix, message, version)
    return matrix, version, error, segments
