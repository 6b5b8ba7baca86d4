"""Render an e-receipt (电子回单) to PDF with reportlab: table, amounts, QR code and seal."""

from __future__ import annotations

import functools
import io
import threading
from pathlib import Path

from reportlab.lib.pagesizes import A4, A5, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from opendeposit.errors import OpenDepositError
from opendeposit.esign.seal import draw_qr, draw_seal
from opendeposit.esign.templates import ReceiptData, ReceiptTemplate, display_values, fields_json

FIELDS_FILE_NAME = "receipt-fields.json"
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
_FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
)
_PAGES = {"A5_LANDSCAPE": landscape(A5), "A4_LANDSCAPE": landscape(A4)}
_MARGIN = 30.0
_LINE = (0.55, 0.12, 0.12)  # dark red rules, as on printed bank slips
_LABEL_BG = (0.99, 0.95, 0.93)
_GREY = (0.35, 0.35, 0.35)
_font_lock = threading.Lock()


class CjkFontMissing(OpenDepositError, FileNotFoundError):
    code = "CJK_FONT_MISSING"
    message_en = f"No CJK font found: install the Debian package {CJK_FONT_PACKAGE}."
    message_zh = f"未找到中文字体：请安装 Debian 软件包 {CJK_FONT_PACKAGE}。"


def find_cjk_font() -> Path:
    """Path of the WenQuanYi Micro Hei TTC; raises CjkFontMissing naming the Debian package."""
    for candidate in _FONT_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise CjkFontMissing()


@functools.lru_cache(maxsize=4)
def register_cjk_font(font_path: Path) -> str:
    """Register the TTC's first subfont once per process; reportlab embeds only used glyphs."""
    name = f"CJK-{font_path.stem}"
    with _font_lock:
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(font_path), subfontIndex=0))
    return name


def render_receipt(
    data: ReceiptData, template: ReceiptTemplate | None = None, *, font_path: Path | None = None
) -> bytes:
    """One-page receipt PDF with the receipt's fields embedded as JSON (signed later)."""
    template = template or data.template
    font = register_cjk_font(Path(font_path) if font_path else find_cjk_font())
    buffer = io.BytesIO()
    width, height = _PAGES[template.page]
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    _set_info(canvas, data, template)
    _embed_fields(canvas, fields_json(data))
    values = display_values(data)
    y = _draw_header(canvas, data, template, values, font, width, height)
    y = _draw_parties(canvas, data, template, font, width, y)
    y = _draw_amount_rows(canvas, values, font, width, y)
    y = _draw_details(canvas, template, values, font, width, y)
    _draw_footer(canvas, data, template, values, font, width, y)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _set_info(canvas: Canvas, data: ReceiptData, template: ReceiptTemplate) -> None:
    canvas.setTitle(f"{data.bank_name} 电子回单 {data.receipt_no}")
    canvas.setSubject(f"{template.title_zh} {template.title_en}")
    canvas.setAuthor(data.bank_name)
    canvas.setCreator("opendeposit esign")
    canvas.setKeywords(f"receipt_no={data.receipt_no}")


def _embed_fields(canvas: Canvas, payload: bytes) -> None:
    """Attach the fields as an embedded file so the signature covers a machine-readable copy.

    reportlab has no public API for attachments; its PDF object classes are used directly.
    """
    doc = canvas._doc
    # PDFName() would leave the "/" of the MIME type unescaped; "#2F" is the PDF escape for it.
    subtype = "/application#2Fjson"
    stream = PDFStream(
        PDFDictionary({"Type": PDFName("EmbeddedFile"), "Subtype": subtype}), payload
    )
    filespec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(FIELDS_FILE_NAME),
            "UF": PDFString(FIELDS_FILE_NAME),
            "Desc": PDFString("Signed receipt fields"),
            "AFRelationship": PDFName("Data"),
            "EF": PDFDictionary({"F": doc.Reference(stream)}),
        }
    )
    ref = doc.Reference(filespec)
    names = PDFArray([PDFString(FIELDS_FILE_NAME), ref])
    doc.Catalog.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary({"Names": names})})
    doc.Catalog.AF = PDFArray([ref])


# -- drawing ----------------------------------------------------------------------------------


def _draw_header(canvas, data, template, values, font, width, height) -> float:
    top = height - _MARGIN
    canvas.setFillColorRGB(*_LINE)
    canvas.setFont(font, 17)
    canvas.drawCentredString(width / 2, top - 14, f"{data.bank_name}  电子回单")
    canvas.setFont(font, 11.5)
    canvas.drawCentredString(width / 2, top - 32, template.title_zh)
    canvas.setFillColorRGB(*_GREY)
    canvas.setFont(font, 7.5)
    canvas.drawCentredString(width / 2, top - 43, f"{template.title_en} · Electronic receipt")
    canvas.setLineWidth(0.8)
    canvas.setStrokeColorRGB(*_LINE)
    canvas.line(width / 2 - 120, top - 36, width / 2 + 120, top - 36)
    y = top - 60
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 8.5)
    canvas.drawString(_MARGIN, y, f"回单编号：{values['receipt_no']}")
    canvas.drawCentredString(width / 2 + 20, y, f"交易流水号：{values['transaction_serial']}")
    canvas.drawRightString(width - _MARGIN, y, f"记账日期：{values['business_date']}")
    return y - 8


