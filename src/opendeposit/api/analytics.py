"""Event intake (POST /api/v1/events, anonymous or logged in) and the staff analytics views."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, StrictStr

from opendeposit.analytics import reports
from opendeposit.analytics import service as analytics
from opendeposit.analytics.service import EventSink
from opendeposit.api.csv_export import CSV_CONTENT, csv_response, wants_csv
from opendeposit.api.deps import PlatformDep, bearer, check_limit, client_ip
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import require
from opendeposit.auth import service as auth
from opendeposit.errors import OpenDepositError
from opendeposit.staff.domain import Role

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
From = Annotated[date | None, Query(alias="from", description="Beijing calendar day")]
To = Annotated[date | None, Query(alias="to", description="Beijing calendar day, inclusive")]
Format = Annotated[Literal["json", "csv"] | None, Query(alias="format")]
CSV_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": CSV_CONTENT, "description": "JSON, or CSV with format=csv"}}


class FunnelStepView(BaseModel):
    step: str = Field(examples=["kyc_passed"])
    event: str = Field(description="the tracked event that marks the step")
    label: str
    label_zh: str
    devices: int = Field(description="devices that reached this step and every one before")
    conversion_from_previous: float = Field(description="% of the previous step")
    conversion_from_start: float = Field(description="% of the visitors")
    drop_off: int = Field(description="devices lost since the previous step")
    drop_off_rate: float = Field(description="% of the previous step lost")


class FunnelView(BaseModel):
    date_from: date | None = Field(alias="from")
    date_to: date | None = Field(alias="to")
    steps: list[FunnelStepView]


class Kpis(BaseModel):
    visitors: int = Field(description="distinct devices with a page view")
    page_views: int
    registrations: int = Field(description="new customers (first SMS login)")
    accounts_opened: int
    deposits_count: int = Field(description="time deposits bought (rollovers are not new)")
    deposits_total: str = Field(description="yuan, 2 decimals", examples=["50000.00"])
    receipts_queried: int = Field(description="receipt checks on the verify page")
    receipts_verified: int = Field(description="checks that answered genuine")


class KpiPeriod(Kpis):
    date_from: date | None = Field(alias="from")
    date_to: date | None = Field(alias="to")


class KpiDay(Kpis):
    date: str


class DailyView(BaseModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    items: list[KpiDay]
    totals: Kpis


class ProductSales(BaseModel):
    code: str
    name: str
    kind: str
    term_months: int
    rate: str
    status: str
    total_quota: str
    sold: str = Field(description="total quota − quota left, since publication")
    quota_left: str
    sold_pct: float
    period_deposits_count: int
    period_deposits_total: str
    period_buyers: int


class ProductSalesView(BaseModel):
    date_from: date = Field(alias="from")
    date_to: date = Field(alias="to")
    items: list[ProductSales]


FUNNEL_COLUMNS = ("step", "label_zh", "label", "devices", "conversion_from_previous",
                  "conversion_from_start", "drop_off", "drop_off_rate")
DAILY_COLUMNS = ("date", *reports.KPI_FIELDS)
PRODUCT_COLUMNS = tuple(ProductSales.model_fields)


@router.get("/admin/api/v1/analytics/funnel", tags=["admin: analytics"], dependencies=[Viewer],
            response_model=FunnelView, responses=CSV_RESPONSES)
async def funnel(p: PlatformDep, request: Request, date_from: From = None, date_to: To = None,
                 fmt: Format = None) -> Any:
    """Account opening, step by step (visit → registered → identity checks started → passed →
    account opened → first deposit): devices per step, conversion and drop-off. Counted in
    SQL; a device counts at a step only if it reached every step before it."""
    await sink(request).flush()
    steps = await analytics.funnel(p.db, date_from=date_from, date_to=date_to)
    if wants_csv(request, fmt):
        return csv_response(steps, FUNNEL_COLUMNS, "funnel.csv")
    return {"from": date_from, "to": date_to, "steps": steps}


@router.get("/admin/api/v1/analytics/kpis", tags=["admin: analytics"], dependencies=[Viewer],
            response_model=KpiPeriod)
async def kpis(p: PlatformDep, request: Request, date_from: From = None,
               date_to: To = None) -> Any:
    """The period's figures (default: all time): visitors, registrations, accounts opened,
    deposits (count and total in yuan), receipts queried and verified. Money and accounts come
    from the ledger-backed tables, not from events."""
    await sink(request).flush()
    start, end = analytics.beijing_range(date_from, date_to)
    figures = await reports.period_totals(p.db, start=start, end=end)
    return {"from": date_from, "to": date_to, **figures}


@router.get("/admin/api/v1/analytics/daily", tags=["admin: analytics"], dependencies=[Viewer],
            response_model=DailyView, responses=CSV_RESPONSES)
async def daily(p: PlatformDep, request: Request, date_from: From = None, date_to: To = None,
                fmt: Format = None) -> Any:
    """The KPIs day by day (Beijing days; default the last 30), zeros on quiet days, with the
    period's totals (visitors counted over the period, not summed)."""
    await sink(request).flush()
    first, last = reports.period(date_from, date_to)
    days = await reports.daily(p.db, date_from=first, date_to=last)
    if wants_csv(request, fmt):
        return csv_response(days, DAILY_COLUMNS, f"kpis-{first}-{last}.csv")
    start, end = analytics.beijing_range(first, last)
    return {"from": first, "to": last, "items": days,
            "totals": await reports.period_totals(p.db, start=start, end=end)}


@router.get("/admin/api/v1/analytics/products", tags=["admin: analytics"],
            dependencies=[Viewer], response_model=ProductSalesView, responses=CSV_RESPONSES)
async def product_sales(p: PlatformDep, request: Request, date_from: From = None,
                        date_to: To = None, fmt: Format = None) -> Any:
    """Each published product: quota, sold and left (since publication), and the period's
    deposits, new money and buyers (default period: the last 30 days)."""
    first, last = reports.period(date_from, date_to)
    start, end = analytics.beijing_range(first, last)
    items = await reports.product_sales(p.db, start=start, end=end)
    if wants_csv(request, fmt):
        return csv_response(items, PRODUCT_COLUMNS, f"product-sales-{first}-{last}.csv")
    return {"from": first, "to": last, "items": items}
