"""Eight simulated months on SQLite (2025-06-02 → 2026-02-02, one EOD a day) with the risk
rules in the money path, against the test's own recomputation (Decimal, domain.md's rules):

- A opens and never moves: six months later EOD suspends it (DORMANT_NEW_ACCOUNT) and its
  money calls need a face re-verification;
- B's 3-month deposit matures while the account is frozen; paid 43 days late, it earns the
  whole term plus principal × the demand rate on the payout day × 43 / 360 (§3.5, §11.1), and
  the payout then earns demand interest in the balance, settled on 12-20, credited on 12-21;
- C's deposit rolls over twice (principal + interest, the board rate of each maturity date);
- D tops up 30,000.00 and takes 29,500.00 out the same day: rapid in-and-out, held;
- E buys and withdraws early twice within a week: the second early withdrawal is stepped up.
Exactly those two alerts are raised, for D and E, and nothing else."""

from __future__ import annotations

import calendar
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from opendeposit import clock, eod
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.lifecycle import ReverificationRequired
from opendeposit.bootstrap import build_platform
from opendeposit.config import load_settings
from opendeposit.deposits import service, withdraw
from opendeposit.deposits.models import holding
from opendeposit.ledger.service import verify
from opendeposit.payments import service as payments
from opendeposit.platform import Platform
from opendeposit.risk import stepup
from opendeposit.risk.models import risk_alert
from tests.helpers import (
    PIN,
    demand_balance,
    deposit_ports,
    open_customer,
    payment_ports,
    seed_catalog,
)

START, END = date(2025, 6, 2), date(2026, 2, 2)
TD3M_RATE, DEMAND_RATE = Decimal("0.80"), Decimal("0.05")  # the demo board (§11.9)


def _fen(x: Decimal) -> int:
    return int(x.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _plus_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def _whole_term(principal: int) -> int:
    return _fen(Decimal(principal) * TD3M_RATE / 100 * 3 / 12)


def _demand(principal: int, days: int) -> int:
    return _fen(Decimal(principal) * DEMAND_RATE / 100 * days / 360)


@pytest.fixture
async def quick_sqlite(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Platform]:
    shm = Path("/dev/shm")
    base = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path
    shutil.copy(sqlite_template, base / "months.sqlite3")
    settings = load_settings(data_dir=base / "data", env="sandbox",
                             database_url=f"sqlite+aiosqlite:///{base / 'months.sqlite3'}")
    p = build_platform(settings)
    try:
        yield p
    finally:
        await p.db.dispose()
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)


async def _today(p: Platform) -> date:
    async with p.db.read() as conn:
        return await clock.current_business_date(conn)


async def _buy(p: Platform, c, amount: int, key: str, **kw: object) -> int:  # type: ignore[no-untyped-def]
    answer = await service.purchase(**deposit_ports(p), customer_id=c.customer_id,
                                    product_code="TD3M", amount=amount, pin=PIN,
                                    idempotency_key=key, **kw)  # type: ignore[arg-type]
    assert answer.status_code == 201, answer.body
    return int(answer.body["id"])


async def _early(p: Platform, c, hid: int, key: str, **kw: object):  # type: ignore[no-untyped-def]
    return await withdraw.withdraw(**deposit_ports(p), customer_id=c.customer_id,
                                   holding_id=hid, amount=None, pin=PIN, idempotency_key=key,
                                   **kw)  # type: ignore[arg-type]


async def _pass_sms(p: Platform, step_up_id: str, customer_id: int) -> None:
    async with p.db.transaction() as conn:  # what POST /step-up/{id}/sms/confirm records
        s = await stepup.load(conn, customer_id=customer_id, step_up_id=step_up_id)
        await stepup.mark(conn, s, now=clock.utcnow(), status="verified", method="sms")


