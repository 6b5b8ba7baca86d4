"""Staff actions on an account: status changes with four eyes for a freeze release, closing,
and unlocking a locked transaction PIN (the customer then sets a new one after face
re-verification). Each writes its history and an audit entry with the reason, in one unit of
work; a refused action writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.accounts.domain import (
    AccountStatus,
    ClosingFacts,
    check_closable,
    check_status_change,
)
from opendeposit.accounts.models import account, account_status_change, customer
from opendeposit.accounts.risk_seam import held_moves
from opendeposit.accounts.service import audit, write_status
from opendeposit.db import Database
from opendeposit.errors import Conflict, NotFound, ValidationFailed
from opendeposit.ledger import service as ledger
from opendeposit.security import PinHasher


class StaffAccountNotFound(NotFound):
    code = "ACCOUNT_NOT_FOUND"
    message_en = "No account with this number."
    message_zh = "账户不存在。"


class ReasonRequired(ValidationFailed):
    code = "REASON_REQUIRED"
    message_en = "Give the reason (at least 2 characters); it is kept in the audit log."
    message_zh = "请填写原因（至少2个字），原因将记入审计日志。"


class PinNotLocked(Conflict):
    code = "PIN_NOT_LOCKED"
    message_en = "The customer's transaction PIN is not locked."
    message_zh = "该客户的交易密码未被锁定。"


@dataclass(frozen=True)
class StatusChanged:
    account_no: str
    from_status: str
    status: str
    reason: str
    actor: str


def clean_reason(reason: str) -> str:
    text = " ".join(reason.split())
    if len(text) < 2:
        raise ReasonRequired()
    return text


async def _account_row(conn: AsyncConnection, account_no: str) -> Any:
    stmt = select(account).where(account.c.account_no == account_no)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = (await conn.execute(stmt)).first()
    if row is None:
        raise StaffAccountNotFound(details={"account_no": account_no})
    return row


async def frozen_by(conn: AsyncConnection, account_id: int) -> str | None:
    """Who put the account in `frozen` last (None when no staff change did)."""
    return (await conn.execute(
        select(account_status_change.c.actor)
        .where(account_status_change.c.account_id == account_id,
               account_status_change.c.to_status == AccountStatus.FROZEN.value)
        .order_by(account_status_change.c.id.desc()).limit(1))).scalar()


async def set_status(*, db: Database, account_no: str, status: AccountStatus, reason: str,
                     staff_id: int, roles: frozenset[str]) -> StatusChanged:
    """A staff status change (api.md: POST /accounts/{no}/status)."""
    reason = clean_reason(reason)
    actor = f"staff:{staff_id}"
    async with db.transaction() as conn:
        row = await _account_row(conn, account_no)
        current = AccountStatus(row.status)
        by = await frozen_by(conn, row.id) if current is AccountStatus.FROZEN else None
        check_status_change(current, status, actor=actor, actor_roles=roles, frozen_by=by)
        await write_status(conn, account_id=row.id, current=current, target=status,
                           reason=reason, actor=actor)
    return StatusChanged(account_no, current.value, status.value, reason, actor)


async def closing_facts(conn: AsyncConnection, row: Any) -> ClosingFacts:
    """Read-only look at balance, holdings, open payments and unpaid demand interest."""
    from opendeposit.deposits.models import demand_accrual, holding
    from opendeposit.payments.models import payment_order

    balance = await ledger.balance(conn, row.ledger_code)
    active = (await conn.execute(select(func.count()).select_from(holding).where(
        holding.c.account_id == row.id, holding.c.status == "active"))).scalar_one()
    open_orders = (await conn.execute(select(func.count()).select_from(payment_order).where(
        payment_order.c.account_id == row.id,
        payment_order.c.status.in_(["initiated", "pending"])))).scalar_one()
    return ClosingFacts(status=AccountStatus(row.status), balance=balance,
                        active_holdings=int(active),
                        in_flight=int(open_orders) + await held_moves(conn, row.customer_id),
                        interest_pending=await _interest_pending(conn, row.id, demand_accrual))


async def _interest_pending(conn: AsyncConnection, account_id: int, accrual: Any) -> int:
    """Demand interest owed but not yet credited: accruing periods at today's demand rate of
    their settlement date, plus settled ones not credited yet."""
    from opendeposit.deposits.domain import demand_interest
    from opendeposit.products.service import rate_table

    rows = (await conn.execute(select(accrual).where(
        accrual.c.account_id == account_id, accrual.c.state.in_(["accruing", "settled"])))).all()
    if not rows:
        return 0
    rates = await rate_table(conn)
    total = 0
    for r in rows:
        if r.state == "settled":
            total += int(r.interest or 0)
        elif r.balance_product:
            rate: Decimal = rates.demand_rate(r.settlement_date)
            total += demand_interest(int(r.balance_product), rate)
    return total


async def close(*, db: Database, account_no: str, reason: str, staff_id: int) -> StatusChanged:
    """Close an account with zero balance, no active holding and nothing in flight."""
    reason = clean_reason(reason)
    actor = f"staff:{staff_id}"
    async with db.transaction() as conn:
        row = await _account_row(conn, account_no)
        check_closable(await closing_facts(conn, row))
        await write_status(conn, account_id=row.id, current=AccountStatus(row.status),
                           target=AccountStatus.CLOSED, reason=reason, actor=actor)
    return StatusChanged(account_no, row.status, AccountStatus.CLOSED.value, reason, actor)


CUSTOMER_CLOSE_REASON = "CUSTOMER_REQUEST"


async def close_by_customer(*, db: Database, pins: PinHasher, customer_id: int,
                            pin: str) -> StatusChanged:
    """The customer closes their own account (PIN): the same rule as the staff close
    (`check_closable`: zero balance, no active holding, nothing in flight or held, no interest
    still to credit, not frozen); a refusal lists every problem and writes nothing."""
    from opendeposit.accounts.service import verify_pin

    await verify_pin(db=db, pins=pins, customer_id=customer_id, pin=pin)
    actor = f"customer:{customer_id}"
    async with db.transaction() as conn:
        stmt = select(account).where(account.c.customer_id == customer_id,
                                     account.c.status != AccountStatus.CLOSED.value)
        if conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        row = (await conn.execute(stmt.order_by(account.c.id.desc()).limit(1))).first()
        if row is None:
            raise StaffAccountNotFound("You have no open account.", "您没有未销户的账户。")
        check_closable(await closing_facts(conn, row))
        await write_status(conn, account_id=row.id, current=AccountStatus(row.status),
                           target=AccountStatus.CLOSED, reason=CUSTOMER_CLOSE_REASON,
                           actor=actor)
    return StatusChanged(row.account_no, row.status, AccountStatus.CLOSED.value,
                         CUSTOMER_CLOSE_REASON, actor)


async def unlock_pin(*, db: Database, pins: PinHasher, account_no: str, reason: str,
                     staff_id: int) -> int:
    """Lift a PIN lock. The old PIN is cleared too: money calls answer PIN_NOT_SET until the
    customer sets a new PIN after face re-verification (POST /api/v1/account/pin/reset, the
    risk context's step-up). → the customer id."""
    reason = clean_reason(reason)
    async with db.transaction() as conn:
        row = await _account_row(conn, account_no)
        if row.status == AccountStatus.CLOSED.value:
            raise StaffAccountNotFound(details={"account_no": account_no})
        done = await conn.execute(customer.update().where(
            customer.c.id == row.customer_id, customer.c.pin_locked_at.is_not(None)
        ).values(pin_locked_at=None, pin_failed_attempts=0, pin_hash=None))
        if done.rowcount != 1:
            raise PinNotLocked()
        await audit(conn, actor=f"staff:{staff_id}", action="pin.unlock",
                    subject=f"customer:{row.customer_id}",
                    detail=f"account {account_no}: lock lifted, new PIN after face "
                           "re-verification", reason=reason)
    pins.forget(str(row.customer_id))
    return int(row.customer_id)
