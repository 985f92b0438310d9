"""Each ticket's code as a QR code: inline SVG for the order page, drawn once when the
ticket is issued and kept with it (`Ticket.qr_svg`), and a PNG image sent with the
confirmation email (most email programs show no inline SVG), made by the worker
that sends it.

A table's order page would otherwise draw ten on every visit. Tickets issued before
the drawing was kept are drawn when shown (once per process per code).

segno took about 2 ms to draw one, nearly all of it in Python loops over every bit and
module: placing the codewords, Reed-Solomon, masking, and trying all eight masks to keep
the most readable (as the standard asks). Here the code is laid out as segno's encoder
lays it out, but with numpy and with what depends only on the version worked out once:
the message's bits go to their places in one assignment, the error correction bits are
one matrix product, the eight masks are scored at once (exactly as segno scores them),
and `draw` writes segno's SVG from the rows' runs. A ticket's code (version 2): `make`
about 0.11 ms and `draw` about 0.14 ms, from 0.6 and 0.8 ms when segno's encoder placed
the codewords. segno's encoder is not public API: tests/test_qr.py checks the codes,
scores and drawings against segno's own for many texts, modes and versions.
"""

from __future__ import annotations

import functools
import io
from typing import NamedTuple

import numpy as np
import segno
from markupsafe import Markup, escape
from segno import consts, encoder


def draw(code: str) -> str:
    """The QR code of `code` as inline SVG without a title (no style attributes, so the
    page's Content-Security-Policy allows it): what segno's `svg_inline(scale=4)` writes,
    written here from the rows' runs of dark modules found with numpy (segno walks every
    module in Python)."""
    matrix = _encode(code)[0]
    width = len(matrix)
    size = (width + 2 * _BORDER) * _SCALE
    # Each row's runs of dark modules: where one starts (+1) and ends (-1), in order.
    edged = np.zeros((width, width + 2), dtype=np.int8)
    edged[:, 1:-1] = matrix
    rows, columns = np.nonzero(np.diff(edged, axis=1))
    rows, starts, ends = rows[::2], columns[::2], columns[1::2]
    # segno's path: a horizontal line along the middle of each run, each after a move
    # from the end of the one before (absolute for the first, then relative). The moves
    # are put together from strings made once (formatting some 500 numbers took a
    # quarter of the drawing, a Python loop over the runs more).
    first = f"M{starts[0] + _BORDER} {rows[0] + _BORDER}.5h{ends[0] - starts[0]}"
    moves = np.empty((len(rows) - 1, 3), dtype=object)
    moves[:, 0] = _ACROSS[starts[1:] - ends[:-1] + _WIDEST]
    moves[:, 1] = _DOWN[rows[1:] - rows[:-1]]
    moves[:, 2] = _ALONG[ends[1:] - starts[1:]]
    path = first + "".join(moves.ravel().tolist())
    return (
        f'<svg role="img" focusable="false" width="{size}" height="{size}" class="segno">'
        f'<path transform="scale({_SCALE})" class="qrline" stroke="#000" d="{path}"/>'
        "</svg>"
    )


_SCALE = 4  # pixels a module
_BORDER = 4  # modules of quiet zone, as the standard asks
# The pieces of the path's moves, for every distance in the widest code (version 40's):
# "m{across} ", "{down}h" and "{along}".
_WIDEST = 177
_ACROSS = np.array([f"m{across} " for across in range(-_WIDEST, _WIDEST + 1)], dtype=object)
_DOWN = np.array([f"{down}h" for down in range(_WIDEST + 1)], dtype=object)
_ALONG = np.array([f"{along}" for along in range(_WIDEST + 1)], dtype=object)


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


def make(code: str) -> segno.QRCode:
    """The QR code of `code` as `segno.make_qr(code, error="m")` makes it (the same
    matrix, version, error correction level and mask)."""
    matrix, version, error, mask, segments = _encode(code)
    width = len(matrix)
    modules = matrix.tobytes()
    rows = tuple(
        bytearray(modules[start : start + width]) for start in range(0, width * width, width)
    )
    return segno.QRCode(encoder.Code(rows, version, error, mask, segments))


