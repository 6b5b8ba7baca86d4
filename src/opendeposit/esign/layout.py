"""Where everything sits on the receipt slip (A5 landscape): the static frame drawn once per
template, and the receipt's own values drawn over it.

`draw_static` is everything that is the same on every receipt of a template and bank
(rules, label cells, titles, seal, footnotes); `draw_values` is the rest (numbers, names,
amounts, QR). Both use the same geometry (`Geometry`), so values land in their cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from opendeposit.esign.canvas import Canvas, Rgb
from opendeposit.esign.qr import qr_matrix
from opendeposit.esign.templates import ReceiptData, ReceiptTemplate

PAGES = {"A5_LANDSCAPE": (595.2756, 419.5276), "A4_LANDSCAPE": (841.8898, 595.2756)}
MARGIN = 30.0
LINE: Rgb = (0.55, 0.12, 0.12)  # dark red rules, as on printed bank slips
LABEL_BG: Rgb = (0.99, 0.95, 0.93)
GREY: Rgb = (0.35, 0.35, 0.35)
BLACK: Rgb = (0.0, 0.0, 0.0)
SEAL_RED: Rgb = (0.85, 0.07, 0.11)
SEAL_ALPHA = "GSeal"  # ExtGState with 0.88 opacity, in the template's resources
_PARTY_ROW, _HEAD_W, _PARTY_LABEL_W = 21.0, 20.0, 44.0
_AMOUNT_ROW, _LABEL_W, _DETAIL_ROW = 26.0, 64.0, 21.0
_QR_SIZE = 62.0
_ARC_SPAN_DEG = 250.0
PRINT_NOTE = "打印次数：电子回单，不限次数下载，内容一致"


@dataclass(frozen=True)
class Geometry:
    """The y of each band, from the top; a function of the template only."""

    width: float
    height: float
    header_y: float  # baseline of the receipt-number line
    parties_top: float
    amount_top: float
    details_top: float
    footer_top: float


def geometry(template: ReceiptTemplate) -> Geometry:
    width, height = PAGES[template.page]
    header_y = height - MARGIN - 60
    parties_top = header_y - 8
    amount_top = parties_top - 3 * _PARTY_ROW
    details_top = amount_top - _AMOUNT_ROW
    lines = (len(template.detail_rows) + 2) // 2  # currency first, two pairs a line
    return Geometry(width, height, header_y, parties_top, amount_top, details_top,
                    details_top - lines * _DETAIL_ROW)


# -- static: once per template and bank --------------------------------------------------------


def draw_static(c: Canvas, template: ReceiptTemplate, bank_name: str) -> None:
    g = geometry(template)
    _header(c, template, bank_name, g)
    _party_frames(c, template, g)
    _amount_frames(c, g)
    _detail_frames(c, template, g)
    c.fill_color(BLACK)
    c.text(MARGIN + _QR_SIZE + 10, g.footer_top - 62, PRINT_NOTE, 7.5)
    _seal(c, g.width - MARGIN - 70, g.footer_top - 42, 44, bank_name, template.seal_text)
    c.fill_color(GREY)
    inner = g.width - 2 * MARGIN
    c.fit(MARGIN, MARGIN - 2, template.footnote_zh, inner, size=7)
    c.fit(MARGIN, MARGIN - 11, template.footnote_en, inner, size=6)


def _header(c: Canvas, template: ReceiptTemplate, bank_name: str, g: Geometry) -> None:
    top, mid = g.height - MARGIN, g.width / 2
    c.fill_color(LINE)
    c.text_centred(mid, top - 14, f"{bank_name}  电子回单", 17)
    c.text_centred(mid, top - 32, template.title_zh, 11.5)
    c.fill_color(GREY)
    c.text_centred(mid, top - 43, f"{template.title_en} · Electronic receipt", 7.5)
    c.line_width(0.8)
    c.stroke_color(LINE)
    c.line(mid - 120, top - 36, mid + 120, top - 36)


def _cell(c: Canvas, x: float, y: float, w: float, h: float, *, fill: Rgb | None = None) -> None:
    c.line_width(0.6)
    c.stroke_color(LINE)
    if fill:
        c.fill_color(fill)
    c.rect(x, y, w, h, fill=fill is not None)


def _label_cell(c: Canvas, label: str, x: float, y: float, w: float, h: float) -> None:
    _cell(c, x, y, w, h, fill=LABEL_BG)
    c.fill_color(LINE)
    c.text_centred(x + w / 2, y + h / 2 - 3, label, 8.5)


def _party_frames(c: Canvas, template: ReceiptTemplate, g: Geometry) -> None:
    half = (g.width - 2 * MARGIN) / 2
    block = 3 * _PARTY_ROW
    y = g.parties_top
    for side, heading in enumerate((template.payer_heading_zh, template.payee_heading_zh)):
        x = MARGIN + side * half
        _cell(c, x, y - block, _HEAD_W, block, fill=LABEL_BG)
        c.fill_color(LINE)
        step = 9 * 1.5
        first = y - block / 2 + step * (len(heading) - 1) / 2 - 3
        for index, char in enumerate(heading):  # written top to bottom
            c.text_centred(x + _HEAD_W / 2, first - index * step, char, 9)
        for index, label in enumerate(("户名", "账号", "开户行")):
            top = y - index * _PARTY_ROW
            _label_cell(c, label, x + _HEAD_W, top - _PARTY_ROW, _PARTY_LABEL_W, _PARTY_ROW)
            value_w = half - _HEAD_W - _PARTY_LABEL_W
            _cell(c, x + _HEAD_W + _PARTY_LABEL_W, top - _PARTY_ROW, value_w, _PARTY_ROW)


def _amount_frames(c: Canvas, g: Geometry) -> None:
    full = g.width - 2 * MARGIN
    words_w, y = full * 0.62, g.amount_top - _AMOUNT_ROW
    _label_cell(c, "金额（大写）", MARGIN, y, _LABEL_W, _AMOUNT_ROW)
    _cell(c, MARGIN + _LABEL_W, y, words_w - _LABEL_W, _AMOUNT_ROW)
    x = MARGIN + words_w
    _label_cell(c, "金额（小写）", x, y, _LABEL_W, _AMOUNT_ROW)
    _cell(c, x + _LABEL_W, y, full - words_w - _LABEL_W, _AMOUNT_ROW)


def _detail_cells(template: ReceiptTemplate, g: Geometry) -> list[tuple[str, str, float, float]]:
    """(label, value key, x, bottom) of each detail cell: currency first, two a line."""
    half = (g.width - 2 * MARGIN) / 2
    pairs = [("币种", "currency")] + [(r.label_zh, r.key) for r in template.detail_rows]
    return [(label, key, MARGIN + (i % 2) * half, g.details_top - (i // 2 + 1) * _DETAIL_ROW)
            for i, (label, key) in enumerate(pairs)]


def _detail_frames(c: Canvas, template: ReceiptTemplate, g: Geometry) -> None:
    half = (g.width - 2 * MARGIN) / 2
    cells = _detail_cells(template, g)
    for label, _key, x, y in cells:
        _label_cell(c, label, x, y, _LABEL_W, _DETAIL_ROW)
        _cell(c, x + _LABEL_W, y, half - _LABEL_W, _DETAIL_ROW)
    if len(cells) % 2:
        _cell(c, MARGIN + half, cells[-1][3], half, _DETAIL_ROW)


def _seal(c: Canvas, cx: float, cy: float, radius: float, bank_name: str, text: str) -> None:
    """The red round seal (电子回单专用章): ring, star, bank name on the arc, seal text."""
    c.raw(f"q /{SEAL_ALPHA} gs")
    c.stroke_color(SEAL_RED)
    c.fill_color(SEAL_RED)
    c.line_width(radius * 0.065)
    c.circle(cx, cy, radius * 0.95)
    star, inner = radius * 0.3, radius * 0.3 * 0.382
    c.polygon((cx + (star if k % 2 == 0 else inner) * math.cos(math.radians(90 + 36 * k)),
               cy + (star if k % 2 == 0 else inner) * math.sin(math.radians(90 + 36 * k)))
              for k in range(10))
    size = radius * (0.28 if len(bank_name) <= 10 else 0.22)
    arc = radius * 0.95 - radius * 0.065 - size * 0.95
    span = min(_ARC_SPAN_DEG, 31.0 * max(len(bank_name) - 1, 1))
    step = span / (len(bank_name) - 1) if len(bank_name) > 1 else 0.0
    for index, char in enumerate(bank_name):
        angle = 90.0 + span / 2 - index * step
        a = math.radians(angle)
        c.text_rotated(cx + arc * math.cos(a), cy + arc * math.sin(a), angle - 90.0, char, size)
    c.text_centred(cx, cy - radius * 0.52, text, radius * 0.17)
    c.raw("Q")


# -- per receipt ---------------------------------------------------------------------------


def draw_values(c: Canvas, data: ReceiptData, values: dict[str, str]) -> None:
    """The receipt's own text and QR code, over the template drawn by `draw_static`."""
    template = data.template
    g = geometry(template)
    c.fill_color(BLACK)
    c.text(MARGIN, g.header_y, f"回单编号：{values['receipt_no']}", 8.5)
    c.text_centred(g.width / 2 + 20, g.header_y, f"交易流水号：{values['transaction_serial']}",
                   8.5)
    c.text_right(g.width - MARGIN, g.header_y, f"记账日期：{values['business_date']}", 8.5)
    half = (g.width - 2 * MARGIN) / 2
    value_w = half - _HEAD_W - _PARTY_LABEL_W
    parties = ((data.payer_name, data.payer_account, data.payer_bank),
               (data.payee_name, data.payee_account, data.payee_bank))
    for side, texts in enumerate(parties):
        x = MARGIN + side * half + _HEAD_W + _PARTY_LABEL_W + 5
        for index, text in enumerate(texts):
            c.fit(x, g.parties_top - (index + 1) * _PARTY_ROW + 7, text, value_w - 8)
    _amount_values(c, values, g)
    for _label, key, x, y in _detail_cells(template, g):
        c.fit(x + _LABEL_W + 5, y + 7, values.get(key, "—"), half - _LABEL_W - 8)
    _footer_values(c, data, values, g)


def _amount_values(c: Canvas, values: dict[str, str], g: Geometry) -> None:
    full = g.width - 2 * MARGIN
    words_w, y = full * 0.62, g.amount_top - _AMOUNT_ROW + 9
    c.fit(MARGIN + _LABEL_W + 5, y, values["amount_in_words"], words_w - _LABEL_W - 8, size=11)
    c.text_right(MARGIN + full - 6, y, values["amount"], 12)


def _footer_values(c: Canvas, data: ReceiptData, values: dict[str, str], g: Geometry) -> None:
    y = g.footer_top
    c.qr(qr_matrix(data.verify_url), MARGIN, y - 10 - _QR_SIZE, _QR_SIZE)
    x = MARGIN + _QR_SIZE + 10
    c.text(x, y - 24, f"验证码：{values['verification_code']}", 11)
    c.fit(x, y - 38, f"验证网址：{data.verify_url}", g.width - MARGIN - 120 - x, size=7.5)
    c.text(x, y - 50, f"出具时间：{values['issued_at']}", 7.5)
