"""Receipt rendering: Chinese text, capital amount, embedded signed fields, font, seal, PNG."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from opendeposit.esign import fonts, render
from opendeposit.esign.canvas import Canvas, TextFonts
from opendeposit.esign.layout import draw_values
from opendeposit.esign.render import CjkFontMissing, find_cjk_font, render_receipt
from opendeposit.esign.templates import TEMPLATES, display_values, receipt_fields

from .conftest import BANK, make_receipt


def _text(pdf: bytes) -> str:
    """Text as a reader sees it: poppler's pdftotext when installed, else pypdf."""
    if shutil.which("pdftotext"):
        done = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        )
        return done.stdout.decode("utf-8")
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_find_cjk_font_points_at_wenquanyi() -> None:
    assert find_cjk_font().name == "wqy-microhei.ttc"


def test_missing_font_names_the_debian_package(monkeypatch) -> None:
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", (Path("/nonexistent/font.ttc"),))
    with pytest.raises(CjkFontMissing) as caught:
        find_cjk_font()
    assert "fonts-wqy-microhei" in caught.value.message_en
    assert "fonts-wqy-microhei" in caught.value.message_zh


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_receipt_text_shows_capital_amount_and_numbers(kind: str) -> None:
    data = make_receipt(kind, number=7, amount=1_640_902, interest=12_345)
    text = _text(render_receipt(data))
    compact = "".join(text.split())
    assert "人民币壹万陆仟肆佰零玖元零贰分" in compact
    assert "¥16,409.02" in compact
    assert data.receipt_no in compact
    assert data.transaction_serial in compact
    assert "电子回单" in compact and TEMPLATES[kind].title_zh in compact
    assert "".join(data.payer_account.split()) in compact and "7K3QX9" in compact


def test_fields_are_embedded_as_json_attachment(unsigned_pdf: bytes, receipt) -> None:
    reader = PdfReader(io.BytesIO(unsigned_pdf))
    attachments = reader.attachments
    assert list(attachments) == [render.FIELDS_FILE_NAME]
    assert json.loads(attachments[render.FIELDS_FILE_NAME][0]) == receipt_fields(receipt)


def test_only_a_subset_of_the_cjk_font_is_embedded(unsigned_pdf: bytes) -> None:
    assert len(unsigned_pdf) < 150_000  # the whole TTC is 5 MB
    assert b"/FontFile2" in unsigned_pdf


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_receipt_rasterises(unsigned_pdf: bytes, tmp_path: Path) -> None:
    source = tmp_path / "receipt.pdf"
    source.write_bytes(unsigned_pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", str(source), str(tmp_path / "page")], check=True
    )
    png = next(tmp_path.glob("page*.png"))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_characters_outside_the_subset_are_drawn_and_searchable() -> None:
    data = make_receipt(payer_name="龘*鑫", product_name="鑫龘臻享定期")
    pdf = render_receipt(data)
    assert b"/Type3" in pdf  # the fallback font carries the rare glyphs
    compact = "".join(_text(pdf).split())
    assert "龘*鑫" in compact and "鑫龘臻享定期" in compact


def test_a_top_up_needs_fallback_glyphs_only_for_the_name() -> None:
    data = make_receipt("top_up", payer_name="王*五", payee_name="王*五", summary="绑定卡充值",
                        payer_bank="中国工商银行", payee_bank=BANK, product_name=None)
    prepared = render.prepared_template(data.template, data.bank_name)
    fonts = TextFonts(prepared.font, prepared.fallback)
    draw_values(Canvas(fonts), data, display_values(data))
    assert set(fonts.codes) == {"王", "五"}


def test_the_template_part_is_the_same_bytes_in_every_receipt() -> None:
    first = render_receipt(make_receipt(number=1))
    second = render_receipt(make_receipt(number=2, amount=99, payer_name="龘*鑫"))
    head = first[:first.index(b"7 0 obj")]
    assert len(head) > 10_000 and second.startswith(head)


@pytest.mark.parametrize("kind", ["deposit_purchase", "early_withdrawal", "maturity_payout"])
def test_deposit_receipts_show_the_certificate_number(kind: str) -> None:
    shown = "".join(_text(render_receipt(make_receipt(
        kind, certificate_no="CD2026031200000123", interest=100))).split())
    assert "存单编号CD2026031200000123" in shown
    absent = "".join(_text(render_receipt(make_receipt(kind, interest=100))).split())
    assert "存单编号—" in absent and "No." not in absent


def test_times_on_the_receipt_are_beijing_time() -> None:
    utc = dt.datetime(2026, 3, 12, 2, 15, 30, tzinfo=dt.UTC)  # 10:15:30 in Beijing
    compact = "".join(_text(render_receipt(make_receipt(issued_at=utc))).split())
    assert "2026-03-1210:15:30（北京时间）" in compact
    assert "02:15:30" not in compact


def test_unsigned_receipt_reads_as_one_page_pdf(unsigned_pdf: bytes) -> None:
    reader = PdfReader(io.BytesIO(unsigned_pdf))
    assert len(reader.pages) == 1
    assert reader.metadata is not None and "HD2026031200" in (reader.metadata.title or "")


@pytest.mark.skipif(shutil.which("zbarimg") is None or shutil.which("pdftoppm") is None,
                    reason="zbar-tools (zbarimg) or poppler-utils not installed")
def test_the_qr_code_on_the_page_scans_to_the_verify_url(tmp_path: Path) -> None:
    data = make_receipt(verify_url="https://ebank.example-bank.cn/m/verify?no=HD1&code=7K3QX9")
    source = tmp_path / "receipt.pdf"
    source.write_bytes(render_receipt(data))
    subprocess.run(["pdftoppm", "-png", "-r", "150", "-singlefile", str(source),
                    str(tmp_path / "page")], check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page.png")],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert scanned == data.verify_url
