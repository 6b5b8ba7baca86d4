"""Deposit use cases: buy a time deposit or CD from the Class II balance, maturity instruction,
and the customer's holdings.

A purchase reads everything it needs in one round trip, checks every rule here in Python, then
applies the effects in one transaction: idempotency key → per-customer cap (a conditional update
of the customer's position row) → holding and its own ledger account → balanced entry Dr 2011
customer / Cr 2151 holding → outbox receipt request → quota LAST. PostgreSQL applies them in one
autocommit call of `deposit_purchase()` (`pg.py`); SQLite runs the same steps from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, text
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import AccountStatus, Operation, check_allowed
from opendeposit.deposits import pg, records
from opendeposit.deposits.domain import add_months, check_rollover_offered
from opendeposit.deposits.models import holding
from opendeposit.deposits.retry import in_transaction
from opendeposit.errors import Conflict
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import JournalEntry
from opendeposit.ledger.pg import AttrRow, driver_connection
from opendeposit.platform import Platform
from opendeposit.products import quota
from opendeposit.products import service as products
from opendeposit.products.domain import (
    AboveCustomerLimit,
    ProductNotOnSale,
    ProductStatus,
    check_purchase,
    format_rate,
    home_shard,
)
from opendeposit.products.models import deposit_position

PURCHASE = "deposit_purchase"
USE_PG_FUNCTION = True  # False runs the Python steps on PostgreSQL too (tests compare the two)


class HoldingNotActive(Conflict):
    code = "HOLDING_NOT_ACTIVE"
    message_en = "This deposit is no longer active."
    message_zh = "该存单已结清，不能办理此业务。"


@dataclass(frozen=True)
class Answer:
    """An HTTP-shaped answer, stored for idempotent replays."""

    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class _Buyer:
    """The customer's open Class II account, as a purchase needs it (no card: none is used)."""

    customer_id: int
    id: int
    account_no: str
    status: AccountStatus
    ledger_code: str
    chain: int
    holder_name: str


@dataclass(frozen=True)
class _Context:
    """Everything a purchase decides on, read in one round trip."""

    pin: accounts.PinState
    idem_state: str | None
    account: Any  # the context row where an open account with an active card exists, else None
    product: products.Product | None
    business_date: date
    region_code: str | None
    held: int
    quota_left: int
    holding_id: int | None  # PostgreSQL: drawn from the holding sequence up front


@dataclass(frozen=True)
class _Buy:
    """A purchase that passed every check: what the write steps (or the function) apply."""

    buyer: _Buyer
    product: products.Product
    day: date
    amount: int
    key: str
    req_hash: str
    holding_id: int | None


async def purchase(p: Platform, *, customer_id: int, product_code: str, amount: int, pin: str,
                   idempotency_key: str) -> Answer:
    """Buy `amount` fen of a product from the Class II balance → 201 with the new holding."""
    idempotency.check_key(idempotency_key)
    req_hash = idempotency.request_hash(PURCHASE, product_code=product_code, amount=amount)
    ctx = await _context(p, customer_id=customer_id, code=product_code, key=idempotency_key)
    if ctx.idem_state is not None:  # seen before: replay, wait, or refuse a different body
        return await _replay(p, customer_id, idempotency_key, req_hash)
    await accounts.verify_pin(p, customer_id=customer_id, pin=pin, known=ctx.pin)
    buy = _checked(p, ctx, code=product_code, amount=amount, key=idempotency_key,
                   req_hash=req_hash)
    if p.db.dialect == "postgresql" and USE_PG_FUNCTION:
        answer = await _apply_pg(p, buy)
    else:
        answer = await in_transaction(p.db, lambda conn: _apply_steps(p, conn, buy))
    if answer is None:  # a concurrent duplicate owns the key: its answer is the answer
        return await _replay(p, customer_id, idempotency_key, req_hash)
    return answer


async def _replay(p: Platform, customer_id: int, key: str, req_hash: str) -> Answer:
    prior = await idempotency.stored_result(p.db, customer_id=customer_id, key=key,
                                            req_hash=req_hash)
    assert prior is not None
    return Answer(prior.status_code, prior.body)