def _encode(code: str) -> tuple[np.ndarray, int, int, int, encoder.Segments]:
    """The matrix of `code` (width x width, 1 for a dark module), its version, error
    correction level, mask and segments, as segno's `make_qr(code, error="m")` encodes
    it (to its quirks)."""
    segments = encoder.Segments()
    segments.add_segment(_segment(code))
    error = consts.ERROR_LEVEL_M
    version = encoder.find_version(segments, error, eci=False, micro=False)
    error = encoder.boost_error_level(version, error, segments, False)
    structure = _structure(version, error)
    layout = _layout(encoder.calc_matrix_size(version))
    matrix = layout.base.copy()
    modules = matrix.ravel()  # a view: writing to it writes to the matrix
    bits = _data_bits(segments[0], version, error)
    modules[structure.data] = bits
    # Each block's error correction bits, the blocks of one length at once.
    for first, count, length, generator, places in structure.groups:
        blocks = bits[first : first + count * length].reshape(count, length)
        modules[places] = (blocks.astype(np.float32) @ generator) % 2
    # The mask with the lowest penalty (the first of the lowest, as segno), applied to
    # the data modules.
    penalties = _penalties(matrix * np.uint8(0xFF) ^ layout.masks)
    mask = penalties.index(min(penalties))
    matrix ^= (layout.masks >> mask) & 1
    places, values = _information(version, error, mask)
    modules[places] = values
    return matrix, version, error, mask, segments


# --- Encoding ------------------------------------------------------------------------


