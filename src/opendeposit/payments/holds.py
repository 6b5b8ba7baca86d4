"""Withdrawals held by a risk rule (`decide.held_plan`: Dr 2011 / Cr 2242), settled by staff.

- release: the money goes on to the bound card exactly like a withdrawal — Dr 2242 / Cr 2241
  (in transit) and a payment order in one plan, then the card network, then the usual
  settling plan (`decide.settle_plan`), which also stores the final answer under the
  customer's idempotency key;
- return: Dr 2242 / Cr 2011, back to the customer's balance, and the key's answer says so.

Each is guarded on the hold still being `held`: two staff members cannot both settle it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import CustomerAccount
from opendeposit.db import Database
from opendeposit.db.apply import apply_in, in_transaction
from opendeposit.errors import Conflict, NotFound
from opendeposit.ledger import service as ledger
from opendeposit.ledger.domain import CARD_IN_TRANSIT, RISK_HOLD, JournalEntry
from opendeposit.money import format_amount
from opendeposit.payments import service as payments
from opendeposit.payments.decide import HELD, WITHDRAW, OpenOrder
from opendeposit.payments.ports import CardNetwork, TransferResult, TransferStatus
from opendeposit.risk.models import risk_hold
from opendeposit.security import Vault
from opendeposit.writeplan import (
    Abandon,
    Answer,
    Change,
    Complete,
    Fen,
    Insert,
    Plan,
    PlanAbandoned,
    Post,
    Update,
    rendered,
)

RELEASED, RETURNED = "released", "returned"
SETTLED = "HOLD_SETTLED"  # abandonment: someone settled the hold meanwhile


class HoldNotFound(NotFound):
    code = "HOLD_NOT_FOUND"
    message_en = "No such held payment."
    message_zh = "该暂挂交易不存在。"


class HoldSettled(Conflict):
    code = "HOLD_SETTLED"
    message_en = "This held payment was already released or returned."
    message_zh = "该暂挂交易已放行或退回。"


def view(row: Any) -> dict[str, Any]:
    return {"id": row.id, "customer_id": row.customer_id, "decision_id": row.decision_id,
            "operation": row.operation, "amount": format_amount(row.amount),
            "reference": row.reference, "status": row.status,
            "created_at": clock.as_utc(row.created_at).isoformat(),
            "decided_at": clock.as_utc(row.decided_at).isoformat() if row.decided_at else None,
            "decided_by": row.decided_by, "reason": row.reason}


async def list_holds(conn: AsyncConnection, *, status: str | None, limit: int,
                     before: int | None = None) -> list[dict[str, Any]]:
    stmt = select(risk_hold).order_by(risk_hold.c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(risk_hold.c.status == status)
    if before is not None:
        stmt = stmt.where(risk_hold.c.id < before)
    return [view(r) for r in (await conn.execute(stmt)).all()]


@dataclass(frozen=True)
class _Held:
    row: Any
    account: CustomerAccount
    business_date: date


async def _load(conn: AsyncConnection, vault: Vault, hold_id: int) -> _Held:
    row = (await conn.execute(select(risk_hold).where(risk_hold.c.id == hold_id))).first()
    if row is None:
        raise HoldNotFound()
    if row.status != HELD:
        raise HoldSettled(details={"status": row.status})
    acct = await accounts.load_account(conn, vault, row.customer_id)
    return _Held(row, acct, await clock.current_business_date(conn))


def _decided(hold_id: int, status: str, *, actor: str, reason: str, now: datetime) -> Update:
    return Update("risk_hold", (Change(key={"id": hold_id}, set={
        "status": status, "decided_at": now, "decided_by": actor, "reason": reason},
        expect={"status": HELD}),), on_miss=Abandon(SETTLED))


def release_plan(h: _Held, *, actor: str, reason: str, now: datetime) -> Plan:
    """Released: the money moves on to the card (in transit) with a payment order."""
    row, acct = h.row, h.account
    post = Post(acct.chain, (JournalEntry.transfer(
        kind="risk_hold_release", business_date=h.business_date,
        description="风险审核放行，提现至绑定卡（在途）", debit=RISK_HOLD, credit=CARD_IN_TRANSIT,
        amount=row.amount, reference=row.reference),), name="hold")
    order = Insert("payment_order", ({
        "order_no": row.reference, "account_id": acct.id, "customer_id": acct.customer_id,
        "bound_card_id": acct.card_id, "direction": WITHDRAW, "amount": row.amount,
        "status": "initiated", "idempotency_key": row.idempotency_key,
        "business_date": h.business_date, "entry_hash": post.hash(), "created_at": now,
        "updated_at": now},), name="order", returning="id")
    return Plan((_decided(row.id, RELEASED, actor=actor, reason=reason, now=now), post, order),
                now)


def return_plan(h: _Held, *, actor: str, reason: str, now: datetime) -> tuple[Plan, Answer]:
    """Returned: the money goes back to the customer's balance; the key's answer says so."""
    row, acct = h.row, h.account
    post = Post(acct.chain, (JournalEntry.transfer(
        kind="risk_hold_return", business_date=h.business_date,
        description="风险审核退回提现资金", debit=RISK_HOLD, credit=acct.ledger_code,
        amount=row.amount, reference=row.reference),), name="back")
    answer = Answer(200, {"status": RETURNED, "hold_id": row.id, "direction": WITHDRAW,
                          "amount": format_amount(row.amount), "reference": row.reference,
                          "balance": Fen(post.balance(acct.ledger_code))})
    steps: list[Any] = [_decided(row.id, RETURNED, actor=actor, reason=reason, now=now), post]
    if row.idempotency_key:
        steps.append(Complete(acct.customer_id, row.idempotency_key, answer))
    return Plan(tuple(steps), now), answer


async def _settle_staff(db: Database, vault: Vault, hold_id: int, *, actor: str, action: str,
                        reason: str, make: Callable[[_Held, datetime], tuple[Plan, Answer | None]],
                        ) -> tuple[_Held, dict[str, Any], Answer | None]:
    """Load the held move, apply the staff decision's plan and audit it, in one transaction."""
    now = clock.utcnow()

    async def work(conn: AsyncConnection) -> tuple[_Held, dict[str, Any], Answer | None]:
        h = await _load(conn, vault, hold_id)
        plan, answer = make(h, now)
        got = await apply_in(conn, plan)
        await accounts.audit(conn, actor=actor, action=f"risk.hold.{action}",
                             subject=f"risk_hold:{hold_id}",
                             detail=f"{h.row.operation} {format_amount(h.row.amount)}",
                             reason=reason)
        return h, got, answer

    try:
        return await in_transaction(db, work)
    except PlanAbandoned as exc:
        if exc.reason != SETTLED:
            raise
        raise HoldSettled() from exc


