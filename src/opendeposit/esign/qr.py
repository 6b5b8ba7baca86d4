"""QR codes for receipt URLs in a fraction of a millisecond: byte mode, level M, one fixed mask.

qrcode (the library) builds every module in Python objects and costs ~1 ms per receipt; here
everything that depends only on the version (function patterns, the zigzag order of the data
modules, the mask) is laid out once, and a receipt only encodes its bytes, computes the
Reed–Solomon blocks with precomputed tables and drops its bits into place. The tables and
format/version bits come from qrcode, and the tests compare whole matrices with qrcode's.
"""

from __future__ import annotations

import functools

from qrcode.base import rs_blocks
from qrcode.util import BCH_type_info, BCH_type_number, pattern_position

_LEVEL_M = 0  # qrcode.constants.ERROR_CORRECT_M: format bits "00"
MASK = 2  # (column % 3 == 0): any fixed mask scans; searching all 8 is what costs
_EXP = [0] * 512
_LOG = [0] * 256


def _init_gf() -> None:
    value = 1
    for power in range(255):
        _EXP[power] = value
        _LOG[value] = power
        value <<= 1
        if value & 0x100:
            value ^= 0x11D
    for power in range(255, 512):
        _EXP[power] = _EXP[power - 255]


_init_gf()


def qr_matrix(text: str) -> tuple[bytes, ...]:
    """Rows of the QR symbol for `text` (1 = dark), without quiet zone."""
    data = text.encode("utf-8")
    layout = _layout(_version_for(len(data)))
    bits = _codeword_bits(data, layout)
    modules = bytearray(layout.base)
    for index, bit in zip(layout.order, bits, strict=False):
        modules[index] ^= bit  # base holds the mask bit at data positions
    n = layout.size
    return tuple(bytes(modules[row * n:(row + 1) * n]) for row in range(n))


@functools.lru_cache(maxsize=64)
def _capacity(version: int) -> int:
    return sum(block.data_count for block in rs_blocks(version, _LEVEL_M))


def _count_bits(version: int) -> int:
    return 8 if version < 10 else 16


def _version_for(length: int) -> int:
    for version in range(1, 41):
        if 4 + _count_bits(version) + 8 * length <= 8 * _capacity(version):
            return version
    raise ValueError(f"{length} bytes do not fit in a QR code at level M")


