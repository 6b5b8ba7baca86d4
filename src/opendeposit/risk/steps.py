"""The risk context's end-of-day steps (bound by `opendeposit.eod.standard_plan`, after the
day's money has settled):

- `risk_large_value`: the day's large-value report lines (domain.md §6.2), written once;
- `risk_dormancy`: the dormancy rules of domain.md §1.7 (`risk.dormancy` finds the accounts,
  `accounts.lifecycle.dormancy_change` decides): never used 6 months after opening →
  non_counter_suspended (DORMANT_NEW_ACCOUNT); no customer move for a year → dormant
  (LONG_DORMANT). Money calls then answer REVERIFICATION_REQUIRED until a face step-up
  (`POST /account/reactivate`). An account someone changed meanwhile is skipped (next run).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date

from sqlalchemy import select

from opendeposit import clock
from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.lifecycle import DormancyPolicy
from opendeposit.accounts.models import account
from opendeposit.accounts.service import write_status
from opendeposit.db import Database
from opendeposit.errors import Conflict
from opendeposit.risk import aml
from opendeposit.risk.dormancy import dormancy_changes

Step = Callable[[date], Awaitable[dict[str, object]]]
LARGE_VALUE_STEP, DORMANCY_STEP = "risk_large_value", "risk_dormancy"
EOD_ACTOR = "system:eod"


async def large_value(db: Database, day: date) -> dict[str, object]:
    async with db.transaction() as conn:
        lines = await aml.produce_large_value(conn, db, day=day, now=clock.utcnow(),
                                              actor=EOD_ACTOR)
    return {"lines": len(lines)}


async def dormancy(db: Database, day: date,
                   policy: DormancyPolicy = DormancyPolicy()) -> dict[str, object]:
    async with db.read() as conn:
        changes = await dormancy_changes(conn, today=day, policy=policy)
    tally: Counter[str] = Counter()
    for ch in changes:
        try:
            async with db.transaction() as conn:
                current = (await conn.execute(select(account.c.status).where(
                    account.c.id == ch.account_id))).scalar_one()
                await write_status(conn, account_id=ch.account_id,
                                   current=AccountStatus(current), target=ch.change.status,
                                   reason=ch.change.reason, actor=EOD_ACTOR)
            tally[ch.change.status.value] += 1
        except Conflict:
            tally["skipped"] += 1
    return {"checked": len(changes), **tally}


def eod_steps(*, db: Database) -> list[tuple[str, Step]]:
    async def report(day: date) -> dict[str, object]:
        return await large_value(db, day)

    async def dormant(day: date) -> dict[str, object]:
        return await dormancy(db, day)

    return [(LARGE_VALUE_STEP, report), (DORMANCY_STEP, dormant)]
