"""Receipt templates as data and the ReceiptData invariants (int fen, masked accounts, tz)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal

import pytest

from opendeposit.errors import ValidationFailed
from opendeposit.esign.templates import (
    TEMPLATES,
    display_values,
    fields_json,
    mask_account,
    receipt_fields,
)

from .conftest import make_receipt

KINDS = ["deposit_purchase", "early_withdrawal", "maturity_payout", "top_up", "withdrawal"]


def test_every_kind_has_a_template_whose_rows_name_displayed_fields() -> None:
    assert sorted(TEMPLATES) == sorted(KINDS)
    values = display_values(make_receipt())
    for template in TEMPLATES.values():
        assert template.title_zh and template.title_en
        assert all(row.key in values for row in template.detail_rows)
    assert "存款证实" in TEMPLATES["deposit_purchase"].title_zh


def test_display_values_show_figures_and_capitals() -> None:
    values = display_values(make_receipt())
    assert values["amount"] == "¥12,345.67"
    assert values["amount_in_words"] == "人民币壹万贰仟叁佰肆拾伍元陆角柒分"
    assert values["annual_rate"] == "1.55%"
    assert values["term"] == "3年"
    assert values["business_date"] == "2026年03月12日"


def test_receipt_fields_are_canonical_json() -> None:
    data = make_receipt()
    fields = receipt_fields(data)
    assert json.loads(fields_json(data)) == fields
    assert fields["amount"] == 1_234_567 and fields["annual_rate"] == "1.55"
    assert fields["issued_at"] == "2026-03-12T10:15:30+08:00"


def test_mask_account_keeps_four_and_four() -> None:
    assert mask_account("6228 4800 1234 5678 901") == "6228 **** **** 8901"
    assert mask_account("12345678") == "****5678"


@pytest.mark.parametrize(
    "changes",
    [
        {"amount": 12345.67},
        {"amount": 0},
        {"amount": True},
        {"interest": Decimal("1.00")},
        {"payer_account": "6228480012345678901"},
        {"issued_at": dt.datetime(2026, 3, 12, 10, 15)},
        {"verification_code": "abc"},
        {"kind": "loan"},
        {"currency": "USD"},
        {"annual_rate": 1.55},
        {"receipt_no": " "},
    ],
    ids=lambda c: next(iter(c)),
)
def test_invalid_receipt_data_is_refused(changes) -> None:
    with pytest.raises(ValidationFailed):
        make_receipt(**changes)


def test_receipt_data_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make_receipt().amount = 1  # type: ignore[misc]
