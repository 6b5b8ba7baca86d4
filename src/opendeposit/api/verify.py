"""Public receipt check (验真), no login: upload a PDF, or look a receipt up by number + code."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, UploadFile
from pydantic import BaseModel, Field

from opendeposit.api.deps import PlatformDep, limit_by_ip
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.esign import api as receipts
from opendeposit.esign.verify import MAX_PDF_BYTES

router = APIRouter(prefix="/api/v1/verify", tags=["verify"], responses={422: ERROR_SCHEMA})


class ProblemView(BaseModel):
    code: str = Field(examples=["DIGEST_MISMATCH"])
    message: str
    message_zh: str


class VerificationView(BaseModel):
    genuine: bool
    receipt_no: str | None
    signer: str | None
    signed_at: str | None = Field(description="trusted timestamp of the signature")
    fields: dict[str, Any] | None = Field(description="the signed fields, when the signature "
                                          "holds")
    problems: list[ProblemView]
    superseded_by: str | None = Field(None, description="the receipt the bank re-issued in its "
                                      "place: this one stays genuine, that one is current")


class LookupView(BaseModel):
    genuine: bool = Field(default=True,
                          description="a receipt found by number and code is the bank's")
    receipt_no: str
    fields: dict[str, Any]
    superseded_by: str | None = Field(None, description="the receipt re-issued in its place")


@router.post("/receipt", responses={429: ERROR_SCHEMA},
             dependencies=[limit_by_ip("verify_upload")])
async def verify_receipt(
    p: PlatformDep,
    file: Annotated[UploadFile, File(description="the receipt PDF as downloaded (≤ 10 MB)")],
) -> VerificationView:
    """Is this file a genuine, unaltered e-receipt of this bank? Anything that is not answers
    `genuine: false` with the reasons; it never fails with a server error."""
    data = await file.read(MAX_PDF_BYTES + 1)  # one byte more than allowed is enough to refuse
    report = await receipts.verify_upload(p, data)
    return VerificationView(**receipts.report_body(report))


@router.get("/receipt/{receipt_no}", responses={404: ERROR_SCHEMA, 429: ERROR_SCHEMA},
            dependencies=[limit_by_ip("verify_number")])
async def lookup_receipt(
    p: PlatformDep,
    receipt_no: Annotated[str, Path(max_length=24, examples=["HD2025060200000001"])],
    code: Annotated[str, Query(min_length=1, max_length=12, description="verification code "
                               "printed on the receipt")],
) -> LookupView:
    """The fields the bank signed, for a receipt number and its verification code
    (404 RECEIPT_NOT_FOUND when either is wrong)."""
    fields, superseded_by = await receipts.lookup(p, receipt_no, code)
    return LookupView(receipt_no=receipt_no, fields=fields, superseded_by=superseded_by)