_CONTEXT = """
SELECT cu.id AS customer_id, cu.pin_hash, cu.pin_locked_at, cu.pin_failed_attempts,
       cu.region_code, cu.name_enc,
       a.id AS account_id, a.account_no, a.status AS account_status, a.ledger_code, a.chain,
       bd."current_date" AS business_date, r.state AS idem_state, dp.purchased AS held,
       (SELECT sum(q.remaining) FROM product_quota_shard q WHERE q.product_code = :code)
         AS quota_left,
       {holding_id} AS holding_id, pr.*
  FROM customer cu
  JOIN business_day bd ON bd.id = 1
  LEFT JOIN account a ON a.customer_id = cu.id AND a.status <> 'closed' AND EXISTS (
       SELECT 1 FROM bound_card b WHERE b.account_id = a.id AND b.status = 'active')
  LEFT JOIN product pr ON pr.code = :code
  LEFT JOIN deposit_position dp ON dp.customer_id = cu.id AND dp.product_code = :code
  LEFT JOIN idempotency_record r ON r.customer_id = cu.id AND r.key = :key
 WHERE cu.id = :customer_id
"""
_TYPES = dict(business_date=Date, sale_start=Date, sale_end=Date, pin_locked_at=DateTime,
              allow_partial_withdrawal=Boolean, allow_rollover=Boolean)
_CONTEXT_SQLITE = text(_CONTEXT.format(holding_id="NULL")).columns(**_TYPES)
_CONTEXT_PG = _CONTEXT.format(holding_id="nextval('holding_id_seq')").replace(
    ":customer_id", "$1").replace(":code", "$2").replace(":key", "$3")


async def _context(p: Platform, *, customer_id: int, code: str, key: str) -> _Context:
    """One read for everything a purchase decides on: PIN state, whether the key was seen, the
    account, the product, the business date, the customer's region and position, quota left
    (the quota and the cap are decided again by the writes), and on PostgreSQL the holding id."""
    row: Any
    if p.db.dialect == "postgresql":
        async with driver_connection(p.db) as driver:
            found = await driver.conn.fetchrow(_CONTEXT_PG, customer_id, code, key)
        row = None if found is None else AttrRow(found)
    else:
        async with p.db.read() as conn:
            row = (await conn.execute(_CONTEXT_SQLITE, {
                "customer_id": customer_id, "code": code, "key": key})).first()
    if row is None:
        raise accounts.AccountNotFound()
    return _Context(
        pin=accounts.PinState.of(row),
        idem_state=row.idem_state, account=row if row.account_id is not None else None,
        product=products.product_of(row) if row.code is not None else None,
        business_date=row.business_date, region_code=row.region_code,
        held=int(row.held or 0), quota_left=int(row.quota_left or 0),
        holding_id=row.holding_id)


def _checked(p: Platform, ctx: _Context, *, code: str, amount: int, key: str,
             req_hash: str) -> _Buy:
    """Every rule of a purchase, in the order the customer meets them; raises the refusal."""
    if ctx.account is None:
        raise accounts.AccountNotFound()
    row = ctx.account
    status = AccountStatus(row.account_status)
    check_allowed(status, Operation.BUY_DEPOSIT)
    prod = ctx.product
    if prod is None:
        raise products.ProductNotFound(details={"code": code})
    if prod.status is not ProductStatus.PUBLISHED:
        raise ProductNotOnSale(details={"status": prod.status.value})
    check_purchase(prod.terms, amount=amount, on=ctx.business_date, already_held=ctx.held,
                   quota_left=ctx.quota_left, region_code=ctx.region_code)
    buyer = _Buyer(row.customer_id, row.account_id, row.account_no, status, row.ledger_code,
                   row.chain, p.vault.decrypt(row.name_enc))
    return _Buy(buyer, prod, ctx.business_date, amount, key, req_hash, ctx.holding_id)


@dataclass(frozen=True)
class _Booking:
    """What the writes of one purchase put down, computed before (or, on SQLite, as soon as
    the holding id is known): the holding's ledger account, the entry, the receipt request,
    the answer."""

    account_code: str
    account_name: str
    entry: JournalEntry
    receipt: dict[str, Any]  # records.announce_receipt's arguments but the entry hash
    answer: Answer


