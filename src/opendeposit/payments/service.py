"""Top-up from and withdrawal to the bound card: idempotent, PIN-checked, closed loop.

Flow (both directions): claim the idempotency key and write the payment order (withdrawals also
move the money into `card in transit` right away, so it cannot be spent twice) → call the card
network outside any transaction → settle in a second transaction. A pending answer leaves the
order open; `reconcile` asks the network later and settles or reverses it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import Operation, check_allowed
from opendeposit.errors import BusinessRuleViolation
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import BANK_SETTLEMENT, CARD_IN_TRANSIT, JournalEntry
from opendeposit.money import format_amount
from opendeposit.payments.models import payment_order
from opendeposit.payments.ports import TransferResult, TransferStatus
from opendeposit.platform import Platform

TOP_UP, WITHDRAW = "top_up", "withdraw"

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


async def _move(p: Platform, direction: str, *, customer_id: int, amount: int, pin: str,
                key: str) -> Answer:
    idempotency.check_key(key)
    req_hash = idempotency.request_hash(direction, amount=amount)
    prior = await idempotency.stored_result(p.db, customer_id=customer_id, key=key,
                                            req_hash=req_hash)
    if prior is not None:
        return Answer(prior.status_code, prior.body)
    await accounts.verify_pin(p, customer_id=customer_id, pin=pin)
    order = await _open_order(p, direction, customer_id=customer_id, amount=amount, key=key,
                              req_hash=req_hash)
    if order is None:  # a concurrent duplicate owns the key: wait for its answer
        prior = await idempotency.stored_result(p.db, customer_id=customer_id, key=key,
                                                req_hash=req_hash)
        assert prior is not None
        return Answer(prior.status_code, prior.body)
    call = p.cards.pull if direction == TOP_UP else p.cards.push
    try:
        result = await call(order_no=order["order_no"], card_number=order["card_number"],
                            holder_name=order["holder_name"], amount=amount)
    except Exception:  # the network's answer is unknown: treat as pending, reconcile later
        result = TransferResult(TransferStatus.PENDING, message="network error")
    return await settle(p, order_id=order["id"], result=result)


async def _open_order(p: Platform, direction: str, *, customer_id: int, amount: int, key: str,
                      req_hash: str) -> dict[str, Any] | None:
    async with p.db.transaction() as conn:
        if not await idempotency.claim(conn, p.db, customer_id=customer_id, key=key,
                                       operation=direction, req_hash=req_hash):
            return None
        acct = await accounts.account_of_customer(p, customer_id, conn)
        check_allowed(acct.status, Operation.TOP_UP if direction == TOP_UP else Operation.WITHDRAW)
        business_date = await clock.current_business_date(conn)
        order_no = _order_no(direction)
        now = clock.utcnow()
        entry_hash = None
        if direction == WITHDRAW:  # hold the money first: it leaves the balance now
            posted = await ledger.post(conn, JournalEntry.transfer(
                kind="withdraw_hold", business_date=business_date,
                description="提现至绑定卡（在途）", debit=acct.ledger_code, credit=CARD_IN_TRANSIT,
                amount=amount, reference=order_no), chain=acct.chain)
            entry_hash = posted.hash
        order_id = (await conn.execute(payment_order.insert().values(
            order_no=order_no, account_id=acct.id, customer_id=customer_id,
            bound_card_id=acct.card_id, direction=direction, amount=amount, status="initiated",
            idempotency_key=key, business_date=business_date, entry_hash=entry_hash,
            created_at=now, updated_at=now,
        ).returning(payment_order.c.id))).scalar_one()
    return {"id": order_id, "order_no": order_no, "card_number": acct.card_number,
            "holder_name": acct.holder_name}


def _order_no(direction: str) -> str:
    prefix = "T" if direction == TOP_UP else "W"
    return f"{prefix}{clock.utcnow():%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}"


async def settle(p: Platform, *, order_id: int, result: TransferResult) -> Answer:
    """Apply the network's answer to an open order (idempotent: a settled order stays put)."""
    async with p.db.transaction() as conn:
        order = (await conn.execute(select(payment_order).where(
            payment_order.c.id == order_id))).one()
        if order.status in ("succeeded", "failed"):
            return await _answer_for(p, conn, order)
        status = result.status
        if status is TransferStatus.UNKNOWN:
            status = TransferStatus.FAILED  # the network never got it: nothing moved
        acct = await _order_account(p, conn, order.customer_id)
        business_date = await clock.current_business_date(conn)
        entry_hash = order.entry_hash
        if status is TransferStatus.SUCCEEDED:
            entry = (_top_up_entry if order.direction == TOP_UP else _withdraw_done_entry)(
                order, acct.ledger_code, business_date)
            entry_hash = (await ledger.post(conn, entry, chain=acct.chain)).hash
        elif status is TransferStatus.FAILED and order.direction == WITHDRAW:
            entry_hash = (await ledger.post(conn, JournalEntry.transfer(
                kind="withdraw_reversal", business_date=business_date,
                description="提现失败退回", debit=CARD_IN_TRANSIT, credit=acct.ledger_code,
                amount=order.amount, reference=order.order_no), chain=acct.chain)).hash
        await conn.execute(payment_order.update().where(payment_order.c.id == order_id).values(
            status=status.value, network_ref=result.network_ref,
            failure_code=result.failure_code if status is TransferStatus.FAILED else None,
            entry_hash=entry_hash, updated_at=clock.utcnow()))
        order = (await conn.execute(select(payment_order).where(
            payment_order.c.id == order_id))).one()
        answer = await _answer_for(p, conn, order)
        await idempotency.complete(conn, customer_id=order.customer_id, key=order.idempotency_key,
                                   status_code=answer.status_code, body=answer.body)
    return answer


def _top_up_entry(order: Any, customer_code: str, business_date: Any) -> JournalEntry:
    return JournalEntry.transfer(kind="top_up", business_date=business_date,
                                 description="绑定卡充值", debit=BANK_SETTLEMENT,
                                 credit=customer_code, amount=order.amount,
                                 reference=order.order_no)


def _withdraw_done_entry(order: Any, _customer_code: str, business_date: Any) -> JournalEntry:
    return JournalEntry.transfer(kind="withdraw_settled", business_date=business_date,
                                 description="提现至绑定卡完成", debit=CARD_IN_TRANSIT,
                                 credit=BANK_SETTLEMENT, amount=order.amount,
                                 reference=order.order_no)


async def _order_account(p: Platform, conn: AsyncConnection, customer_id: int) \
        -> accounts.CustomerAccount:
    return await accounts.account_of_customer(p, customer_id, conn)


async def _answer_for(p: Platform, conn: AsyncConnection, order: Any) -> Answer:
    acct = await _order_account(p, conn, order.customer_id)
    balance = await ledger.balance(conn, acct.ledger_code)
    body: dict[str, Any] = {
        "order_no": order.order_no, "direction": order.direction,
        "amount": format_amount(order.amount), "status": order.status,
        "balance": format_amount(balance),
        "bound_card": {"bank": acct.card_bank, "card_no_masked": "****" + acct.card_last4},
    }
    if order.status == "failed":
        code = order.failure_code or "DECLINED"
        err = CardTransferFailed(
            f"The bound card's bank refused the transfer ({code}).",
            f"绑定卡交易失败：{CARD_FAILURES_ZH.get(code, '发卡行拒绝交易')}。",
        )
        return Answer(err.http_status, {"error": {
            "code": err.code, "message": err.message_en, "message_zh": err.message_zh,
            "card_failure": code, "order_no": order.order_no}})
    return Answer(200 if order.status == "succeeded" else 202, body)


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
