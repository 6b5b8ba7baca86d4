"""Staff routes for account-opening reviews (roles risk, checker, admin) and the blacklist.

Approval takes two different people: the first approval (or an escalation) moves the case to
a second reviewer, whose approval opens the account (FOUR_EYES_REQUIRED for the same person).
Evidence images are served only here, to staff, never cached.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field, StrictStr

from opendeposit.accounts.service import audit
from opendeposit.api.admin import require
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.schemas import PathId, Strict
from opendeposit.auth.service import Principal
from opendeposit.identity import review
from opendeposit.identity.decision import add_to_blacklist
from opendeposit.staff.service import Role

router = APIRouter(prefix="/admin/api/v1/onboarding", tags=["admin: onboarding"], responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA,
    422: ERROR_SCHEMA})

Reviewer = Annotated[Principal, require(Role.RISK, Role.CHECKER)]
RiskOfficer = Annotated[Principal, require(Role.RISK)]


@router.get("/reviews")
async def list_reviews(
    who: Reviewer, p: PlatformDep,
    status: Annotated[Literal["pending", "second_approval", "escalated", "approved",
                              "rejected"] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> dict[str, Any]:
    """Review cases, newest first; `before` is the id to continue below."""
    items = await review.list_cases(p, status=status, limit=limit, before=before)
    return {"items": items, "open": await review.count_open(p),
            "next_before": items[-1]["id"] if len(items) == limit else None}


@router.get("/reviews/{case_id}")
async def get_review(case_id: PathId, who: Reviewer, p: PlatformDep) -> dict[str, Any]:
    """The case with the applicant's data, scores, reasons and every evidence item; images at
    `image_url`."""
    case = await review.view(p, case_id)
    async with p.db.transaction() as conn:  # the case shows the applicant's data in clear
        await audit(conn, actor=f"staff:{who.id}", action="evidence.view",
                    subject=f"review:{case_id}", detail="review case with applicant data",
                    reason=f"onboarding review {case_id}")
    for item in case["evidence"]:
        if item["image"]:
            item["image_url"] = (f"/admin/api/v1/onboarding/reviews/{case_id}/evidence/"
                                 f"{item['id']}/image")
    return case


@router.get("/reviews/{case_id}/evidence/{evidence_id}/image",
            responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}})
async def evidence_image(
    case_id: PathId, evidence_id: PathId, who: Reviewer, p: PlatformDep,
    reason: Annotated[str | None, Query(max_length=500, description="why (audited); "
                                        "default: the review of this case")] = None,
) -> Response:
    """One evidence image of the case; every view is audited."""
    data, content_type = await review.image(p, case_id, evidence_id)
    async with p.db.transaction() as conn:
        await audit(conn, actor=f"staff:{who.id}", action="evidence.view",
                    subject=f"review:{case_id}", detail=f"evidence {evidence_id}",
                    reason=(reason or "").strip() or f"onboarding review {case_id}")
    return Response(data, media_type=content_type,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


class NoteIn(Strict):
    note: StrictStr = Field("", max_length=500, examples=["居住证核验无误"])


class ReasonIn(Strict):
    reason: StrictStr = Field(min_length=2, max_length=500, examples=["居住证明无法核实"])


@router.post("/reviews/{case_id}/approve")
async def approve(case_id: PathId, body: NoteIn, who: Reviewer, p: PlatformDep) -> dict[str, Any]:
    """First approval (→ second_approval), or the final one by a different person, which opens
    the account (→ approved; `application_status` opened)."""
    return await review.approve(p, case_id=case_id, staff_id=who.id, note=body.note)


@router.post("/reviews/{case_id}/escalate")
async def escalate(case_id: PathId, body: NoteIn, who: Reviewer, p: PlatformDep) -> dict[str, Any]:
    """Hands a pending case to a second reviewer without approving it."""
    return await review.escalate(p, case_id=case_id, staff_id=who.id, note=body.note)


@router.post("/reviews/{case_id}/reject")
async def reject(case_id: PathId, body: ReasonIn, who: Reviewer, p: PlatformDep) -> dict[str, Any]:
    return await review.reject(p, case_id=case_id, staff_id=who.id, reason=body.reason)


class BlacklistIn(Strict):
    kind: Literal["id_number", "phone", "device", "card"]
    value: StrictStr = Field(min_length=1, max_length=64)
    reason: StrictStr = Field(min_length=2, max_length=500)
    source: StrictStr = Field("internal", max_length=64, examples=["惩戒名单"])


@router.post("/blacklist", status_code=201)
async def blacklist(body: BlacklistIn, who: RiskOfficer, p: PlatformDep) -> dict[str, str]:
    """Adds an ID number, phone, device or card to the opening blacklist (stored as a keyed
    hash); applications that hit it are rejected."""
    await add_to_blacklist(p, kind=body.kind, value=body.value.strip().upper()
                           if body.kind == "id_number" else body.value.strip(),
                           reason=body.reason, source=body.source, actor=f"staff:{who.id}")
    return {"status": "added"}
