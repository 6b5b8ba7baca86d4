"""Apply a write plan (`opendeposit.writeplan`) atomically, on whichever engine the database is.

- `apply(db, plan)`: in its own unit of work. PostgreSQL: one autocommit call of
  `apply_plan()` on the asyncpg connection (one round trip), retried from scratch after a
  deadlock or serialization abort; SQLite: one transaction, statement by statement.
- `apply_in(conn, plan)`: inside the caller's unit of work (a read under lock first, say).

Both raise the step's refusal when a guard with `Refuse` misses, `PlanAbandoned` when one with
`Abandon` does, and InsufficientFunds when a non-negative ledger balance would go below zero;
nothing of the plan is written then. They return the captured values (see `writeplan.Ref`).
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database
from opendeposit.db.lower import writes_outbox
from opendeposit.db.pg_apply import CALL, Compiled, captured_of, compile_plan
from opendeposit.db.sqlite_apply import apply_sqlite, missed
from opendeposit.ledger.domain import InsufficientFunds
from opendeposit.writeplan import Plan

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
ATTEMPTS = 5
MISSED = "OD000"  # apply_plan(): a step's guard missed (its number in DETAIL)
Captured = dict[str, Any]
T = TypeVar("T")

_CALL_SA = text("SELECT apply_plan(CAST(:s AS text[]), CAST(:a AS text[]), CAST(:e AS int[]))")


def sqlstate(exc: BaseException) -> str | None:
    """The SQLSTATE of a database error, raised through SQLAlchemy or by asyncpg itself."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_retryable(exc: BaseException) -> bool:
    return sqlstate(exc) in RETRYABLE_SQLSTATES


def _below_zero(exc: BaseException) -> bool:
    return "balance_non_negative" in str(getattr(exc, "orig", exc)) or \
        "balance_non_negative" in (getattr(exc, "constraint_name", None) or "")


async def apply(db: Database, plan: Plan, *, compiled: Compiled | None = None) -> Captured:
    """The plan in its own unit of work (PostgreSQL: one round trip; `compiled`: the plan
    already compiled by `compile_plan`, say while an earlier plan was being applied)."""
    if db.is_sqlite:
        async with db.transaction() as conn:
            return await apply_in(conn, plan)
    from opendeposit.db.driver import driver_connection

    steps, sqls, args, expect = compiled or compile_plan(plan)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with driver_connection(db) as driver:
                result = await driver.conn.fetchval(CALL, sqls, args, expect)
                if writes_outbox(plan):
                    driver.outbox_written()
            return captured_of(result)
        except asyncpg.PostgresError as exc:
            if attempt < ATTEMPTS and is_retryable(exc):
                await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
                continue
            _raise_for(exc, steps, detail=exc.detail)
    raise AssertionError("unreachable")


async def apply_in(conn: AsyncConnection, plan: Plan) -> Captured:
    """The plan inside the caller's transaction; its refusals propagate (roll back there)."""
    try:
        if conn.dialect.name == "sqlite":
            captured = await apply_sqlite(conn, plan)
        else:
            steps, sqls, args, expect = compile_plan(plan)
            try:
                result = (await conn.execute(_CALL_SA, {"s": sqls, "a": args, "e": expect})
                          ).scalar()
            except DBAPIError as exc:
                if sqlstate(exc) != MISSED:
                    raise
                found = re.search(r"plan step (\d+) missed", str(exc.orig))
                _raise_for(exc, steps, detail=found.group(1) if found else None)
            captured = captured_of(result)
    except IntegrityError as exc:
        if _below_zero(exc):
            raise InsufficientFunds() from exc
        raise
    if writes_outbox(plan):
        from opendeposit.esb.outbox import PENDING_KEY  # late: esb imports the database layer

        conn.info[PENDING_KEY] = True
    return captured


def _raise_for(exc: BaseException, steps: list[Any], *, detail: str | None) -> None:
    if sqlstate(exc) == MISSED:
        missed(steps[int(detail or 0)].on_miss)
    if sqlstate(exc) == "23514" and _below_zero(exc):
        raise InsufficientFunds() from exc
    raise exc


async def in_transaction(db: Database, work: Callable[[AsyncConnection], Awaitable[T]], *,
                         attempts: int = ATTEMPTS) -> T:
    """`work(conn)` inside one transaction, retried from scratch after a deadlock abort."""
    for attempt in range(1, attempts + 1):
        try:
            async with db.transaction() as conn:
                return await work(conn)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")


async def next_ids(conn: AsyncConnection, table: str, n: int) -> list[int]:
    """`n` ids for new rows of `table` (its `id` column), drawn inside the caller's unit of
    work: PostgreSQL from the column's sequence (ids of rolled-back plans are gaps), SQLite
    after the largest id (the writer lock is held, so no one else draws meanwhile)."""
    if n == 0:
        return []
    if conn.dialect.name == "sqlite":
        top = (await conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{table}"'))
               ).scalar_one()
        return list(range(int(top) + 1, int(top) + 1 + n))
    rows = await conn.execute(text(
        "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
        {"t": table, "n": n})
    return [int(r[0]) for r in rows]
