"""Demand interest (活期利息) on Class II balances: daily accrual of the balance product (积数),
settlement on 3/20, 6/20, 9/20 and 12/20, credit on the next day (domain.md §3.4, §11.4).

- accrual: one set-based upsert per range of accounts adds the day's closing balance to the
  period's accumulator; `last_day < :day` makes a re-run of the same day add nothing. The rule
  is `demand_plans.accrue` (pure), which a generated-case test holds this statement to;
- settlement (every day; finds work only on a settlement date or to catch up) and credit (the
  day after settlement, or later to catch up): chunks of accumulators decided in
  `demand_plans.py`, each chunk one plan (guarded state changes + one Post per chain).
Each accumulator moves accruing → settled → credited exactly once (guarded updates).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, bindparam, func, select, text, tuple_

from opendeposit import clock
from opendeposit.accounts.models import account
from opendeposit.db import Database
from opendeposit.db.apply import apply
from opendeposit.deposits.demand_plans import (
    credit_allowed,
    credit_plan,
    credits_needed,
    settlement_plan,
)
from opendeposit.deposits.domain import settlement_date_for
from opendeposit.deposits.eod import record_failure, run_chunk
from opendeposit.deposits.models import demand_accrual as acc
from opendeposit.ledger import serials
from opendeposit.products.domain import RateNotDefined
from opendeposit.products.service import rate_table
from opendeposit.serials import Channel
from opendeposit.writeplan import Plan, PlanAbandoned

ACCOUNT_RANGE = 20_000
ACCRUE_WORKERS = 2  # ranges accrued at once on PostgreSQL
CHUNK = 2_000

# Reads the Class II balances straight from the ledger's balance rows: a per-customer ledger
# account has exactly one balance row (its chain's shard). Set-based on purpose: one statement
# per range of accounts, however many accounts there are.
_ACCRUE = text("""
INSERT INTO demand_accrual
  (account_id, settlement_date, balance_product, days_accrued, last_day, state)
SELECT a.id, :settle, b.balance, 1, :day, 'accruing'
FROM account a JOIN ledger_balance b ON b.account_code = a.ledger_code
WHERE a.id > :lo AND a.id <= :hi AND a.status <> 'closed' AND b.balance > 0
ON CONFLICT (account_id, settlement_date) DO UPDATE
SET balance_product = demand_accrual.balance_product + excluded.balance_product,
    days_accrued = demand_accrual.days_accrued + 1,
    last_day = excluded.last_day
WHERE demand_accrual.last_day < excluded.last_day AND demand_accrual.state = 'accruing'
""").bindparams(bindparam("settle", type_=Date), bindparam("day", type_=Date))


async def accrue(*, db: Database, day: date) -> dict[str, object]:
    """(b1) Add each Class II account's closing balance of `day` to its period accumulator.

    The ranges are disjoint and each is its own transaction, so on PostgreSQL `ACCRUE_WORKERS`
    of them run at once (one backend per core); SQLite has one writer: one at a time."""
    settle = settlement_date_for(day)
    async with db.read() as conn:
        top = int((await conn.execute(select(func.coalesce(func.max(account.c.id), 0))))
                  .scalar_one())
    ranges = iter(range(0, top, ACCOUNT_RANGE))
    accrued = 0

    async def worker() -> None:
        nonlocal accrued
        for lo in ranges:  # shared: each range is taken by one worker
            async with db.transaction() as conn:
                result = await conn.execute(_ACCRUE, {"settle": settle, "day": day, "lo": lo,
                                                      "hi": lo + ACCOUNT_RANGE})
                accrued += max(result.rowcount, 0)

    await asyncio.gather(*(worker() for _ in range(1 if db.is_sqlite else ACCRUE_WORKERS)))
    return {"settlement_date": settle.isoformat(), "accounts": accrued}


_START: tuple[int, date] = (0, date.min)


def _accumulators(state: str, up_to: date, after: tuple[int, date]) -> Any:
    return (select(acc.c.account_id, acc.c.settlement_date, acc.c.balance_product,
                   acc.c.interest, account.c.chain, account.c.ledger_code, account.c.status)
            .join(account, account.c.id == acc.c.account_id)
            .where(acc.c.state == state, acc.c.settlement_date <= up_to,
                   tuple_(acc.c.account_id, acc.c.settlement_date) > tuple_(*after))
            .order_by(acc.c.account_id, acc.c.settlement_date).limit(CHUNK))


async def settle(*, db: Database, day: date) -> dict[str, object]:
    """(b2) Interest of every accumulator whose period has ended, booked as payable."""
    tally: Counter[str] = Counter()
    after, retries = _START, 0
    while True:
        async with db.read() as conn:
            rows = (await conn.execute(_accumulators("accruing", day, after))).all()
            rates = await rate_table(conn) if rows else None
        if not rows or rates is None:
            return dict(tally)
        try:
            plan, done = settlement_plan(list(rows), day=day, rates=rates, now=clock.utcnow())
        except RateNotDefined as exc:
            await record_failure(db, day=day, step="demand_settlement", subject="rate:demand",
                                 exc=exc)
            return {**tally, "failed": len(rows)}
        try:
            await apply(db, plan)
        except PlanAbandoned:  # changed meanwhile (another run): read the chunk again
            retries += 1
            if retries > 3:
                raise
            continue
        retries = 0
        after = (rows[-1].account_id, rows[-1].settlement_date)
        tally.update(done)


async def credit(*, db: Database, day: date) -> dict[str, object]:
    """(b3) Settled interest into the customers' balances, from the day after settlement."""
    tally: Counter[str] = Counter()
    after = _START
    while True:
        async with db.read() as conn:
            rows = (await conn.execute(_accumulators(
                "settled", day - timedelta(days=1), after))).all()
        if not rows:
            return dict(tally)
        after = (rows[-1].account_id, rows[-1].settlement_date)
        tally += await run_chunk(
            db, day=day, step="demand_interest_credit", items=list(rows),
            subject=lambda r: f"account:{r.account_id}:{r.settlement_date.isoformat()}",
            check=credit_allowed, apply_items=lambda chunk: _credit(db, chunk, day))


async def _credit(db: Database, rows: list[Any], day: date) -> Counter[str]:
    now, done = clock.utcnow(), Counter[str]()

    def decide(drawn: list[str]) -> Plan:
        plan, tally = credit_plan(rows, day=day, now=now, serials=drawn)
        done.update(tally)
        return plan

    await serials.apply_with_serials(db, at=now, channel=Channel.BT, n=credits_needed(rows),
                                     decide=decide)
    return done
