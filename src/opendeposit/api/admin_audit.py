"""The audit log for auditors (/admin/api/v1/audit): entries newest first, and a check of every
hash chain (the same check as `opendeposit audit verify`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import StaffDep
from opendeposit.audit import service as audit_log

router = APIRouter(prefix="/admin/api/v1/audit", tags=["admin: audit"],
                   responses={401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 422: ERROR_SCHEMA})


class AuditEntry(BaseModel):
    id: int
    at: str
    actor: str = Field(examples=["staff:3"])
    action: str = Field(examples=["pii.reveal"])
    subject: str = Field(examples=["customer:12"])
    detail: str
    reason: str
    chain: int
    seq: int
    hash: str


class AuditPage(BaseModel):
    items: list[AuditEntry]
    next_before: int | None


class AuditCheck(BaseModel):
    ok: bool
    entries: int
    chains: int
    problems: list[str]


@router.get("")
async def audit_entries(
    who: StaffDep, p: PlatformDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
    subject: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPage:
    """The audit log, newest first; `before` is the id to continue below."""
    async with p.db.read() as conn:
        rows = await audit_log.entries(conn, limit=limit, before=before, actor=actor,
                                       subject=subject, action=action)
    return AuditPage(items=[AuditEntry(**audit_log.entry_view(r)) for r in rows],
                     next_before=rows[-1].id if len(rows) == limit else None)


@router.get("/verify")
async def verify_audit_log(who: StaffDep, p: PlatformDep) -> AuditCheck:
    """Re-checks every link of every chain; `ok: false` names what was altered or removed."""
    async with p.db.read() as conn:
        report = await audit_log.verify(conn)
    return AuditCheck(ok=report.ok, entries=report.entries, chains=report.chains,
                      problems=report.problems)
