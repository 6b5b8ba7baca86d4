"""Demand interest (活期利息) on Class II balances: daily accrual of the balance product (积数),
settlement on 3/20, 6/20, 9/20 and 12/20, credit on the next day (domain.md §3.4, §11.4).

- accrual: one set-based upsert per range of accounts adds the day's closing balance to the
  period's accumulator; `last_day < :day` makes a re-run of the same day add nothing;
- settlement (every day; finds work only on a settlement date or to catch up): interest of each
  accumulator at the demand rate of its settlement date, Dr 5211 / Cr 2231 per chain and chunk;
- credit (the day after settlement, or later to catch up): Dr 2231 / Cr 2011 customer.
Each accumulator moves accruing → settled → credited exactly once (conditional updates).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, bindparam, func, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.accounts.domain import AccountStatus, Operation, check_allowed
from opendeposit.accounts.models import account
from opendeposit.deposits.domain import demand_interest, settlement_date_for
from opendeposit.deposits.eod import record_failure, run_isolated
from opendeposit.deposits.models import demand_accrual as acc
from opendeposit.deposits.retry import in_transaction
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import INTEREST_EXPENSE, INTEREST_PAYABLE, JournalEntry
from opendeposit.platform import Platform
from opendeposit.products.domain import RateNotDefined, format_rate
from opendeposit.products.service import rate_table

ACCOUNT_RANGE = 20_000
CHUNK = 500

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


async def accrue(p: Platform, day: date) -> dict[str, object]:
    """(b1) Add each Class II account's closing balance of `day` to its period accumulator."""
    settle = settlement_date_for(day)
    async with p.db.read() as conn:
        top = int((await conn.execute(select(func.coalesce(func.max(account.c.id), 0))))
                  .scalar_one())
    accrued = 0
    for lo in range(0, top, ACCOUNT_RANGE):
        async with p.db.transaction() as conn:
            result = await conn.execute(_ACCRUE, {"settle": settle, "day": day, "lo": lo,
                                                  "hi": lo + ACCOUNT_RANGE})
            accrued += max(result.rowcount, 0)
    return {"settlement_date": settle.isoformat(), "accounts": accrued}


_START: tuple[int, date] = (0, date.min)


def _accumulators(state: str, up_to: date, after: tuple[int, date]) -> Any:
    return (select(acc.c.account_id, acc.c.settlement_date, acc.c.balance_product,
                   acc.c.interest, account.c.chain, account.c.ledger_code, account.c.status)
            .join(account, account.c.id == acc.c.account_id)
            .where(acc.c.state == state, acc.c.settlement_date <= up_to,
                   tuple_(acc.c.account_id, acc.c.settlement_date) > tuple_(*after))
            .order_by(acc.c.account_id, acc.c.settlement_date).limit(CHUNK))


async def settle(p: Platform, day: date) -> dict[str, object]:
    """(b2) Interest of every accumulator whose period has ended, booked as payable."""
    rates = None
    tally: Counter[str] = Counter()
    after = _START
    while True:
        async with p.db.read() as conn:
            rows = (await conn.execute(_accumulators("accruing", day, after))).all()
            if rows and rates is None:
                rates = await rate_table(conn)
        if not rows:
            return dict(tally)
        after = (rows[-1].account_id, rows[-1].settlement_date)
        try:
            tally += await in_transaction(p.db, lambda conn, r=rows, t=rates: _settle_chunk(
                conn, r, day, t))
        except RateNotDefined as exc:
            await record_failure(p, day=day, step="demand_settlement", subject="rate:demand",
                                 exc=exc)
            return {**tally, "failed": len(rows)}


async def _settle_chunk(conn: AsyncConnection, rows: list[Any], day: date,
                        rates: Any) -> Counter[str]:
    totals: dict[tuple[int, date], int] = defaultdict(int)
    tally: Counter[str] = Counter()
    for r in rows:
        rate: Decimal = rates.demand_rate(r.settlement_date)
        interest = demand_interest(int(r.balance_product), rate)
        done = await conn.execute(acc.update().where(
            acc.c.account_id == r.account_id, acc.c.settlement_date == r.settlement_date,
            acc.c.state == "accruing",
        ).values(state="settled", interest=interest, rate=format_rate(rate)))
        if done.rowcount == 1:
            totals[(r.chain, r.settlement_date)] += interest
            tally["settled"] += 1
            tally["interest"] += interest
    for (chain, settlement), total in sorted(totals.items()):
        if total:
            await ledger.post(conn, JournalEntry.transfer(
                kind="demand_interest_accrual", business_date=day,
                description=f"活期利息计提（结息日{settlement.isoformat()}）",
                debit=INTEREST_EXPENSE, credit=INTEREST_PAYABLE, amount=total,
                reference=f"DI{settlement:%Y%m%d}-{rows[0].account_id}"), chain=chain)
    return tally


async def credit(p: Platform, day: date) -> dict[str, object]:
    """(b3) Settled interest into the customers' balances, from the day after settlement."""
    tally: Counter[str] = Counter()
    after = _START
    while True:
        async with p.db.read() as conn:
            rows = (await conn.execute(_accumulators(
                "settled", day - timedelta(days=1), after))).all()
        if not rows:
            return dict(tally)
        after = (rows[-1].account_id, rows[-1].settlement_date)
        tally += await run_isolated(
            p, day=day, step="demand_interest_credit", items=rows,
            subject=lambda r: f"account:{r.account_id}:{r.settlement_date.isoformat()}",
            one=lambda conn, r: _credit_one(conn, r, day))


async def _credit_one(conn: AsyncConnection, r: Any, day: date) -> str:
    interest = int(r.interest or 0)
    if interest:
        check_allowed(AccountStatus(r.status), Operation.INTEREST_CREDIT)
    done = await conn.execute(acc.update().where(
        acc.c.account_id == r.account_id, acc.c.settlement_date == r.settlement_date,
        acc.c.state == "settled",
    ).values(state="credited", credited_on=day))
    if done.rowcount != 1:
        return "skipped"
    if not interest:
        return "zero"
    await ledger.post(conn, JournalEntry.transfer(
        kind="interest_credit", business_date=day,
        description=f"活期结息（{r.settlement_date.isoformat()}）", debit=INTEREST_PAYABLE,
        credit=r.ledger_code, amount=interest,
        reference=f"DI{r.settlement_date:%Y%m%d}-{r.account_id}"), chain=r.chain)
    return "credited"
