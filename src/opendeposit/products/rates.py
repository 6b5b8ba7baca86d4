"""Rate changes with a second approver (maker–checker) and no backdating.

A risk officer (or admin) proposes a dated board rate and ceiling; a checker other than the
proposer approves it, and only then does it enter the rate table. The effective date must not
be before the business date, both when proposed and when approved (a proposal left pending past
its date must be proposed again). Rows already in the table are never rewritten.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.db import Database, is_unique_violation
from opendeposit.errors import Conflict, NotFound
from opendeposit.products.domain import (
    DEMAND,
    ProductKind,
    ProductStatus,
    RateEntry,
    RateNotDefined,
    RateTable,
    check_maker_checker,
    check_not_backdated,
    format_rate,
)
from opendeposit.products.models import product, rate_change, rate_entry
from opendeposit.products.service import RateEntryExists, install_rates, rate_table


class RateChangeNotFound(NotFound):
    code = "RATE_CHANGE_NOT_FOUND"
    message_en = "No such rate change."
    message_zh = "利率调整申请不存在。"


class RateChangeNotPending(Conflict):
    code = "RATE_CHANGE_NOT_PENDING"
    message_en = "This rate change was already decided."
    message_zh = "该利率调整申请已处理。"


class RateChangePending(Conflict):
    code = "RATE_CHANGE_PENDING"
    message_en = "A change of this rate on that date is already waiting for approval."
    message_zh = "该品种期限在此日期的利率调整已在待复核。"


def entry_of(r: Any) -> RateEntry:
    kind = DEMAND if r.kind == DEMAND else ProductKind(r.kind)
    return RateEntry(kind, r.term_months, Decimal(r.board_rate), Decimal(r.ceiling),
                     r.effective_from)


async def _entries(conn: Any) -> list[RateEntry]:
    return [entry_of(r) for r in (await conn.execute(select(rate_entry))).all()]


def view(r: Any, *, affected: list[str] | None = None) -> dict[str, Any]:
    def at(v: Any) -> str | None:
        return clock.as_utc(v).isoformat() if v else None

    out = {"id": int(r.id), "kind": r.kind, "term_months": r.term_months,
           "board_rate": r.board_rate, "ceiling": r.ceiling,
           "effective_from": r.effective_from.isoformat(), "status": r.status, "note": r.note,
           "proposed_by": r.proposed_by, "proposed_at": at(r.proposed_at),
           "decided_by": r.decided_by, "decided_at": at(r.decided_at),
           "decision_note": r.decision_note}
    if affected is not None:
        out["products_above_ceiling"] = affected
    return out


async def propose(*, db: Database, entry: RateEntry, note: str, staff_id: int) -> dict[str, Any]:
    """A pending change; refused when backdated, invalid or clashing with the table."""
    async with db.transaction() as conn:
        today = await clock.current_business_date(conn)
        check_not_backdated(entry.effective_from, business_date=today)
        RateTable([*(await _entries(conn)), entry])
        clash = (await conn.execute(select(rate_change.c.id).where(
            rate_change.c.kind == str(entry.kind),
            rate_change.c.term_months == entry.term_months,
            rate_change.c.effective_from == entry.effective_from,
            rate_change.c.status == "pending"))).first()
        if clash is not None:
            raise RateChangePending(details={"id": clash.id})
        new_id = (await conn.execute(rate_change.insert().values(
            kind=str(entry.kind), term_months=entry.term_months,
            board_rate=format_rate(entry.board_rate), ceiling=format_rate(entry.ceiling),
            effective_from=entry.effective_from, status="pending", note=note,
            proposed_by=staff_id, proposed_at=clock.utcnow()).returning(rate_change.c.id)
        )).scalar_one()
        await audit(conn, actor=f"staff:{staff_id}", action="rate.propose",
                    subject=f"rate:{entry.kind}:{entry.term_months}",
                    detail=f"board {entry.board_rate} ceiling {entry.ceiling} from "
                           f"{entry.effective_from} (change {new_id})", reason=note)
        row = (await conn.execute(select(rate_change).where(rate_change.c.id == new_id))).one()
    return view(row)


async def _pending(conn: Any, change_id: int) -> Any:
    stmt = select(rate_change).where(rate_change.c.id == change_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise RateChangeNotFound()
    if row.status != "pending":
        raise RateChangeNotPending(details={"status": row.status})
    return row


async def approve(*, db: Database, change_id: int, staff_id: int,
                  note: str = "") -> dict[str, Any]:
    """The second person puts the change in the rate table (never the proposer)."""
    try:
        async with db.transaction() as conn:
            row = await _pending(conn, change_id)
            check_maker_checker(submitted_by=row.proposed_by, approver=staff_id)
            entry = entry_of(row)
            check_not_backdated(entry.effective_from,
                                business_date=await clock.current_business_date(conn))
            RateTable([*(await _entries(conn)), entry])
            await install_rates(conn, db, [entry], actor=f"staff:{staff_id}")
            await conn.execute(rate_change.update().where(rate_change.c.id == change_id).values(
                status="approved", decided_by=staff_id, decided_at=clock.utcnow(),
                decision_note=note))
            await audit(conn, actor=f"staff:{staff_id}", action="rate.approve",
                        subject=f"rate:{row.kind}:{row.term_months}",
                        detail=f"change {change_id} proposed by staff:{row.proposed_by}: board "
                               f"{row.board_rate} ceiling {row.ceiling} from "
                               f"{row.effective_from}", reason=note)
            affected = await _above_ceiling(conn, entry)
            row = (await conn.execute(select(rate_change).where(
                rate_change.c.id == change_id))).one()
    except IntegrityError as exc:
        if is_unique_violation(exc):
            raise RateEntryExists() from exc
        raise
    return view(row, affected=affected)


async def _above_ceiling(conn: Any, entry: RateEntry) -> list[str]:
    """Published products of that kind and term priced above the new ceiling (they stop
    selling above it from its date: the purchase re-checks the ceiling)."""
    if entry.kind == DEMAND:
        return []
    rows = (await conn.execute(select(product.c.code, product.c.rate).where(
        product.c.kind == str(entry.kind), product.c.term_months == entry.term_months,
        product.c.status == ProductStatus.PUBLISHED.value))).all()
    return sorted(r.code for r in rows if Decimal(r.rate) > entry.ceiling)


async def reject(*, db: Database, change_id: int, staff_id: int, reason: str) -> dict[str, Any]:
    async with db.transaction() as conn:
        row = await _pending(conn, change_id)
        await conn.execute(rate_change.update().where(rate_change.c.id == change_id).values(
            status="rejected", decided_by=staff_id, decided_at=clock.utcnow(),
            decision_note=reason))
        await audit(conn, actor=f"staff:{staff_id}", action="rate.reject",
                    subject=f"rate:{row.kind}:{row.term_months}",
                    detail=f"change {change_id}", reason=reason)
        row = (await conn.execute(select(rate_change).where(
            rate_change.c.id == change_id))).one()
    return view(row)


async def changes(db: Database, *, status: str | None, limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(rate_change).order_by(rate_change.c.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(rate_change.c.status == status)
    async with db.read() as conn:
        return [view(r) for r in (await conn.execute(stmt)).all()]


async def table_view(db: Database) -> list[dict[str, Any]]:
    """The rate table with, per row, whether it is in force, planned or superseded today."""
    async with db.read() as conn:
        today = await clock.current_business_date(conn)
        table = await rate_table(conn)
        rows = await _entries(conn)
    out = []
    for e in rows:
        try:
            current = table.entry(e.kind, e.term_months, today)
        except RateNotDefined:  # nothing in force yet for that kind and term
            current = None
        state = "planned" if e.effective_from > today else \
            "in_force" if current == e else "superseded"
        out.append({"kind": str(e.kind), "term_months": e.term_months,
                    "board_rate": format_rate(e.board_rate), "ceiling": format_rate(e.ceiling),
                    "effective_from": e.effective_from.isoformat(), "state": state})
    return out
