"""End of day (日终): closes the business date exactly once, then advances it.

Steps run in order and are recorded, so re-running a finished day changes nothing and an
interrupted run resumes at the step it had reached. Later contexts (deposits: accrual,
maturity, demand-interest settlement) register their steps here.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select

from opendeposit import clock
from opendeposit.clock import eod_run
from opendeposit.platform import Platform

Step = Callable[[Platform, date], Awaitable[dict[str, object]]]


async def _reconcile_payments(p: Platform, day: date) -> dict[str, object]:
    from opendeposit.payments.service import reconcile

    settled, still_open = await reconcile(p, older_than=timedelta(seconds=0))
    return {"settled": settled, "still_open": still_open}


def _registered_steps() -> list[tuple[str, Step]]:
    from opendeposit.deposits.steps import AFTER_RECONCILE, BEFORE_RECONCILE

    return [*BEFORE_RECONCILE, ("reconcile_payments", _reconcile_payments), *AFTER_RECONCILE]


@dataclass
class EodPlan:
    steps: list[tuple[str, Step]] = field(default_factory=_registered_steps)


@dataclass(frozen=True)
class EodResult:
    business_date: date
    next_date: date
    ran: bool  # False when that day was already closed
    report: dict[str, object]


async def run_eod(p: Platform, *, plan: EodPlan | None = None,
                  progress: Callable[[str], None] | None = None) -> EodResult:
    plan = plan or EodPlan()
    async with p.db.read() as conn:
        day = await clock.current_business_date(conn)
        run = (await conn.execute(select(eod_run).where(eod_run.c.business_date == day))).first()
    report: dict[str, object] = json.loads(run.report) if run and run.report else {}
    names = [name for name, _ in plan.steps]
    # `step` records the last finished step, so an interrupted run resumes after it
    start_at = names.index(run.step) + 1 if run and run.step in names else 0
    if run is None:
        async with p.db.transaction() as conn:
            await conn.execute(p.db.insert(eod_run).values(
                business_date=day, status="running", step="",
                started_at=clock.utcnow()).on_conflict_do_nothing())
    for name, step in plan.steps[start_at:]:
        if progress:
            progress(name)
        report[name] = await step(p, day)
        await _record(p, day, step=name, report=report)
    next_day = day + timedelta(days=1)
    async with p.db.transaction() as conn:
        # advance exactly once: only if the date is still the one this run closed
        moved = await conn.execute(clock.business_day.update().where(
            clock.business_day.c.id == 1, clock.business_day.c.current_date == day
        ).values(current_date=next_day, updated_at=clock.utcnow()))
        await conn.execute(eod_run.update().where(eod_run.c.business_date == day).values(
            status="done", step="advance", finished_at=clock.utcnow(), report=json.dumps(report)))
    return EodResult(day, next_day, moved.rowcount == 1, report)


async def _record(p: Platform, day: date, *, step: str, report: dict[str, object]) -> None:
    async with p.db.transaction() as conn:
        await conn.execute(eod_run.update().where(eod_run.c.business_date == day)
                           .values(step=step, report=json.dumps(report)))


async def advance_to(p: Platform, target: date) -> list[EodResult]:
    """Run EOD for each day until the business date reaches `target` (sandbox clock)."""
    results = []
    while True:
        async with p.db.read() as conn:
            day = await clock.current_business_date(conn)
        if day >= target:
            return results
        results.append(await run_eod(p))
