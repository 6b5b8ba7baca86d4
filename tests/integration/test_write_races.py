"""The write path end to end on both engines, and the races only the write sees on PostgreSQL.

The same scenario of purchases (or top-ups and withdrawals) through the services writes the
same rows on SQLite and PostgreSQL; a refusal writes nothing; the cap, the quota and an
idempotency key taken between the read and the write are decided by the write's guards.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from sqlalchemy import func, select

from opendeposit.accounts import service as accounts
from opendeposit.deposits import service
from opendeposit.deposits.models import holding
from opendeposit.errors import OpenDepositError
from opendeposit.esb.outbox import outbox
from opendeposit.idempotency import idempotency_record
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import BANK_SETTLEMENT, JournalEntry
from opendeposit.ledger.models import (
    journal_entry,
    ledger_account,
    ledger_balance,
    posting,
    transaction_serial,
)
from opendeposit.payments import service as payments
from opendeposit.payments.models import payment_order
from opendeposit.platform import Platform
from opendeposit.products.models import deposit_position, product_quota_shard
from opendeposit.writeplan import Answer, Complete
from tests.helpers import (
    PIN,
    deposit_ports,
    ledger_state,
    open_customer,
    payment_ports,
    publish_product,
    reconcile_ports,
    seed_catalog,
)

pytestmark = pytest.mark.postgres

# What a purchase writes; timestamps and random envelope ids (uuid, serial) differ run to run.
TABLES = [
    (holding, {"created_at"}, holding.c.id),
    (ledger_account, {"created_at"}, ledger_account.c.code),
    (ledger_balance, set(), ledger_balance.c.account_code, ledger_balance.c.shard),
    (journal_entry, {"created_at"}, journal_entry.c.chain, journal_entry.c.seq),
    (posting, set(), posting.c.chain, posting.c.seq, posting.c.line),
    (outbox, {"id", "message_id", "global_serial", "trace_id", "created_at"}, outbox.c.id),
    (idempotency_record, {"created_at", "completed_at"}, idempotency_record.c.customer_id,
     idempotency_record.c.key),
    (deposit_position, set(), deposit_position.c.customer_id, deposit_position.c.product_code),
    (product_quota_shard, set(), product_quota_shard.c.product_code, product_quota_shard.c.shard),
    (transaction_serial, {"created_at"}, transaction_serial.c.reference),
]
# A transaction serial's number comes from a PostgreSQL SEQUENCE, which also advances for a
# refused movement and is not reset between tests (SQLite's counter rolls back): the numbers
# are masked, the date and channel compared.
_SERIAL = re.compile(r"\b(\d{8}(?:WX|H5|BT|AD))\d{12}\b")


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return _SERIAL.sub(r"\1" + "#" * 12, value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask(v) for v in value)
    return value

# (customer, product, amount in fen, key): successes, a replay, a quota fallback, refusals
PURCHASES: list[tuple[int, str, int, str]] = [
    (1, "TD1Y", 1_000_000, "k1"), (1, "TD1Y", 1_000_000, "k1"),
    (2, "SMALL", 10_000, "s2"), (3, "SMALL", 10_000, "s3"),
    (1, "CAPPED", 60_000, "c1"), (1, "CAPPED", 50_000, "c2"),
    (2, "LCD3Y", 20_000_000, "big"), (3, "TD6M", 4_999, "low"), (1, "TD1Y", 100_001, "step"),
    (2, "TD6M", 100_000, "same"), (2, "TD6M", 100_100, "same"), (3, "NOPE", 10_000, "nope"),
]
SUCCESSES_ONLY = [x for i, x in enumerate(PURCHASES) if i in (0, 2, 3, 4, 9)]


async def _setup(p: Platform) -> dict[int, int]:
    """Catalog, two test products and three customers funded by entries with fixed references
    (so every hash chain is the same run to run); returns customer number → id."""
    await seed_catalog(p)
    # 1,000.00 in 16 sub-quotas of 62.50: each 100.00 purchase needs the fallback
    await publish_product(p, "SMALL", total_quota=100_000, min_amount=5_000, step_amount=100)
    await publish_product(p, "CAPPED", max_per_customer=100_000, total_quota=10_000_000)
    ids = {}
    for n in (1, 2, 3):
        c = await open_customer(p, n)
        async with p.db.transaction() as conn:
            await ledger.post(conn, JournalEntry.transfer(
                kind="top_up", business_date=await _today(conn), description="测试资金",
                debit=BANK_SETTLEMENT, credit=c.account.ledger_code, amount=5_000_000,
                reference=f"FUND{n}"), chain=c.account.chain)
        ids[n] = c.customer_id
    return ids


async def _today(conn: Any) -> Any:
    from opendeposit.clock import current_business_date

    return await current_business_date(conn)


async def _run(p: Platform, ids: dict[int, int],
               purchases: list[tuple[int, str, int, str]]) -> list[Any]:
    outcomes: list[Any] = []
    for n, code, amount, key in purchases:
        try:
            answer = await service.purchase(**deposit_ports(p),
                                            customer_id=ids[n], product_code=code,
                                            amount=amount, pin=PIN, idempotency_key=key)
            outcomes.append((answer.status_code, _mask(answer.body)))
        except OpenDepositError as exc:
            outcomes.append(exc.code)
    return outcomes


async def _rows(p: Platform) -> dict[str, list[dict[str, Any]]]:
    found = {}
    async with p.db.read() as conn:
        for table, skip, *order in TABLES:
            rows = (await conn.execute(select(table).order_by(*order))).all()
            found[table.name] = [{k: _mask(v) for k, v in r._mapping.items() if k not in skip}
                                 for r in rows]
    return found


async def _scenario(p: Platform, purchases: list[tuple[int, str, int, str]]) -> tuple[Any, Any]:
    ids = await _setup(p)
    return await _run(p, ids, purchases), await _rows(p)


async def test_purchases_write_the_same_rows_on_both_engines(sqlite_platform,
                                                             pg_platform) -> None:
    lite = await _scenario(sqlite_platform, SUCCESSES_ONLY)
    pg = await _scenario(pg_platform, SUCCESSES_ONLY)
    assert lite[0] == pg[0]
    for name in lite[1]:
        assert lite[1][name] == pg[1][name], name


async def _everything(p: Platform) -> tuple[Any, ...]:
    """The ledger state and every other table a purchase writes."""
    counts = []
    async with p.db.read() as conn:
        for table in (holding, outbox, idempotency_record):
            counts.append((await conn.execute(select(func.count()).select_from(table)))
                          .scalar())
        for table in (deposit_position, product_quota_shard):
            counts.append(sorted(tuple(r) for r in (await conn.execute(select(table))).all()))
    return await ledger_state(p), *counts


def _between_read_and_write(monkeypatch: pytest.MonkeyPatch, race: Any) -> None:
    """Run `race()` once after a purchase read its context and before it writes (the PIN check
    sits between the two), to reach the refusals only the write can see."""
    real = accounts.verify_pin
    pending = [race]

    async def verify_pin(**kw: Any) -> None:
        await real(**kw)
        if pending:
            await pending.pop()()

    monkeypatch.setattr(accounts, "verify_pin", verify_pin)


async def test_refusals_only_the_write_sees_write_nothing(pg_platform, monkeypatch) -> None:
    p = pg_platform
    ids = await _setup(p)
    cid = ids[1]

    async def refused(code: str, amount: int, expected: str, race: Any) -> OpenDepositError:
        before: list[Any] = []

        async def race_then_look() -> None:
            await race()
            before.append(await _everything(p))

        _between_read_and_write(monkeypatch, race_then_look)
        with pytest.raises(OpenDepositError) as caught:
            await service.purchase(**deposit_ports(p),
                                   customer_id=cid, product_code=code, amount=amount,
                                   pin=PIN, idempotency_key=f"r-{code}-{expected}")
        assert caught.value.code == expected
        assert before and await _everything(p) == before[0]
        return caught.value

    async def sql(stmt: Any) -> None:
        async with p.db.transaction() as conn:
            await conn.execute(stmt)

    async def near_cap() -> None:  # another purchase of the same customer got there first
        await sql(deposit_position.insert().values(customer_id=cid, product_code="CAPPED",
                                                   purchased=50_000))

    async def sold_out() -> None:  # the others bought all but 10.00 of it meanwhile
        await sql(product_quota_shard.update().where(product_quota_shard.c.product_code ==
                                                     "SMALL").values(remaining=0))
        await sql(product_quota_shard.update().where(
            product_quota_shard.c.product_code == "SMALL", product_quota_shard.c.shard == 15
        ).values(remaining=1_000))

    err = await refused("CAPPED", 60_000, "ABOVE_CUSTOMER_LIMIT", near_cap)
    assert err.details == {"max_per_customer": 100_000}
    err = await refused("SMALL", 10_000, "QUOTA_EXCEEDED", sold_out)
    assert err.details == {"amount": 10_000, "quota_left": 1_000}


async def test_a_key_taken_between_read_and_write_replays_the_first_answer(
        pg_platform, monkeypatch) -> None:
    p = pg_platform
    ids = await _setup(p)
    first: list[Any] = []

    async def the_other_request() -> None:
        first.append(await service.purchase(**deposit_ports(p),
                                            customer_id=ids[2], product_code="TD1Y",
                                            amount=100_000, pin=PIN, idempotency_key="twice"))

    _between_read_and_write(monkeypatch, the_other_request)
    answer = await service.purchase(**deposit_ports(p),
                                    customer_id=ids[2], product_code="TD1Y", amount=100_000,
                                    pin=PIN, idempotency_key="twice")
    assert answer == first[0] and answer.status_code == 201
    async with p.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(holding))).scalar() == 1


async def test_the_same_key_at_once_has_one_effect(pg_platform) -> None:
    p = pg_platform
    ids = await _setup(p)
    answers = await asyncio.gather(*(
        service.purchase(**deposit_ports(p),
                         customer_id=ids[3], product_code="TD6M", amount=100_000, pin=PIN,
                         idempotency_key="dup") for _ in range(10)))
    assert all(a == answers[0] for a in answers) and answers[0].status_code == 201
    async with p.db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(holding))).scalar() == 1
        assert await ledger.balance(conn, f"2151-{answers[0].body['id']:012d}") == 100_000


# ----------------------------------------------------------------------------- payments

# (customer, top_up | withdraw, amount, key, the card's failure mode for this move)
MOVES: list[tuple[int, str, int, str, str]] = [
    (1, "top_up", 250_050, "t1", "none"), (1, "top_up", 250_050, "t1", "none"),
    (1, "withdraw", 50_025, "w1", "none"), (1, "withdraw", 10_000_000, "w2", "none"),
    (2, "top_up", 5_000, "t2", "frozen"), (1, "withdraw", 20_000, "w3", "frozen"),
    (1, "top_up", 7_000, "t3", "timeout"), (1, "withdraw", 9_000, "w4", "timeout_fail"),
    (2, "top_up", 1_000, "t4", "none"), (2, "top_up", 1_001, "t4", "none"),
]
PAYMENT_TABLES = [  # order ids: PostgreSQL's sequence also advances for a refused order
    (payment_order, {"id", "created_at", "updated_at"}, payment_order.c.id),
    *[t for t in TABLES if t[0].name in {"ledger_balance", "journal_entry", "posting",
                                         "esb_outbox", "idempotency_record",
                                         "transaction_serial"}],
]


async def _payments_scenario(p: Platform, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    serial = iter(range(1, 1000))  # order numbers are random: the same ones in both runs
    monkeypatch.setattr(payments, "order_number",
                        lambda direction: f"{direction[0].upper()}{next(serial):012d}")
    people = {n: await open_customer(p, n) for n in (1, 2)}
    outcomes: list[Any] = []
    for n, direction, amount, key, mode in MOVES:
        await p.sandbox["cards"].set_failure_mode(people[n].card_number, mode)
        move = payments.top_up if direction == "top_up" else payments.withdraw
        try:
            answer = await move(**payment_ports(p), customer_id=people[n].customer_id,
                                amount=amount, pin=PIN, idempotency_key=key)
            outcomes.append((answer.status_code, _mask(answer.body)))
        except OpenDepositError as exc:
            outcomes.append(exc.code)
    outcomes.append(await payments.reconcile(**reconcile_ports(p), older_than=timedelta(0)))
    found = {}
    async with p.db.read() as conn:
        for table, skip, *order in PAYMENT_TABLES:
            rows = (await conn.execute(select(table).order_by(*order))).all()
            found[table.name] = [{k: _mask(v) for k, v in r._mapping.items() if k not in skip}
                                 for r in rows]
    return outcomes, found


async def test_payments_write_the_same_rows_on_both_engines(sqlite_platform, pg_platform,
                                                            monkeypatch) -> None:
    fast = await _payments_scenario(pg_platform, monkeypatch)
    steps = await _payments_scenario(sqlite_platform, monkeypatch)
    assert fast[0] == steps[0]
    codes = [o if isinstance(o, str) else o[0] for o in fast[0][:-1]]
    assert codes == [200, 200, 200, "INSUFFICIENT_FUNDS", 422, 422, 202, 202, 200,
                     "IDEMPOTENCY_KEY_REUSED"]
    assert fast[0][-1] == (2, 0)  # the two pending orders settled by reconciliation
    for name in fast[1]:
        assert fast[1][name] == steps[1][name], name
    async with pg_platform.db.read() as conn:
        report = await ledger.verify(conn)
    assert report.ok, report.problems


async def test_answers_stored_for_replay_match_what_the_function_returned(pg_platform) -> None:
    p = pg_platform
    c = await open_customer(p, 1)
    first = await payments.top_up(**payment_ports(p),
                                  customer_id=c.customer_id, amount=123_456, pin=PIN,
                                  idempotency_key="t")
    again = await payments.top_up(**payment_ports(p),
                                  customer_id=c.customer_id, amount=123_456, pin=PIN,
                                  idempotency_key="t")
    out = await payments.withdraw(**payment_ports(p),
                                  customer_id=c.customer_id, amount=3_456, pin=PIN,
                                  idempotency_key="w")
    assert first == again and first.body["balance"] == "1234.56"
    assert out.body["balance"] == "1200.00"
    assert out == await payments.withdraw(**payment_ports(p),
                                          customer_id=c.customer_id, amount=3_456, pin=PIN,
                                          idempotency_key="w")


async def test_a_withdrawal_beyond_the_balance_writes_nothing(pg_platform) -> None:
    p = pg_platform
    c = await open_customer(p, 1)
    await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=10_000, pin=PIN,
                          idempotency_key="t")
    before = await _everything(p), await _orders(p)
    with pytest.raises(OpenDepositError) as caught:
        await payments.withdraw(**payment_ports(p),
                                customer_id=c.customer_id, amount=10_001, pin=PIN,
                                idempotency_key="w")
    assert caught.value.code == "INSUFFICIENT_FUNDS"
    assert (await _everything(p), await _orders(p)) == before


async def _orders(p: Platform) -> int:
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(payment_order)))
                   .scalar_one())


async def test_a_settle_that_fails_at_its_last_step_leaves_no_message(pg_platform,
                                                                      monkeypatch) -> None:
    p = pg_platform
    c = await open_customer(p, 1)
    await payments.top_up(**payment_ports(p),
                          customer_id=c.customer_id, amount=100, pin=PIN, idempotency_key="a")
    real = payments.settle_plan

    def unstorable(*args: Any, **kwargs: Any) -> Any:  # smallint overflow at the last UPDATE
        plan, answer = real(*args, **kwargs)
        last = plan.steps[-1]
        assert isinstance(last, Complete)
        broken = replace(last, answer=Answer(70_000, last.answer.body))
        return replace(plan, steps=(*plan.steps[:-1], broken)), answer

    monkeypatch.setattr(payments, "settle_plan", unstorable)
    before = await _everything(p)
    with pytest.raises(asyncpg.PostgresError):
        await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=200, pin=PIN,
                              idempotency_key="b")
    after = await _everything(p)
    assert after[0] == before[0] and after[2] == before[2]  # no entry, no message


async def test_a_rolled_back_plan_leaves_its_prepared_statements_usable(pg_platform) -> None:
    """apply_plan() prepares each statement once per session; a plan that rolled back after
    preparing must not make the next plan of the same shape prepare it twice."""
    from opendeposit.db import Database
    from opendeposit.db.apply import apply
    from opendeposit.writeplan import Abandon, Change, Plan, PlanAbandoned, Update

    p = pg_platform
    c = await open_customer(p, 1)
    db = Database(p.db.url, pool_size=1)  # one session, so the second plan meets the first's
    try:
        def plan(order_id: int) -> Plan:
            return Plan((Update("payment_order", (Change(key={"id": order_id},
                                                         set={"note": "x"}),),
                                on_miss=Abandon("NONE")),), clock_now())

        for _ in range(2):
            with pytest.raises(PlanAbandoned):
                await apply(db, plan(-1))
        await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=100,
                              pin=PIN, idempotency_key="t")
        assert await apply(db, plan(1)) == {}
    finally:
        await db.dispose()


def clock_now():  # type: ignore[no-untyped-def]
    from opendeposit.clock import utcnow

    return utcnow()
