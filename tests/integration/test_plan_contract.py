"""The applier contract: the same plans applied on SQLite and on PostgreSQL write the same rows.

For every money use case (top-up, withdrawal and its reversal, purchase from the home shard and
from all shards, early and partial withdrawal, maturity payout and rollover in one chunk,
demand-interest settlement and credit, and the refusals) the plan is decided once, from the
same inputs, and applied to both engines; every row of every table that the plan inserted or
changed is compared (timestamps normalised to UTC, the outbox envelope's random ids left out),
as are the captured values and the answers the client sees. Surrogate keys drawn from a
sequence are plan inputs here (holding ids), except the outbox row's (see VOLATILE).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.service import load_account
from opendeposit.db import metadata
from opendeposit.db.apply import apply
from opendeposit.deposits import demand_plans, maturity
from opendeposit.deposits.decide import (
    PurchaseFacts,
    decide_purchase,
    decide_withdrawal,
    quota_takes,
)
from opendeposit.deposits.eod import _due
from opendeposit.deposits.holdings import Holder
from opendeposit.deposits.models import demand_accrual
from opendeposit.deposits.records import load_for_customer
from opendeposit.errors import OpenDepositError
from opendeposit.ledger.domain import BANK_SETTLEMENT, JournalEntry
from opendeposit.payments import decide as payments
from opendeposit.payments.ports import TransferResult, TransferStatus
from opendeposit.platform import Platform
from opendeposit.products.domain import ProductStatus, RateTable
from opendeposit.products.service import load as load_product
from opendeposit.products.service import rate_table
from opendeposit.serials import Channel, transaction_serial
from opendeposit.writeplan import Claim, Plan, PlanAbandoned, Post, rendered
from tests.helpers import open_customer, publish_product, seed_catalog

pytestmark = pytest.mark.postgres

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
DAY = date(2025, 6, 2)
# the envelope's random ids, and its surrogate key: PostgreSQL's sequence also advances for a
# plan that rolled back, SQLite's rowid does not
VOLATILE = {"esb_outbox": {"id", "message_id", "global_serial", "trace_id"}}
Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]


def _serial(n: int, channel: Channel = Channel.H5) -> str:
    return transaction_serial(NOW, channel, n)


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


async def _snapshot(p: Platform) -> Snapshot:
    found: Snapshot = {}
    async with p.db.read() as conn:
        for table in metadata.sorted_tables:
            keys = [c.name for c in table.primary_key] or [c.name for c in table.columns]
            rows = (await conn.execute(select(table))).mappings().all()
            found[table.name] = {
                tuple(r[k] for k in keys): {k: _norm(v) for k, v in r.items()
                                            if k not in VOLATILE.get(table.name, set())}
                for r in rows}
    return found


def _written(before: Snapshot, after: Snapshot) -> dict[str, list[dict[str, Any]]]:
    """Every row the plan inserted or changed, per table, in key order."""
    out = {}
    for name, rows in after.items():
        changed = [rows[k] for k in sorted(rows, key=repr) if before[name].get(k) != rows[k]]
        gone = set(before[name]) - set(rows)
        assert not gone, f"{name}: rows deleted {gone}"
        if changed:
            out[name] = changed
    return out


class Both:
    """The two engines, kept in step: every plan goes to both, and what it wrote must agree."""

    def __init__(self, lite: Platform, pg: Platform) -> None:
        self.lite, self.pg = lite, pg

    async def setup(self, step: Callable[[Platform], Awaitable[Any]]) -> tuple[Any, Any]:
        return await step(self.lite), await step(self.pg)

    async def apply(self, plan: Plan) -> dict[str, Any]:
        """Apply to both; the rows written, the captured values and any refusal must agree."""
        results = []
        for p in (self.lite, self.pg):
            before = await _snapshot(p)
            try:
                outcome: Any = await apply(p.db, plan)
            except (OpenDepositError, PlanAbandoned) as exc:
                outcome = (type(exc).__name__, getattr(exc, "code", None) or str(exc))
            results.append((outcome, _written(before, await _snapshot(p))))
        (lite, lite_rows), (pg, pg_rows) = results
        assert lite == pg
        assert lite_rows.keys() == pg_rows.keys()
        for name in lite_rows:
            assert lite_rows[name] == pg_rows[name], name
        self.last_rows = lite_rows
        return lite  # type: ignore[no-any-return]


@pytest.fixture
async def both(sqlite_platform: Platform, pg_platform: Platform) -> Both:
    b = Both(sqlite_platform, pg_platform)
    await b.setup(seed_catalog)
    await b.setup(lambda p: publish_product(p, "SMALL", total_quota=100_000, min_amount=5_000,
                                            step_amount=100))
    await b.setup(lambda p: publish_product(p, "CAPPED", max_per_customer=100_000))
    for n in (1, 2):
        await b.setup(lambda p, n=n: open_customer(p, n))
    return b


async def _account(p: Platform, customer_id: int) -> Any:
    async with p.db.read() as conn:
        return await load_account(conn, p.vault, customer_id)


def _holder(acct: Any) -> Holder:
    return Holder(acct.customer_id, acct.id, acct.account_no, acct.status, acct.ledger_code,
                  acct.chain, acct.holder_name)


async def _fund(both: Both, acct: Any, amount: int) -> None:
    await both.apply(Plan((Post(acct.chain, (JournalEntry.transfer(
        kind="top_up", business_date=DAY, description="测试资金", debit=BANK_SETTLEMENT,
        credit=acct.ledger_code, amount=amount, reference=f"FUND{acct.id}"),)),), NOW))


async def test_payments_write_the_same_rows(both: Both) -> None:
    acct = await _account(both.lite, 1)
    assert acct == await _account(both.pg, 1)
    claim = Claim(1, "t1", "top_up", "h1")
    opened = await both.apply(payments.open_plan(
        claim, direction="top_up", account=acct, amount=250_050, order_no="T1",
        business_date=DAY, now=NOW, serial=_serial(1)))
    order = payments.OpenOrder(opened["order.id"], "T1", "top_up", 250_050, "t1", acct, 0, None,
                               _serial(1))
    plan, answer = payments.settle_plan(order, TransferResult(TransferStatus.SUCCEEDED, "N1"),
                                        business_date=DAY, bank_name="测试银行", now=NOW)
    got = await both.apply(plan)
    settled_top_up = plan
    assert rendered(answer, got).body["balance"] == "2500.50"
    assert set(both.last_rows) == {"payment_order", "ledger_chain", "ledger_balance", "posting",
                                   "journal_entry", "esb_outbox", "idempotency_record",
                                   "transaction_serial",
                                   "limit_usage"}  # the Class II counters, same plan
    assert rendered(answer, got).body["transaction_serial"] == _serial(1)
    for n, (result, key) in enumerate([(TransferStatus.SUCCEEDED, "w1"),
                                       (TransferStatus.FAILED, "w2"),
                                       (TransferStatus.PENDING, "w3")]):
        opened = await both.apply(payments.open_plan(
            Claim(1, key, "withdraw", "h"), direction="withdraw", account=acct, amount=10_000,
            order_no=f"W{n}", business_date=DAY, now=NOW, serial=_serial(2 + n)))
        assert opened[f"hold@{acct.ledger_code}"] == 250_050 - 10_000 * (n + 1 - (n > 1))
        order = payments.OpenOrder(opened["order.id"], f"W{n}", "withdraw", 10_000, key, acct,
                                   opened[f"hold@{acct.ledger_code}"], opened["hold#0"],
                                   _serial(2 + n))
        plan, _ = payments.settle_plan(order, TransferResult(result, failure_code="DECLINED"),
                                       business_date=DAY, bank_name="测试银行", now=NOW)
        await both.apply(plan)
    # the same order settled again: abandoned on both, nothing written
    assert await both.apply(settled_top_up) == ("PlanAbandoned", payments.ORDER_SETTLED)
    assert both.last_rows == {}
    # a hold beyond the balance: refused on both, nothing written
    refused = await both.apply(payments.open_plan(
        Claim(1, "w9", "withdraw", "h"), direction="withdraw", account=acct, amount=10**9,
        order_no="W9", business_date=DAY, now=NOW, serial=_serial(9)))
    assert refused == ("InsufficientFunds", "INSUFFICIENT_FUNDS") and both.last_rows == {}
    # a key taken: abandoned with KEY_TAKEN on both
    assert (await both.apply(payments.open_plan(
        claim, direction="top_up", account=acct, amount=1, order_no="T2", business_date=DAY,
        now=NOW, serial=_serial(10))))[1] == "KEY_TAKEN"


async def _purchase_facts(p: Platform, acct: Any, code: str) -> PurchaseFacts:
    async with p.db.read() as conn:
        product = await load_product(conn, code)
        ceiling = (await rate_table(conn)).ceiling(product.terms.kind, product.terms.term_months,
                                                   DAY)
    return PurchaseFacts(_holder(acct), product.terms, ProductStatus.PUBLISHED, ceiling, DAY,
                         "110105", 0, product.terms.total_quota)


async def test_purchases_and_withdrawals_write_the_same_rows(both: Both) -> None:
    acct = await _account(both.lite, 1)
    await _fund(both, acct, 5_000_000)
    facts = await _purchase_facts(both.lite, acct, "TD1Y")
    bought = decide_purchase(facts, Claim(1, "b1", "deposit_purchase", "h"), amount=1_000_000,
                             holding_id=101, now=NOW, serial=_serial(11))
    await both.apply(bought.plan + Plan((bought.home_take,), NOW))
    assert {"holding", "ledger_account", "deposit_position", "product_quota_shard",
            "esb_outbox", "idempotency_record", "posting", "transaction_serial"} \
        <= set(both.last_rows)
    # SMALL: 16 sub-quotas of 62.50, so 100.00 is short in the home shard → abandoned ...
    small = await _purchase_facts(both.lite, acct, "SMALL")
    bought = decide_purchase(small, Claim(1, "b2", "deposit_purchase", "h"), amount=10_000,
                             holding_id=102, now=NOW, serial=_serial(12))
    home = await both.apply(bought.plan + Plan((bought.home_take,), NOW))
    assert home == ("PlanAbandoned", "QUOTA_HOME_SHORT") and both.last_rows == {}
    # ... and taken from the shards in order instead
    shards = [(s, 6_250) for s in range(16)]
    await both.apply(bought.plan + Plan((quota_takes("SMALL", shards, 10_000),), NOW))
    assert len(both.last_rows["product_quota_shard"]) == 2
    # above the customer's cap: refused on both, nothing written
    capped = await _purchase_facts(both.lite, acct, "CAPPED")
    over = decide_purchase(capped, Claim(1, "b3", "deposit_purchase", "h"), amount=100_000,
                           holding_id=103, now=NOW, serial=_serial(13))
    await both.apply(over.plan + Plan((over.home_take,), NOW))
    again = decide_purchase(capped, Claim(1, "b4", "deposit_purchase", "h"), amount=100_000,
                            holding_id=104, now=NOW, serial=_serial(14))
    assert (await both.apply(again.plan + Plan((again.home_take,), NOW)))[1] == \
        "ABOVE_CUSTOMER_LIMIT"
    # a partial and then a full early withdrawal of holding 101, 100 days later
    later = DAY + timedelta(days=100)
    for n, (key, amount) in enumerate((("p1", 300_000), ("p2", None))):
        row = await _holding_row(both.lite, 101)
        plan, answer = decide_withdrawal(row, _holder(acct), Claim(1, key, "w", "h"),
                                         amount=amount, on=later, demand_rate=Decimal("0.05"),
                                         now=NOW, serial=_serial(15 + n))
        got = await both.apply(plan)
        assert rendered(answer, got).body["holding"]["status"] == \
            ("active" if amount else "withdrawn")
    # the holding is no longer as quoted: refused, nothing written
    assert (await both.apply(plan))[1] in {"HOLDING_NOT_ACTIVE", "KEY_TAKEN"}


async def _holding_row(p: Platform, holding_id: int) -> Any:
    """The holding as the withdrawal (product flags) and the EOD (account) read it."""
    async with p.db.read() as conn:
        due = (await conn.execute(_due(date(2100, 1, 1), holding_id - 1))).first()
        assert due is not None and due.id == holding_id
        own = await load_for_customer(conn, holding_id=holding_id, customer_id=due.customer_id)
    return SimpleNamespace(**{**own._mapping, **due._mapping})


async def test_a_maturity_chunk_writes_the_same_rows(both: Both) -> None:
    accounts = [await _account(both.lite, n) for n in (1, 2)]
    for acct in accounts:
        await _fund(both, acct, 5_000_000)
    for hid, acct in ((201, accounts[0]), (202, accounts[1]), (203, accounts[0])):
        facts = await _purchase_facts(both.lite, acct, "TD3M")
        bought = decide_purchase(facts, Claim(acct.customer_id, f"m{hid}", "b", "h"),
                                 amount=1_000_000, holding_id=hid, now=NOW,
                                 serial=_serial(hid))
        await both.apply(bought.plan + Plan((bought.home_take,), NOW))
    rates: RateTable
    async with both.lite.db.read() as conn:
        rates = await rate_table(conn)
    rows = [await _holding_row(both.lite, hid) for hid in (201, 202, 203)]
    rows[1].auto_rollover = True  # holding 202 rolls over, the others pay out
    due = rows[0].maturity_date
    items = [maturity.parts(maturity.outcome(r, rates=rates), holder_name=r_name, day=due,
                            new_id=301 if r.id == 202 else None, now=NOW,
                            serial=_serial(400 + r.id, Channel.BT))
             for r, r_name in zip(rows, ["测试1", "测试2", "测试1"], strict=True)]
    items.sort(key=lambda i: (i.chain, i.change.key["id"]))
    await both.apply(maturity.chunk_plan(items, now=NOW))
    assert len(both.last_rows["holding_event"]) == 3 and len(both.last_rows["esb_outbox"]) == 3
    assert len(both.last_rows["transaction_serial"]) == 3
    assert {r["status"] for r in both.last_rows["holding"]} == {"matured", "rolled_over",
                                                                "active"}
    # the same chunk again: every holding has changed, so the plan is abandoned
    assert (await both.apply(maturity.chunk_plan(items, now=NOW)))[1] == maturity.CHANGED


async def test_demand_interest_writes_the_same_rows(both: Both) -> None:
    accounts = [await _account(both.lite, n) for n in (1, 2)]
    settle = date(2025, 6, 20)
    for p in (both.lite, both.pg):
        async with p.db.transaction() as conn:
            for n, acct in enumerate(accounts):
                await conn.execute(demand_accrual.insert().values(
                    account_id=acct.id, settlement_date=settle, balance_product=1_000_000 * 92
                    * (n + 1), days_accrued=92, last_day=settle, state="accruing"))
    rows = [SimpleNamespace(account_id=a.id, settlement_date=settle,
                            balance_product=1_000_000 * 92 * (n + 1), interest=None,
                            chain=a.chain, ledger_code=a.ledger_code,
                            status=AccountStatus.NORMAL.value) for n, a in enumerate(accounts)]
    async with both.lite.db.read() as conn:
        rates = await rate_table(conn)
    plan, tally = demand_plans.settlement_plan(rows, day=settle, rates=rates, now=NOW)
    await both.apply(plan)
    assert tally == {"settled": 2, "interest": 128 + 256}
    settled = [SimpleNamespace(**{**vars(r), "interest": i}) for r, i in zip(rows, (128, 256),
                                                                             strict=True)]
    assert demand_plans.credits_needed(settled) == 2
    plan, tally = demand_plans.credit_plan(settled, day=settle + timedelta(days=1), now=NOW,
                                           serials=[_serial(501, Channel.BT),
                                                    _serial(502, Channel.BT)])
    await both.apply(plan)
    assert tally == {"credited": 2, "zero": 0}
    assert len(both.last_rows["transaction_serial"]) == 2
    assert len(both.last_rows["demand_accrual"]) == 2
