"""Receipt (电子回单) templates as data, the receipt's fields, and their signed JSON form."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from opendeposit.errors import ValidationFailed
from opendeposit.money import amount_in_words, format_grouped

_CODE_RE = re.compile(r"^[0-9A-Z]{6}$")
_MAX_VISIBLE_DIGITS = 8  # e.g. 6222 **** **** 1234 shows 8 digits; a full number never appears
# 1: the first receipts; 2: adds certificate_no (names are masked from 2 on)
FIELDS_VERSION = 2
BEIJING = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # every time on a receipt


@dataclass(frozen=True)
class FieldRow:
    """One labelled line of a receipt's detail block; `key` names a field of ReceiptData."""

    label_zh: str
    label_en: str
    key: str


@dataclass(frozen=True)
class ReceiptTemplate:
    """What a kind of receipt shows and how: the renderer reads only this and ReceiptData."""

    kind: str
    title_zh: str
    title_en: str
    detail_rows: tuple[FieldRow, ...]
    payer_heading_zh: str = "付款人"
    payee_heading_zh: str = "收款人"
    page: str = "A5_LANDSCAPE"  # layout hint: A5 landscape, the usual bank receipt slip
    seal_text: str = "电子回单专用章"
    footnote_zh: str = (
        "本回单已加盖电子签章并经数字签名，请扫描二维码或登录验证网址输入验证码核验真伪；"
        "重复下载或打印不代表重复记账。"
    )
    footnote_en: str = (
        "Digitally signed. Scan the QR code or enter the verification code on the bank's site "
        "to check it. Printing it again does not repeat the transaction."
    )


_SUMMARY = FieldRow("摘要", "Summary", "summary")
_PRODUCT = FieldRow("产品名称", "Product", "product_name")
_RATE = FieldRow("年利率", "Annual rate", "annual_rate")
_TERM = FieldRow("存期", "Term", "term")
_MATURITY = FieldRow("到期日", "Maturity date", "maturity_date")
_INTEREST = FieldRow("利息", "Interest", "interest")
_LEDGER = FieldRow("记账指纹", "Ledger entry", "ledger_entry_hash")
_CERTIFICATE = FieldRow("存单编号", "Certificate no.", "certificate_no")

TEMPLATES: MappingProxyType[str, ReceiptTemplate] = MappingProxyType(
    {
        "deposit_purchase": ReceiptTemplate(
            "deposit_purchase",
            "定期存款开户回单（存款证实）",
            "Time deposit certificate",
            (_PRODUCT, _CERTIFICATE, _RATE, _TERM, _MATURITY, _SUMMARY, _LEDGER),
        ),
        "early_withdrawal": ReceiptTemplate(
            "early_withdrawal",
            "定期存款提前支取回单",
            "Early withdrawal receipt",
            (_PRODUCT, _CERTIFICATE, _RATE, _TERM, _INTEREST, _SUMMARY, _LEDGER),
        ),
        "maturity_payout": ReceiptTemplate(
            "maturity_payout",
            "定期存款到期支取回单",
            "Maturity payout receipt",
            (_PRODUCT, _CERTIFICATE, _RATE, _TERM, _MATURITY, _INTEREST, _SUMMARY, _LEDGER),
        ),
        "top_up": ReceiptTemplate(
            "top_up", "充值（转入）回单", "Top-up receipt", (_SUMMARY, _LEDGER)
        ),
        "withdrawal": ReceiptTemplate(
            "withdrawal", "提现（转出）回单", "Withdrawal receipt", (_SUMMARY, _LEDGER)
        ),
    }
)


@dataclass(frozen=True)
class ReceiptData:
    """Everything printed on one receipt; money in int fen, rates as Decimal percent a year."""

    receipt_no: str
    kind: str
    bank_name: str  # the issuing bank: printed in the header and around the seal
    business_date: dt.date
    transaction_serial: str
    payer_name: str
    payer_account: str
    payer_bank: str
    payee_name: str
    payee_account: str
    payee_bank: str
    amount: int
    summary: str
    verification_code: str
    verify_url: str
    issued_at: dt.datetime
    currency: str = "CNY"
    product_name: str | None = None
    annual_rate: Decimal | None = None
    term_months: int | None = None
    maturity_date: dt.date | None = None
    interest: int | None = None
    ledger_entry_hash: str | None = None
    certificate_no: str | None = None  # 存单编号, deposits only
    fields_version: int = FIELDS_VERSION  # an older record re-signs with its own fields

    def __post_init__(self) -> None:
        _check(self.kind in TEMPLATES, f"unknown receipt kind {self.kind!r}")
        _check(self.currency == "CNY", "only CNY receipts are supported")
        _check(_is_fen(self.amount) and self.amount > 0, "amount must be a positive int in fen")
        _check(self.interest is None or _is_fen(self.interest), "interest must be int fen")
        _check(bool(_CODE_RE.match(self.verification_code)), "verification code: 6 of 0-9A-Z")
        _check(self.issued_at.tzinfo is not None, "issued_at needs a time zone")
        _check(_is_masked(self.payer_account), "payer account must be masked")
        _check(_is_masked(self.payee_account), "payee account must be masked")
        _check(bool(self.receipt_no.strip()), "receipt_no is empty")
        _check(self.annual_rate is None or isinstance(self.annual_rate, Decimal), "rate: Decimal")

    @property
    def template(self) -> ReceiptTemplate:
        return TEMPLATES[self.kind]