def _draw_parties(canvas, data, template, font, width, y) -> float:
    """Payer and payee side by side: vertical heading, then 户名 / 账号 / 开户行."""
    row_h, head_w, label_w = 21.0, 20.0, 44.0
    half = (width - 2 * _MARGIN) / 2
    rows = (
        ("户名", data.payer_name, data.payee_name),
        ("账号", data.payer_account, data.payee_account),
        ("开户行", data.payer_bank, data.payee_bank),
    )
    block_h = row_h * len(rows)
    for side, heading in enumerate((template.payer_heading_zh, template.payee_heading_zh)):
        x = _MARGIN + side * half
        _cell(canvas, x, y - block_h, head_w, block_h, fill=_LABEL_BG)
        _vertical_text(canvas, heading, x + head_w / 2, y - block_h / 2, font, 9)
        for index, (label, *values) in enumerate(rows):
            top = y - index * row_h
            _label_cell(canvas, label, x + head_w, top - row_h, label_w, row_h, font)
            value_w = half - head_w - label_w
            _cell(canvas, x + head_w + label_w, top - row_h, value_w, row_h)
            _fit(canvas, values[side], x + head_w + label_w + 5, top - row_h + 7, value_w - 8, font)
    return y - block_h


def _draw_amount_rows(canvas, values, font, width, y) -> float:
    row_h, label_w = 26.0, 64.0
    full = width - 2 * _MARGIN
    words_w = full * 0.62
    _label_cell(canvas, "金额（大写）", _MARGIN, y - row_h, label_w, row_h, font)
    _cell(canvas, _MARGIN + label_w, y - row_h, words_w - label_w, row_h)
    _fit(
        canvas,
        values["amount_in_words"],
        _MARGIN + label_w + 5,
        y - row_h + 9,
        words_w - label_w - 8,
        font,
        size=11,
    )
    x = _MARGIN + words_w
    _label_cell(canvas, "金额（小写）", x, y - row_h, label_w, row_h, font)
    _cell(canvas, x + label_w, y - row_h, full - words_w - label_w, row_h)
    canvas.setFont(font, 12)
    canvas.drawRightString(_MARGIN + full - 6, y - row_h + 9, values["amount"])
    return y - row_h


def _draw_details(canvas, template, values, font, width, y) -> float:
    """Currency first, then the template's rows, two label/value pairs per line."""
    row_h, label_w = 21.0, 64.0
    pairs = [("币种", values["currency"])]
    pairs += [(row.label_zh, values.get(row.key, "—")) for row in template.detail_rows]
    half = (width - 2 * _MARGIN) / 2
    for index, (label, value) in enumerate(pairs):
        x = _MARGIN + (index % 2) * half
        top = y - (index // 2) * row_h
        _label_cell(canvas, label, x, top - row_h, label_w, row_h, font)
        _cell(canvas, x + label_w, top - row_h, half - label_w, row_h)
        _fit(canvas, value, x + label_w + 5, top - row_h + 7, half - label_w - 8, font)
    if len(pairs) % 2:
        x = _MARGIN + half
        top = y - (len(pairs) // 2) * row_h
        _cell(canvas, x, top - row_h, half, row_h)
    return y - ((len(pairs) + 1) // 2) * row_h


def _draw_footer(canvas, data, template, values, font, width, y) -> None:
    qr_size = 62.0
    qr_y = y - 10 - qr_size
    draw_qr(canvas, data.verify_url, _MARGIN, qr_y, qr_size)
    text_x = _MARGIN + qr_size + 10
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 11)
    canvas.drawString(text_x, y - 24, f"验证码：{values['verification_code']}")
    canvas.setFont(font, 7.5)
    canvas.drawString(text_x, y - 38, f"验证网址：{data.verify_url}")
    canvas.drawString(text_x, y - 50, f"出具时间：{values['issued_at']}")
    canvas.drawString(text_x, y - 62, "打印次数：电子回单，不限次数下载，内容一致")
    draw_seal(
        canvas,
        width - _MARGIN - 70,
        y - 42,
        44,
        bank_name=data.bank_name,
        seal_text=template.seal_text,
        font=font,
    )
    canvas.setFillColorRGB(*_GREY)
    _fit(canvas, template.footnote_zh, _MARGIN, _MARGIN - 2, width - 2 * _MARGIN, font, size=7)
    _fit(canvas, template.footnote_en, _MARGIN, _MARGIN - 11, width - 2 * _MARGIN, font, size=6)


def _cell(canvas, x, y, w, h, *, fill=None) -> None:
    canvas.setLineWidth(0.6)
    canvas.setStrokeColorRGB(*_LINE)
    if fill:
        canvas.setFillColorRGB(*fill)
    canvas.rect(x, y, w, h, stroke=1, fill=1 if fill else 0)
    canvas.setFillColorRGB(0, 0, 0)


def _label_cell(canvas, label, x, y, w, h, font) -> None:
    _cell(canvas, x, y, w, h, fill=_LABEL_BG)
    canvas.setFillColorRGB(*_LINE)
    canvas.setFont(font, 8.5)
    canvas.drawCentredString(x + w / 2, y + h / 2 - 3, label)
    canvas.setFillColorRGB(0, 0, 0)


def _vertical_text(canvas, text, cx, cy, font, size) -> None:
    canvas.setFillColorRGB(*_LINE)
    canvas.setFont(font, size)
    step = size * 1.5
    first = cy + step * (len(text) - 1) / 2 - size / 3
    for index, char in enumerate(text):
        canvas.drawCentredString(cx, first - index * step, char)
    canvas.setFillColorRGB(0, 0, 0)


def _fit(canvas, text, x, y, max_width, font, *, size: float = 9.0) -> None:
    """Draw `text` at (x, y), shrinking the font (down to 5.5 pt) so it fits `max_width`."""
    width = pdfmetrics.stringWidth(text, font, size)
    if width > max_width:
        size = max(5.5, size * max_width / width)
    canvas.setFont(font, size)
    canvas.drawString(x, y, text)
