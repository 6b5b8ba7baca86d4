"""Fixtures for the signature platform: a demo PKI, a forger's PKI, signed sample receipts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from opendeposit.esign.pki import (
    PkiPaths,
    SigningIdentity,
    TrustAnchors,
    init_demo_pki,
    load_signing_identity,
    load_trust_anchors,
)
from opendeposit.esign.render import render_receipt
from opendeposit.esign.sign import ReceiptSigner
from opendeposit.esign.templates import ReceiptData, mask_account
from opendeposit.esign.timestamps import load_local_timestamper

BANK = "粤海城市商业银行"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def make_receipt(kind: str = "deposit_purchase", *, number: int = 1, **changes) -> ReceiptData:
    """A realistic receipt; `changes` override any field."""
    values = dict(
        receipt_no=f"HD2026031200{number:06d}",
        kind=kind,
        bank_name=BANK,
        business_date=dt.date(2026, 3, 12),
        transaction_serial=f"TS20260312{number:08d}",
        payer_name="张*三",
        payer_account=mask_account("6228480012345678901"),
        payer_bank=f"{BANK}广州天河支行",
        payee_name="张*三",
        payee_account=mask_account("6230580000123456"),
        payee_bank=f"{BANK}（定期存款）",
        amount=1_234_567,
        summary="购买三年期整存整取定期存款",
        verification_code="7K3QX9",
        verify_url=f"https://ebank.example-bank.cn/verify?r=HD2026031200{number:06d}",
        issued_at=dt.datetime(2026, 3, 12, 10, 15, 30, tzinfo=SHANGHAI),
        product_name="安享定期 3年期",
        annual_rate=Decimal("1.55"),
        term_months=36,
        maturity_date=dt.date(2029, 3, 12),
        ledger_entry_hash="9f" * 32,
    )
    values.update(changes)
    return ReceiptData(**values)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    return init_demo_pki(tmp_path_factory.mktemp("pki"), bank_name=BANK)


@pytest.fixture(scope="session")
def forger_pki(tmp_path_factory: pytest.TempPathFactory) -> PkiPaths:
    """A second, unrelated CA that copies every subject name of the bank's PKI."""
    return init_demo_pki(tmp_path_factory.mktemp("forger"), bank_name=BANK)


@pytest.fixture(scope="session")
def identity(pki: PkiPaths) -> SigningIdentity:
    return load_signing_identity(pki)


@pytest.fixture(scope="session")
def trust(pki: PkiPaths) -> TrustAnchors:
    return load_trust_anchors(pki)


@pytest.fixture(scope="session")
def signer(pki: PkiPaths, identity: SigningIdentity) -> ReceiptSigner:
    return ReceiptSigner(identity, load_local_timestamper(pki))


@pytest.fixture(scope="session")
def receipt() -> ReceiptData:
    return make_receipt()


@pytest.fixture(scope="session")
def unsigned_pdf(receipt: ReceiptData) -> bytes:
    return render_receipt(receipt)


@pytest.fixture(scope="session", params=["one-revision", "incremental"])
def signed_pdf(request: pytest.FixtureRequest, signer: ReceiptSigner, receipt: ReceiptData,
               unsigned_pdf: bytes) -> bytes:
    """The receipt path (layout with the signature in place), and pyHanko's incremental
    update of the unsigned file: every verification test runs against both."""
    if request.param == "one-revision":
        return signer.sign_receipt(receipt)
    return signer.sign(unsigned_pdf)
