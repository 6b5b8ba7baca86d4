"""Top-up from and withdrawal to the bound card: idempotent, PIN-checked, closed loop.

Flow (both directions): claim the idempotency key and write the payment order (withdrawals also
move the money into `card in transit` right away, so it cannot be spent twice) → call the card
network outside any transaction → settle in a second transaction. A pending answer leaves the
order open; `reconcile` asks the network later and settles or reverses it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import Operation, check_allowed, mask_account_no
from opendeposit.accounts.models import account
from opendeposit.clock import business_day
from opendeposit.errors import BusinessRuleViolation
from opendeposit.esb import outbox
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import BANK_SETTLEMENT, CARD_IN_TRANSIT, JournalEntry
from opendeposit.ledger.models import ledger_balance
from opendeposit.ledger.pg import AttrRow, DriverStatement, driver_connection
from opendeposit.money import format_amount
from opendeposit.payments import pg
from opendeposit.payments.models import payment_order
from opendeposit.payments.ports import TransferResult, TransferStatus
from opendeposit.platform import Platform

TOP_UP, WITHDRAW = "top_up", "withdraw"
USE_PG_FUNCTION = True  # False runs the Python steps on PostgreSQL too (tests compare the two)

CARD_FAILURES_ZH = {
    "INSUFFICIENT_FUNDS": "绑定卡余额不足",
    "CARD_FROZEN": "绑定卡已冻结或状态异常",
    "CARD_NOT_FOUND": "绑定卡不存在",
    "NAME_MISMATCH": "绑定卡户名不符",
    "DECLINED": "发卡行拒绝交易",
}


class CardTransferFailed(BusinessRuleViolation):
    code = "CARD_TRANSFER_FAILED"
    message_en = "The bound card's bank refused the transfer."
    message_zh = "绑定卡交易失败。"


@dataclass(frozen=True)
class Answer:
    """An HTTP-shaped answer, stored for idempotent replays."""

    status_code: int
    body: dict[str, Any]


async def top_up(p: Platform, *, customer_id: int, amount: int, pin: str,
                 idempotency_key: str) -> Answer:
    return await _move(p, TOP_UP, customer_id=customer_id, amount=amount, pin=pin,
                       key=idempotency_key)


async def withdraw(p: Platform, *, customer_id: int, amount: int, pin: str,
                   idempotency_key: str) -> Answer:
    return await _move(p, WITHDRAW, customer_id=customer_id, amount=amount, pin=pin,
                       key=idempotency_key)


@dataclass(frozen=True)
class _Order:
    """What a move knows after opening its order: enough to settle without reading again."""

    id: int
    order_no: str
    direction: str
    amount: int
    key: str
    account: accounts.CustomerAccount
    balance: int  # the customer's demand balance after opening (after the hold, if any)


async def _move(p: Platform, direction: str, *, customer_id: int, amount: int, pin: str,
                key: str) -> Answer:
    idempotency.check_key(key)
    req_hash = idempotency.request_hash(direction, amount=amount)
    ctx = await _context(p, customer_id=customer_id, key=key)
    if ctx.idem_state is not None:  # seen before: replay, wait, or refuse a different body
        return await _replay(p, customer_id, key, req_hash)
    await accounts.verify_pin(p, customer_id=customer_id, pin=pin, known=ctx.pin)
    check_allowed(ctx.account.status,
                  Operation.TOP_UP if direction == TOP_UP else Operation.WITHDRAW)
    order = await _open_order(p, direction, ctx, amount=amount, key=key, req_hash=req_hash)
    if order is None:  # a concurrent duplicate owns the key: wait for its answer
        return await _replay(p, customer_id, key, req_hash)
    call = p.cards.pull if direction == TOP_UP else p.cards.push
    try:
        result = await call(order_no=order.order_no, card_number=ctx.account.card_number,
                            holder_name=ctx.account.holder_name, amount=amount)
    except Exception:  # the network's answer is unknown: treat as pending, reconcile later
        result = TransferResult(TransferStatus.PENDING, message="network error")
    if _one_call(p):
        return await _apply_pg(p, order, result, ctx.business_date)
    async with p.db.transaction() as conn:
        return await _apply(p, conn, order, result, ctx.business_date)


def _one_call(p: Platform) -> bool:
    """Whether each write step is one autocommit call of a PostgreSQL function (`pg.py`)."""
    return USE_PG_FUNCTION and p.db.dialect == "postgresql"


async def _replay(p: Platform, customer_id: int, key: str, req_hash: str) -> Answer:
    prior = await idempotency.stored_result(p.db, customer_id=customer_id, key=key,
                                            req_hash=req_hash)
    assert prior is not None
    return Answer(prior.status_code, prior.body)


@dataclass(frozen=True)
class _Context:
    account: accounts.CustomerAccount
    pin: accounts.PinState
    balance: int
    business_date: date
    idem_state: str | None


_CONTEXT = accounts.account_select(
    ledger_balance.c.balance.label("balance"),
    business_day.c.current_date.label("business_date"),
    idempotency.idempotency_record.c.state.label("idem_state"),
).join(ledger_balance, (ledger_balance.c.account_code == account.c.ledger_code)
       & (ledger_balance.c.shard == account.c.chain)
).join(business_day, business_day.c.id == 1
).outerjoin(idempotency.idempotency_record,
            (idempotency.idempotency_record.c.customer_id == account.c.customer_id)
            & (idempotency.idempotency_record.c.key == bindparam("key"))
).where(account.c.customer_id == bindparam("customer_id"))
_CONTEXT_PG = DriverStatement(_CONTEXT)  # compiled once


async def _context(p: Platform, *, customer_id: int, key: str) -> _Context:
    """One read for everything a move needs: account, card, PIN state, balance, business
    date, and whether the idempotency key was seen."""
    row: Any
    if p.db.dialect == "postgresql":
        async with driver_connection(p.db) as driver:
            found = await driver.conn.fetchrow(_CONTEXT_PG.sql, *_CONTEXT_PG.args(
                customer_id=customer_id, key=key))
        row = None if found is None else AttrRow(found)
    else:
        async with p.db.read() as conn:
            row = (await conn.execute(_CONTEXT, {"customer_id": customer_id, "key": key})
                   ).first()
    if row is None:
        raise accounts.AccountNotFound()
    return _Context(accounts.customer_account(p, row),
                    accounts.PinState.of(row),
                    int(row.balance), row.business_date, row.idem_state)


async def _open_order(p: Platform, direction: str, ctx: _Context, *, amount: int, key: str,
                      req_hash: str) -> _Order | None:
    acct = ctx.account
    order_no = _order_no(direction)
    now = clock.utcnow()
    hold = _hold_entry(order_no, acct.ledger_code, amount, ctx.business_date) \
        if direction == WITHDRAW else None  # hold the money first: it leaves the balance now
    values = dict(order_no=order_no, account_id=acct.id, customer_id=acct.customer_id,
                  bound_card_id=acct.card_id, direction=direction, amount=amount,
                  status="initiated", idempotency_key=key, business_date=ctx.business_date,
                  created_at=now, updated_at=now)
    if _one_call(p):  # one autocommit call
        opened = await pg.open_order(p.db, customer_id=acct.customer_id, key=key,
                                     operation=direction, req_hash=req_hash, order=values,
                                     hold=hold, chain=acct.chain, balance_of=acct.ledger_code,
                                     now=now)
        if opened is None:
            return None
        balance = ctx.balance if opened.balance is None else opened.balance
        return _Order(opened.order_id, order_no, direction, amount, key, acct, balance)
    async with p.db.transaction() as conn:
        if not await idempotency.claim(conn, p.db, customer_id=acct.customer_id, key=key,
                                       operation=direction, req_hash=req_hash):
            return None
        balance, entry_hash = ctx.balance, None
        if hold is not None:
            posted = await ledger.post(conn, hold, chain=acct.chain)
            balance, entry_hash = posted.balances_after[acct.ledger_code], posted.hash
        order_id = (await conn.execute(payment_order.insert().values(
            **values, entry_hash=entry_hash).returning(payment_order.c.id))).scalar_one()
    return _Order(order_id, order_no, direction, amount, key, acct, balance)


async def _apply(p: Platform, conn: AsyncConnection, order: _Order, result: TransferResult,
                 business_date: date) -> Answer:
    """Settle an open order with the network's answer, in the caller's transaction."""
    status = _final(result.status)
    moved = (await conn.execute(payment_order.update().where(
        payment_order.c.id == order.id, payment_order.c.status.in_(["initiated", "pending"])
    ).values(status=status.value, network_ref=result.network_ref,
             failure_code=result.failure_code if status is TransferStatus.FAILED else None,
             updated_at=clock.utcnow()).returning(payment_order.c.entry_hash))).first()
    if moved is None:  # settled meanwhile (reconciliation and a late answer, say)
        return await _answer_for(p, conn, order.id)
    acct, balance, entry_hash = order.account, order.balance, moved.entry_hash
    entry = _settling_entry(order, status, business_date)
    if entry is not None:
        posted = await ledger.post(conn, entry, chain=acct.chain)
        balance = posted.balances_after.get(acct.ledger_code, balance)
        if order.direction == TOP_UP and status is TransferStatus.SUCCEEDED:
            entry_hash = posted.hash  # the customer-facing entry of a withdrawal is the hold
    if status is TransferStatus.SUCCEEDED:
        await outbox.enqueue(conn, service_code=RECEIPT_SERVICE, target_system="ESIGN",
                             body=_receipt_request(p, order, business_date, entry_hash))
    if entry_hash != moved.entry_hash:
        await conn.execute(payment_order.update().where(payment_order.c.id == order.id)
                           .values(entry_hash=entry_hash))
    answer = _answer(order, status.value, format_amount(balance), result.failure_code)
    await idempotency.complete(conn, customer_id=acct.customer_id, key=order.key,
                               status_code=answer.status_code, body=answer.body)
    return answer


async def _apply_pg(p: Platform, order: _Order, result: TransferResult,
                    business_date: date) -> Answer:
    """PostgreSQL: `_apply`'s writes in one autocommit call of `payment_settle()`."""
    status = _final(result.status)
    top_up_done = order.direction == TOP_UP and status is TransferStatus.SUCCEEDED
    failure = result.failure_code if status is TransferStatus.FAILED else None
    answer = _answer(order, status.value, pg.BALANCE_SLOT if top_up_done
                     else format_amount(order.balance), result.failure_code)
    receipt = _receipt_request(p, order, business_date, None) \
        if status is TransferStatus.SUCCEEDED else None
    settled = await pg.settle(
        p.db, order_id=order.id, status=status.value, network_ref=result.network_ref,
        failure_code=failure, entry=_settling_entry(order, status, business_date),
        chain=order.account.chain, balance_of=order.account.ledger_code, take_hash=top_up_done,
        receipt=receipt, customer_id=order.account.customer_id, key=order.key,
        answer=(answer.status_code, answer.body), now=clock.utcnow())
    if settled is None:  # settled meanwhile
        async with p.db.read() as conn:
            return await _answer_for(p, conn, order.id)
    if top_up_done:
        assert settled.balance is not None
        return _answer(order, status.value, format_amount(settled.balance), result.failure_code)
    return answer


