"""ESIGN.RECEIPT.ISSUE bodies (both producer shapes) → ReceiptRequest; receipt numbering."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest

from opendeposit.esb.registry import MessageRejected
from opendeposit.esign.messages import ReissueRequest, parse_request
from opendeposit.esign.service import (
    CODE_ALPHABET,
    _receipt_data,
    data_from_fields,
    new_verification_code,
    receipt_number,
)
from opendeposit.esign.templates import mask_name, receipt_fields

BANK = "开源商业银行"


def payments_body(**changes: object) -> dict:
    body = {
        "receipt_kind": "top_up", "reference": "T20250602101530ABCDEF012345",
        "transaction_serial": "T20250602101530ABCDEF012345", "customer_id": 7,
        "business_date": "2025-06-02", "amount": 100_010, "currency": "CNY",
        "payer": {"name": "张三", "account": "6222 **** **** 3445", "bank": "中国工商银行"},
        "payee": {"name": "张三", "account": "6230 **** **** 0019", "bank": BANK},
        "summary": "绑定卡充值", "ledger_entry_hash": "ab" * 32}
    body.update(changes)
    return body


def deposits_body(kind: str = "deposit_purchase", **changes: object) -> dict:
    body = {
        "receipt_kind": kind, "request_id": f"{kind}:H12", "business_date": "2025-06-02",
        "holding_id": 12, "customer_id": 7, "customer_name_masked": "张*",
        "account_no_masked": "6230****0019", "product_code": "TD1Y", "product_name": "一年定期",
        "term_months": 12, "amount": "10000.00", "amount_fen": 1_000_000,
        "annual_rate": "1.20", "start_date": "2025-06-02", "maturity_date": "2026-06-02",
        "interest": None, "ledger_entry_hash": "cd" * 32, "ledger_reference": "H12",
        "summary": "购买一年定期"}
    body.update(changes)
    return body


def test_payments_body() -> None:
    req = parse_request(payments_body(), bank_name=BANK)
    assert (req.kind, req.amount, req.customer_id) == ("top_up", 100_010, 7)
    assert req.business_date == dt.date(2025, 6, 2) and req.payee.bank == BANK
    assert req.interest is None and req.annual_rate is None


def test_deposits_purchase_body_is_mapped_to_payer_and_payee() -> None:
    req = parse_request(deposits_body(), bank_name=BANK)
    assert (req.reference, req.amount, req.annual_rate) == ("H12", 1_000_000, Decimal("1.20"))
    assert req.payer.account == req.payee.account == "6230****0019"  # its time deposit part
    assert req.payee.bank == f"{BANK}（定期存款）" and "No." not in req.payee.account
    assert req.maturity_date == dt.date(2026, 6, 2) and req.term_months == 12
    assert req.transaction_serial is None and req.certificate_no is None  # not sent (yet)


@pytest.mark.parametrize("make", [payments_body, deposits_body])
def test_serial_and_certificate_number_when_the_producer_sends_them(make) -> None:  # type: ignore[no-untyped-def]
    req = parse_request(make(transaction_serial="20261204WX000000000123",
                             certificate_no="CD2026120400000123"), bank_name=BANK)
    assert req.transaction_serial == "20261204WX000000000123"
    assert req.certificate_no == "CD2026120400000123"


@pytest.mark.parametrize("make", [payments_body, deposits_body])
def test_serial_too_long_is_rejected(make) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MessageRejected):
        parse_request(make(transaction_serial="9" * 65), bank_name=BANK)


def test_full_names_from_a_producer_are_masked() -> None:
    req = parse_request(payments_body(), bank_name=BANK)  # "张三" on both sides
    assert req.payer.name == req.payee.name == "张*"
    long = parse_request(payments_body(payer={"name": "欧阳娜娜", "account": "6222 **** **** 3445",
                                              "bank": "中国工商银行"}), bank_name=BANK)
    assert long.payer.name == "欧**娜"
    assert parse_request(deposits_body(customer_name_masked="李小龙"),
                         bank_name=BANK).payer.name == "李*龙"


@pytest.mark.parametrize(("name", "masked"), [
    ("张三", "张*"), ("张小三", "张*三"), ("欧阳娜娜", "欧**娜"), ("李", "李"), ("张*三", "张*三"),
    (" 王五 ", "王*"), ("阿卜杜·热合曼", "阿*****曼")])
def test_mask_name(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_reissue_body() -> None:
    req = parse_request(ReissueRequest("top_up", "HD2025060200000009").body(), bank_name=BANK)
    assert req == ReissueRequest("top_up", "HD2025060200000009")


def test_deposits_payout_body_pays_the_customer_with_interest_in_fen() -> None:
    req = parse_request(deposits_body("maturity_payout", interest="120.00",
                                      ledger_reference="H12-C"), bank_name=BANK)
    assert req.payee.account == "6230****0019" and req.interest == 12_000
    assert req.reference == "H12-C"


@pytest.mark.parametrize("body", [
    payments_body(receipt_kind="loan"),
    payments_body(amount=0), payments_body(amount=-5), payments_body(amount=1.5),
    payments_body(amount="1.234"), payments_body(amount="NaN"), payments_body(amount=True),
    payments_body(currency="USD"), payments_body(payer="张三"),
    payments_body(business_date="2025-13-01"), payments_body(customer_id="7"),
    payments_body(reference="x" * 65), payments_body(reference=""),
    deposits_body(amount_fen=None, amount="abc"), deposits_body(annual_rate="high"),
    {"receipt_kind": "top_up"},
])
def test_bodies_that_cannot_become_a_receipt_are_rejected(body: dict) -> None:
    with pytest.raises(MessageRejected):
        parse_request(body, bank_name=BANK)


def test_unknown_schema_version_is_rejected() -> None:
    with pytest.raises(MessageRejected):
        parse_request(payments_body(), bank_name=BANK, schema_version=2)


def test_verification_codes_avoid_ambiguous_characters() -> None:
    codes = {new_verification_code() for _ in range(500)}
    assert len(codes) > 490
    assert all(re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", c) for c in codes)
    assert not set("01IO") & set(CODE_ALPHABET)


def test_receipt_number_is_hd_date_and_sequence() -> None:
    assert receipt_number(dt.date(2025, 6, 2), 42) == "HD2025060200000042"


@pytest.mark.parametrize("body", [payments_body(), deposits_body(),
                                  deposits_body("early_withdrawal", interest="3.21")])
def test_fields_rebuild_the_same_receipt(body: dict) -> None:
    settings = SimpleNamespace(bank_name=BANK, public_url="https://bank.example/")
    data = _receipt_data(settings, parse_request(body, bank_name=BANK),  # type: ignore[arg-type]
                         "HD2025060200000001", serial="DEPOSIT20250602101530123ABCDEF0")
    assert data.verify_url.startswith("https://bank.example/m/verify?no=HD2025060200000001&")
    assert data_from_fields(receipt_fields(data)) == data
