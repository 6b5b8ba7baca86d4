"""Admin routes (/admin/api/v1): products with maker–checker publishing, the business date and
batches (EOD). Who may call what is the permission matrix (`staff/permissions.py`), enforced
by `api.guard` on every admin route; login, staff, rates and audit have their own modules."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, StrictBool, StrictStr
from sqlalchemy import func, select

from opendeposit import clock, eod
from opendeposit.accounts.service import audit
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import RoleRequired, StaffDep, require, staff_principal
from opendeposit.api.products import ProductView, product_view
from opendeposit.api.schemas import Amount, Strict
from opendeposit.deposits.models import eod_failure
from opendeposit.money import format_amount, parse_amount
from opendeposit.products import quota
from opendeposit.products import service as products
from opendeposit.products.domain import (
    DEFAULT_RISK_TEXT,
    ProductKind,
    ProductTerms,
    default_early_withdrawal_text,
    parse_rate,
    product_problems,
)

router = APIRouter(prefix="/admin/api/v1", tags=["admin"],
                   responses={401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 422: ERROR_SCHEMA})

__all__ = ["RoleRequired", "StaffDep", "require", "router", "staff_principal"]


# --------------------------------------------------------------------------- products


class ProductIn(Strict):
    code: StrictStr = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,31}$", examples=["TD1Y-2026A"])
    name: StrictStr = Field(min_length=1, max_length=60)
    name_en: StrictStr = Field("", max_length=120)
    kind: Literal["time_deposit", "large_cd"]
    term_months: int = Field(ge=1, le=120)
    rate: StrictStr = Field(max_length=12, examples=["1.20"])
    min_amount: Amount
    step_amount: Amount
    max_per_customer: Amount
    total_quota: Amount
    sale_start: date
    sale_end: date
    service_area: list[StrictStr] = Field(default_factory=list, max_length=50)
    allow_partial_withdrawal: StrictBool = True
    allow_rollover: StrictBool = True
    early_withdrawal_text: StrictStr | None = Field(None, max_length=1000)
    risk_text: StrictStr | None = Field(None, max_length=2000)

    def terms(self, code: str | None = None) -> ProductTerms:
        return ProductTerms(
            code=code or self.code, name=self.name, kind=ProductKind(self.kind),
            term_months=self.term_months, rate=parse_rate(self.rate),
            min_amount=parse_amount(self.min_amount),
            step_amount=parse_amount(self.step_amount),
            max_per_customer=parse_amount(self.max_per_customer),
            total_quota=parse_amount(self.total_quota), sale_start=self.sale_start,
            sale_end=self.sale_end, service_area_prefixes=tuple(self.service_area),
            allow_partial_withdrawal=self.allow_partial_withdrawal,
            allow_rollover=self.allow_rollover)

    def texts(self) -> products.ProductTexts:
        return products.ProductTexts(
            self.name_en or self.name,
            self.early_withdrawal_text or default_early_withdrawal_text(
                self.allow_partial_withdrawal),
            self.risk_text or DEFAULT_RISK_TEXT)


class Problem(BaseModel):
    code: str
    message: str
    message_zh: str


class AdminProductView(ProductView):
    status: str = Field(description="draft | pending | published | suspended")
    version: int
    total_quota: str
    created_by: int
    submitted_by: int | None
    approved_by: int | None
    problems: list[Problem] = Field(description="why it could not be published today")


class ReasonIn(Strict):
    reason: StrictStr = Field("", max_length=500)


async def _admin_view(p: Any, prod: products.Product) -> AdminProductView:
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
        left = (await quota.quota_left(conn, [prod.terms.code]))[prod.terms.code]
        rates = await products.rate_table(conn)
    if prod.status.value in ("draft", "pending"):
        left = prod.terms.total_quota  # nothing sold before publication
    base = product_view(prod, quota_left=left, today=today).model_dump()
    problems = [Problem(code=x.code, message=x.message_en, message_zh=x.message_zh)
                for x in product_problems(prod.terms, rates, on=today)]
    return AdminProductView(**base, status=prod.status.value, version=prod.version,
                            total_quota=format_amount(prod.terms.total_quota),
                            created_by=prod.created_by, submitted_by=prod.submitted_by,
                            approved_by=prod.approved_by, problems=problems)


class AdminProductList(BaseModel):
    items: list[AdminProductView]


@router.get("/products")
async def admin_products(who: StaffDep, p: PlatformDep) -> AdminProductList:
    """Every product in every status, with what would stop it being published today."""
    async with p.db.read() as conn:
        listed = await products.catalog(conn)
    return AdminProductList(items=[await _admin_view(p, x) for x in listed])


@router.get("/products/{code}", responses={404: ERROR_SCHEMA})
async def admin_product(code: str, who: StaffDep, p: PlatformDep) -> AdminProductView:
    async with p.db.read() as conn:
        prod = await products.load(conn, code)
    return await _admin_view(p, prod)


@router.post("/products", status_code=201, responses={409: ERROR_SCHEMA})
async def create_product(body: ProductIn, who: StaffDep, p: PlatformDep) -> AdminProductView:
    """A new product as a draft (经办)."""
    prod = await products.create_draft(p, staff_id=who.id, terms=body.terms(),
                                       texts=body.texts())
    return await _admin_view(p, prod)


@router.put("/products/{code}", responses={404: ERROR_SCHEMA, 409: ERROR_SCHEMA})
async def edit_product(code: str, body: ProductIn, who: StaffDep,
                       p: PlatformDep) -> AdminProductView:
    """Replaces a draft's fields (only while it is a draft; the code in the path wins)."""
    prod = await products.edit_draft(p, staff_id=who.id, terms=body.terms(code),
                                     texts=body.texts())
    return await _admin_view(p, prod)


