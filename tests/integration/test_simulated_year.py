"""A simulated year on SQLite: 30 customers buy 3- and 6-month deposits, roll over, withdraw
early in part or in full, and the clock moves day by day through four quarter ends.

The test keeps its own model of every holding and every Class II balance, computed here from
domain.md's rules with Decimal (not with opendeposit's interest engine), and at the end the
platform must agree with it to the fen, and the ledger must verify.
"""

from __future__ import annotations

import calendar
import os
import random
import shutil
import tempfile
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from opendeposit import clock, eod
from opendeposit.bootstrap import build_platform
from opendeposit.config import load_settings
from opendeposit.deposits import service, withdraw
from opendeposit.deposits.models import holding
from opendeposit.ledger.service import verify
from opendeposit.platform import Platform
from opendeposit.products import service as products
from opendeposit.products.domain import DEMAND, ProductKind, RateEntry
from tests.helpers import (
    PIN,
    allow_volume,
    demand_balance,
    deposit_ports,
    funded_customer,
    seed_catalog,
)

START, END = date(2025, 6, 2), date(2026, 6, 2)
CUSTOMERS = 30
FUNDING = 20_000_000  # 200,000.00 each
PRODUCT_RATE = {"TD3M": (3, Decimal("0.80")), "TD6M": (6, Decimal("1.00"))}
# Board rates the test knows independently: (kind months, from) → rate; later rows win.
BOARD = {3: [(date(2025, 5, 20), Decimal("0.80")), (date(2025, 10, 1), Decimal("0.70"))],
         6: [(date(2025, 5, 20), Decimal("1.00"))]}
DEMAND_RATE = [(date(2025, 5, 20), Decimal("0.05")), (date(2025, 11, 1), Decimal("0.10"))]


def _in_force(rows: list[tuple[date, Decimal]], on: date) -> Decimal:
    return [rate for since, rate in rows if since <= on][-1]


def _fen(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _plus_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _quarter_end(d: date) -> date:
    for month in (3, 6, 9, 12):
        if date(d.year, month, 20) >= d:
            return date(d.year, month, 20)
    return date(d.year + 1, 3, 20)


@dataclass
class Model:
    """What the test believes one holding is."""

    customer: int
    principal: int
    rate: Decimal
    months: int
    start: date
    maturity: date
    rollover: bool
    status: str = "active"
    partial: bool = False
    interest_paid: int = 0


@pytest.fixture
async def quick_sqlite(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Platform]:
    """Like `sqlite_platform`, on tmpfs where there is one: 365 EODs commit many times."""
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path
    shutil.copy(sqlite_template, base / "year.sqlite3")
    settings = load_settings(data_dir=base / "data", env="sandbox",
                             database_url=f"sqlite+aiosqlite:///{base / 'year.sqlite3'}")
    p = build_platform(settings)
    try:
        yield p
    finally:
        await p.db.dispose()
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)


