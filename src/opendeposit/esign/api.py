"""What the rest of the platform asks the signature platform: a customer's receipts, their PDFs,
receipt numbers for statement lines, the public lookup by code, and verification of uploads."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from opendeposit.errors import NotFound, OpenDepositError
from opendeposit.esign.models import ISSUED, receipt
from opendeposit.esign.problems import problem
from opendeposit.esign.sm2 import sm2_verify
from opendeposit.esign.store import ReceiptStore, ReceiptStoreUnavailable
from opendeposit.esign.verify import VerificationReport, verify_receipt_pdf

if TYPE_CHECKING:
    from opendeposit.platform import Platform

_LOOKUP_TIMEOUT = 10.0


class VerificationUnavailable(OpenDepositError):
    code = "VERIFY_UNAVAILABLE"
    http_status = 503
    message_en = "Receipts cannot be checked right now; please try again later."
    message_zh = "回单验真服务暂不可用，请稍后再试。"


class ReceiptNotFound(NotFound):
    code = "RECEIPT_NOT_FOUND"
    message_en = "No receipt with this number and verification code."
    message_zh = "回单编号或验证码不正确。"


def _issued() -> Any:
    return select(receipt).where(receipt.c.status == ISSUED)


async def list_for_customer(p: Platform, customer_id: int, *, before_id: int | None = None,
                            limit: int = 20) -> tuple[list[Any], int | None]:
    """Newest first; returns (rows, cursor for the next page)."""
    stmt = _issued().where(receipt.c.customer_id == customer_id) \
        .order_by(receipt.c.id.desc()).limit(limit + 1)
    if before_id is not None:
        stmt = stmt.where(receipt.c.id < before_id)
    async with p.db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return list(rows[:limit]), (rows[limit - 1].id if len(rows) > limit else None)


async def get_for_customer(p: Platform, customer_id: int, receipt_no: str) -> Any:
    """The customer's own issued receipt; someone else's is simply not found."""
    async with p.db.read() as conn:
        row = (await conn.execute(_issued().where(
            receipt.c.receipt_no == receipt_no, receipt.c.customer_id == customer_id))).first()
    if row is None:
        raise ReceiptNotFound("No such receipt.", "回单不存在。")
    return row


async def pdf_of(p: Platform, row: Any) -> bytes:
    return await stored_pdf(p.esign.store, row)


async def stored_pdf(store: ReceiptStore, row: Any) -> bytes:
    """The signed PDF of an issued receipt, checked against the record's SHA-256: a shared
    store that hands back other bytes is a store failure, never a different receipt."""
    data = await store.get(row.pdf_path)
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise ReceiptStoreUnavailable(f"stored file of {row.receipt_no} does not match its record")
    return data


async def receipt_numbers(p: Platform, references: Iterable[str]) -> dict[str, str]:
    """reference (journal entry reference) → receipt_no, for statement lines."""
    refs = sorted({r for r in references if r})
    if not refs:
        return {}
    async with p.db.read() as conn:
        rows = (await conn.execute(select(receipt.c.reference, receipt.c.receipt_no).where(
            receipt.c.reference.in_(refs), receipt.c.status == ISSUED)
            .order_by(receipt.c.id))).all()
    found: dict[str, str] = {}
    for row in rows:  # by id: a re-issue (newer) replaces the receipt it supersedes
        found[row.reference] = row.receipt_no
    return found


async def lookup(p: Platform, receipt_no: str, code: str) -> tuple[dict[str, Any], str | None]:
    """(signed fields, superseded_by) of a receipt, given its number and verification code."""
    async with p.db.read() as conn:
        row = (await conn.execute(_issued().where(receipt.c.receipt_no == receipt_no))).first()
    expected = row.verification_code if row is not None else "000000"
    if not hmac.compare_digest(expected.encode(), code.strip().upper().encode()) or row is None:
        raise ReceiptNotFound()
    return json.loads(row.fields), row.superseded_by


async def verify_upload(p: Platform, pdf: bytes) -> VerificationReport:
    """verify_receipt_pdf with the bank's record: fields must equal the record, and the stored
    SM2 co-signature must verify over exactly these bytes. Never raises on bad input."""
    trust = await p.esign.trust()
    loop = asyncio.get_running_loop()
    records: dict[str, Any] = {}

    def expected_fields(receipt_no: str) -> dict | None:  # runs on the verifier's thread
        future = asyncio.run_coroutine_threadsafe(_record(p, receipt_no), loop)
        records[receipt_no] = row = future.result(_LOOKUP_TIMEOUT)
        return None if row is None else json.loads(row.fields)

    try:
        report = await asyncio.to_thread(verify_receipt_pdf, pdf, trust=trust,
                                         expected_fields=expected_fields)
    except Exception as exc:  # the record lookup failed: an outage, not a forgery
        raise VerificationUnavailable() from exc
    row = records.get(report.receipt_no or "")
    if row is not None and report.fields is not None \
            and not sm2_verify(pdf, row.sm2_signature or b"", trust.sm2_public_key):
        report.problems.append(problem("SM2_INVALID"))  # not the exact bytes the bank stored
        report.genuine = False
    if row is not None and report.genuine:
        report.superseded_by = row.superseded_by
    return report


async def _record(p: Platform, receipt_no: str) -> Any:
    async with p.db.read() as conn:
        return (await conn.execute(_issued().where(receipt.c.receipt_no == receipt_no))).first()


def report_body(report: VerificationReport) -> dict[str, Any]:
    """The public JSON of a verification report (api.md)."""
    return {
        "genuine": report.genuine, "receipt_no": report.receipt_no, "signer": report.signer,
        "signed_at": report.signed_at.isoformat() if report.signed_at else None,
        "fields": report.fields, "superseded_by": report.superseded_by,
        "problems": [{"code": pr.code, "message": pr.message_en, "message_zh": pr.message_zh}
                     for pr in report.problems],
    }
