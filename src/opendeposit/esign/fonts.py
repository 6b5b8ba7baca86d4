"""The receipt's CJK font, prepared once: a subset for the static text, Type 3 glyphs for the rest.

Subsetting a TrueType font for every receipt is what made reportlab slow. Here the glyphs a
template always needs (labels, titles, digits, ASCII, capital numerals, the bank's name) are
subset once per process into an embedded CIDFont (`StaticFont`), and the few characters of a
receipt's own fields that fall outside it — masked names, product names, another bank — are
drawn from outlines cached per character (`FallbackGlyphs`, a Type 3 font per receipt).
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import threading
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from fontTools import subset
from fontTools.pens.basePen import BasePen
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from opendeposit.errors import OpenDepositError

CJK_FONT_PACKAGE = "fonts-wqy-microhei"
FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
# Always in the static subset: what amounts, dates, numbers, codes and URLs are written with.
BASE_CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整人民币年月日个¥—…·：，。（）％"
)
_SUBSET_DROP = ["FFTM", "GDEF", "GPOS", "GSUB", "vhea", "vmtx", "gasp", "name", "DSIG"]
_lock = threading.Lock()


class CjkFontMissing(OpenDepositError, FileNotFoundError):
    code = "CJK_FONT_MISSING"
    message_en = f"No CJK font found: install the Debian package {CJK_FONT_PACKAGE}."
    message_zh = f"未找到中文字体：请安装 Debian 软件包 {CJK_FONT_PACKAGE}。"


def find_cjk_font(candidates: tuple[Path, ...] = FONT_CANDIDATES) -> Path:
    """Path of the WenQuanYi Micro Hei TTC; raises CjkFontMissing naming the Debian package."""
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise CjkFontMissing()


@dataclass(frozen=True)
class StaticFont:
    """A subset embedded as a Type 0 / CIDFontType2 font; CID = glyph id of the subset."""

    name: str  # /BaseFont, with the subset tag
    gids: MappingProxyType[str, int]
    widths: MappingProxyType[str, float]  # advance in 1/1000 em
    font_file: bytes  # the subset TrueType program, deflated
    font_file_length: int  # its length before deflating (/Length1)
    w_array: str  # the /W entry of the CIDFont
    to_unicode: bytes  # the ToUnicode CMap, deflated
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int


@dataclass(frozen=True)
class Glyph:
    """One Type 3 glyph: advance and box in 1/1000 em, and its drawing as deflated operators."""

    width: float
    bbox: tuple[int, int, int, int]
    procedure: bytes


def _scale(font: TTFont) -> float:
    return 1000.0 / font["head"].unitsPerEm


@functools.lru_cache(maxsize=8)
def static_font(font_path: Path, chars: str) -> StaticFont:
    """Subset `font_path` (its first face) to `chars` + BASE_CHARS; cached per process."""
    wanted = sorted(set(chars) | set(BASE_CHARS))
    logging.getLogger("fontTools.subset").setLevel(logging.WARNING)  # a line per table
    with _lock:
        font = TTFont(str(font_path), fontNumber=0)
    options = subset.Options()
    options.layout_features, options.name_IDs, options.hinting = [], [], False
    options.notdef_outline, options.glyph_names = True, False
    options.drop_tables += _SUBSET_DROP
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(ch) for ch in wanted])
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    program = buffer.getvalue()
    cmap, scale = font.getBestCmap(), _scale(font)
    metrics = font["hmtx"].metrics
    gids = {ch: font.getGlyphID(cmap[ord(ch)]) for ch in wanted if ord(ch) in cmap}
    widths = {ch: round(metrics[cmap[ord(ch)]][0] * scale, 3) for ch in gids}
    head, os2 = font["head"], font["OS/2"]
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(program).digest()[:6])
    return StaticFont(
        name=f"{tag}+WenQuanYiMicroHei", gids=MappingProxyType(gids),
        widths=MappingProxyType(widths), font_file=zlib.compress(program, 9),
        font_file_length=len(program), w_array=_w_array(gids, widths),
        to_unicode=zlib.compress(to_unicode_cmap({gid: ch for ch, gid in gids.items()}, 2), 9),
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        ascent=round(os2.sTypoAscender * scale), descent=round(os2.sTypoDescender * scale),
        cap_height=round(getattr(os2, "sCapHeight", os2.sTypoAscender) * scale))


def _w_array(gids: dict[str, int], widths: dict[str, float]) -> str:
    by_gid = sorted((gid, widths[ch]) for ch, gid in gids.items())
    return "[" + " ".join(f"{gid} [{width:g}]" for gid, width in by_gid) + "]"


def to_unicode_cmap(codes: dict[int, str], code_bytes: int) -> bytes:
    """A ToUnicode CMap mapping each code (1 or 2 bytes) to its character, for text search."""
    width = 2 * code_bytes
    lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        f"1 begincodespacerange <{'0' * width}> <{'F' * width}> endcodespacerange",
    ]
    items = sorted(codes.items())
    for start in range(0, len(items), 100):
        chunk = items[start:start + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        lines += [f"<{code:0{width}X}> <{ch.encode('utf-16-be').hex().upper()}>"
                  for code, ch in chunk]
        lines.append("endbfchar")
    lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    return "\n".join(lines).encode("ascii")


class FallbackGlyphs:
    """Outlines of any character of the font as Type 3 glyph procedures, cached per character
    (a receipt typically needs a handful: the visible characters of a name, a product)."""

    def __init__(self, font_path: Path) -> None:
        self.font_path = font_path
        self._font: TTFont | None = None
        self._cache: dict[str, Glyph] = {}

    def glyph(self, ch: str) -> Glyph:
        found = self._cache.get(ch)
        if found is None:
            with _lock:  # fontTools loads glyphs lazily: one thread at a time
                found = self._cache.get(ch) or self._outline(ch)
                if len(self._cache) < 20_000:
                    self._cache[ch] = found
        return found

    def _outline(self, ch: str) -> Glyph:
        if self._font is None:
            self._font = TTFont(str(self.font_path), fontNumber=0, lazy=True)
        font = self._font
        name = font.getBestCmap().get(ord(ch), ".notdef")
        glyph_set = font.getGlyphSet()
        scale = _scale(font)
        pen = _PdfPen(glyph_set, scale)
        glyph_set[name].draw(pen)
        bounds = BoundsPen(glyph_set)
        glyph_set[name].draw(bounds)
        box = tuple(round(v * scale) for v in (bounds.bounds or (0, 0, 0, 0)))
        width = round(glyph_set[name].width * scale, 3)
        head = f"{width:g} 0 {box[0]} {box[1]} {box[2]} {box[3]} d1\n"
        body = head + " ".join(pen.ops) + (" f" if pen.ops else "")
        return Glyph(width, box, zlib.compress(body.encode("ascii"), 9))  # type: ignore[arg-type]


class _PdfPen(BasePen):
    """Draws a glyph as PDF path operators in 1/1000 em (quadratic curves become cubic)."""

    def __init__(self, glyph_set, scale: float) -> None:  # type: ignore[no-untyped-def]
        super().__init__(glyph_set)
        self.scale = scale
        self.ops: list[str] = []

    def _pt(self, point: tuple[float, float]) -> str:
        return f"{point[0] * self.scale:.1f} {point[1] * self.scale:.1f}"

    def _moveTo(self, pt):  # type: ignore[no-untyped-def]
        self.ops.append(f"{self._pt(pt)} m")

    def _lineTo(self, pt):  # type: ignore[no-untyped-def]
        self.ops.append(f"{self._pt(pt)} l")

    def _curveToOne(self, pt1, pt2, pt3):  # type: ignore[no-untyped-def]
        self.ops.append(f"{self._pt(pt1)} {self._pt(pt2)} {self._pt(pt3)} c")

    def _closePath(self):  # type: ignore[no-untyped-def]
        self.ops.append("h")


@functools.lru_cache(maxsize=4)
def fallback_glyphs(font_path: Path) -> FallbackGlyphs:
    return FallbackGlyphs(font_path)
