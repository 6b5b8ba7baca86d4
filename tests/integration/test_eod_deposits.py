"""End of day for deposits on both engines: maturity payout and rollover, demand interest,
failure isolation, idempotent re-runs and resuming an interrupted run."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from opendeposit import clock, eod
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus
from opendeposit.deposits import demand, service
from opendeposit.deposits import eod as deposits_eod
from opendeposit.deposits.eod import day_report, mature_holdings
from opendeposit.deposits.models import eod_failure, holding
from opendeposit.ledger.service import balance, verify
from opendeposit.products import service as products
from opendeposit.products.domain import ProductKind, RateEntry
from tests.helpers import (
    PIN,
    demand_balance,
    deposit_ports,
    funded_customer,
    ledger_state,
    seed_catalog,
)


async def _set_date(p, day: date) -> None:  # type: ignore[no-untyped-def]
    async with p.db.transaction() as conn:
        await clock.set_business_date(conn, day)


async def _buy(p, c, code: str, amount: int, key: str = "b1") -> int:  # type: ignore[no-untyped-def]
    answer = await service.purchase(**deposit_ports(p),
                                    customer_id=c.customer_id, product_code=code,
                                    amount=amount, pin=PIN, idempotency_key=key)
    assert answer.status_code == 201, answer.body
    return int(answer.body["id"])


async def _ok(p) -> None:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        report = await verify(conn)
    assert report.ok, report.problems


async def test_maturity_pays_principal_and_whole_term_interest_once(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=1_000_000)
    hid = await _buy(platform, c, "TD3M", 1_000_000)  # matures 2025-09-02
    await _set_date(platform, date(2025, 9, 2))
    result = await eod.run_eod(platform.db, platform.eod_plan())
    assert result.report["deposit_maturity"] == {"processed": 1, "paid_out": 1}
    assert await demand_balance(platform, c) == 1_000_000 + 2_000  # I2-style: 0.80% x 3/12
    h = await service.one_holding(db=platform.db, customer_id=c.customer_id, holding_id=hid)
    assert (h["status"], h["interest_paid"], h["closed_on"]) == ("matured", "20.00",
                                                                 "2025-09-02")
    report = result.report["day_report"]
    assert report["events"]["maturity_payout"] == {"count": 1, "amount": 1_000_000,
                                                   "interest": 2_000}
    assert report["holdings_match_ledger"] is True
    before = await ledger_state(platform)
    assert await mature_holdings(db=platform.db, vault=platform.vault,
                                 day=date(2025, 9, 2)) == {"processed": 0}
    assert await ledger_state(platform) == before
    await _ok(platform)


async def test_rollover_takes_the_board_rate_of_the_maturity_date(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=1_000_000)
    hid = await _buy(platform, c, "TD3M", 1_000_000)
    await service.set_maturity_instruction(db=platform.db, customer_id=c.customer_id,
                                           holding_id=hid, auto_rollover=True)
    await products.add_rate(platform, RateEntry(ProductKind.TIME_DEPOSIT, 3, Decimal("0.70"),
                                                Decimal("1.85"), date(2025, 8, 1)),
                            actor="staff:1")
    await _set_date(platform, date(2025, 9, 2))
    result = await eod.run_eod(platform.db, platform.eod_plan())
    assert result.report["deposit_maturity"] == {"processed": 1, "rolled_over": 1}
    listed = await service.holdings(db=platform.db, customer_id=c.customer_id)
    new, old = listed
    assert old["id"] == hid and old["status"] == "rolled_over"
    assert new["previous_holding_id"] == hid and new["status"] == "active"
    assert (new["principal"], new["rate"]) == ("10020.00", "0.70")
    assert (new["start_date"], new["maturity_date"]) == ("2025-09-02", "2025-12-02")
    assert new["auto_rollover"] is True
    assert await demand_balance(platform, c) == 0  # nothing reached the account
    async with platform.db.read() as conn:
        assert await balance(conn, f"2151-{hid:012d}") == 0
        assert await balance(conn, f"2151-{new['id']:012d}") == 1_002_000
    await _ok(platform)


async def test_a_failing_holding_is_isolated_recorded_and_retried_next_day(platform) -> None:
    await seed_catalog(platform)
    good = await funded_customer(platform, 1, amount=500_000)
    bad = await funded_customer(platform, 2, amount=500_000)
    ok_id = await _buy(platform, good, "TD3M", 500_000)
    bad_id = await _buy(platform, bad, "TD3M", 500_000)
    await accounts.change_status(platform, account_id=bad.account.id,
                                 status=AccountStatus.FROZEN, reason="judicial freeze",
                                 actor="staff:1")
    await _set_date(platform, date(2025, 9, 2))
    result = await eod.run_eod(platform.db, platform.eod_plan())
    assert result.report["deposit_maturity"] == {"processed": 2, "paid_out": 1, "failed": 1}
    assert result.report["day_report"]["failures"] == {"deposit_maturity": 1}
    async with platform.db.read() as conn:
        failure = (await conn.execute(select(eod_failure))).one()
    assert (failure.subject, failure.code) == (f"holding:{bad_id}", "ACCOUNT_STATUS_FORBIDS")
    paid = await service.one_holding(db=platform.db, customer_id=good.customer_id, holding_id=ok_id)
    held = await service.one_holding(db=platform.db, customer_id=bad.customer_id, holding_id=bad_id)
    assert (paid["status"], held["status"]) == ("matured", "active")
    await accounts.change_status(platform, account_id=bad.account.id,
                                 status=AccountStatus.NORMAL, reason="lifted", actor="staff:1")
    again = await eod.run_eod(platform.db, platform.eod_plan())  # closes 2025-09-03 and catches up
    assert again.report["deposit_maturity"] == {"processed": 1, "paid_out": 1}
    # whole term 10.00 + one overdue day at the demand rate: 5,000 × 0.05% × 1/360 → 0.01
    assert await demand_balance(platform, bad) == 500_000 + 1_000 + 1
    await _ok(platform)


async def test_demand_interest_of_a_quarter_is_settled_on_the_20th_credited_on_the_21st(
        platform) -> None:
    """domain.md §9.1 I14: 10,000.00 held 2025-03-21 → 06-20 (92 days) at 0.05 % → 1.28."""
    await seed_catalog(platform)
    await _set_date(platform, date(2025, 3, 21))
    c = await funded_customer(platform, amount=1_000_000)
    results = await eod.advance_to(platform.db, platform.eod_plan(), date(2025, 6, 21))
    assert results[-1].business_date == date(2025, 6, 20)
    assert results[-1].report["demand_interest_settlement"] == {"settled": 1, "interest": 128}
    assert await demand_balance(platform, c) == 1_000_000  # payable, not yet credited
    async with platform.db.read() as conn:
        assert await balance(conn, "2231") == 128
    credit = await eod.run_eod(platform.db, platform.eod_plan())
    assert credit.report["demand_interest_credit"] == {"credited": 1}
    assert await demand_balance(platform, c) == 1_000_128
    before = await ledger_state(platform)  # the same day's steps again change nothing
    for step in (demand.credit, demand.accrue, demand.settle):
        await step(db=platform.db, day=date(2025, 6, 21))
    assert await ledger_state(platform) == before
    async with platform.db.read() as conn:
        assert await balance(conn, "2231") == 0
        assert await balance(conn, "5211") == 128
    await _ok(platform)


async def test_an_interrupted_run_resumes_after_its_last_finished_step(platform,
                                                                       monkeypatch) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=1_000_000)
    await _buy(platform, c, "TD3M", 1_000_000)
    await _set_date(platform, date(2025, 9, 2))
    calls = {"n": 0}

    async def crash(day):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        raise RuntimeError("power cut")

    plan = platform.eod_plan()
    plan.steps = [(n, crash if n == "demand_accrual" else s) for n, s in plan.steps]
    with pytest.raises(RuntimeError):
        await eod.run_eod(platform.db, plan)
    assert await demand_balance(platform, c) == 1_002_000  # maturity done before the crash
    resumed = await eod.run_eod(platform.db, platform.eod_plan())
    assert resumed.business_date == date(2025, 9, 2) and resumed.ran
    assert "deposit_maturity" in resumed.report  # kept from the first attempt
    assert await demand_balance(platform, c) == 1_002_000  # paid once
    assert (await day_report(db=platform.db, day=date(2025, 9, 2)))["events"]["maturity_payout"][
        "count"] == 1
    await _ok(platform)


async def test_a_late_maturity_payout_adds_overdue_demand_interest(platform) -> None:
    """§3.5 / §11.1: paid 30 days after maturity (the account was frozen), the holding earns
    the whole term plus principal × the demand rate on the payout day × 30 / 360."""
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=10_000_000)
    await _buy(platform, c, "TD3M", 10_000_000)  # 2025-06-02 → matures 2025-09-02
    await accounts.change_status(platform, account_id=c.account.id,
                                 status=AccountStatus.FROZEN, reason="judicial freeze",
                                 actor="staff:1")
    await _set_date(platform, date(2025, 9, 2))
    await eod.run_eod(platform.db, platform.eod_plan())
    assert await demand_balance(platform, c) == 0  # not paid while frozen
    await accounts.change_status(platform, account_id=c.account.id,
                                 status=AccountStatus.NORMAL, reason="lifted", actor="staff:1")
    await _set_date(platform, date(2025, 10, 2))
    result = await eod.run_eod(platform.db, platform.eod_plan())
    assert result.report["deposit_maturity"] == {"processed": 1, "paid_out": 1}
    whole_term = 10_000_000 * 80 * 3 // (10_000 * 12)  # 0.80 % for 3 of 12 months
    overdue = (10_000_000 * 5 * 30 * 2 + 10_000 * 360) // (2 * 10_000 * 360)  # 0.05 %, half-up
    assert (whole_term, overdue) == (20_000, 417)
    assert await demand_balance(platform, c) == 10_000_000 + whole_term + overdue
    await _ok(platform)


@pytest.mark.postgres
async def test_maturity_decides_the_next_chunk_while_the_last_one_is_written(
        pg_platform, monkeypatch) -> None:
    """PostgreSQL pipelines the chunks: chunk n+1 is read, decided and compiled before chunk n
    is written back (one chunk in flight: written in order). A chunk whose write fails (a
    holding changed after it was read) is retried item by item as before."""
    p = pg_platform
    await seed_catalog(p)
    ids = []
    for n in range(1, 4):
        c = await funded_customer(p, n, amount=500_000)
        ids.append(await _buy(p, c, "TD3M", 500_000))
    await _set_date(p, date(2025, 9, 2))
    monkeypatch.setattr(deposits_eod, "CHUNK", 1)
    seen: list[str] = []
    prepare, write = deposits_eod._prepare, deposits_eod._write

    async def traced_prepare(db, vault, outcomes, *args):  # type: ignore[no-untyped-def]
        seen.append(f"prepare {outcomes[0].row.id}")
        ready = await prepare(db, vault, outcomes, *args)
        if outcomes[0].row.id == ids[1]:  # changed after it was read: its chunk's guard misses
            async with db.transaction() as conn:
                await conn.execute(holding.update().where(holding.c.id == ids[1])
                                   .values(principal=holding.c.principal + 1))
        return ready

    async def traced_write(db, outcomes, *args):  # type: ignore[no-untyped-def]
        tally = await write(db, outcomes, *args)
        seen.append(f"written {outcomes[0].row.id}")
        return tally

    monkeypatch.setattr(deposits_eod, "_prepare", traced_prepare)
    monkeypatch.setattr(deposits_eod, "_write", traced_write)
    report = await mature_holdings(db=p.db, vault=p.vault, day=date(2025, 9, 2))
    assert report == {"processed": 3, "paid_out": 2, "skipped": 1}
    a, b, c_ = ids
    assert seen == [f"prepare {a}", f"prepare {b}", f"written {a}", f"prepare {c_}",
                    f"written {b}", f"written {c_}"]
    async with p.db.read() as conn:
        status = dict((await conn.execute(select(holding.c.id, holding.c.status))).all())
    assert status == {a: "matured", b: "active", c_: "matured"}