def _final(status: TransferStatus) -> TransferStatus:
    """UNKNOWN means the network never got the order: nothing moved, it failed."""
    return TransferStatus.FAILED if status is TransferStatus.UNKNOWN else status


def _settling_entry(order: _Order, status: TransferStatus,
                    business_date: date) -> JournalEntry | None:
    """The entry that settles an order: the top-up's credit, a withdrawal's transit to the
    bank, a failed withdrawal's reversal of the hold; none for a pending or failed top-up."""
    if status is TransferStatus.SUCCEEDED:
        return (_top_up_entry if order.direction == TOP_UP else _withdraw_done_entry)(
            order, order.account.ledger_code, business_date)
    if status is TransferStatus.FAILED and order.direction == WITHDRAW:
        return JournalEntry.transfer(
            kind="withdraw_reversal", business_date=business_date, description="提现失败退回",
            debit=CARD_IN_TRANSIT, credit=order.account.ledger_code, amount=order.amount,
            reference=order.order_no)
    return None


def _hold_entry(order_no: str, customer_code: str, amount: int,
                business_date: date) -> JournalEntry:
    return JournalEntry.transfer(kind="withdraw_hold", business_date=business_date,
                                 description="提现至绑定卡（在途）", debit=customer_code,
                                 credit=CARD_IN_TRANSIT, amount=amount, reference=order_no)


