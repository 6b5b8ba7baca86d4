"""Staff review of doubtful applications, with four eyes for approval (双人复核).

A case starts `pending`. The first staff member either approves (→ `second_approval`) or
escalates (→ `escalated`); the final approval must come from someone else and opens the
account. Any reviewer may reject at any point, with a reason. Every action is evidence.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import mask_account_no, mask_card, mask_phone
from opendeposit.identity import errors
from opendeposit.identity.decision import finish, open_for
from opendeposit.identity.domain import Status
from opendeposit.identity.evidence import Context, evidence_image, evidence_list, record
from opendeposit.identity.models import onboarding_application, onboarding_review
from opendeposit.identity.service import Application, load_any
from opendeposit.platform import Platform

OPEN_STATES = ("pending", "second_approval", "escalated")


async def list_cases(p: Platform, *, status: str | None, limit: int,
                     before: int | None) -> list[dict[str, Any]]:
    stmt = (select(onboarding_review, onboarding_application.c.customer_id)
            .join(onboarding_application,
                  onboarding_application.c.id == onboarding_review.c.application_id)
            .order_by(onboarding_review.c.id.desc()).limit(limit))
    if status:
        stmt = stmt.where(onboarding_review.c.status == status)
    if before:
        stmt = stmt.where(onboarding_review.c.id < before)
    async with p.db.read() as conn:
        rows = (await conn.execute(stmt)).all()
    return [_case(r) for r in rows]


async def count_open(p: Platform) -> int:
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(onboarding_review).where(
            onboarding_review.c.status.in_(OPEN_STATES)))).scalar_one())


def _case(r: Any) -> dict[str, Any]:
    def at(v: Any) -> str | None:
        return clock.as_utc(v).isoformat() if v else None

    return {"id": r.id, "application_id": r.application_id, "status": r.status,
            "reasons": json.loads(r.reasons), "first_staff_id": r.first_staff_id,
            "first_action": r.first_action, "first_note": r.first_note,
            "first_at": at(r.first_at), "decided_by": r.decided_by,
            "decision_note": r.decision_note, "decided_at": at(r.decided_at),
            "created_at": at(r.created_at)}


async def _load(p: Platform, case_id: int) -> tuple[dict[str, Any], Application]:
    async with p.db.read() as conn:
        row = (await conn.execute(select(onboarding_review).where(
            onboarding_review.c.id == case_id))).first()
        if row is None:
            raise errors.ReviewNotFound()
        app = await load_any(conn, p, row.application_id)
    return _case(row), app


async def view(p: Platform, case_id: int) -> dict[str, Any]:
    """The case, the applicant's data as staff may see it, and every piece of evidence."""
    case, app = await _load(p, case_id)
    async with p.db.read() as conn:
        items = await evidence_list(conn, p.vault, app.id)
    personal = app.personal
    applicant = {k: personal.get(k) for k in ("name", "id_number", "sex", "ethnicity",
                                              "birth_date", "address", "region_code",
                                              "valid_from", "valid_to", "authority",
                                              "card_bank", "location")}
    if personal.get("card_number"):
        applicant["card"] = mask_card(personal["card_number"])
    if personal.get("reserved_phone"):
        applicant["reserved_phone"] = mask_phone(personal["reserved_phone"])
    return {**case, "application": {"id": app.id, "status": app.status.value,
                                    "customer_id": app.customer_id,
                                    "device_id": app.device_id, "ip": app.ip,
                                    "created_at": app.created_at.isoformat(),
                                    "face": app.state.get("face"),
                                    "doubts": app.state.get("doubts", []),
                                    "applicant": applicant},
            "evidence": items}


async def image(p: Platform, case_id: int, evidence_id: int) -> tuple[bytes, str]:
    _, app = await _load(p, case_id)
    async with p.db.read() as conn:
        found = await evidence_image(conn, p.identity.cipher, application_id=app.id,
                                     evidence_id=evidence_id)
    if found is None:
        raise errors.EvidenceNotFound()
    return found


