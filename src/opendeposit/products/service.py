"""Product use cases: the dated rate table, the catalog and its maker–checker publishing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.db import Database, is_unique_violation
from opendeposit.errors import Conflict, NotFound
from opendeposit.platform import Platform
from opendeposit.products import quota
from opendeposit.products.domain import (
    DEMO_RATES,
    ProductKind,
    ProductStatus,
    ProductTerms,
    RateEntry,
    RateTable,
    check_maker_checker,
    format_rate,
    next_status,
    validate_product,
)
from opendeposit.products.models import product, rate_entry


class ProductNotFound(NotFound):
    code = "PRODUCT_NOT_FOUND"
    message_en = "No such product."
    message_zh = "产品不存在。"


class ProductCodeTaken(Conflict):
    code = "PRODUCT_CODE_TAKEN"
    message_en = "A product with this code already exists."
    message_zh = "产品代码已存在。"


class RateEntryExists(Conflict):
    code = "RATE_ENTRY_EXISTS"
    message_en = "A rate for this kind and term already takes effect on that date."
    message_zh = "该品种期限在此日期已有生效利率。"


@dataclass(frozen=True)
class ProductTexts:
    """What the customer reads besides the numbers."""

    name_en: str
    early_withdrawal_text: str
    risk_text: str


@dataclass(frozen=True)
class Product:
    terms: ProductTerms
    texts: ProductTexts
    status: ProductStatus
    version: int
    created_by: int
    submitted_by: int | None
    approved_by: int | None


# --------------------------------------------------------------------------- rate table


async def install_rates(conn: AsyncConnection, db: Database,
                        entries: Iterable[RateEntry] = DEMO_RATES, *,
                        actor: str = "system") -> None:
    """Seed dated rate rows (idempotent): the demo bank's board rates and ceilings."""
    RateTable(entries)  # validate before writing anything
    for e in entries:
        await conn.execute(db.insert(rate_entry).values(
            kind=str(e.kind), term_months=e.term_months, board_rate=format_rate(e.board_rate),
            ceiling=format_rate(e.ceiling), effective_from=e.effective_from, created_by=actor,
            created_at=clock.utcnow()).on_conflict_do_nothing())


async def add_rate(p: Platform, entry: RateEntry, *, actor: str) -> None:
    """A new dated board rate / ceiling; rates already in force are never rewritten."""
    rows = await rate_entries(p)
    RateTable([*rows, entry])  # refuses an invalid row or a duplicate date
    try:
        async with p.db.transaction() as conn:
            await install_rates(conn, p.db, [entry], actor=actor)
            await audit(conn, actor=actor, action="rate.add",
                        subject=f"rate:{entry.kind}:{entry.term_months}",
                        detail=f"board {entry.board_rate} ceiling {entry.ceiling} "
                               f"from {entry.effective_from}")
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise RateEntryExists() from exc
        raise


def _entry_of(row: Any) -> RateEntry:
    kind = row.kind if row.kind == "demand" else ProductKind(row.kind)
    return RateEntry(kind, row.term_months, Decimal(row.board_rate), Decimal(row.ceiling),
                     row.effective_from)


async def rate_entries(p: Platform, conn: AsyncConnection | None = None) -> list[RateEntry]:
    stmt = select(rate_entry).order_by(rate_entry.c.kind, rate_entry.c.term_months,
                                       rate_entry.c.effective_from)
    if conn is not None:
        return [_entry_of(r) for r in (await conn.execute(stmt)).all()]
    async with p.db.read() as c:
        return [_entry_of(r) for r in (await c.execute(stmt)).all()]


async def rate_table(conn: AsyncConnection) -> RateTable:
    rows = (await conn.execute(select(rate_entry))).all()
    return RateTable(_entry_of(r) for r in rows)


# --------------------------------------------------------------------------- catalog


def product_of(row: Any) -> Product:
    prefixes = tuple(x for x in row.service_area.split(",") if x)
    terms = ProductTerms(
        code=row.code, name=row.name, kind=ProductKind(row.kind), term_months=row.term_months,
        rate=Decimal(row.rate), min_amount=row.min_amount, step_amount=row.step_amount,
        max_per_customer=row.max_per_customer, total_quota=row.total_quota,
        sale_start=row.sale_start, sale_end=row.sale_end, service_area_prefixes=prefixes,
        allow_partial_withdrawal=row.allow_partial_withdrawal,
        allow_rollover=row.allow_rollover)
    texts = ProductTexts(row.name_en, row.early_withdrawal_text, row.risk_text)
    return Product(terms, texts, ProductStatus(row.status), row.version, row.created_by,
                   row.submitted_by, row.approved_by)


async def load(conn: AsyncConnection, code: str, *, for_update: bool = False) -> Product:
    stmt = select(product).where(product.c.code == code)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise ProductNotFound(details={"code": code})
    return product_of(row)


async def catalog(conn: AsyncConnection, *,
                  statuses: Iterable[ProductStatus] | None = None) -> list[Product]:
    stmt = select(product).order_by(product.c.kind.desc(), product.c.term_months, product.c.code)
    if statuses is not None:
        stmt = stmt.where(product.c.status.in_([s.value for s in statuses]))
    return [product_of(r) for r in (await conn.execute(stmt)).all()]