def _segment(text: str) -> encoder._Segment:
    """The text as segno's `encoder.make_segment(text, None)` encodes it: its bits in
    the mode segno finds for it. Numeric, alphanumeric (a ticket's code) and byte modes
    here, with Python ints (segno appends each bit to a bytearray with a generator);
    kanji by segno."""
    data, length, encoding = encoder.data_to_bytes(text, None)
    mode = encoder.find_mode(data)
    if mode == consts.MODE_NUMERIC:
        # Three digits in 10 bits (the last one or two in 4 or 7).
        value = size = 0
        for start in range(0, length, 3):
            digits = data[start : start + 3]
            value = value << (3 * len(digits) + 1) | int(digits)
            size += 3 * len(digits) + 1
    elif mode == consts.MODE_ALPHANUMERIC:
        # Two characters in 11 bits (the first's value x 45 + the second's); a last one
        # in 6.
        values = [_ALPHANUMERIC[byte] for byte in data]
        value = 0
        for start in range(0, length - 1, 2):
            value = value << 11 | values[start] * 45 + values[start + 1]
        if length % 2:
            value = value << 6 | values[-1]
        size = 11 * (length // 2) + 6 * (length % 2)
    elif mode == consts.MODE_BYTE:
        value, size = int.from_bytes(data, "big"), 8 * length
    else:
        return encoder.make_segment(text, None)
    # Written with a leading 1 so that the leading zeros are kept, then left out.
    bits = bytearray(format(1 << size | value, "b")[1:].encode()).translate(_BINARY)
    return encoder._Segment(bits, length, mode, encoding if mode == consts.MODE_BYTE else None)


_ALPHANUMERIC = {byte: value for value, byte in enumerate(consts.ALPHANUMERIC_CHARS)}
_BINARY = bytes.maketrans(b"01", b"\0\1")


def _data_bits(segment: encoder._Segment, version: int, error: int) -> np.ndarray:
    """The data codewords' bits, as segno writes them: the mode, the character count,
    the segment, a terminator of up to four zeros, zeros to the end of the codeword
    (segno's quirk: a whole zero codeword when it already ends at one) and then the pad
    codewords 11101100 and 00010001 in turn, to the symbol's capacity."""
    capacity = consts.SYMBOL_CAPACITY[version][error]
    count_length = consts.CHAR_COUNT_INDICATOR_LENGTH[segment.mode][encoder.version_range(version)]
    start = 4 + count_length
    end = start + len(segment.bits)
    bits = np.zeros(capacity, dtype=np.uint8)
    header = segment.mode << count_length | segment.char_count
    bits[:start] = np.unpackbits(np.frombuffer(header.to_bytes(4, "big"), dtype=np.uint8))[-start:]
    bits[start:end] = np.frombuffer(segment.bits, dtype=np.uint8)
    end += min(capacity - end, 4)  # the terminator
    padded = end + 8 - end % 8
    bits[padded:] = _PAD_BITS[: max(capacity - padded, 0)]
    return bits


_PAD_BITS = np.unpackbits(np.frombuffer(b"\xec\x11" * 1500, dtype=np.uint8))  # for version 40


# --- Laying the code out -------------------------------------------------------------
#
# Where each bit goes depends only on the version and error correction level, so it is
# worked out once for each: segno walks every module in Python for every code.


class _Layout(NamedTuple):
    base: np.ndarray  # the function patterns, as segno lays them out; 0 elsewhere
    order: np.ndarray  # where the message's bits go in turn (flat indices)
    masks: np.ndarray  # where each mask changes a module: bit k for mask k


@functools.cache
def _layout(width: int) -> _Layout:
    """For a QR code of this width: its function patterns as segno lays them out, the
    order in which segno's `encoder.add_codewords` places the message's bits, and where
    each of the eight masks changes a module (the data modules only)."""
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    layout = np.array([list(row) for row in matrix], dtype=np.uint8)
    free = layout == 0x2  # segno's mark for a module not yet laid out
    # Two modules wide columns from right to left, up and down in turn (the vertical
    # timing pattern's column is passed over), as in add_codewords.
    order = []
    for right in range(width - 1, 0, -2):
        column = right - 1 if right <= 6 else right
        for vertical in range(width):
            for j in (column, column - 1):
                upwards = ((column & 2) == 0) ^ (j < 6)
                i = width - 1 - vertical if upwards else vertical
                if free[i, j]:
                    order.append(i * width + j)
    rows, columns = np.indices((width, width))
    masks = np.zeros((width, width), dtype=np.uint8)
    for k, changes in enumerate(encoder.get_data_mask_functions(False)):
        changed = np.vectorize(lambda i, j, fn=changes: bool(fn(i, j)))(rows, columns)
        masks |= (changed & free).astype(np.uint8) << k
    return _Layout(np.where(free, 0, layout).astype(np.uint8), np.array(order), masks)


class _Structure(NamedTuple):
    data: np.ndarray  # where each data bit goes (flat indices)
    # For each length of block: its first data bit, how many blocks, their length in
    # bits, the error correction code's matrix (see _error_correction) and where their
    # error correction bits go.
    groups: list[tuple[int, int, int, np.ndarray, np.ndarray]]


@functools.cache
def _structure(version: int, error: int) -> _Structure:
    """Where segno's encoder places each bit of a code of this version and error
    correction level (`encoder.make_final_message`, then `add_codewords`): the data
    codewords are split into blocks, each block gets its error correction codewords, and
    the message is the data codewords interleaved (the first of each block, the second
    of each, ...), then the error correction codewords likewise, then zeros."""
    order = _layout(encoder.calc_matrix_size(version)).order
    infos = consts.ECC[version][error]
    lengths = [info.num_data for info in infos for _ in range(info.num_blocks)]
    firsts = np.cumsum([0, *lengths])[:-1]
    data_codewords = sum(lengths)
    interleaved = [
        first + i
        for i in range(max(lengths))
        for first, length in zip(firsts, lengths, strict=True)
        if i < length
    ]
    sent = np.empty(data_codewords, dtype=np.int64)  # where each data codeword is sent
    sent[interleaved] = np.arange(data_codewords)
    bit = np.arange(8)
    data = order[(8 * sent[:, np.newaxis] + bit).ravel()]
    # Error correction codeword i of block b (all are the same length in a version).
    error_length = infos[0].num_total - infos[0].num_data
    blocks = len(lengths)
    sent = data_codewords + blocks * np.arange(error_length) + np.arange(blocks)[:, np.newaxis]
    error_places = order[8 * sent[..., np.newaxis] + bit].reshape(blocks, 8 * error_length)
    groups, block = [], 0
    for info in infos:
        groups.append(
            (
                8 * int(firsts[block]),
                info.num_blocks,
                8 * info.num_data,
                _error_correction(info.num_data, error_length),
                error_places[block : block + info.num_blocks],
            )
        )
        block += info.num_blocks
    return _Structure(data, groups)


@functools.cache
def _error_correction(data_length: int, error_length: int) -> np.ndarray:
    """The Reed-Solomon error correction code of a block of `data_length` codewords as a
    matrix over GF(2): row n is the error correction bits of a block whose only set bit
    is its nth. The code is linear over GF(2) (GF(256)'s sum is XOR, and multiplying by
    a codeword is linear in its bits), so a block's error correction bits are the XOR of
    the rows of its set bits: its bits times the matrix, mod 2. The rows are worked out
    as segno's `encoder.make_blocks` works out a block's, by polynomial division, all
    at once."""
    units = 8 * data_length
    blocks = np.zeros((units, data_length + error_length), dtype=np.uint8)
    blocks[np.arange(units), np.arange(units) // 8] = 0x80 >> (np.arange(units) % 8)
    log, exp = np.array(consts.GALIOS_LOG), np.array(consts.GALIOS_EXP, dtype=np.uint8)
    generator = np.array(consts.GEN_POLY[error_length])
    for k in range(data_length):
        coefficient = blocks[:, k]
        divided = coefficient != 0  # log(0) is undefined, and nothing is subtracted
        blocks[divided, k + 1 : k + 1 + error_length] ^= exp[
            log[coefficient[divided]][:, np.newaxis] + generator
        ]
    return np.unpackbits(blocks[:, data_length:], axis=1).astype(np.float32)


@functools.cache
def _information(version: int, error: int, mask: int) -> tuple[np.ndarray, np.ndarray]:
    """Where segno's encoder writes the format information (and the dark module) and the
    version information of a code, and what (flat indices, values)."""
    width = encoder.calc_matrix_size(version)
    scratch = tuple(bytearray([0x2] * width) for _ in range(width))
    encoder.add_format_info(scratch, version, error, mask)
    encoder.add_version_info(scratch, version)
    written = np.frombuffer(b"".join(scratch), dtype=np.uint8)
    places = np.flatnonzero(written != 0x2)
    return places, written[places]


# --- Choosing the mask ---------------------------------------------------------------
#
# The standard (ISO/IEC 18004:2015, 7.8.3) asks for the mask with the lowest penalty of
# the eight. segno tries each in pure Python; the same penalties are worked out here for
# all eight at once with numpy, exactly as segno scores them (its quirks included). The
# eight masked matrices are one matrix of bytes, bit k of a module its value under mask
# k, so that numpy's bitwise operations work on all eight at once on small arrays (numpy
# costs about a microsecond an operation however small the array, and one on eight
# matrices of booleans took three times as long). Counts are per bit: a histogram of the
# bytes, times each byte's bits.


_BITS = (np.arange(256)[:, np.newaxis] >> np.arange(8)) & 1  # byte x bit


def _penalties(masked: np.ndarray) -> list[int]:
    """The penalty score of each mask (bit k of each module of `masked`, width x width,
    is its value under mask k), as segno's `encoder.mask_scores` counts it (N1 + N2 + N3
    + N4)."""
    width = len(masked)
    lines = np.concatenate([masked, masked.T])  # rows, then columns
    same = ~(lines[:, 1:] ^ lines[:, :-1])  # a module and the next of one value
    # N1: each run of five or more modules of one value in a row or column: its length
    # - 2, counted as its windows of five (length - 4) and 2 for its first.
    five = same[:, :-3] & same[:, 1:-2] & same[:, 2:-1] & same[:, 3:]
    starts = five.copy()
    starts[:, 1:] &= ~same[:, :-4]
    # N2: each 2 x 2 block of one value: 3.
    rows = same[:width]
    blocks = rows[1:] & rows[:-1] & ~(masked[1:, :-1] ^ masked[:-1, :-1])
    # N3: 1:1:3:1:1 with four light modules before or after it: 40 each, found as segno
    # searches (after one that counts it looks on from its end, after one that does not
    # from its fifth module). Two can overlap only 4 or 6 modules apart, so one is
    # passed over when one that counts starts 4 or 6 before it: worked out for every
    # place at once, again until nothing changes (a place depends on earlier ones only).
    places = width - 6
    light = ~lines
    found = lines[:, :places].copy()
    for offset, dark in enumerate(_FINDER_LIKE[1:], start=1):
        found &= (lines if dark else light)[:, offset : offset + places]
    # Any dark module in the four from each place, with light ones beyond the edges (as
    # segno looks only as far as the edge).
    edged = np.zeros((2 * width, width + 8), dtype=np.uint8)
    edged[:, 4:-4] = lines
    dark_four = edged[:, :-3] | edged[:, 1:-2] | edged[:, 2:-1] | edged[:, 3:]
    candidates = found & ~(dark_four[:, :places] & dark_four[:, 11 : 11 + places])
    counted = candidates
    while True:
        passed_over = np.zeros_like(found)
        passed_over[:, 4:] |= counted[:, :-4]
        passed_over[:, 6:] |= counted[:, :-6]
        again = candidates & ~passed_over
        if np.array_equal(again, counted):
            break
        counted = again
    # N1 + N2 + N3: one histogram (each feature's bytes in 256 bins of its own), times
    # each feature's points.
    features = np.concatenate([five.ravel(), starts.ravel(), blocks.ravel(), counted.ravel()])
    histograms = np.bincount(features + _bins(width), minlength=4 * 256).reshape(4, 256)
    scores = _POINTS @ histograms @ _BITS
    # N4: how far the share of dark modules is from half, in steps of 5%: 10 each.
    dark = np.bincount(masked.ravel(), minlength=256) @ _BITS
    return [
        int(score) + 10 * int(abs(float(d) / (width**2) * 100 - 50) / 5)
        for score, d in zip(scores.tolist(), dark.tolist(), strict=True)
    ]


_FINDER_LIKE = (1, 0, 1, 1, 1, 0, 1)
# The points of N1's windows of five and runs, N2's blocks and N3's patterns.
_POINTS = np.array([1, 2, 3, 40])


@functools.cache
def _bins(width: int) -> np.ndarray:
    """For each of _penalties' features' modules (in a code of this width), where its
    bins start: 0 for N1's windows of five, 256 for N1's runs, 512 for N2's blocks and
    768 for N3's patterns."""
    lines, windows = 2 * width, width - 4
    sizes = [lines * windows, lines * windows, (width - 1) ** 2, lines * (width - 6)]
    return np.repeat(256 * np.arange(4, dtype=np.uint16), sizes)
