"""Render an e-receipt (电子回单) to PDF from a prepared template: the static page and the font
subset are built once per template and bank, a receipt writes only its own text and QR.

`render_receipt` gives an unsigned file (for pyHanko's own signing path and for tests);
`layout_receipt` gives the same file with the signature dictionary in place and a /Contents
placeholder, for `ReceiptSigner.sign_receipt` (one revision, the signature covers it all).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

from opendeposit.esign import fonts as _fonts
from opendeposit.esign.canvas import Canvas, TextFonts
from opendeposit.esign.fonts import (
    CJK_FONT_PACKAGE,
    CjkFontMissing,
    FallbackGlyphs,
    StaticFont,
    fallback_glyphs,
    static_font,
)
from opendeposit.esign.layout import PAGES, draw_static, draw_values
from opendeposit.esign.pdf import (
    FIELDS_FILE_NAME,
    Signature,
    SignedLayout,
    TemplateObjects,
    pdf_date,
    template_objects,
    write_receipt,
)
from opendeposit.esign.templates import (
    TEMPLATES,
    ReceiptData,
    ReceiptTemplate,
    display_values,
    fields_json,
)

__all__ = ["CJK_FONT_PACKAGE", "FIELDS_FILE_NAME", "CjkFontMissing", "PreparedTemplate",
           "find_cjk_font", "layout_receipt", "prepared_template", "render_receipt"]

# Words the producers and the templates put on every receipt: part of the static subset, so a
# typical receipt needs no Type 3 glyph but for the customer's name and the product.
COMMON_TEXT = (
    "回单编号交易流水号记账日期户名账号开户行金额（大写）（小写）"
    "币种人民币 CNY验证码验证网址出具时间北京打印次数：不限下载，内容一致"
    "定期存款活期存单编号产品名称年利率存期到期日利息摘要记账指纹"
    "绑定卡充值提现至购买整存整取大额存单提前支取部分全部本金转存"
    "支行中国工商农业建设交通招商邮政储蓄"
)


def find_cjk_font() -> Path:
    """Path of the WenQuanYi Micro Hei TTC; raises CjkFontMissing naming the Debian package."""
    return _fonts.find_cjk_font(_fonts.FONT_CANDIDATES)


@dataclass(frozen=True)
class PreparedTemplate:
    """One template for one bank, ready to print receipts on."""

    template: ReceiptTemplate
    objects: TemplateObjects
    font: StaticFont
    fallback: FallbackGlyphs


def static_chars(bank_name: str) -> str:
    """Every character any template prints by itself, the bank's name and COMMON_TEXT."""
    texts = [bank_name, COMMON_TEXT, " · Electronic receipt"]
    for t in TEMPLATES.values():
        texts += [t.title_zh, t.title_en, t.payer_heading_zh, t.payee_heading_zh, t.seal_text,
                  t.footnote_zh, t.footnote_en, *(row.label_zh for row in t.detail_rows)]
    return "".join(sorted(set("".join(texts))))


@functools.lru_cache(maxsize=64)
def prepared_template(template: ReceiptTemplate, bank_name: str,
                      font_path: Path | None = None) -> PreparedTemplate:
    """The template's static page and font, built on first use and kept for the process."""
    path = Path(font_path) if font_path else find_cjk_font()
    extra = "".join(sorted({*template.title_zh, *template.footnote_zh, *template.seal_text}))
    font = static_font(path, static_chars(bank_name) + extra)
    canvas = Canvas(TextFonts(font, None))
    draw_static(canvas, template, bank_name)
    width, height = PAGES[template.page]
    return PreparedTemplate(template, template_objects(canvas.content(), font, width, height),
                            font, fallback_glyphs(path))


def render_receipt(data: ReceiptData, template: ReceiptTemplate | None = None, *,
                   font_path: Path | None = None) -> bytes:
    """One-page receipt PDF with the receipt's fields embedded as JSON (signed later)."""
    result = _write(data, template or data.template, font_path, None)
    assert isinstance(result, bytes)
    return result


def layout_receipt(data: ReceiptData, signature: Signature, *,
                   font_path: Path | None = None) -> SignedLayout:
    """The receipt with its signature dictionary and an empty /Contents of `reserved` digits."""
    result = _write(data, data.template, font_path, signature)
    assert isinstance(result, SignedLayout)
    return result


def _write(data: ReceiptData, template: ReceiptTemplate, font_path: Path | None,
           signature: Signature | None) -> bytes | SignedLayout:
    prepared = prepared_template(template, data.bank_name, font_path)
    fonts = TextFonts(prepared.font, prepared.fallback)
    canvas = Canvas(fonts)
    draw_values(canvas, data, display_values(data))
    fields = fields_json(data)
    info = {
        "Title": f"{data.bank_name} 电子回单 {data.receipt_no}",
        "Subject": f"{template.title_zh} {template.title_en}",
        "Author": data.bank_name,
        "Creator": "opendeposit esign",
        "Producer": "opendeposit",
        "Keywords": f"receipt_no={data.receipt_no}",
        "CreationDate": pdf_date(data.issued_at),
    }
    return write_receipt(prepared.objects, fonts, canvas.content(), fields=fields, info=info,
                         document_id=hashlib.sha256(fields).digest()[:16],
                         signature=signature)
