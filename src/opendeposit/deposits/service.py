"""Deposit use cases: buy a time deposit or CD from the Class II balance, maturity instruction,
and the customer's holdings.

A purchase is one transaction: idempotency key → account and product checks → per-customer cap
(a conditional update of the customer's position row) → holding and its own ledger account →
balanced entry Dr 2011 customer / Cr 2151 holding → outbox receipt request → quota LAST.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import Operation, check_allowed
from opendeposit.accounts.models import customer
from opendeposit.deposits import records
from opendeposit.deposits.domain import add_months, check_rollover_offered
from opendeposit.deposits.models import holding
from opendeposit.deposits.retry import in_transaction
from opendeposit.errors import Conflict
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import JournalEntry
from opendeposit.platform import Platform
from opendeposit.products import quota
from opendeposit.products import service as products
from opendeposit.products.domain import (
    AboveCustomerLimit,
    ProductNotOnSale,
    ProductStatus,
    check_purchase,
    format_rate,
)
from opendeposit.products.models import deposit_position, product, product_quota_shard

PURCHASE = "deposit_purchase"


class HoldingNotActive(Conflict):
    code = "HOLDING_NOT_ACTIVE"
    message_en = "This deposit is no longer active."
    message_zh = "该存单已结清，不能办理此业务。"


@dataclass(frozen=True)
class Answer:
    """An HTTP-shaped answer, stored for idempotent replays."""

    status_code: int
    body: dict[str, Any]


async def purchase(p: Platform, *, customer_id: int, product_code: str, amount: int, pin: str,
                   idempotency_key: str) -> Answer:
    """Buy `amount` fen of a product from the Class II balance → 201 with the new holding."""
    idempotency.check_key(idempotency_key)
    req_hash = idempotency.request_hash(PURCHASE, product_code=product_code, amount=amount)
    prior = await idempotency.stored_result(p.db, customer_id=customer_id, key=idempotency_key,
                                            req_hash=req_hash)
    if prior is not None:
        return Answer(prior.status_code, prior.body)
    await accounts.verify_pin(p, customer_id=customer_id, pin=pin)

    async def work(conn: AsyncConnection) -> Answer | None:
        if not await idempotency.claim(conn, p.db, customer_id=customer_id, key=idempotency_key,
                                       operation=PURCHASE, req_hash=req_hash):
            return None
        return await _buy(p, conn, customer_id=customer_id, code=product_code, amount=amount,
                          key=idempotency_key)

    answer = await in_transaction(p.db, work)
    if answer is None:  # a concurrent duplicate owns the key: its answer is the answer
        prior = await idempotency.stored_result(p.db, customer_id=customer_id,
                                                key=idempotency_key, req_hash=req_hash)
        assert prior is not None
        return Answer(prior.status_code, prior.body)
    return answer


async def _buy(p: Platform, conn: AsyncConnection, *, customer_id: int, code: str, amount: int,
               key: str) -> Answer:
    acct = await accounts.account_of_customer(p, customer_id, conn)
    check_allowed(acct.status, Operation.BUY_DEPOSIT)
    snap = (await conn.execute(_snapshot(customer_id, code))).first()
    if snap is None:
        raise products.ProductNotFound(details={"code": code})
    prod, day = products.product_of(snap), snap.business_date
    if prod.status is not ProductStatus.PUBLISHED:
        raise ProductNotOnSale(details={"status": prod.status.value})
    check_purchase(prod.terms, amount=amount, on=day, already_held=int(snap.held or 0),
                   quota_left=int(snap.quota_left or 0), region_code=snap.region_code)
    await _add_to_position(p, conn, customer_id=customer_id, code=code, amount=amount,
                           cap=prod.terms.max_per_customer)
    values = _holding_values(prod, acct, amount=amount, day=day)
    holding_id = int((await conn.execute(holding.insert().values(**values)
                                         .returning(holding.c.id))).scalar_one())
    account_code = records.holding_code(holding_id)
    await ledger.open_ledger_account(conn, code=account_code, owner_id=holding_id,
                                     name=f"定期存单 {holding_id}", chain=acct.chain)
    reference = f"H{holding_id}"
    posted = await ledger.post(conn, JournalEntry.transfer(
        kind=PURCHASE, business_date=day, description=f"购买{prod.terms.name}",
        debit=acct.ledger_code, credit=account_code, amount=amount, reference=reference),
        chain=acct.chain)
    row = SimpleNamespace(**values, id=holding_id, product_name=prod.terms.name,
                          allow_partial_withdrawal=prod.terms.allow_partial_withdrawal,
                          allow_rollover=prod.terms.allow_rollover)
    await records.announce_receipt(conn, kind=PURCHASE, row=row, acct=acct, day=day,
                                   amount=amount, entry_hash=posted.hash, reference=reference,
                                   rate=prod.terms.rate, summary=f"购买{prod.terms.name}")
    answer = Answer(201, records.body(row, today=day))
    await idempotency.complete(conn, customer_id=customer_id, key=key,
                               status_code=answer.status_code, body=answer.body)
    await quota.take(conn, code=code, customer_id=customer_id, amount=amount)  # hot row: last
    return answer


def _snapshot(customer_id: int, code: str) -> Any:
    """One round trip: the product row with the business date, the customer's region, what
    the customer already bought of it and the quota left (the quota is decided at the end)."""
    def scalar(stmt: Any, name: str) -> Any:
        return stmt.scalar_subquery().label(name)

    return select(
        product,
        scalar(select(clock.business_day.c.current_date)
               .where(clock.business_day.c.id == 1), "business_date"),
        scalar(select(customer.c.region_code).where(customer.c.id == customer_id),
               "region_code"),
        scalar(select(deposit_position.c.purchased).where(
            deposit_position.c.customer_id == customer_id,
            deposit_position.c.product_code == code), "held"),
        scalar(select(func.sum(product_quota_shard.c.remaining))
               .where(product_quota_shard.c.product_code == code), "quota_left"),
    ).where(product.c.code == code)


async def _add_to_position(p: Platform, conn: AsyncConnection, *, customer_id: int, code: str,
                           amount: int, cap: int) -> None:
    """The per-customer cap, race-free: one upsert that only adds while under the cap."""
    stmt = p.db.insert(deposit_position).values(
        customer_id=customer_id, product_code=code, purchased=amount)
    stmt = stmt.on_conflict_do_update(
        index_elements=[deposit_position.c.customer_id, deposit_position.c.product_code],
        set_={"purchased": deposit_position.c.purchased + amount},
        where=deposit_position.c.purchased + amount <= cap,
    ).returning(deposit_position.c.purchased)
    if amount > cap or (await conn.execute(stmt)).first() is None:
        raise AboveCustomerLimit(details={"max_per_customer": cap})


def _holding_values(prod: products.Product, acct: Any, *, amount: int, day: date) \
        -> dict[str, Any]:
    t = prod.terms
    return dict(
        customer_id=acct.customer_id, account_id=acct.id, product_code=t.code,
        kind=t.kind.value, term_months=t.term_months, principal=amount,
        original_principal=amount, rate=format_rate(t.rate), min_amount=t.min_amount,
        start_date=day, maturity_date=add_months(day, t.term_months), status=records.ACTIVE,
        auto_rollover=False, partial_withdrawn=False, chain=acct.chain,
        previous_holding_id=None, interest_paid=0, closed_on=None, created_at=clock.utcnow())


async def set_maturity_instruction(p: Platform, *, customer_id: int, holding_id: int,
                                   auto_rollover: bool) -> dict[str, Any]:
    """Pay out at maturity (default) or roll over at the board rate of the maturity date."""
    async with p.db.transaction() as conn:
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


async def holdings(p: Platform, *, customer_id: int) -> list[dict[str, Any]]:
    async with p.db.read() as conn:
        day = await clock.current_business_date(conn)
        rows = await records.list_for_customer(conn, customer_id)
    return [records.body(r, today=day) for r in rows]


async def one_holding(p: Platform, *, customer_id: int, holding_id: int) -> dict[str, Any]:
    async with p.db.read() as conn:
        day = await clock.current_business_date(conn)
        row = await records.load_for_customer(conn, holding_id=holding_id,
                                              customer_id=customer_id)
    return records.body(row, today=day)