def _order_no(direction: str) -> str:
    prefix = "T" if direction == TOP_UP else "W"
    return f"{prefix}{clock.utcnow():%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}"


async def settle(p: Platform, *, order_id: int, result: TransferResult) -> Answer:
    """Apply a late answer to an open order (reconciliation); a settled order stays put."""
    async with p.db.transaction() as conn:
        row = (await conn.execute(select(payment_order).where(
            payment_order.c.id == order_id))).one()
        acct = await accounts.account_of_customer(p, row.customer_id, conn)
        balance = await ledger.balance(conn, acct.ledger_code)
        order = _Order(row.id, row.order_no, row.direction, row.amount, row.idempotency_key,
                       acct, balance)
        business_date = await clock.current_business_date(conn)
        return await _apply(p, conn, order, result, business_date)


RECEIPT_SERVICE = "ESIGN.RECEIPT.ISSUE"


def _receipt_request(p: Platform, order: _Order, business_date: date,
                     entry_hash: str | None) -> dict[str, Any]:
    """Everything the signature platform needs to fill the receipt: it reads no tables of ours."""
    acct = order.account
    card = {"name": acct.holder_name, "account": mask_account_no(acct.card_number),
            "bank": acct.card_bank}
    e_account = {"name": acct.holder_name, "account": mask_account_no(acct.account_no),
                 "bank": p.settings.bank_name}
    top_up_ = order.direction == TOP_UP
    return {
        "receipt_kind": "top_up" if top_up_ else "withdrawal",
        "reference": order.order_no,
        "transaction_serial": order.order_no,
        "customer_id": acct.customer_id,
        "business_date": business_date.isoformat(),
        "amount": order.amount,
        "currency": "CNY",
        "payer": card if top_up_ else e_account,
        "payee": e_account if top_up_ else card,
        "summary": "绑定卡充值" if top_up_ else "提现至绑定卡",
        "ledger_entry_hash": entry_hash,
    }


