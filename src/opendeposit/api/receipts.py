"""Customer routes for e-receipts (电子回单): list, one, and the signed PDF."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from opendeposit import clock
from opendeposit.api.deps import CustomerDep, PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.errors import OpenDepositError, ValidationFailed
from opendeposit.esign import api as receipts
from opendeposit.money import format_amount

router = APIRouter(prefix="/api/v1", tags=["receipts"],
                   responses={401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 422: ERROR_SCHEMA})

ReceiptNo = Annotated[str, Path(pattern=r"^[A-Z0-9]{1,24}$", examples=["HD2025060200000001"])]


class PdfUnavailable(OpenDepositError):
    code = "RECEIPT_PDF_UNAVAILABLE"
    http_status = 503
    message_en = "The receipt file is temporarily unavailable; please try again later."
    message_zh = "回单文件暂时无法获取，请稍后再试。"


class ReceiptView(BaseModel):
    receipt_no: str
    kind: str = Field(description="top_up | withdrawal | deposit_purchase | early_withdrawal "
                      "| maturity_payout")
    business_date: str
    amount: str
    amount_in_words: str = Field(examples=["人民币壹仟元整"])
    verification_code: str
    sha256: str = Field(description="SHA-256 of the signed PDF as stored by the bank")
    pdf_url: str
    reference: str = Field(description="the booking it belongs to (order no. / holding ref.)")
    issued_at: str
    superseded_by: str | None = Field(None, description="the bank re-issued this receipt as "
                                      "that one (this one stays genuine)")


class ReceiptDetail(ReceiptView):
    fields: dict[str, Any] = Field(description="the signed fields embedded in the PDF")


class ReceiptPage(BaseModel):
    items: list[ReceiptView]
    next_cursor: str | None


def receipt_view(row: Any) -> dict[str, Any]:
    return {
        "receipt_no": row.receipt_no, "kind": row.kind,
        "business_date": row.business_date.isoformat(), "amount": format_amount(row.amount),
        "amount_in_words": row.amount_in_words, "verification_code": row.verification_code,
        "sha256": row.sha256, "pdf_url": f"/api/v1/receipts/{row.receipt_no}/pdf",
        "reference": row.reference, "issued_at": clock.as_utc(row.issued_at).isoformat(),
        "superseded_by": row.superseded_by}


@router.get("/receipts")
async def list_receipts(
    who: CustomerDep, p: PlatformDep,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> ReceiptPage:
    """The customer's e-receipts, newest first (one per booking; appear seconds after it)."""
    if cursor is not None and not (cursor.isascii() and cursor.isdigit()):
        raise ValidationFailed("The cursor is not valid.", "分页参数不正确。",
                               code="INVALID_CURSOR")
    rows, nxt = await receipts.list_for_customer(
        p, who.id, before_id=int(cursor) if cursor else None, limit=limit)
    return ReceiptPage(items=[ReceiptView(**receipt_view(r)) for r in rows],
                       next_cursor=None if nxt is None else str(nxt))


@router.get("/receipts/{receipt_no}")
async def get_receipt(receipt_no: ReceiptNo, who: CustomerDep, p: PlatformDep) -> ReceiptDetail:
    row = await receipts.get_for_customer(p, who.id, receipt_no)
    return ReceiptDetail(**receipt_view(row), fields=json.loads(row.fields))


@router.get("/receipts/{receipt_no}/pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Signed PDF"},
                       503: ERROR_SCHEMA})
async def receipt_pdf(receipt_no: ReceiptNo, who: CustomerDep, p: PlatformDep) -> Response:
    """The PAdES-signed PDF, byte for byte as stored (its SHA-256 is in the receipt)."""
    row = await receipts.get_for_customer(p, who.id, receipt_no)
    try:
        data = await receipts.pdf_of(p, row)
    except OSError as exc:
        raise PdfUnavailable() from exc
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{row.receipt_no}.pdf"',
        "Cache-Control": "private, no-store"})
