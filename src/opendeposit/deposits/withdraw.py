"""Withdrawing a holding before, on or after maturity: the trial and the money movement.

Early (full, or one partial): the demand rate of the day x days held / 360 on the amount taken;
at or after maturity: whole-term interest (+ demand interest for overdue days). Proceeds land
in the Class II balance: Dr 2151-holding principal + Dr 5211 interest / Cr 2011 customer.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import Operation, check_allowed
from opendeposit.deposits import records
from opendeposit.deposits.domain import (
    WithdrawalQuote,
    check_withdrawal_offered,
    quote_withdrawal,
)
from opendeposit.deposits.models import holding
from opendeposit.deposits.retry import in_transaction
from opendeposit.deposits.service import Answer, HoldingNotActive
from opendeposit.ledger import service as ledger
from opendeposit.money import format_amount
from opendeposit.platform import Platform
from opendeposit.products.domain import format_rate
from opendeposit.products.service import rate_table

WITHDRAW = "deposit_withdraw"


async def _quote(conn: AsyncConnection, row: Any, amount: int | None) -> WithdrawalQuote:
    if row.status != records.ACTIVE:
        raise HoldingNotActive()
    day = await clock.current_business_date(conn)
    terms = records.terms_of(row)
    check_withdrawal_offered(terms, amount, allow_partial=row.allow_partial_withdrawal)
    demand_rate = (await rate_table(conn)).demand_rate(day)
    return quote_withdrawal(terms, on=day, demand_rate=demand_rate, amount=amount)


def _quote_body(q: WithdrawalQuote) -> dict[str, Any]:
    return {"amount": format_amount(q.amount), "interest": format_amount(q.interest),
            "rate_applied": format_rate(q.rate_applied), "days": q.days, "early": q.early,
            "full": q.full, "remainder": format_amount(q.remainder),
            "overdue_days": q.overdue_days, "overdue_interest": format_amount(q.overdue_interest),
            "total": format_amount(q.amount + q.interest)}


async def trial(p: Platform, *, customer_id: int, holding_id: int,
                amount: int | None) -> dict[str, Any]:
    """What withdrawing `amount` (all if None) today would pay; writes nothing."""
    async with p.db.read() as conn:
        row = await records.load_for_customer(conn, holding_id=holding_id,
                                              customer_id=customer_id)
        return _quote_body(await _quote(conn, row, amount))


async def withdraw(p: Platform, *, customer_id: int, holding_id: int, amount: int | None,
                   pin: str, idempotency_key: str) -> Answer:
    idempotency.check_key(idempotency_key)
    req_hash = idempotency.request_hash(WITHDRAW, holding_id=holding_id, amount=amount)
    prior = await idempotency.stored_result(p.db, customer_id=customer_id, key=idempotency_key,
                                            req_hash=req_hash)
    if prior is not None:
        return Answer(prior.status_code, prior.body)
    await accounts.verify_pin(p, customer_id=customer_id, pin=pin)

    async def work(conn: AsyncConnection) -> Answer | None:
        if not await idempotency.claim(conn, p.db, customer_id=customer_id, key=idempotency_key,
                                       operation=WITHDRAW, req_hash=req_hash):
            return None
        answer = await _withdraw(p, conn, customer_id=customer_id, holding_id=holding_id,
                                 amount=amount)
        await idempotency.complete(conn, customer_id=customer_id, key=idempotency_key,
                                   status_code=answer.status_code, body=answer.body)
        return answer

    answer = await in_transaction(p.db, work)
    if answer is None:
        prior = await idempotency.stored_result(p.db, customer_id=customer_id,
                                                key=idempotency_key, req_hash=req_hash)
        assert prior is not None
        return Answer(prior.status_code, prior.body)
    return answer


async def _withdraw(p: Platform, conn: AsyncConnection, *, customer_id: int, holding_id: int,
                    amount: int | None) -> Answer:
    row = await records.load_for_customer(conn, holding_id=holding_id, customer_id=customer_id,
                                          for_update=True)
    q = await _quote(conn, row, amount)
    acct = await accounts.account_of_customer(p, customer_id, conn)
    check_allowed(acct.status, Operation.DEPOSIT_PAYOUT)
    day = await clock.current_business_date(conn)
    await _change_holding(conn, row, q, day)
    step = "close" if q.full else "partial"
    kind = "maturity_withdrawal" if not q.early else \
        ("early_withdrawal" if q.full else "partial_withdrawal")
    description = {"maturity_withdrawal": "定期到期支取", "early_withdrawal": "定期提前支取",
                   "partial_withdrawal": "定期部分提前支取"}[kind]
    reference = f"H{holding_id}-{step[0].upper()}"
    posted = await ledger.post(conn, records.payout_entry(
        day=day, description=description, holding_id=holding_id, credit=acct.ledger_code,
        principal=q.amount, interest=q.interest, reference=reference), chain=acct.chain)
    await records.record_event(conn, holding_id=holding_id, step=step, kind=kind, day=day,
                               amount=q.amount, interest=q.interest, rate=q.rate_applied,
                               days=q.days, entry_hash=posted.hash)
    await records.announce_receipt(
        conn, kind="early_withdrawal" if q.early else "maturity_payout", row=row, acct=acct,
        day=day, amount=q.amount, entry_hash=posted.hash, reference=reference,
        rate=q.rate_applied, interest=q.interest, summary=description,
        extra={"days": q.days, "remainder": format_amount(q.remainder)})
    fresh = await records.load_for_customer(conn, holding_id=holding_id, customer_id=customer_id)
    body = {**_quote_body(q), "holding": records.body(fresh, today=day),
            "credited": format_amount(q.amount + q.interest),
            "balance": format_amount(posted.balances_after[acct.ledger_code])}
    return Answer(200, body)


async def _change_holding(conn: AsyncConnection, row: Any, q: WithdrawalQuote,
                          day: date) -> None:
    """Close or shrink the holding, only if it is still exactly as quoted (no lost update)."""
    values: dict[str, Any] = {"interest_paid": holding.c.interest_paid + q.interest}
    if q.full:
        values.update(status="withdrawn" if q.early else "matured", closed_on=day)
    else:
        values.update(principal=q.remainder, partial_withdrawn=True)
    done = await conn.execute(holding.update().where(
        holding.c.id == row.id, holding.c.status == records.ACTIVE,
        holding.c.principal == row.principal,
        holding.c.partial_withdrawn == row.partial_withdrawn,
    ).values(**values))
    if done.rowcount != 1:
        raise HoldingNotActive()
