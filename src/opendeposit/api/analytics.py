"""Event intake (POST /api/v1/events, anonymous or logged in) and the staff analytics views."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, StrictStr
from sqlalchemy import func, select

from opendeposit.accounts.models import account, customer
from opendeposit.analytics import service as analytics
from opendeposit.analytics.service import EventSink
from opendeposit.api.admin import require
from opendeposit.api.deps import PlatformDep, bearer, check_limit, client_ip
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.auth import service as auth
from opendeposit.errors import OpenDepositError
from opendeposit.money import format_amount
from opendeposit.staff.service import Role

router = APIRouter(tags=["analytics"], responses={422: ERROR_SCHEMA})


class EventIn(BaseModel):
    name: StrictStr = Field(max_length=200, examples=["page_view"])
    ts: StrictStr | None = Field(None, max_length=40, examples=["2025-06-02T10:00:00+08:00"])
    props: dict[str, Any] = Field(default_factory=dict, examples=[{"path": "/m/"}])


class EventsIn(BaseModel):
    events: list[EventIn] = Field(max_length=50)
    device_id: StrictStr = Field(min_length=1, max_length=64, examples=["d-3f2a9c"])


def sink(request: Request) -> EventSink:
    """One sink per app, started on first use inside the running event loop."""
    found = getattr(request.app.state, "events", None)
    if found is None:
        found = EventSink(request.app.state.platform.db)
        found.start()
        request.app.state.events = found
    return found


@router.post("/api/v1/events", status_code=202, responses={429: ERROR_SCHEMA})
async def intake(body: EventsIn, request: Request, p: PlatformDep) -> dict[str, int]:
    """Queues a batch of tracked events (≤ 50); never waits for the database."""
    await check_limit(request, "events_ip", client_ip(request))
    await check_limit(request, "events_device", body.device_id)
    customer_id = None
    creds: HTTPAuthorizationCredentials | None = await bearer(request)
    if creds is not None:
        try:
            who = await auth.authenticate(p, creds.credentials)
            customer_id = who.id if who.kind == "customer" else None
        except OpenDepositError:
            customer_id = None  # an expired token still lets the page report anonymously
    result = sink(request).offer(device_id=body.device_id, customer_id=customer_id,
                                 events=[e.model_dump() for e in body.events])
    return {"accepted": result.accepted, "dropped": result.dropped}


Viewer = require(Role.ADMIN, Role.AUDITOR, Role.OPERATOR, Role.RISK, Role.CHECKER)


@router.get("/admin/api/v1/analytics/funnel", tags=["admin"], dependencies=[Viewer])
async def funnel(p: PlatformDep, request: Request,
                 date_from: Annotated[date | None, Query(alias="from")] = None,
                 date_to: Annotated[date | None, Query(alias="to")] = None) -> dict[str, Any]:
    """Devices at each step of visit → login → account → deposit → receipt check (strict)."""
    await sink(request).flush()
    steps = await analytics.funnel(p.db, date_from=date_from, date_to=date_to)
    return {"from": date_from, "to": date_to, "steps": steps}


@router.get("/admin/api/v1/analytics/kpis", tags=["admin"], dependencies=[Viewer])
async def kpis(p: PlatformDep, request: Request,
               date_from: Annotated[date | None, Query(alias="from")] = None,
               date_to: Annotated[date | None, Query(alias="to")] = None) -> dict[str, Any]:
    """The figures the business reports: visitors, registrations, accounts opened, deposits
    (count and total), receipts verified. Money figures come from the ledger-backed tables,
    not from events."""
    await sink(request).flush()
    start, end = analytics._range(date_from, date_to)
    counts = await analytics.event_counts(p.db, date_from=date_from, date_to=date_to,
                                          names=["page_view", "receipt_verified"])
    async with p.db.read() as conn:
        registrations = (await conn.execute(select(func.count()).select_from(customer).where(
            customer.c.created_at >= start, customer.c.created_at < end))).scalar_one()
        opened = (await conn.execute(select(func.count()).select_from(account).where(
            account.c.opened_at >= start, account.c.opened_at < end))).scalar_one()
        deposits_count, deposits_total = await _deposits(conn, start, end)
    return {
        "from": date_from, "to": date_to,
        "visitors": counts["page_view"][1],
        "page_views": counts["page_view"][0],
        "registrations": int(registrations),
        "accounts_opened": int(opened),
        "deposits_count": deposits_count,
        "deposits_total": format_amount(deposits_total),
        "receipts_verified": counts["receipt_verified"][0],
    }


async def _deposits(conn: Any, start: Any, end: Any) -> tuple[int, int]:
    """New money placed in deposits (purchases; rollovers are not new deposits)."""
    from opendeposit.deposits.models import holding

    row = (await conn.execute(
        select(func.count(), func.coalesce(func.sum(holding.c.original_principal), 0))
        .where(holding.c.created_at >= start, holding.c.created_at < end,
               holding.c.previous_holding_id.is_(None)))).one()
    return int(row[0]), int(row[1])
