"""Deposit use cases: buy a time deposit or CD from the Class II balance, maturity instruction,
and the customer's holdings.

A purchase reads everything it needs in one round trip, checks the PIN, decides in Python
(`decide.decide_purchase`: every rule, every row) and applies the plan atomically: on
PostgreSQL one call of `apply_plan()`, the quota of the customer's home shard last. When that
shard is short the plan is abandoned and applied again in one transaction that takes the quota
from all shards under lock (`products.quota.locked_shards`), still last.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, text
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountNotUsable, AccountStatus
from opendeposit.db import Database
from opendeposit.db.apply import Captured, apply_in, next_ids
from opendeposit.db.driver import AttrRow, driver_connection
from opendeposit.deposits import records
from opendeposit.deposits.decide import (
    PURCHASE,
    QUOTA_HOME_SHORT,
    PurchaseFacts,
    decide_purchase,
    quota_takes,
)
from opendeposit.deposits.domain import check_rollover_offered
from opendeposit.deposits.holdings import Holder, HoldingNotActive
from opendeposit.deposits.models import holding
from opendeposit.ledger import serials
from opendeposit.products import quota
from opendeposit.products import service as products
from opendeposit.products.domain import ProductTerms, RateEntry, RateNotDefined, RateTable
from opendeposit.risk import gate
from opendeposit.risk import service as risk
from opendeposit.risk.gate import Screen
from opendeposit.risk.history import EventKind
from opendeposit.risk.service import Outcome
from opendeposit.security import PinHasher, Vault
from opendeposit.serials import Channel, transaction_serial
from opendeposit.writeplan import Answer, Claim, Plan, PlanAbandoned

__all__ = ["PURCHASE", "Answer", "HoldingNotActive", "holdings", "one_holding", "purchase",
           "set_maturity_instruction"]


@dataclass(frozen=True)
class _Context:
    """What the one read of a purchase found."""

    pin: accounts.PinState
    idem_state: str | None
    row: Any
    holding_id: int | None  # PostgreSQL: drawn from the holding sequence up front
    serial_no: int | None  # PostgreSQL: the transaction serial's number, likewise
    summary: risk.Summary | None  # PostgreSQL: the customer's risk summary, likewise


async def purchase(*, db: Database, vault: Vault, pins: PinHasher, customer_id: int,
                   product_code: str, amount: int, pin: str, idempotency_key: str,
                   screen: Screen | None = None, channel: Channel = Channel.H5) -> Answer:
    """Buy `amount` fen of a product from the Class II balance → 201 with the new holding.
    The risk rules judge it in the plan's transaction (`risk.gate`)."""
    request = idempotency.Request.of(owner=customer_id, key=idempotency_key,
                                     operation=PURCHASE, product_code=product_code,
                                     amount=amount)
    ctx = await _context(db, vault, customer_id=customer_id, code=product_code,
                         key=idempotency_key, device_id=screen.device_id if screen else None)

    async def work(req: idempotency.Request) -> Answer:
        await accounts.verify_pin(db=db, pins=pins, customer_id=customer_id, pin=pin,
                                  known=ctx.pin)
        facts = _facts(vault, ctx.row, code=product_code)
        return await _buy(db, vault, facts, req.claim(), amount=amount,
                          holding_id=ctx.holding_id, serial_no=ctx.serial_no, channel=channel,
                          screen=screen, summary=ctx.summary)

    return await idempotency.run_once(db, request, seen=ctx.idem_state, work=work)


_CONTEXT = """
SELECT cu.id AS customer_id, cu.pin_hash, cu.pin_locked_at, cu.pin_failed_attempts,
       cu.region_code, cu.name_enc,
       a.id AS account_id, a.account_no, a.status AS account_status, a.ledger_code, a.chain,
       bd."current_date" AS business_date, r.state AS idem_state, dp.purchased AS held,
       (SELECT sum(q.remaining) FROM product_quota_shard q WHERE q.product_code = :code)
         AS quota_left,
       (SELECT {agg}(re.board_rate || ' ' || re.ceiling || ' ' || re.effective_from, ',')
          FROM rate_entry re WHERE re.kind = pr.kind AND re.term_months = pr.term_months)
         AS rate_entries,
       {holding_id} AS holding_id, {serial_no} AS serial_no, {risk_columns} pr.*
  FROM customer cu
  JOIN business_day bd ON bd.id = 1
  LEFT JOIN account a ON a.customer_id = cu.id AND a.status <> 'closed' AND EXISTS (
       SELECT 1 FROM bound_card b WHERE b.account_id = a.id AND b.status = 'active')
  LEFT JOIN product pr ON pr.code = :code
  LEFT JOIN deposit_position dp ON dp.customer_id = cu.id AND dp.product_code = :code
  LEFT JOIN idempotency_record r ON r.customer_id = cu.id AND r.key = :key{risk_join}
 WHERE cu.id = :customer_id
"""
_TYPES = dict(business_date=Date, sale_start=Date, sale_end=Date, pin_locked_at=DateTime,
              allow_partial_withdrawal=Boolean, allow_rollover=Boolean)
