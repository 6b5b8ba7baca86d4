"""Rates by maker–checker (/admin/api/v1/rates): the dated table, proposals, and their approval
by a second person; no change takes effect before the business date."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field, StrictStr

from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import StaffDep
from opendeposit.api.schemas import Strict
from opendeposit.products import rates
from opendeposit.products.domain import DEMAND, ProductKind, RateEntry, parse_rate

router = APIRouter(prefix="/admin/api/v1/rates", tags=["admin: rates"], responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA,
    422: ERROR_SCHEMA})

ChangeId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class RateLine(BaseModel):
    kind: str
    term_months: int
    board_rate: str
    ceiling: str
    effective_from: str
    state: Literal["in_force", "planned", "superseded"]


class RateTableView(BaseModel):
    items: list[RateLine]


class RateIn(Strict):
    kind: Literal["time_deposit", "large_cd", "demand"]
    term_months: int = Field(ge=0, le=120)
    board_rate: StrictStr = Field(max_length=12, examples=["1.20"])
    ceiling: StrictStr = Field(max_length=12, examples=["1.60"])
    effective_from: date = Field(description="on or after the business date")
    note: StrictStr = Field("", max_length=500, examples=["总行利率调整通知"])


class RateChangeView(BaseModel):
    id: int
    kind: str
    term_months: int
    board_rate: str
    ceiling: str
    effective_from: str
    status: Literal["pending", "approved", "rejected"]
    note: str
    proposed_by: int
    proposed_at: str | None
    decided_by: int | None
    decided_at: str | None
    decision_note: str | None
    products_above_ceiling: list[str] | None = Field(
        None, description="on approval: published products of that term priced above the new "
        "ceiling (purchases above it are refused from its date)")


class RateChangeList(BaseModel):
    items: list[RateChangeView]


class NoteIn(Strict):
    note: StrictStr = Field("", max_length=500)


class RejectIn(Strict):
    reason: StrictStr = Field(min_length=2, max_length=500)


@router.get("")
async def list_rates(who: StaffDep, p: PlatformDep) -> RateTableView:
    """Every dated row: in force today, planned, or superseded (rows are never rewritten)."""
    return RateTableView(items=[RateLine(**r) for r in await rates.table_view(p.db)])


@router.post("", status_code=201)
async def propose_rate(body: RateIn, who: StaffDep, p: PlatformDep) -> RateChangeView:
    """Proposes a dated board rate and ceiling; it takes effect only when a checker other than
    the proposer approves it. 422 RATE_BACKDATED, RATE_INVALID, RATE_TABLE_INVALID; 409
    RATE_CHANGE_PENDING."""
    kind: Any = DEMAND if body.kind == "demand" else ProductKind(body.kind)
    entry = RateEntry(kind, body.term_months, parse_rate(body.board_rate),
                      parse_rate(body.ceiling), body.effective_from)
    return RateChangeView(**await rates.propose(db=p.db, entry=entry, note=body.note,
                                                staff_id=who.id))


@router.get("/changes")
async def list_rate_changes(
    who: StaffDep, p: PlatformDep,
    status: Annotated[Literal["pending", "approved", "rejected"] | None, Query()] = None,
) -> RateChangeList:
    return RateChangeList(items=[RateChangeView(**c)
                                 for c in await rates.changes(p.db, status=status)])


@router.post("/changes/{change_id}/approve")
async def approve_rate_change(change_id: ChangeId, body: NoteIn, who: StaffDep,
                              p: PlatformDep) -> RateChangeView:
    """The second approver puts it in the rate table; 403 MAKER_CHECKER_SAME_PERSON for the
    proposer, 422 RATE_BACKDATED when its date has passed meanwhile."""
    return RateChangeView(**await rates.approve(db=p.db, change_id=change_id, staff_id=who.id,
                                                note=body.note))


@router.post("/changes/{change_id}/reject")
async def reject_rate_change(change_id: ChangeId, body: RejectIn, who: StaffDep,
                             p: PlatformDep) -> RateChangeView:
    return RateChangeView(**await rates.reject(db=p.db, change_id=change_id, staff_id=who.id,
                                               reason=body.reason))
