"""The set-based accrual statement (`deposits.demand.accrue`) against its rule in Python
(`demand_plans.accrue`), on generated cases: account open or closed, closing balance zero or
positive, no accumulator yet or one accruing (last accrued before or on the day) or settled."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from opendeposit.accounts.models import account, customer
from opendeposit.deposits import demand
from opendeposit.deposits.demand_plans import Accumulator, accrue
from opendeposit.deposits.domain import settlement_date_for
from opendeposit.deposits.models import demand_accrual
from opendeposit.ledger.models import ledger_account, ledger_balance
from opendeposit.platform import Platform

CASES = 240
DAY = date(2025, 6, 10)
SETTLE = settlement_date_for(DAY)


def _cases(seed: int) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    out = []
    for n in range(1, CASES + 1):
        state = rnd.choice([None, "accruing", "accruing", "settled"])
        current = None if state is None else Accumulator(
            rnd.randrange(0, 10**9), rnd.randrange(1, 90),
            DAY - timedelta(days=rnd.choice([0, 1, 5])), state)
        out.append({"id": n, "open": rnd.random() < 0.8,
                    "balance": rnd.choice([0, 1, rnd.randrange(1, 10**8)]), "current": current})
    return out


async def _seed(p: Platform, cases: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    async with p.db.transaction() as conn:
        for c in cases:
            n, code = c["id"], f"2011-{c['id']:012d}"
            await conn.execute(customer.insert().values(
                id=n, phone_hash=f"h{n}", phone_enc="x", kyc_status="verified",
                pin_failed_attempts=0, created_at=now))
            await conn.execute(ledger_account.insert().values(
                code=code, chart_code="2011", name="t", owner_id=n, non_negative=True,
                created_at=now))
            await conn.execute(ledger_balance.insert().values(
                account_code=code, shard=n % 16, balance=c["balance"], non_negative=True))
            await conn.execute(account.insert().values(
                id=n, customer_id=n, account_no=f"62305800{n:011d}", account_class="II",
                status="normal" if c["open"] else "closed", ledger_code=code, chain=n % 16,
                opened_on=DAY, opened_at=now))
            cur = c["current"]
            if cur is not None:
                await conn.execute(demand_accrual.insert().values(
                    account_id=n, settlement_date=SETTLE, balance_product=cur.balance_product,
                    days_accrued=cur.days_accrued, last_day=cur.last_day, state=cur.state))


async def _accumulators(p: Platform) -> dict[int, Accumulator]:
    async with p.db.read() as conn:
        rows = (await conn.execute(select(demand_accrual).where(
            demand_accrual.c.settlement_date == SETTLE))).all()
    return {r.account_id: Accumulator(int(r.balance_product), int(r.days_accrued), r.last_day,
                                      r.state) for r in rows}


async def test_the_accrual_statement_follows_the_rule(platform, monkeypatch) -> None:
    cases = _cases(seed=20250610)
    await _seed(platform, cases)
    monkeypatch.setattr(demand, "ACCOUNT_RANGE", 17)  # many ranges (PostgreSQL: two at once)
    for day in (DAY, DAY, DAY + timedelta(days=1)):  # the same day twice adds nothing
        report = await demand.accrue(db=platform.db, day=day)
        changed = 0
        for c in cases:
            before = c["current"]
            c["current"] = accrue(c["current"], balance=c["balance"], account_open=c["open"],
                                  day=day)
            changed += c["current"] != before
        assert report["accounts"] == changed
        expected = {c["id"]: c["current"] for c in cases if c["current"] is not None}
        assert await _accumulators(platform) == expected
    kinds = {(c["open"], c["balance"] > 0, None if c["current"] is None else c["current"].state)
             for c in cases}
    assert len(kinds) >= 6  # the generated cases reach every branch of the rule