_CONTEXT_SQLITE = text(_CONTEXT.format(holding_id="NULL", serial_no="NULL",
                                        agg="group_concat", risk_columns="",
                                        risk_join="")).columns(**_TYPES)
# PostgreSQL also brings the customer's risk summary for the gate's unlocked way
_CONTEXT_PG = _CONTEXT.format(
    holding_id="nextval('holding_id_seq')", agg="string_agg",
    serial_no=f"nextval('{serials.SEQUENCE}')", risk_columns=risk.PREFETCH_COLUMNS + ",",
    risk_join=risk.PREFETCH_JOIN.format(customer="cu.id")).replace(
    ":customer_id", "$1").replace(":code", "$2").replace(":key", "$3").replace(
    ":risk_device_id", "$4").replace(":risk_device_hash", "$5")


async def _context(db: Database, vault: Vault, *, customer_id: int, code: str, key: str,
                   device_id: str | None) -> _Context:
    """One read for everything a purchase decides on: PIN state, whether the key was seen, the
    account, the product and its rate entries, the business date, the customer's
    region and position, quota left (the quota and the cap are guarded again by the write),
    and on PostgreSQL the holding id."""
    row: Any
    if db.dialect == "postgresql":
        async with driver_connection(db) as driver:
            found = await driver.conn.fetchrow(_CONTEXT_PG, customer_id, code, key,
                                               *risk.prefetch_params(vault, device_id))
        row = None if found is None else AttrRow(found)
    else:
        async with db.read() as conn:
            row = (await conn.execute(_CONTEXT_SQLITE, {
                "customer_id": customer_id, "code": code, "key": key})).first()
    if row is None:
        raise accounts.AccountNotFound()
    return _Context(accounts.PinState.of(row), row.idem_state, row, row.holding_id,
                    row.serial_no, None if db.is_sqlite else risk.summary_of(row))


def _facts(vault: Vault, row: Any, *, code: str) -> PurchaseFacts:
    if row.account_id is None:
        raise accounts.AccountNotFound()
    if row.code is None:
        raise products.ProductNotFound(details={"code": code})
    product = products.product_of(row)
    buyer = Holder(row.customer_id, row.account_id, row.account_no,
                   AccountStatus(row.account_status), row.ledger_code, row.chain,
                   vault.decrypt(row.name_enc))
    return PurchaseFacts(buyer, product.terms, product.status,
                         _ceiling(product.terms, row.rate_entries, row.business_date),
                         row.business_date,
                         row.region_code, int(row.held or 0), int(row.quota_left or 0))


def _ceiling(terms: ProductTerms, entries: str | None, day: date) -> Decimal | None:
    """The rate ceiling in force on `day` for the product's kind and term (the rate table
    decides which entry is in force); None when none is."""
    rows = [e.split(" ") for e in (entries or "").split(",") if e]
    table = RateTable(RateEntry(terms.kind, terms.term_months, Decimal(board), Decimal(ceiling),
                                date.fromisoformat(since)) for board, ceiling, since in rows)
    try:
        return table.ceiling(terms.kind, terms.term_months, day)
    except RateNotDefined:
        return None


