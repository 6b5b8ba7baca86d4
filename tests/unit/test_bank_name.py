"""The bank's name is the same everywhere: the H5 app and the mini-program (their shared
locales) name the bank the receipt and its seal are issued by (`Settings.bank_name`)."""

from __future__ import annotations

import re
from pathlib import Path

from opendeposit.config import Settings

LOCALES = Path(__file__).resolve().parents[2] / "web" / "m" / "src" / "locales.js"


def test_the_app_names_the_bank_the_receipt_names() -> None:
    shorts = re.findall(r"^\s+short: '([^']+)',$", LOCALES.read_text(encoding="utf-8"), re.M)
    defaults = Settings.model_fields
    assert shorts[:2] == [defaults["bank_name"].default, defaults["bank_name_en"].default]