def _top_up_entry(order: _Order, customer_code: str, business_date: date) -> JournalEntry:
    return JournalEntry.transfer(kind="top_up", business_date=business_date,
                                 description="绑定卡充值", debit=BANK_SETTLEMENT,
                                 credit=customer_code, amount=order.amount,
                                 reference=order.order_no)


def _withdraw_done_entry(order: _Order, _customer_code: str,
                         business_date: date) -> JournalEntry:
    return JournalEntry.transfer(kind="withdraw_settled", business_date=business_date,
                                 description="提现至绑定卡完成", debit=CARD_IN_TRANSIT,
                                 credit=BANK_SETTLEMENT, amount=order.amount,
                                 reference=order.order_no)


def _answer(order: _Order, status: str, balance: str, failure_code: str | None) -> Answer:
    acct = order.account
    if status == "failed":
        code = failure_code or "DECLINED"
        err = CardTransferFailed(
            f"The bound card's bank refused the transfer ({code}).",
            f"绑定卡交易失败：{CARD_FAILURES_ZH.get(code, '发卡行拒绝交易')}。",
        )
        return Answer(err.http_status, {"error": {
            "code": err.code, "message": err.message_en, "message_zh": err.message_zh,
            "card_failure": code, "order_no": order.order_no}})
    return Answer(200 if status == "succeeded" else 202, {
        "order_no": order.order_no, "direction": order.direction,
        "amount": format_amount(order.amount), "status": status, "balance": balance,
        "bound_card": {"bank": acct.card_bank, "card_no_masked": "****" + acct.card_last4},
    })


async def _answer_for(p: Platform, conn: AsyncConnection, order_id: int) -> Answer:
    row = (await conn.execute(select(payment_order).where(
        payment_order.c.id == order_id))).one()
    acct = await accounts.account_of_customer(p, row.customer_id, conn)
    balance = await ledger.balance(conn, acct.ledger_code)
    order = _Order(row.id, row.order_no, row.direction, row.amount, row.idempotency_key, acct,
                   balance)
    return _answer(order, row.status, format_amount(balance), row.failure_code)


async def reconcile(p: Platform, *, older_than: timedelta = timedelta(seconds=30)) \
        -> tuple[int, int]:
    """Ask the network about every open order older than `older_than`; settle what it knows.

    Returns (settled, still_open). Safe to run concurrently with requests and with itself.
    """
    cutoff = clock.utcnow() - older_than
    async with p.db.read() as conn:
        rows = (await conn.execute(select(payment_order.c.id, payment_order.c.order_no).where(
            payment_order.c.status.in_(["initiated", "pending"]),
            payment_order.c.created_at <= cutoff).order_by(payment_order.c.id))).all()
    settled = still_open = 0
    for row in rows:
        result = await p.cards.query(row.order_no)
        if result.status is TransferStatus.PENDING:
            still_open += 1
            continue
        await settle(p, order_id=row.id, result=result)
        settled += 1
    return settled, still_open
