"""The fast QR encoder gives exactly qrcode's symbol (byte mode, level M, mask 2)."""

from __future__ import annotations

import random
import string

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_8BIT_BYTE, QRData

from opendeposit.esign.qr import MASK, qr_matrix


def reference(text: str) -> tuple[bytes, ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=MASK)
    code.add_data(QRData(text.encode(), mode=MODE_8BIT_BYTE))  # one byte-mode segment
    code.make(fit=True)
    return tuple(bytes(int(dark) for dark in row) for row in code.get_matrix())


@pytest.mark.parametrize("length", [1, 14, 15, 16, 60, 61, 62, 84, 85, 120, 200, 400, 1000])
def test_same_symbol_as_qrcode_across_versions(length: int) -> None:
    rng = random.Random(length)
    text = "".join(rng.choice(string.ascii_letters + string.digits + "/:?&=.-") for _ in
                   range(length))
    assert qr_matrix(text) == reference(text)


def test_receipt_url_and_chinese_text() -> None:
    url = "https://ebank.example-bank.cn/m/verify?no=HD2025060200000001&code=7K3QX9"
    assert qr_matrix(url) == reference(url)
    assert len(qr_matrix(url)) == 37  # version 5
    assert qr_matrix("电子回单验真") == reference("电子回单验真")


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=150))
def test_any_text_matches_qrcode(text: str) -> None:
    assert qr_matrix(text) == reference(text)


def test_too_long_for_any_version() -> None:
    with pytest.raises(ValueError):
        qr_matrix("x" * 3000)