def _values(terms: ProductTerms, texts: ProductTexts) -> dict[str, Any]:
    return dict(
        name=terms.name, name_en=texts.name_en, kind=terms.kind.value,
        term_months=terms.term_months, rate=format_rate(terms.rate), min_amount=terms.min_amount,
        step_amount=terms.step_amount, max_per_customer=terms.max_per_customer,
        total_quota=terms.total_quota, sale_start=terms.sale_start, sale_end=terms.sale_end,
        service_area=",".join(terms.service_area_prefixes),
        allow_partial_withdrawal=terms.allow_partial_withdrawal,
        allow_rollover=terms.allow_rollover,
        early_withdrawal_text=texts.early_withdrawal_text, risk_text=texts.risk_text)


async def create_draft(p: Platform, *, staff_id: int, terms: ProductTerms,
                       texts: ProductTexts) -> Product:
    now = clock.utcnow()
    try:
        async with p.db.transaction() as conn:
            await conn.execute(product.insert().values(
                code=terms.code, status=ProductStatus.DRAFT.value, version=1,
                created_by=staff_id, created_at=now, updated_at=now, **_values(terms, texts)))
            await audit(conn, actor=f"staff:{staff_id}", action="product.create",
                        subject=f"product:{terms.code}", detail=f"draft {terms.name}")
            return await load(conn, terms.code)
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise ProductCodeTaken(details={"code": terms.code}) from exc
        raise


async def edit_draft(p: Platform, *, staff_id: int, terms: ProductTerms,
                     texts: ProductTexts) -> Product:
    async with p.db.transaction() as conn:
        current = await load(conn, terms.code, for_update=True)
        next_status(current.status, "edit")
        await conn.execute(product.update().where(
            product.c.code == terms.code, product.c.status == ProductStatus.DRAFT.value
        ).values(version=current.version + 1, updated_at=clock.utcnow(),
                 **_values(terms, texts)))
        await audit(conn, actor=f"staff:{staff_id}", action="product.edit",
                    subject=f"product:{terms.code}", detail=f"version {current.version + 1}")
        return await load(conn, terms.code)


async def submit(p: Platform, *, code: str, staff_id: int) -> Product:
    """The maker hands the draft to review; the rules (rate ceiling first) must pass."""
    async with p.db.transaction() as conn:
        current = await load(conn, code, for_update=True)
        target = next_status(current.status, "submit")
        today = await clock.current_business_date(conn)
        validate_product(current.terms, await rate_table(conn), on=today)
        await _move(conn, current, target, submitted_by=staff_id)
        await audit(conn, actor=f"staff:{staff_id}", action="product.submit",
                    subject=f"product:{code}", detail=f"version {current.version}")
        return await load(conn, code)


async def approve(p: Platform, *, code: str, staff_id: int) -> Product:
    """The checker publishes: never the submitter; the rules are checked again on today's rates."""
    async with p.db.transaction() as conn:
        current = await load(conn, code, for_update=True)
        target = next_status(current.status, "approve")
        check_maker_checker(submitted_by=current.submitted_by, approver=staff_id)
        today = await clock.current_business_date(conn)
        validate_product(current.terms, await rate_table(conn), on=today)
        await _move(conn, current, target, approved_by=staff_id, published_at=clock.utcnow())
        await quota.create_shards(conn, p.db, code=code, total=current.terms.total_quota)
        await audit(conn, actor=f"staff:{staff_id}", action="product.approve",
                    subject=f"product:{code}",
                    detail=f"version {current.version} submitted by staff:{current.submitted_by}")
        return await load(conn, code)


async def reject(p: Platform, *, code: str, staff_id: int, reason: str) -> Product:
    return await _simple(p, code=code, staff_id=staff_id, action="reject", reason=reason)


async def suspend(p: Platform, *, code: str, staff_id: int, reason: str) -> Product:
    return await _simple(p, code=code, staff_id=staff_id, action="suspend", reason=reason)


async def _simple(p: Platform, *, code: str, staff_id: int, action: str,
                  reason: str) -> Product:
    async with p.db.transaction() as conn:
        current = await load(conn, code, for_update=True)
        await _move(conn, current, next_status(current.status, action))
        await audit(conn, actor=f"staff:{staff_id}", action=f"product.{action}",
                    subject=f"product:{code}", detail=reason or "-")
        return await load(conn, code)


async def _move(conn: AsyncConnection, current: Product, target: ProductStatus,
                **values: Any) -> None:
    """Change the status only if nobody changed it meanwhile (optimistic guard)."""
    result = await conn.execute(product.update().where(
        product.c.code == current.terms.code, product.c.status == current.status.value,
        product.c.version == current.version,
    ).values(status=target.value, updated_at=clock.utcnow(), **values))
    if result.rowcount != 1:
        raise Conflict(details={"code": current.terms.code})


async def business_date(p: Platform) -> date:
    async with p.db.read() as conn:
        return await clock.current_business_date(conn)