async def _buy(db: Database, vault: Vault, facts: PurchaseFacts, claim: Claim, *, amount: int,
               holding_id: int | None, serial_no: int | None, channel: Channel,
               screen: Screen | None, summary: risk.Summary | None = None) -> Answer:
    now = clock.utcnow()
    # every rule of the purchase first: a refused purchase writes nothing, not even a decision
    try:
        decide_purchase(facts, claim, amount=amount, holding_id=holding_id or 1, now=now,
                        serial=transaction_serial(now, channel, 1))  # a placeholder
    except AccountNotUsable:
        await gate.dormant_first(db, facts.buyer.customer_id)  # dormancy: re-verify first
        raise
    call = gate.MoneyCall(facts.buyer.customer_id, EventKind.PURCHASE, amount, claim.operation,
                          claim.request_hash, claim.key[:64], facts.business_date,
                          status=facts.buyer.status, summary=summary)

    async def home_shard(conn: AsyncConnection, _: Outcome) -> Answer:
        hid = holding_id if holding_id is not None else (await next_ids(conn, "holding", 1))[0]
        serial = transaction_serial(now, channel, serial_no) if serial_no is not None else \
            (await serials.serials_in(conn, now, channel, 1))[0]
        bought = decide_purchase(facts, claim, amount=amount, holding_id=hid, now=now,
                                 serial=serial)
        await apply_in(conn, bought.plan + Plan((bought.home_take,), now))
        return bought.answer

    def going_ahead(_: int | None) -> tuple[Plan, Callable[[Captured], Answer]]:
        # PostgreSQL: the context read drew the holding id and the serial number
        assert holding_id is not None and serial_no is not None
        bought = decide_purchase(facts, claim, amount=amount, holding_id=holding_id, now=now,
                                 serial=transaction_serial(now, channel, serial_no))
        return bought.plan + Plan((bought.home_take,), now), lambda _: bought.answer

    async def all_shards(conn: AsyncConnection, _: Outcome) -> Answer:
        return await _buy_from_all_shards(conn, facts, claim, amount=amount,
                                          holding_id=holding_id, serial_no=serial_no,
                                          channel=channel, now=now)

    try:
        done = await gate.screened(db, vault=vault, screen=screen, call=call,
                                   apply_for=home_shard,
                                   fast=going_ahead if holding_id is not None else None)
    except PlanAbandoned as exc:
        if exc.reason != QUOTA_HOME_SHORT:
            raise
        # the home shard was short: the whole transaction (decision too) rolled back; again,
        # taking the quota from every shard under lock
        done = await gate.screened(db, vault=vault, screen=screen, call=call,
                                   apply_for=all_shards)
    assert done.result is not None
    return done.result


async def _buy_from_all_shards(conn: AsyncConnection, facts: PurchaseFacts, claim: Claim, *,
                               amount: int, holding_id: int | None, serial_no: int | None,
                               channel: Channel, now: datetime) -> Answer:
    """The home shard was short: the same plan, then every shard locked in order and the
    amount taken from them (`quota_takes`), in one transaction; QuotaExceeded when all of
    them together hold less."""
    hid = holding_id if holding_id is not None else (await next_ids(conn, "holding", 1))[0]
    serial = transaction_serial(now, channel, serial_no) if serial_no is not None else \
        (await serials.serials_in(conn, now, channel, 1))[0]
    bought = decide_purchase(facts, claim, amount=amount, holding_id=hid, now=now,
                             serial=serial)
    await apply_in(conn, bought.plan)
    shards = await quota.locked_shards(conn, facts.product.code)
    await apply_in(conn, Plan((quota_takes(facts.product.code, shards, amount),), now))
    return bought.answer


async def set_maturity_instruction(*, db: Database, customer_id: int, holding_id: int,
                                   auto_rollover: bool) -> dict[str, Any]:
    """Pay out at maturity (default) or roll over at the board rate of the maturity date."""
    async with db.transaction() as conn:
        row = await records.load_for_customer(conn, holding_id=holding_id,
                                              customer_id=customer_id, for_update=True)
        if row.status != records.ACTIVE:
            raise HoldingNotActive()
        check_rollover_offered(auto_rollover, allow_rollover=row.allow_rollover)
        await conn.execute(holding.update().where(
            holding.c.id == holding_id, holding.c.status == records.ACTIVE,
        ).values(auto_rollover=auto_rollover))
        await accounts.audit(conn, actor=f"customer:{customer_id}", action="deposit.maturity",
                             subject=f"holding:{holding_id}",
                             detail="rollover" if auto_rollover else "payout")
        day = await clock.current_business_date(conn)
        row = await records.load_for_customer(conn, holding_id=holding_id,
                                              customer_id=customer_id)
        return records.body(row, today=day)


async def holdings(*, db: Database, customer_id: int) -> list[dict[str, Any]]:
    async with db.read() as conn:
        day = await clock.current_business_date(conn)
        rows = await records.list_for_customer(conn, customer_id)
    return [records.body(r, today=day) for r in rows]


async def one_holding(*, db: Database, customer_id: int, holding_id: int) -> dict[str, Any]:
    async with db.read() as conn:
        day: date = await clock.current_business_date(conn)
        row = await records.load_for_customer(conn, holding_id=holding_id,
                                              customer_id=customer_id)
    return records.body(row, today=day)