@router.post("/products/{code}/submit", responses={404: ERROR_SCHEMA, 409: ERROR_SCHEMA})
async def submit_product(code: str, who: StaffDep, p: PlatformDep) -> AdminProductView:
    """Hands the draft to a checker; refused if a rule fails (e.g. rate above the ceiling)."""
    return await _admin_view(p, await products.submit(p, code=code, staff_id=who.id))


@router.post("/products/{code}/approve", responses={404: ERROR_SCHEMA, 409: ERROR_SCHEMA})
async def approve_product(code: str, who: StaffDep, p: PlatformDep) -> AdminProductView:
    """Publishes; 403 MAKER_CHECKER_SAME_PERSON when the approver submitted it."""
    return await _admin_view(p, await products.approve(p, code=code, staff_id=who.id))


@router.post("/products/{code}/reject", responses={404: ERROR_SCHEMA, 409: ERROR_SCHEMA})
async def reject_product(code: str, body: ReasonIn, who: StaffDep,
                         p: PlatformDep) -> AdminProductView:
    return await _admin_view(p, await products.reject(p, code=code, staff_id=who.id,
                                                      reason=body.reason))


@router.post("/products/{code}/suspend", responses={404: ERROR_SCHEMA, 409: ERROR_SCHEMA})
async def suspend_product(code: str, body: ReasonIn, who: StaffDep,
                          p: PlatformDep) -> AdminProductView:
    """Stops sales at once; holdings already bought are not affected."""
    return await _admin_view(p, await products.suspend(p, code=code, staff_id=who.id,
                                                       reason=body.reason))


# --------------------------------------------------------------------------- day and batches


class BusinessDate(BaseModel):
    business_date: str = Field(examples=["2025-06-02"])


class EodResult(BaseModel):
    business_date: str = Field(description="the day closed")
    next_date: str
    ran: bool = Field(description="false when that day was already closed")
    report: dict[str, Any] = Field(description="per step: what it did (counts, failures)")


class EodRun(BaseModel):
    business_date: str
    status: Literal["running", "done", "failed"]
    step: str
    started_at: str
    finished_at: str | None
    failures: int
    report: dict[str, Any]


class EodRuns(BaseModel):
    items: list[EodRun]


class EodFailure(BaseModel):
    step: str
    subject: str
    code: str
    message: str
    at: str


class EodFailures(BaseModel):
    items: list[EodFailure]


@router.get("/business-date")
async def business_date(who: StaffDep, p: PlatformDep) -> BusinessDate:
    return BusinessDate(business_date=(await products.business_date(p)).isoformat())


@router.post("/batches/eod", response_model=EodResult)
async def run_eod(who: StaffDep, p: PlatformDep) -> dict[str, Any]:
    """Closes the current business date (safe to repeat) and advances it by one day."""
    async with p.db.transaction() as conn:
        await audit(conn, actor=f"staff:{who.id}", action="eod.run", subject="batch:eod",
                    detail="started from the admin API")
    result = await eod.run_eod(p.db, p.eod_plan())
    return {"business_date": result.business_date.isoformat(),
            "next_date": result.next_date.isoformat(), "ran": result.ran,
            "report": result.report}


@router.get("/batches", response_model=EodRuns)
async def batch_history(who: StaffDep, p: PlatformDep,
                        limit: Annotated[int, Query(ge=1, le=200)] = 30) -> dict[str, Any]:
    """EOD runs, newest first, with their day reports and how many items failed."""
    async with p.db.read() as conn:
        runs = (await conn.execute(select(clock.eod_run).order_by(
            clock.eod_run.c.business_date.desc()).limit(limit))).all()
        failed: dict[Any, int] = dict((await conn.execute(
            select(eod_failure.c.business_date, func.count())
            .group_by(eod_failure.c.business_date))).all())
    return {"items": [{
        "business_date": r.business_date.isoformat(), "status": r.status, "step": r.step,
        "started_at": clock.as_utc(r.started_at).isoformat(),
        "finished_at": clock.as_utc(r.finished_at).isoformat() if r.finished_at else None,
        "failures": failed.get(r.business_date, 0),
        "report": json.loads(r.report) if r.report else {}} for r in runs]}


@router.get("/batches/{business_date}/failures", response_model=EodFailures)
async def batch_failures(business_date: date, who: StaffDep,
                         p: PlatformDep) -> dict[str, Any]:
    async with p.db.read() as conn:
        rows = (await conn.execute(select(eod_failure).where(
            eod_failure.c.business_date == business_date).order_by(eod_failure.c.id))).all()
    return {"items": [{"step": r.step, "subject": r.subject, "code": r.code,
                       "message": r.message, "at": clock.as_utc(r.created_at).isoformat()}
                      for r in rows]}