async def release(*, db: Database, vault: Vault, cards: CardNetwork, bank_name: str,
                  hold_id: int, actor: str, reason: str) -> dict[str, Any]:
    """Let a held withdrawal go to the bound card; the card network answers as usual."""
    h, got, _ = await _settle_staff(
        db, vault, hold_id, actor=actor, action="release", reason=reason,
        make=lambda h, now: (release_plan(h, actor=actor, reason=reason, now=now), None))
    acct = h.account
    async with db.read() as conn:
        balance = await ledger.balance(conn, acct.ledger_code)
    order = OpenOrder(int(got["order.id"]), h.row.reference, WITHDRAW, h.row.amount,
                      h.row.idempotency_key or "", acct, balance, got.get("hold#0"))
    try:
        result = await cards.push(order_no=order.order_no, card_number=acct.card_number,
                                  holder_name=acct.holder_name, amount=order.amount)
    except Exception:  # unknown: pending, the reconciler settles it
        result = TransferResult(TransferStatus.PENDING, message="network error")
    answer = await payments.settle(db=db, vault=vault, bank_name=bank_name, order_id=order.id,
                                   result=result)
    async with db.read() as conn:
        row = (await conn.execute(select(risk_hold).where(risk_hold.c.id == hold_id))).one()
    return {**view(row), "order_no": order.order_no, "transfer": answer.body}


async def return_(*, db: Database, vault: Vault, hold_id: int, actor: str,
                  reason: str) -> dict[str, Any]:
    """Send a held withdrawal back to the customer's balance."""
    _, got, answer = await _settle_staff(
        db, vault, hold_id, actor=actor, action="return", reason=reason,
        make=lambda h, now: return_plan(h, actor=actor, reason=reason, now=now))
    assert answer is not None
    async with db.read() as conn:
        row = (await conn.execute(select(risk_hold).where(risk_hold.c.id == hold_id))).one()
    return {**view(row), "transfer": rendered(answer, got).body}