def _codeword_bits(data: bytes, layout: _Layout) -> list[int]:
    """Mode, count, data, terminator and padding, RS blocks interleaved, as a list of bits."""
    capacity = layout.data_codewords
    stream = (0b0100 << layout.count_bits | len(data)) << 8 * len(data) | int.from_bytes(data)
    used = 4 + layout.count_bits + 8 * len(data)
    terminator = min(4, 8 * capacity - used)
    used += terminator
    pad_to_byte = -used % 8
    stream <<= terminator + pad_to_byte
    codewords = bytearray(stream.to_bytes((used + pad_to_byte) // 8))
    for index in range(capacity - len(codewords)):
        codewords.append(0xEC if index % 2 == 0 else 0x11)
    blocks, offset, ec_blocks = [], 0, []
    for data_count, ec_count in layout.blocks:
        block = codewords[offset:offset + data_count]
        offset += data_count
        blocks.append(block)
        ec_blocks.append(_reed_solomon(bytes(block), ec_count))
    out = bytearray()
    for group in (blocks, ec_blocks):
        for index in range(max(len(b) for b in group)):
            out.extend(b[index] for b in group if index < len(b))
    number = int.from_bytes(out)
    return [(number >> shift) & 1 for shift in range(8 * len(out) - 1, -1, -1)]


def _reed_solomon(block: bytes, ec_count: int) -> bytes:
    """The EC codewords of `block`: polynomial remainder, with the register as one integer."""
    table, top = _rs_table(ec_count), 8 * (ec_count - 1)
    mask = (1 << 8 * ec_count) - 1
    register = 0
    for byte in block:
        factor = (register >> top) ^ byte
        register = ((register << 8) & mask) ^ table[factor]
    return register.to_bytes(ec_count)


@functools.lru_cache(maxsize=32)
def _rs_table(ec_count: int) -> tuple[int, ...]:
    """For each leading factor, the generator polynomial times it, packed as an integer."""
    generator = [1]  # coefficients, highest degree first
    for power in range(ec_count):
        nxt = [0] * (len(generator) + 1)
        for index, coefficient in enumerate(generator):
            nxt[index] ^= coefficient
            if coefficient:
                nxt[index + 1] ^= _EXP[_LOG[coefficient] + power]
        generator = nxt
    rows = [0]
    for factor in range(1, 256):
        product = bytes(_EXP[_LOG[factor] + _LOG[c]] if c else 0 for c in generator[1:])
        rows.append(int.from_bytes(product))
    return tuple(rows)


class _Layout:
    """Everything about one version that does not depend on the data."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.size = n = 17 + 4 * version
        self.count_bits = _count_bits(version)
        self.data_codewords = _capacity(version)
        self.blocks = tuple((b.data_count, b.total_count - b.data_count)
                            for b in rs_blocks(version, _LEVEL_M))
        grid: list[int | None] = [None] * (n * n)
        _function_patterns(grid, n, version)
        self.order = _zigzag(grid, n)
        self.base = bytes(
            (1 if (i % n) % 3 == 0 else 0) if grid[i] is None else int(bool(grid[i]))
            for i in range(n * n))


@functools.lru_cache(maxsize=40)
def _layout(version: int) -> _Layout:
    return _Layout(version)


def _function_patterns(grid: list[int | None], n: int, version: int) -> None:
    def put(row: int, col: int, dark: bool) -> None:
        grid[row * n + col] = int(dark)

    for top, left in ((0, 0), (n - 7, 0), (0, n - 7)):  # finders with their separators
        for r in range(-1, 8):
            for c in range(-1, 8):
                if 0 <= top + r < n and 0 <= left + c < n:
                    ring = max(abs(r - 3), abs(c - 3))
                    put(top + r, left + c, ring != 2 and ring != 4)
    centres = pattern_position(version)
    for row in centres:
        for col in centres:
            if grid[row * n + col] is not None:
                continue  # overlaps a finder
            for r in range(-2, 3):
                for c in range(-2, 3):
                    put(row + r, col + c, max(abs(r), abs(c)) != 1)
    for i in range(8, n - 8):
        if grid[6 * n + i] is None:
            put(6, i, i % 2 == 0)
        if grid[i * n + 6] is None:
            put(i, 6, i % 2 == 0)
    _format_bits(put, n)
    if version >= 7:
        bits = BCH_type_number(version)
        for i in range(18):
            dark = bool((bits >> i) & 1)
            put(i // 3, i % 3 + n - 11, dark)
            put(i % 3 + n - 11, i // 3, dark)


def _format_bits(put, n: int) -> None:  # type: ignore[no-untyped-def]
    bits = BCH_type_info(_LEVEL_M << 3 | MASK)
    for i in range(15):
        dark = bool((bits >> i) & 1)
        put(i if i < 6 else i + 1 if i < 8 else n - 15 + i, 8, dark)
        put(8, n - i - 1 if i < 8 else 15 - i if i < 9 else 14 - i, dark)
    put(n - 8, 8, True)  # the dark module


def _zigzag(grid: list[int | None], n: int) -> tuple[int, ...]:
    """Indices of the data modules in placement order (two columns at a time, snaking)."""
    order = []
    col, upward = n - 1, True
    while col > 0:
        if col == 6:
            col -= 1  # the vertical timing pattern is skipped as a whole column
        rows = range(n - 1, -1, -1) if upward else range(n)
        for row in rows:
            for c in (col, col - 1):
                if grid[row * n + c] is None:
                    order.append(row * n + c)
        col, upward = col - 2, not upward
    return tuple(order)
