"""Receipt rendering: Chinese text, capital amount, embedded signed fields, font, seal, PNG."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from opendeposit.esign import fonts, render
from opendeposit.esign.render import CjkFontMissing, find_cjk_font, render_receipt
from opendeposit.esign.templates import TEMPLATES, receipt_fields

from .conftest import make_receipt


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
