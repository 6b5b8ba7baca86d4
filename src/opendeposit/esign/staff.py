"""What bank staff do with receipts (the admin console): search, view, re-issue with a reason.

A re-issue is a new signed receipt for the same booking: a new number (the next of its
business date), a new verification code, the fields of the old one (names masked), signed
by the signature platform like any receipt. One transaction reserves it, writes the audit
entry with the reason and enqueues the signing request, so the API never holds the signing
key; when it is signed, the old receipt gets `superseded_by` and still verifies as genuine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from opendeposit.accounts.service import audit
from opendeposit.db import Database, is_unique_violation
from opendeposit.errors import Conflict, ValidationFailed
from opendeposit.esb.outbox import enqueue
from opendeposit.esb.registry import RECEIPT_ISSUE
from opendeposit.esign.api import ReceiptNotFound
from opendeposit.esign.messages import ReissueRequest
from opendeposit.esign.models import ISSUED, SIGNING, receipt
from opendeposit.esign.service import (
    data_from_fields,
    new_verification_code,
    next_seq,
    receipt_number,
    record_values,
    verify_url,
)
from opendeposit.esign.templates import BEIJING, FIELDS_VERSION, TEMPLATES, mask_name
from opendeposit.observability.context import current_trace_id

MAX_REASON = 500


class ReissueReasonRequired(ValidationFailed):
    code = "REISSUE_REASON_REQUIRED"
    message_en = "Give the reason for re-issuing this receipt."
    message_zh = "请填写重新出具回单的原因。"


class ReceiptNotIssued(Conflict):
    code = "RECEIPT_NOT_ISSUED"
    message_en = "This receipt is still being signed; it can be re-issued once it is issued."
    message_zh = "该回单尚在签章中，出具后才能重新出具。"


class ReceiptSuperseded(Conflict):
    code = "RECEIPT_SUPERSEDED"
    message_en = "This receipt was already re-issued; re-issue the newest one instead."
    message_zh = "该回单已重新出具，请对最新的回单操作。"


class ReissueInProgress(Conflict):
    code = "REISSUE_IN_PROGRESS"
    message_en = "A re-issue of this receipt is being signed already."
    message_zh = "该回单的重新出具正在签章中。"


class InvalidReceiptKind(ValidationFailed):
    code = "INVALID_RECEIPT_KIND"
    message_en = "Unknown receipt kind."
    message_zh = "回单类型不正确。"


async def search(db: Database, *, q: str | None = None, kind: str | None = None,
                 date_from: dt.date | None = None, date_to: dt.date | None = None,
                 customer_id: int | None = None, before_id: int | None = None,
                 limit: int = 20) -> tuple[list[Any], int | None]:
    """Receipts newest first. `q` is a receipt number (or its start), a booking reference, a
    transaction serial, or a customer id; the other filters narrow it. → (rows, next cursor)"""
    if kind is not None and kind not in TEMPLATES:
        raise InvalidReceiptKind(details={"kinds": sorted(TEMPLATES)})
    stmt = select(receipt).order_by(receipt.c.id.desc()).limit(limit + 1)
    if q:
        text = q.strip().upper()
        matches = [receipt.c.receipt_no.like(_prefix(text)), receipt.c.reference == q.strip(),
                   receipt.c.transaction_serial == q.strip()]
        if text.isdigit() and len(text) <= 18:
            matches.append(receipt.c.customer_id == int(text))
        stmt = stmt.where(or_(*matches))
    if kind is not None:
        stmt = stmt.where(receipt.c.kind == kind)
    if date_from is not None:
        stmt = stmt.where(receipt.c.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(receipt.c.business_date <= date_to)
    if customer_id is not None:
        stmt = stmt.where(receipt.c.customer_id == customer_id)
    if before_id is not None:
        stmt = stmt.where(receipt.c.id < before_id)
    async with db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return list(rows[:limit]), (rows[limit - 1].id if len(rows) > limit else None)


def _prefix(text: str) -> str:
    escaped = "".join(ch for ch in text if ch.isalnum())  # no LIKE wildcards from the user
    return f"{escaped}%"


async def get(db: Database, *, receipt_no: str) -> Any:
    """Any receipt (also while signing), for staff."""
    async with db.read() as conn:
        row = (await conn.execute(select(receipt).where(
            receipt.c.receipt_no == receipt_no))).first()
    if row is None:
        raise ReceiptNotFound("No such receipt.", "回单不存在。")
    return row


async def reissue(db: Database, *, receipt_no: str, reason: str, actor: str,
                  public_url: str) -> str:
    """Reserve a new receipt for the same booking, audited with `reason`; → its number.
    Bad input (no reason, unknown receipt, not the latest) writes nothing."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > MAX_REASON:
        raise ReissueReasonRequired(details={"max_length": MAX_REASON})
    try:
        async with db.transaction() as conn:
            old = await _latest_issued(conn, receipt_no)
            number = (await conn.execute(select(func.max(receipt.c.reissue_no)).where(
                receipt.c.reference == old.reference, receipt.c.kind == old.kind))).scalar()
            seq = await next_seq(conn, db, old.business_date)
            data = _reissued_data(old, receipt_number(old.business_date, seq), public_url)
            message_id = await enqueue(conn, service_code=RECEIPT_ISSUE, target_system="ESIGN",
                                       body=ReissueRequest(data.kind, data.receipt_no).body())
            await conn.execute(receipt.insert().values(
                **record_values(data, customer_id=old.customer_id, reference=old.reference,
                                message_id=message_id, trace_id=current_trace_id(),
                                reissue_no=int(number or 0) + 1),
                supersedes=old.receipt_no, reissue_reason=reason, reissued_by=actor))
            await audit(conn, actor=actor, action="receipt.reissue",
                        subject=f"receipt:{old.receipt_no}",
                        detail=f"re-issued as {data.receipt_no}: {reason}")
    except IntegrityError as exc:  # a concurrent re-issue took the same reissue_no
        if not is_unique_violation(exc):
            raise
        raise ReissueInProgress() from exc
    return data.receipt_no


async def _latest_issued(conn: Any, receipt_no: str) -> Any:
    old = (await conn.execute(select(receipt).where(receipt.c.receipt_no == receipt_no)
                              .with_for_update())).first()
    if old is None:
        raise ReceiptNotFound("No such receipt.", "回单不存在。")
    if old.status != ISSUED:
        raise ReceiptNotIssued()
    if old.superseded_by is not None:
        raise ReceiptSuperseded(details={"superseded_by": old.superseded_by})
    pending = (await conn.execute(select(receipt.c.receipt_no).where(
        receipt.c.supersedes == receipt_no, receipt.c.status == SIGNING))).first()
    if pending is not None:
        raise ReissueInProgress(details={"receipt_no": pending.receipt_no})
    return old


def _reissued_data(old: Any, receipt_no: str, public_url: str) -> Any:
    """The old receipt's fields with a new number, code, time; names masked, current version."""
    data = data_from_fields(json.loads(old.fields))
    code = new_verification_code()
    return dataclasses.replace(
        data, receipt_no=receipt_no, verification_code=code,
        verify_url=verify_url(public_url, receipt_no, code),
        issued_at=dt.datetime.now(BEIJING).replace(microsecond=0),
        payer_name=mask_name(data.payer_name), payee_name=mask_name(data.payee_name),
        fields_version=FIELDS_VERSION)
