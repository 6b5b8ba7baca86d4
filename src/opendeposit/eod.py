"""End of day (日终): closes the business date exactly once, then advances it.

Steps run in order and are recorded, so re-running a finished day changes nothing and an
interrupted run resumes at the step it had reached. A plan's steps are bound to what they use
(`standard_plan`); the contexts (deposits: maturity, demand interest; payments: reconciliation)
provide them.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from opendeposit import clock
from opendeposit.clock import eod_run
from opendeposit.db import Database
from opendeposit.payments.ports import CardNetwork
from opendeposit.security import Vault

Step = Callable[[date], Awaitable[dict[str, object]]]


@dataclass
class EodPlan:
    steps: list[tuple[str, Step]]


def standard_plan(*, db: Database, vault: Vault, cards: CardNetwork, bank_name: str) -> EodPlan:
    """Maturity, demand-interest credit, accrual and settlement, reconciliation, day report,
    then the risk steps: the large-value report lines of the day and dormancy."""
    from opendeposit.deposits.steps import after_reconcile, before_reconcile
    from opendeposit.payments.service import reconcile
    from opendeposit.risk.steps import eod_steps

    async def reconcile_payments(_day: date) -> dict[str, object]:
        settled, still_open = await reconcile(db=db, vault=vault, cards=cards,
                                              bank_name=bank_name, older_than=timedelta(0))
        return {"settled": settled, "still_open": still_open}

    return EodPlan([*before_reconcile(db=db, vault=vault),
                    ("reconcile_payments", reconcile_payments), *after_reconcile(db=db),
                    *eod_steps(db=db)])


@dataclass(frozen=True)
class EodResult:
    business_date: date
    next_date: date
    ran: bool  # False when that day was already closed
    report: dict[str, object]


async def run_eod(db: Database, plan: EodPlan, *,
                  progress: Callable[[str], None] | None = None) -> EodResult:
    async with db.read() as conn:
        day = await clock.current_business_date(conn)
        run = (await conn.execute(select(eod_run).where(eod_run.c.business_date == day))).first()
    report: dict[str, object] = json.loads(run.report) if run and run.report else {}
    names = [name for name, _ in plan.steps]
    # `step` records the last finished step, so an interrupted run resumes after it
    start_at = names.index(run.step) + 1 if run and run.step in names else 0
    if run is None:
        async with db.transaction() as conn:
            await conn.execute(db.insert(eod_run).values(
                business_date=day, status="running", step="",
                started_at=clock.utcnow()).on_conflict_do_nothing())
    for name, step in plan.steps[start_at:]:
        if progress:
            progress(name)
        report[name] = await step(day)
        await _record(db, day, step=name, report=report)
    next_day = day + timedelta(days=1)
    async with db.transaction() as conn:
        # advance exactly once: only if the date is still the one this run closed
        moved = await conn.execute(clock.business_day.update().where(
            clock.business_day.c.id == 1, clock.business_day.c.current_date == day
        ).values(current_date=next_day, updated_at=clock.utcnow()))
        await conn.execute(eod_run.update().where(eod_run.c.business_date == day).values(
            status="done", step="advance", finished_at=clock.utcnow(), report=json.dumps(report)))
    return EodResult(day, next_day, moved.rowcount == 1, report)


async def _record(db: Database, day: date, *, step: str, report: dict[str, object]) -> None:
    async with db.transaction() as conn:
        await conn.execute(eod_run.update().where(eod_run.c.business_date == day)
                           .values(step=step, report=json.dumps(report)))


async def advance_to(db: Database, plan: EodPlan, target: date) -> list[EodResult]:
    """Run EOD for each day until the business date reaches `target` (sandbox clock)."""
    results: list[EodResult] = []
    while True:
        async with db.read() as conn:
            day = await clock.current_business_date(conn)
        if day >= target:
            return results
        results.append(await run_eod(db, plan))