def mask_name(name: str) -> str:
    """张*三 (domain.md §11.11): first and last character kept; a masked name stays as it is."""
    name = name.strip()
    if "*" in name or len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_account(number: str) -> str:
    """Mask an account or card number the way the UI does: first 4 and last 4 digits kept."""
    digits = re.sub(r"\s", "", number)
    if len(digits) <= 8:
        return "****" + digits[-4:]
    return f"{digits[:4]} **** **** {digits[-4:]}"


def receipt_fields(data: ReceiptData) -> dict[str, object]:
    """The JSON-ready fields embedded in (and signed with) the PDF; the bank's record builds
    the same dict for comparison, so keep it a pure function of ReceiptData."""
    fields: dict[str, object] = {
        "fields_version": data.fields_version,
        "receipt_no": data.receipt_no,
        "kind": data.kind,
        "bank_name": data.bank_name,
        "business_date": data.business_date.isoformat(),
        "transaction_serial": data.transaction_serial,
        "payer_name": data.payer_name,
        "payer_account": data.payer_account,
        "payer_bank": data.payer_bank,
        "payee_name": data.payee_name,
        "payee_account": data.payee_account,
        "payee_bank": data.payee_bank,
        "amount": data.amount,
        "currency": data.currency,
        "summary": data.summary,
        "product_name": data.product_name,
        "annual_rate": None if data.annual_rate is None else str(data.annual_rate),
        "term_months": data.term_months,
        "maturity_date": None if data.maturity_date is None else data.maturity_date.isoformat(),
        "interest": data.interest,
        "verification_code": data.verification_code,
        "verify_url": data.verify_url,
        "issued_at": data.issued_at.isoformat(),
        "ledger_entry_hash": data.ledger_entry_hash,
    }
    if data.fields_version >= 2:
        fields["certificate_no"] = data.certificate_no
    return fields


def fields_json(data: ReceiptData) -> bytes:
    """Canonical JSON of `receipt_fields` (sorted keys, UTF-8, no spaces)."""
    return json.dumps(
        receipt_fields(data), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


def display_values(data: ReceiptData) -> dict[str, str]:
    """Each field key → the text printed on the receipt."""
    return {
        "receipt_no": data.receipt_no,
        "transaction_serial": data.transaction_serial,
        "business_date": _zh_date(data.business_date),
        "amount": "¥" + format_grouped(data.amount),
        "amount_in_words": amount_in_words(data.amount, prefix=True),
        "currency": "人民币 CNY",
        "summary": data.summary,
        "product_name": data.product_name or "—",
        "annual_rate": "—" if data.annual_rate is None else f"{data.annual_rate}%",
        "term": _term(data.term_months),
        "maturity_date": "—" if data.maturity_date is None else _zh_date(data.maturity_date),
        "interest": "—" if data.interest is None else "¥" + format_grouped(data.interest),
        "ledger_entry_hash": _short_hash(data.ledger_entry_hash),
        "certificate_no": data.certificate_no or "—",
        "issued_at": f"{data.issued_at.astimezone(BEIJING):%Y-%m-%d %H:%M:%S}（北京时间）",
        "verification_code": data.verification_code,
    }


def _zh_date(day: dt.date) -> str:
    return f"{day.year}年{day.month:02d}月{day.day:02d}日"


def _term(months: int | None) -> str:
    if months is None:
        return "—"
    if months % 12 == 0:
        return f"{months // 12}年"
    return f"{months}个月"


def _short_hash(value: str | None) -> str:
    if not value:
        return "—"
    return value if len(value) <= 24 else f"{value[:12]}…{value[-8:]}"


def _is_fen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_masked(account: str) -> bool:
    return sum(ch.isdigit() for ch in account) <= _MAX_VISIBLE_DIGITS


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise ValidationFailed(f"Receipt data is not valid: {message}.", "回单数据不正确。")
