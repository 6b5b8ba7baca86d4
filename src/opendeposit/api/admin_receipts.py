"""Admin routes for e-receipts (/admin/api/v1/receipts): search, view, the PDF, re-issue.

Search and view: operator, checker, auditor (and admin). Re-issue: checker (and admin); it is
audited with its reason.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field, StrictStr

from opendeposit import clock
from opendeposit.api.admin import require
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.receipts import PdfUnavailable
from opendeposit.api.schemas import Strict
from opendeposit.auth.service import Principal
from opendeposit.errors import ValidationFailed
from opendeposit.esign import api as receipts
from opendeposit.esign import staff as receipt_staff
from opendeposit.esign.models import ISSUED
from opendeposit.money import format_amount
from opendeposit.staff.service import Role

router = APIRouter(prefix="/admin/api/v1", tags=["admin: receipts"],
                   responses={401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 422: ERROR_SCHEMA})

ReceiptReader = Annotated[Principal, require(Role.OPERATOR, Role.CHECKER, Role.AUDITOR)]
ReceiptReissuer = Annotated[Principal, require(Role.CHECKER)]
ReceiptNo = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,24}$", examples=["HD2025060200000001"])]


class StaffReceiptView(BaseModel):
    receipt_no: str
    kind: str
    status: str = Field(description="signing | issued")
    customer_id: int
    reference: str = Field(description="the booking (journal entry reference)")
    transaction_serial: str | None
    business_date: str
    amount: str
    amount_in_words: str
    issued_at: str
    signed_at: str | None
    sha256: str | None
    pdf_url: str | None
    supersedes: str | None = Field(description="the receipt this one re-issues")
    superseded_by: str | None = Field(description="the re-issue that replaced this one")
    reissue_reason: str | None
    reissued_by: str | None


class StaffReceiptDetail(StaffReceiptView):
    fields: dict[str, Any] = Field(description="the signed fields (names masked)")


class StaffReceiptPage(BaseModel):
    items: list[StaffReceiptView]
    next_cursor: str | None


class ReissueIn(Strict):
    reason: StrictStr = Field(max_length=500, examples=["客户遗失回单，申请重新出具"])


class ReissueOut(BaseModel):
    receipt_no: str = Field(description="the new receipt; signed within seconds")
    supersedes: str
    status: str = Field(description="signing (then issued)")


def staff_receipt_view(row: Any) -> dict[str, Any]:
    issued = row.status == ISSUED
    return {
        "receipt_no": row.receipt_no, "kind": row.kind, "status": row.status,
        "customer_id": row.customer_id, "reference": row.reference,
        "transaction_serial": row.transaction_serial,
        "business_date": row.business_date.isoformat(), "amount": format_amount(row.amount),
        "amount_in_words": row.amount_in_words,
        "issued_at": clock.as_utc(row.issued_at).isoformat(),
        "signed_at": clock.as_utc(row.signed_at).isoformat() if row.signed_at else None,
        "sha256": row.sha256,
        "pdf_url": f"/admin/api/v1/receipts/{row.receipt_no}/pdf" if issued else None,
        "supersedes": row.supersedes, "superseded_by": row.superseded_by,
        "reissue_reason": row.reissue_reason, "reissued_by": row.reissued_by}


@router.get("/receipts")
async def search_receipts(
    who: ReceiptReader, p: PlatformDep,
    q: Annotated[str | None, Query(max_length=64, description="receipt number (or its start), "
                                   "booking reference, transaction serial or customer id")] = None,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    date_from: Annotated[date | None, Query(alias="from", description="business date")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> StaffReceiptPage:
    """Receipts newest first, paged by `next_cursor`."""
    if cursor is not None and not (cursor.isascii() and cursor.isdigit()):
        raise ValidationFailed("The cursor is not valid.", "分页参数不正确。",
                               code="INVALID_CURSOR")
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed("`from` is after `to`.", "开始日期晚于结束日期。",
                               code="INVALID_DATE_RANGE")
    rows, nxt = await receipt_staff.search(
        p.db, q=q, kind=kind, date_from=date_from, date_to=date_to, customer_id=customer_id,
        before_id=int(cursor) if cursor else None, limit=limit)
    return StaffReceiptPage(items=[StaffReceiptView(**staff_receipt_view(r)) for r in rows],
                            next_cursor=None if nxt is None else str(nxt))


@router.get("/receipts/{receipt_no}", responses={404: ERROR_SCHEMA})
async def get_receipt_for_staff(receipt_no: ReceiptNo, who: ReceiptReader,
                                p: PlatformDep) -> StaffReceiptDetail:
    row = await receipt_staff.get(p.db, receipt_no=receipt_no)
    return StaffReceiptDetail(**staff_receipt_view(row), fields=json.loads(row.fields))


@router.get("/receipts/{receipt_no}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Signed PDF"},
                       404: ERROR_SCHEMA, 503: ERROR_SCHEMA})
async def receipt_pdf_for_staff(receipt_no: ReceiptNo, who: ReceiptReader,
                                p: PlatformDep) -> Response:
    """The signed PDF exactly as stored (404 while it is still being signed)."""
    row = await receipt_staff.get(p.db, receipt_no=receipt_no)
    if row.status != ISSUED:
        raise receipts.ReceiptNotFound("The receipt is still being signed.", "回单尚在签章中。")
    try:
        data = await receipts.stored_pdf(p.esign.store, row)
    except OSError as exc:
        raise PdfUnavailable() from exc
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{row.receipt_no}.pdf"',
        "Cache-Control": "private, no-store"})


@router.post("/receipts/{receipt_no}/reissue", status_code=202,
             responses={404: ERROR_SCHEMA, 409: ERROR_SCHEMA})
async def reissue_receipt(receipt_no: ReceiptNo, body: ReissueIn, who: ReceiptReissuer,
                          p: PlatformDep) -> ReissueOut:
    """A new signed receipt for the same booking (new number and verification code), audited
    with the reason; the old one then verifies as genuine with `superseded_by`."""
    new_no = await receipt_staff.reissue(p.db, receipt_no=receipt_no, reason=body.reason,
                                         actor=f"staff:{who.id}",
                                         public_url=p.settings.public_url)
    return ReissueOut(receipt_no=new_no, supersedes=receipt_no, status="signing")