def _booking(buy: _Buy, holding_id: int, values: dict[str, Any]) -> _Booking:
    terms = buy.product.terms
    account_code = records.holding_code(holding_id)
    reference = f"H{holding_id}"
    entry = JournalEntry.transfer(
        kind=PURCHASE, business_date=buy.day, description=f"购买{terms.name}",
        debit=buy.buyer.ledger_code, credit=account_code, amount=buy.amount,
        reference=reference)
    row = SimpleNamespace(**{**values, "id": holding_id}, product_name=terms.name,
                          allow_partial_withdrawal=terms.allow_partial_withdrawal,
                          allow_rollover=terms.allow_rollover)
    receipt = dict(kind=PURCHASE, row=row, acct=buy.buyer, day=buy.day, amount=buy.amount,
                   reference=reference, rate=terms.rate, summary=f"购买{terms.name}")
    return _Booking(account_code, f"定期存单 {holding_id}", entry, receipt,
                    Answer(201, records.body(row, today=buy.day)))


def _holding_values(buy: _Buy) -> dict[str, Any]:
    t, acct, day = buy.product.terms, buy.buyer, buy.day
    return dict(
        customer_id=acct.customer_id, account_id=acct.id, product_code=t.code,
        kind=t.kind.value, term_months=t.term_months, principal=buy.amount,
        original_principal=buy.amount, rate=format_rate(t.rate), min_amount=t.min_amount,
        start_date=day, maturity_date=add_months(day, t.term_months), status=records.ACTIVE,
        auto_rollover=False, partial_withdrawn=False, chain=acct.chain,
        previous_holding_id=None, interest_paid=0, closed_on=None, created_at=clock.utcnow())


async def _apply_pg(p: Platform, buy: _Buy) -> Answer | None:
    """PostgreSQL: the whole write in one autocommit call; None when the key is taken."""
    assert buy.holding_id is not None
    values = {"id": buy.holding_id, **_holding_values(buy)}
    bk = _booking(buy, buy.holding_id, values)
    terms, b = buy.product.terms, buy.buyer
    done = await pg.purchase(
        p.db, customer_id=b.customer_id, key=buy.key, operation=PURCHASE,
        req_hash=buy.req_hash, answer=(bk.answer.status_code, bk.answer.body), code=terms.code,
        amount=buy.amount, cap=terms.max_per_customer,
        home_shard=home_shard(b.customer_id, quota.SHARDS), holding=values,
        account_code=bk.account_code, account_name=bk.account_name, chain=b.chain,
        entry=bk.entry, receipt=records.receipt_message(**bk.receipt, entry_hash=""),
        now=clock.utcnow())
    return bk.answer if done else None


async def _apply_steps(p: Platform, conn: AsyncConnection, buy: _Buy) -> Answer | None:
    """The same writes as `deposit_purchase()`, one statement each, in the caller's tx."""
    b, terms = buy.buyer, buy.product.terms
    if not await idempotency.claim(conn, p.db, customer_id=b.customer_id, key=buy.key,
                                   operation=PURCHASE, req_hash=buy.req_hash):
        return None
    await _add_to_position(p, conn, customer_id=b.customer_id, code=terms.code,
                           amount=buy.amount, cap=terms.max_per_customer)
    values = _holding_values(buy)
    ids = {} if buy.holding_id is None else {"id": buy.holding_id}
    holding_id = int((await conn.execute(holding.insert().values(**ids, **values)
                                         .returning(holding.c.id))).scalar_one())
    bk = _booking(buy, holding_id, values)
    await ledger.open_ledger_account(conn, code=bk.account_code, owner_id=holding_id,
                                     name=bk.account_name, chain=b.chain)
    posted = await ledger.post(conn, bk.entry, chain=b.chain)
    await records.announce_receipt(conn, **bk.receipt, entry_hash=posted.hash)
    await idempotency.complete(conn, customer_id=b.customer_id, key=buy.key,
                               status_code=bk.answer.status_code, body=bk.answer.body)
    await quota.take(conn, code=terms.code, customer_id=b.customer_id,
                     amount=buy.amount)  # hot row: last
    return bk.answer


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
