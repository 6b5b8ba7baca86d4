"""The body of ESIGN.RECEIPT.ISSUE (schema v1, esign/docs.md) parsed into a ReceiptRequest.

Two producer shapes are accepted: the canonical one (payments: payer/payee objects, int fen)
and the deposits one (holding fields, `amount_fen`, decimal-string interest); both become the
same request. Both may carry the optional `transaction_serial` (交易流水号, e.g.
`20261204WX000000000123`) and `certificate_no` (存单编号). Names are masked here (domain.md
§11.11), whatever the producer sent: the receipt record never holds a full name. A third
shape, `{receipt_kind, reissue_receipt_no}`, is the signature platform's own: sign the
re-issued receipt reserved by `staff.reissue`. A body that cannot become a receipt is rejected
for good (dead letter at once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

from opendeposit.esb.registry import MessageRejected
from opendeposit.esign.templates import TEMPLATES, mask_name

SCHEMA_VERSION = 1
_MAX_TEXT = 200


@dataclass(frozen=True)
class Party:
    name: str
    account: str  # masked: at most 8 digits visible
    bank: str


@dataclass(frozen=True)
class ReceiptRequest:
    """What the producer asked for; `reference` + `kind` identify the receipt for ever."""

    kind: str
    reference: str
    transaction_serial: str | None  # None: the receipt shows the bus message's global serial
    customer_id: int
    business_date: dt.date
    amount: int
    payer: Party
    payee: Party
    summary: str
    ledger_entry_hash: str | None = None
    product_name: str | None = None
    annual_rate: Decimal | None = None
    term_months: int | None = None
    maturity_date: dt.date | None = None
    interest: int | None = None
    certificate_no: str | None = None


@dataclass(frozen=True)
class ReissueRequest:
    """Sign the receipt `receipt_no` that staff reserved as a re-issue (it is in the record)."""

    kind: str
    receipt_no: str

    def body(self) -> dict[str, Any]:
        return {"receipt_kind": self.kind, "reissue_receipt_no": self.receipt_no}


def parse_request(body: dict[str, Any], *, bank_name: str,
                  schema_version: int = SCHEMA_VERSION) -> ReceiptRequest | ReissueRequest:
    """Validate and normalise a message body; raises MessageRejected saying what is wrong."""
    if schema_version != SCHEMA_VERSION:
        _reject(f"unsupported schema_version {schema_version}")
    kind = _text(body, "receipt_kind")
    if kind not in TEMPLATES:
        _reject(f"unknown receipt_kind {kind!r}")
    if "reissue_receipt_no" in body:
        return ReissueRequest(kind, _text(body, "reissue_receipt_no", limit=24))
    if body.get("currency", "CNY") != "CNY":
        _reject("only CNY receipts are supported")
    if "payer" in body:
        return _canonical(body, kind)
    if "ledger_reference" in body:
        return _from_deposits(body, kind, bank_name)
    _reject("neither payer/payee nor a holding (ledger_reference) is given")


def _canonical(body: dict[str, Any], kind: str) -> ReceiptRequest:
    reference = _text(body, "reference", limit=64)
    return ReceiptRequest(
        kind=kind, reference=reference,
        transaction_serial=_optional_text(body, "transaction_serial", limit=64),
        certificate_no=_optional_text(body, "certificate_no", limit=32),
        customer_id=_int(body, "customer_id"), business_date=_date(body, "business_date"),
        amount=_fen(body.get("amount"), "amount", positive=True),
        payer=_party(body, "payer"), payee=_party(body, "payee"),
        summary=_text(body, "summary", default=""),
        ledger_entry_hash=_optional_text(body, "ledger_entry_hash"),
        product_name=_optional_text(body, "product_name"),
        annual_rate=_rate(body.get("annual_rate")),
        term_months=_optional_int(body, "term_months"),
        maturity_date=_optional_date(body, "maturity_date"),
        interest=None if body.get("interest") is None else _fen(body["interest"], "interest"))


def _from_deposits(body: dict[str, Any], kind: str, bank_name: str) -> ReceiptRequest:
    reference = _text(body, "ledger_reference", limit=64)
    _int(body, "holding_id")  # part of the deposits shape; the receipt shows certificate_no
    name = mask_name(_text(body, "customer_name_masked"))
    account = _text(body, "account_no_masked")
    customer = Party(name, account, bank_name)
    holding = Party(name, account, f"{bank_name}（定期存款）")  # the time deposit sub-account
    purchase = kind == "deposit_purchase"
    amount = body.get("amount_fen", body.get("amount"))
    return ReceiptRequest(
        kind=kind, reference=reference,
        transaction_serial=_optional_text(body, "transaction_serial", limit=64),
        certificate_no=_optional_text(body, "certificate_no", limit=32),
        customer_id=_int(body, "customer_id"), business_date=_date(body, "business_date"),
        amount=_fen(amount, "amount_fen", positive=True),
        payer=customer if purchase else holding, payee=holding if purchase else customer,
        summary=_text(body, "summary", default=""),
        ledger_entry_hash=_optional_text(body, "ledger_entry_hash"),
        product_name=_optional_text(body, "product_name"),
        annual_rate=_rate(body.get("annual_rate")),
        term_months=_optional_int(body, "term_months"),
        maturity_date=_optional_date(body, "maturity_date"),
        interest=None if body.get("interest") is None else _fen(body["interest"], "interest"))


def _party(body: dict[str, Any], key: str) -> Party:
    raw = body.get(key)
    if not isinstance(raw, dict):
        _reject(f"{key} must be an object with name, account, bank")
    return Party(mask_name(_text(raw, "name")), _text(raw, "account"), _text(raw, "bank"))


def _fen(value: Any, key: str, *, positive: bool = False) -> int:
    """int fen, or a decimal string with at most 2 decimals (binary fractions are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        _reject(f"{key} must be int fen or a decimal string")
    if isinstance(value, int):
        fen = value
    else:
        try:
            yuan = Decimal(value)
        except InvalidOperation:
            _reject(f"{key} is not a number")
        if not yuan.is_finite() or yuan != yuan.quantize(Decimal("0.01")):
            _reject(f"{key} has more than 2 decimals")
        fen = int(yuan * 100)
    if fen < 0 or (positive and fen == 0):
        _reject(f"{key} must be {'positive' if positive else 'zero or more'}")
    return fen


def _rate(value: Any) -> Decimal | None:
    if value is None:
        return None
    try:
        rate = Decimal(str(value)) if isinstance(value, str | int) else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite() or not Decimal(0) <= rate < Decimal(100):
        _reject("annual_rate must be a percent string such as \"1.55\"")
    return rate


def _text(body: dict[str, Any], key: str, *, default: str | None = None,
          limit: int = _MAX_TEXT) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        _reject(f"{key} must be a non-empty string")
    if len(value) > limit:
        _reject(f"{key} is longer than {limit} characters")
    return value


def _optional_text(body: dict[str, Any], key: str, *, limit: int = _MAX_TEXT) -> str | None:
    return None if body.get(key) in (None, "") else _text(body, key, limit=limit)


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        _reject(f"{key} must be an integer")
    return value


def _optional_int(body: dict[str, Any], key: str) -> int | None:
    return None if body.get(key) is None else _int(body, key)


def _date(body: dict[str, Any], key: str) -> dt.date:
    try:
        return dt.date.fromisoformat(_text(body, key, limit=10))
    except ValueError:
        _reject(f"{key} must be a date YYYY-MM-DD")


def _optional_date(body: dict[str, Any], key: str) -> dt.date | None:
    return None if body.get(key) is None else _date(body, key)


def _reject(reason: str) -> NoReturn:
    raise MessageRejected(f"The receipt request is not valid: {reason}.", "回单请求报文不正确。",
                          details={"reason": reason})