async def _act(p: Platform, case_id: int, staff_id: int, action: str, note: str,
               values: dict[str, Any], expect: tuple[str, ...]) -> None:
    """Move the case, only if it is still in one of `expect` (two reviewers at once: one wins)."""
    async with p.db.transaction() as conn:
        done = (await conn.execute(onboarding_review.update().where(
            onboarding_review.c.id == case_id, onboarding_review.c.status.in_(expect))
            .values(**values))).rowcount
        if done != 1:
            raise errors.ReviewClosed()
        app_id = (await conn.execute(select(onboarding_review.c.application_id).where(
            onboarding_review.c.id == case_id))).scalar_one()
        await record(conn, p.vault, application_id=app_id, step="review", kind=action,
                     ctx=Context(f"staff:{staff_id}"), detail={"note": note})
        await accounts.audit(conn, actor=f"staff:{staff_id}", action=f"onboarding.{action}",
                             subject=f"onboarding:{app_id}", detail=note[:500] or action)


async def approve(p: Platform, *, case_id: int, staff_id: int, note: str) -> dict[str, Any]:
    case, app = await _load(p, case_id)
    if case["status"] == "approved" and app.status is Status.REVIEW:
        return await _open_approved(p, case_id, app, int(case["decided_by"]))  # finish a retry
    if case["status"] not in OPEN_STATES:
        raise errors.ReviewClosed()
    now = clock.utcnow()
    if case["status"] == "pending":
        await _act(p, case_id, staff_id, "first_approval", note, {
            "status": "second_approval", "first_staff_id": staff_id, "first_action": "approve",
            "first_note": note, "first_at": now}, ("pending",))
        return await _result(p, case_id)
    if case["first_staff_id"] == staff_id:
        raise errors.FourEyes(details={"first_staff_id": staff_id})
    await _act(p, case_id, staff_id, "approved", note, {
        "status": "approved", "decided_by": staff_id, "decision_note": note, "decided_at": now},
        ("second_approval", "escalated"))
    return await _open_approved(p, case_id, app, staff_id)


async def _open_approved(p: Platform, case_id: int, app: Application,
                         staff_id: int) -> dict[str, Any]:
    try:
        opened = await open_for(p, app, pin=None, actor=f"staff:{staff_id}")
    except accounts.AccountAlreadyOpen:
        await finish(p, app, Status.REJECTED, None, actor=f"staff:{staff_id}")
        return {**await _result(p, case_id), "application_status": "rejected",
                "reason": "ACCOUNT_ALREADY_OPEN"}
    await finish(p, app, Status.OPENED, None, account_id=opened.id, actor=f"staff:{staff_id}")
    return {**await _result(p, case_id), "application_status": "opened",
            "account_no": mask_account_no(opened.account_no)}


async def escalate(p: Platform, *, case_id: int, staff_id: int, note: str) -> dict[str, Any]:
    await _act(p, case_id, staff_id, "escalated", note, {
        "status": "escalated", "first_staff_id": staff_id, "first_action": "escalate",
        "first_note": note, "first_at": clock.utcnow()}, ("pending",))
    return await _result(p, case_id)


async def reject(p: Platform, *, case_id: int, staff_id: int, reason: str) -> dict[str, Any]:
    _, app = await _load(p, case_id)
    await _act(p, case_id, staff_id, "rejected", reason, {
        "status": "rejected", "decided_by": staff_id, "decision_note": reason,
        "decided_at": clock.utcnow()}, OPEN_STATES)
    app.reasons = [*app.reasons, "STAFF_REJECTED"]
    await finish(p, app, Status.REJECTED, None, actor=f"staff:{staff_id}")
    return {**await _result(p, case_id), "application_status": "rejected"}


async def _result(p: Platform, case_id: int) -> dict[str, Any]:
    case, _ = await _load(p, case_id)
    return case