async def test_eight_months_of_dormancy_overdue_rollover_and_risk(quick_sqlite) -> None:
    p = quick_sqlite
    await seed_catalog(p)
    a = await open_customer(p, 1)
    b, c, d, e = [await open_customer(p, n, card_balance=20_000_000) for n in range(2, 6)]
    assert await _today(p) == START
    b_principal, c_principal = 10_000_000, 5_000_000
    for who, amount in ((b, b_principal), (c, c_principal), (e, 1_000_000)):
        await payments.top_up(**payment_ports(p), customer_id=who.customer_id, amount=amount,
                              pin=PIN, idempotency_key="fund")
    b_hid = await _buy(p, b, b_principal, "b")
    c_hid = await _buy(p, c, c_principal, "c")
    await service.set_maturity_instruction(db=p.db, customer_id=c.customer_id, holding_id=c_hid,
                                           auto_rollover=True)
    # D: 快进快出 — held for review
    await payments.top_up(**payment_ports(p), customer_id=d.customer_id, amount=3_000_000,
                          pin=PIN, idempotency_key="in")
    held = await payments.withdraw(**payment_ports(p), customer_id=d.customer_id,
                                   amount=2_950_000, pin=PIN, idempotency_key="out")
    assert held.status_code == 202 and held.body["status"] == "held"

    b_paid_on = date(2025, 10, 15)
    events: dict[date, list[str]] = {
        date(2025, 6, 10): ["e_buy1"], date(2025, 6, 12): ["e_early1", "e_buy2"],
        date(2025, 6, 15): ["e_early2"], date(2025, 8, 20): ["b_freeze"],
        b_paid_on: ["b_unfreeze"],
    }
    e_holdings: list[int] = []
    while (day := await _today(p)) < END:
        for what in events.get(day, []):
            if what.startswith("e_buy"):
                e_holdings.append(await _buy(p, e, 400_000, what))
            elif what == "e_early1":
                assert (await _early(p, e, e_holdings[0], what)).status_code == 200
            elif what == "e_early2":
                with pytest.raises(stepup.StepUpRequired) as asked:
                    await _early(p, e, e_holdings[1], what)
                sid = asked.value.details["step_up_id"]
                await _pass_sms(p, sid, e.customer_id)
                from opendeposit.risk.gate import Screen

                done = await _early(p, e, e_holdings[1], what, screen=Screen(step_up_id=sid))
                assert done.status_code == 200 and done.body["days"] == 3
            elif what == "b_freeze":
                await accounts.change_status(p, account_id=b.account.id,
                                             status=AccountStatus.FROZEN,
                                             reason="judicial freeze", actor="staff:1")
            elif what == "b_unfreeze":
                await accounts.change_status(p, account_id=b.account.id,
                                             status=AccountStatus.NORMAL, reason="lifted",
                                             actor="staff:1")
        await eod.run_eod(p.db, p.eod_plan())

    # B: overdue payout, recomputed here
    maturity = _plus_months(START, 3)
    overdue_days = (b_paid_on - maturity).days
    assert overdue_days == 43
    b_due = b_principal + _whole_term(b_principal) + _demand(b_principal, overdue_days)
    async with p.db.read() as conn:
        b_row = (await conn.execute(select(holding).where(holding.c.id == b_hid))).one()
        chain = (await conn.execute(select(holding).where(
            holding.c.customer_id == c.customer_id).order_by(holding.c.id))).all()
        alerts = (await conn.execute(select(risk_alert.c.customer_id, risk_alert.c.rule_code)
                                     .order_by(risk_alert.c.id))).all()
    assert (b_row.status, b_row.closed_on) == ("matured", b_paid_on)
    assert b_row.interest_paid == b_due - b_principal
    # the payout's days in the balance up to the 12-20 settlement, credited on 12-21
    in_balance = (date(2025, 12, 20) - b_paid_on).days + 1
    assert await demand_balance(p, b) == b_due + _demand(b_due, in_balance)
    # C: two rollovers at the board rate of each maturity date (unchanged 0.80 %)
    first = c_principal + _whole_term(c_principal)
    second = first + _whole_term(first)
    assert [(h.principal, h.start_date, h.status) for h in chain] == [
        (c_principal, START, "rolled_over"), (first, maturity, "rolled_over"),
        (second, _plus_months(maturity, 3), "active")]
    # A: never used → suspended at six months, and its money calls need re-verification
    async with p.db.read() as conn:
        a_acct = await accounts.load_account(conn, p.vault, a.customer_id)
    assert a_acct.status is AccountStatus.NON_COUNTER_SUSPENDED
    with pytest.raises(ReverificationRequired):
        await payments.top_up(**payment_ports(p), customer_id=a.customer_id, amount=100,
                              pin=PIN, idempotency_key="late")
    # exactly the expected alerts
    assert [tuple(x) for x in alerts] == [(d.customer_id, "RAPID_IN_OUT"),
                                          (e.customer_id, "BUY_EARLY_WITHDRAW")]
    async with p.db.read() as conn:
        report = await verify(conn)
    assert report.ok, report.problems