class Year:
    def __init__(self, p: Platform, customers: dict[int, object]) -> None:
        self.p, self.customers, self.rng = p, customers, random.Random(20250602)
        self.holdings: dict[int, Model] = {}
        self.balance = {cid: FUNDING for cid in customers}
        self.products: dict[tuple[int, date], int] = defaultdict(int)  # 积数 per period
        self.payable: dict[tuple[int, date], int] = {}
        self.counts: dict[str, int] = defaultdict(int)

    async def buy(self, cid: int, day: date) -> None:
        code = self.rng.choice(list(PRODUCT_RATE))
        amount = self.rng.randrange(50, 20_000) * 100
        if amount > self.balance[cid]:
            return
        answer = await service.purchase(**deposit_ports(self.p), customer_id=cid, product_code=code,
                                        amount=amount, pin=PIN,
                                        idempotency_key=f"b{day}{cid}")
        months, rate = PRODUCT_RATE[code]
        hid = int(answer.body["id"])
        self.holdings[hid] = Model(cid, amount, rate, months, day, _plus_months(day, months),
                                   rollover=self.rng.random() < 0.5)
        if self.holdings[hid].rollover:
            await service.set_maturity_instruction(db=self.p.db, customer_id=cid, holding_id=hid,
                                                   auto_rollover=True)
        self.balance[cid] -= amount
        self.counts["purchase"] += 1

    async def withdraw(self, cid: int, day: date) -> None:
        mine = [h for h, m in self.holdings.items()
                if m.customer == cid and m.status == "active" and m.maturity > day]
        if not mine:
            return
        hid = self.rng.choice(mine)
        m = self.holdings[hid]
        amount = None if m.partial or self.rng.random() < 0.4 else m.principal // 3
        if amount is not None and m.principal - amount < 5_000:
            amount = None
        await withdraw.withdraw(**deposit_ports(self.p),
                                customer_id=cid, holding_id=hid, amount=amount, pin=PIN,
                                idempotency_key=f"w{day}{cid}")
        taken = m.principal if amount is None else amount
        days = (day - m.start).days  # 算头不算尾
        interest = _fen(Decimal(taken) * _in_force(DEMAND_RATE, day) * days / 36000)
        m.interest_paid += interest
        self.balance[cid] += taken + interest
        if amount is None:
            m.status = "withdrawn"
            self.counts["full_early"] += 1
        else:
            m.principal, m.partial = m.principal - amount, True
            self.counts["partial"] += 1

    async def close_day(self, day: date) -> None:
        """What EOD must do, in the test's own words, then run the platform's EOD."""
        due = [(h, m) for h, m in self.holdings.items()
               if m.status == "active" and m.maturity == day]
        for _, m in due:
            interest = _fen(Decimal(m.principal) * m.rate * m.months / 1200)
            m.interest_paid += interest
            if m.rollover:
                m.status = "rolled_over"
            else:
                m.status = "matured"
                self.balance[m.customer] += m.principal + interest
        if day.day == 21 and day.month in (3, 6, 9, 12):
            for (cid, settle), interest in list(self.payable.items()):
                if settle == day - timedelta(days=1):
                    self.balance[cid] += interest
        for cid, bal in self.balance.items():
            if bal > 0:
                self.products[(cid, _quarter_end(day))] += bal
        if day == _quarter_end(day):
            for (cid, settle), product in self.products.items():
                if settle == day:
                    rate = _in_force(DEMAND_RATE, day)
                    self.payable[(cid, settle)] = _fen(Decimal(product) * rate / 36000)
        result = await eod.run_eod(self.p.db, self.p.eod_plan())
        assert result.business_date == day and result.report["day_report"]["failures"] == {}
        for hid, m in due:
            if m.rollover:
                await self._follow_rollover(hid, m, day)
            self.counts["rollover" if m.rollover else "payout"] += 1

    async def _follow_rollover(self, hid: int, m: Model, day: date) -> None:
        async with self.p.db.read() as conn:
            new_id = (await conn.execute(select(holding.c.id).where(
                holding.c.previous_holding_id == hid))).scalar_one()
        principal = m.principal + _fen(Decimal(m.principal) * m.rate * m.months / 1200)
        self.holdings[new_id] = Model(m.customer, principal, _in_force(BOARD[m.months], day),
                                      m.months, m.maturity, _plus_months(m.maturity, m.months),
                                      rollover=True)


async def test_a_year_of_deposits_agrees_with_an_independent_model(quick_sqlite) -> None:
    p = quick_sqlite
    await seed_catalog(p)
    # a year of moves happens within minutes of wall-clock time: the velocity and the
    # buy → early-withdraw rules would step the model's customers up (the rules' own
    # simulation is tests/integration/test_simulated_eight_months.py)
    await allow_volume(p, alert_only=("BUY_EARLY_WITHDRAW", "RAPID_IN_OUT"))
    await products.add_rate(p, RateEntry(ProductKind.TIME_DEPOSIT, 3, Decimal("0.70"),
                                         Decimal("1.85"), date(2025, 10, 1)), actor="test")
    await products.add_rate(p, RateEntry(DEMAND, 0, Decimal("0.10"), Decimal("0.35"),
                                         date(2025, 11, 1)), actor="test")
    opened = {}
    for n in range(1, CUSTOMERS + 1):
        c = await funded_customer(p, n, amount=FUNDING)
        opened[c.customer_id] = c
    year = Year(p, opened)
    day = START
    while day < END:
        for cid in opened:
            roll = year.rng.random()
            if roll < 0.025:
                await year.buy(cid, day)
            elif roll < 0.033:
                await year.withdraw(cid, day)
        await year.close_day(day)
        day += timedelta(days=1)

    assert min(year.counts[k] for k in ("purchase", "rollover", "payout", "partial",
                                        "full_early")) >= 10, dict(year.counts)
    async with p.db.read() as conn:
        rows = {r.id: r for r in (await conn.execute(select(holding))).all()}
        report = await verify(conn)
    assert report.ok, report.problems
    assert set(rows) == set(year.holdings)
    for hid, m in year.holdings.items():
        r = rows[hid]
        assert (r.status, r.principal, r.interest_paid, Decimal(r.rate), r.start_date,
                r.maturity_date, r.partial_withdrawn) == (
            m.status, m.principal, m.interest_paid, m.rate, m.start, m.maturity,
            m.partial), f"holding {hid}"
    for cid, c in opened.items():
        assert await demand_balance(p, c) == year.balance[cid], f"customer {cid}"
    assert sum(1 for (_, settle) in year.payable) >= CUSTOMERS * 3  # four quarter ends seen
    async with p.db.read() as conn:
        assert await clock.current_business_date(conn) == END
