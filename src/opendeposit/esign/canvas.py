"""A small PDF content-stream builder: rules, cells, text in the receipt's two fonts, QR, seal.

Text is shown with the static CIDFont (`/S`, two-byte glyph ids) where it has the glyph and
with per-receipt Type 3 fonts (`/T1`, `/T2` …, one-byte codes) for the rest; `TextFonts`
hands the codes out and measures widths, so centring and shrink-to-fit work as before.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from opendeposit.esign.fonts import FallbackGlyphs, Glyph, StaticFont

STATIC_FONT = "S"
_CODES_PER_FONT = 255
Rgb = tuple[float, float, float]


class TextFonts:
    """Which font draws each character of one page, and the Type 3 codes given out so far."""

    def __init__(self, static: StaticFont, fallback: FallbackGlyphs | None) -> None:
        self.static, self.fallback = static, fallback
        self.codes: dict[str, int] = {}  # fallback character → running number from 0
        self.glyphs: list[tuple[str, Glyph]] = []

    def width(self, text: str, size: float) -> float:
        widths, total = self.static.widths, 0.0
        for ch in text:
            known = widths.get(ch)
            total += known if known is not None else self._glyph_width(ch)
        return total * size / 1000.0

    def _glyph_width(self, ch: str) -> float:
        return self.fallback.glyph(ch).width if self.fallback is not None else 1000.0

    def show(self, text: str, size: float) -> str:
        """Operators that show `text` at the current text position, switching fonts as needed."""
        gids, runs = self.static.gids, []
        current: str | None = None
        chunk: list[str] = []
        for ch in text:
            gid = gids.get(ch)
            if gid is not None or self.fallback is None:
                font, code = STATIC_FONT, f"{gid or 0:04X}"
            else:
                number = self._code(ch)
                font = f"T{number // _CODES_PER_FONT + 1}"
                code = f"{number % _CODES_PER_FONT + 1:02X}"
            if font != current and chunk:
                runs.append(f"/{current} {size:.2f} Tf <{''.join(chunk)}> Tj")
                chunk = []
            current = font
            chunk.append(code)
        if chunk:
            runs.append(f"/{current} {size:.2f} Tf <{''.join(chunk)}> Tj")
        return " ".join(runs)

    def _code(self, ch: str) -> int:
        number = self.codes.get(ch)
        if number is None:
            assert self.fallback is not None
            number = self.codes[ch] = len(self.glyphs)
            self.glyphs.append((ch, self.fallback.glyph(ch)))
        return number

    def type3_fonts(self) -> list[list[tuple[str, Glyph]]]:
        """The fallback glyphs grouped per Type 3 font (`/T1` gets the first 255 …)."""
        return [self.glyphs[i:i + _CODES_PER_FONT]
                for i in range(0, len(self.glyphs), _CODES_PER_FONT)]


class Canvas:
    """Collects content-stream operators for one page (or one form XObject)."""

    def __init__(self, fonts: TextFonts) -> None:
        self.fonts = fonts
        self.ops: list[str] = []

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("ascii")

    def raw(self, op: str) -> None:
        self.ops.append(op)

    def fill_color(self, rgb: Rgb) -> None:
        self.ops.append(f"{rgb[0]:.3f} {rgb[1]:.3f} {rgb[2]:.3f} rg")

    def stroke_color(self, rgb: Rgb) -> None:
        self.ops.append(f"{rgb[0]:.3f} {rgb[1]:.3f} {rgb[2]:.3f} RG")

    def line_width(self, width: float) -> None:
        self.ops.append(f"{width:.3f} w")

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.ops.append(f"{x1:.2f} {y1:.2f} m {x2:.2f} {y2:.2f} l S")

    def rect(self, x: float, y: float, w: float, h: float, *, stroke: bool = True,
             fill: bool = False) -> None:
        paint = "B" if stroke and fill else "f" if fill else "S"
        self.ops.append(f"{x:.2f} {y:.2f} {w:.2f} {h:.2f} re {paint}")

    def text(self, x: float, y: float, text: str, size: float) -> None:
        if text:
            self.ops.append(f"BT {x:.2f} {y:.2f} Td {self.fonts.show(text, size)} ET")

    def text_centred(self, cx: float, y: float, text: str, size: float) -> None:
        self.text(cx - self.fonts.width(text, size) / 2, y, text, size)

    def text_right(self, right: float, y: float, text: str, size: float) -> None:
        self.text(right - self.fonts.width(text, size), y, text, size)

    def text_rotated(self, x: float, y: float, degrees: float, text: str, size: float) -> None:
        """`text` centred on (x, y), turned by `degrees` (for the seal's arc)."""
        a = math.radians(degrees)
        cos, sin = math.cos(a), math.sin(a)
        half = self.fonts.width(text, size) / 2
        tx, ty = x - half * cos, y - half * sin
        self.ops.append(f"BT {cos:.4f} {sin:.4f} {-sin:.4f} {cos:.4f} {tx:.2f} {ty:.2f} Tm "
                        f"{self.fonts.show(text, size)} ET")

    def fit(self, x: float, y: float, text: str, max_width: float, *, size: float = 9.0,
            smallest: float = 5.5) -> None:
        """Draw `text` at (x, y), shrinking the font (down to `smallest`) so it fits."""
        width = self.fonts.width(text, size)
        if width > max_width:
            size = max(smallest, size * max_width / width)
        self.text(x, y, text, size)

    def polygon(self, points: Iterable[tuple[float, float]]) -> None:
        first, *rest = points
        path = [f"{first[0]:.2f} {first[1]:.2f} m"]
        path += [f"{px:.2f} {py:.2f} l" for px, py in rest]
        self.ops.append(" ".join(path) + " h f")

    def circle(self, cx: float, cy: float, r: float) -> None:
        """A stroked circle from four Bézier arcs."""
        k = 0.5523 * r
        self.ops.append(
            f"{cx + r:.2f} {cy:.2f} m "
            f"{cx + r:.2f} {cy + k:.2f} {cx + k:.2f} {cy + r:.2f} {cx:.2f} {cy + r:.2f} c "
            f"{cx - k:.2f} {cy + r:.2f} {cx - r:.2f} {cy + k:.2f} {cx - r:.2f} {cy:.2f} c "
            f"{cx - r:.2f} {cy - k:.2f} {cx - k:.2f} {cy - r:.2f} {cx:.2f} {cy - r:.2f} c "
            f"{cx + k:.2f} {cy - r:.2f} {cx + r:.2f} {cy - k:.2f} {cx + r:.2f} {cy:.2f} c S")

    def qr(self, rows: tuple[bytes, ...], x: float, y: float, size: float) -> None:
        """QR modules as one filled path of horizontal runs, in module units (integers)."""
        n = len(rows)
        cell = size / n
        path = []
        for index, row in enumerate(rows):
            bottom = n - 1 - index
            start = row.find(1)
            while start != -1:
                end = row.find(0, start)
                end = n if end == -1 else end
                path.append(f"{start} {bottom} {end - start} 1 re")
                start = row.find(1, end)
        self.ops.append(f"q 0 g {cell:.4f} 0 0 {cell:.4f} {x:.2f} {y:.2f} cm "
                        + " ".join(path) + " f Q")
