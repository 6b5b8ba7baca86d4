"""The deposits context's end-of-day steps, in the order EOD runs them around reconciliation,
bound to what each one uses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from opendeposit.db import Database
from opendeposit.deposits import demand
from opendeposit.deposits.eod import MATURITY_STEP, day_report, mature_holdings
from opendeposit.security import Vault

Step = Callable[[date], Awaitable[dict[str, object]]]


def before_reconcile(*, db: Database, vault: Vault) -> list[tuple[str, Step]]:
    """Maturity first, so that payouts are in the day's closing balance; the credit of settled
    demand interest before the day's accrual, so that credited interest earns from the 21st."""

    async def maturity(day: date) -> dict[str, object]:
        return await mature_holdings(db=db, vault=vault, day=day)

    async def credit(day: date) -> dict[str, object]:
        return await demand.credit(db=db, day=day)

    async def accrual(day: date) -> dict[str, object]:
        return await demand.accrue(db=db, day=day)

    async def settlement(day: date) -> dict[str, object]:
        return await demand.settle(db=db, day=day)

    return [(MATURITY_STEP, maturity), ("demand_interest_credit", credit),
            ("demand_accrual", accrual), ("demand_interest_settlement", settlement)]


def after_reconcile(*, db: Database) -> list[tuple[str, Step]]:
    async def report(day: date) -> dict[str, object]:
        return await day_report(db=db, day=day)

    return [("day_report", report)]
