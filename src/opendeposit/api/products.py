"""Customer product routes: the on-sale catalog, one product, the interest trial (public)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from opendeposit import clock
from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.money import format_amount, parse_amount
from opendeposit.products import quota
from opendeposit.products import service as products
from opendeposit.products.domain import (
    DEPOSIT_INSURANCE_LOGO_TEXT,
    INSURED_STATEMENT_EN,
    INSURED_STATEMENT_ZH,
    ProductStatus,
    format_rate,
    maturity_options,
    on_sale,
    trial,
)

router = APIRouter(prefix="/api/v1", tags=["products"], responses={422: ERROR_SCHEMA})


class ProductView(BaseModel):
    code: str = Field(examples=["TD1Y"])
    name: str = Field(examples=["1年期整存整取"])
    name_en: str
    kind: str = Field(description="time_deposit | large_cd")
    term_months: int
    rate: str = Field(description="percent a year", examples=["1.20"])
    min_amount: str
    step_amount: str
    max_per_customer: str
    quota_left: str
    on_sale: bool
    sale_start: str
    sale_end: str
    service_area: list[str] = Field(description="region-code prefixes; empty = nationwide")
    allow_partial_withdrawal: bool
    allow_rollover: bool
    maturity_options: list[str] = Field(description="payout | rollover")
    early_withdrawal_text: str
    risk_text: str
    insured_statement: str = Field(description="deposit-insurance statement (存款保险)")
    insured_statement_en: str
    deposit_insurance_logo_text: str = Field(examples=[DEPOSIT_INSURANCE_LOGO_TEXT])


class ProductList(BaseModel):
    items: list[ProductView]
    business_date: str


class TrialView(BaseModel):
    amount: str
    rate: str
    term_months: int
    interest: str
    maturity_date: str
    total_at_maturity: str


def product_view(prod: products.Product, *, quota_left: int, today: date) -> ProductView:
    t = prod.terms
    return ProductView(
        code=t.code, name=t.name, name_en=prod.texts.name_en, kind=t.kind.value,
        term_months=t.term_months, rate=format_rate(t.rate), min_amount=format_amount(
            t.min_amount), step_amount=format_amount(t.step_amount),
        max_per_customer=format_amount(t.max_per_customer), quota_left=format_amount(quota_left),
        on_sale=on_sale(t, status=prod.status, on=today, quota_left=quota_left),
        sale_start=t.sale_start.isoformat(), sale_end=t.sale_end.isoformat(),
        service_area=list(t.service_area_prefixes),
        allow_partial_withdrawal=t.allow_partial_withdrawal, allow_rollover=t.allow_rollover,
        maturity_options=maturity_options(t.allow_rollover),
        early_withdrawal_text=prod.texts.early_withdrawal_text, risk_text=prod.texts.risk_text,
        insured_statement=INSURED_STATEMENT_ZH, insured_statement_en=INSURED_STATEMENT_EN,
        deposit_insurance_logo_text=DEPOSIT_INSURANCE_LOGO_TEXT)


@router.get("/products")
async def list_products(p: PlatformDep) -> ProductList:
    """Products on sale today, each with the deposit-insurance statement and its risk text."""
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
        listed = await products.catalog(conn, statuses=[ProductStatus.PUBLISHED])
        left = await quota.quota_left(conn, [x.terms.code for x in listed])
    views = [product_view(x, quota_left=left[x.terms.code], today=today) for x in listed]
    return ProductList(items=[v for v in views if v.on_sale], business_date=today.isoformat())


async def _public_product(p, code: str):  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        today = await clock.current_business_date(conn)
        prod = await products.load(conn, code)
        left = (await quota.quota_left(conn, [code]))[code]
    if prod.status not in (ProductStatus.PUBLISHED, ProductStatus.SUSPENDED):
        raise products.ProductNotFound()  # drafts are not public
    return prod, left, today


@router.get("/products/{code}", responses={404: ERROR_SCHEMA})
async def get_product(code: str, p: PlatformDep) -> ProductView:
    prod, left, today = await _public_product(p, code)
    return product_view(prod, quota_left=left, today=today)


@router.get("/products/{code}/trial", responses={404: ERROR_SCHEMA})
async def product_trial(code: str, p: PlatformDep,
                        amount: Annotated[str, Query(max_length=32)]) -> TrialView:
    """Interest at maturity and the maturity date if `amount` is bought today (收益试算)."""
    prod, _, today = await _public_product(p, code)
    result = trial(prod.terms, amount=parse_amount(amount), start=today)
    return TrialView(amount=format_amount(result.amount), rate=format_rate(result.rate),
                     term_months=result.term_months, interest=format_amount(result.interest),
                     maturity_date=result.maturity_date.isoformat(),
                     total_at_maturity=format_amount(result.amount + result.interest))
