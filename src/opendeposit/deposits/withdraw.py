"""Withdrawing a holding before, on or after maturity: the trial and the money movement.

Early (full, or one partial): the demand rate of the day x days held / 360 on the amount taken;
at or after maturity: whole-term interest (+ demand interest for overdue days). Proceeds land
in the Class II balance: Dr 2151-holding principal + Dr 5211 interest / Cr 2011 customer. The
rules and the plan are in `decide.py`; the holding changes only if it is still as quoted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.models import customer
from opendeposit.db import Database
from opendeposit.db.apply import Captured, apply_in
from opendeposit.deposits import records
from opendeposit.deposits.decide import WITHDRAW, decide_withdrawal, quote, quote_body
from opendeposit.deposits.holdings import Holder
from opendeposit.idempotency import idempotency_record
from opendeposit.ledger import serials
from opendeposit.products.service import rate_table
from opendeposit.risk import gate
from opendeposit.risk.gate import Screen
from opendeposit.risk.history import EventKind
from opendeposit.security import PinHasher, Vault
from opendeposit.serials import Channel, transaction_serial
from opendeposit.writeplan import Answer, Plan, rendered

__all__ = ["WITHDRAW", "trial", "withdraw"]


async def trial(*, db: Database, customer_id: int, holding_id: int,
                amount: int | None) -> dict[str, Any]:
    """What withdrawing `amount` (all if None) today would pay; writes nothing."""
    async with db.read() as conn:
        row = await records.load_for_customer(conn, holding_id=holding_id,
                                              customer_id=customer_id)
        day = await clock.current_business_date(conn)
        demand_rate = (await rate_table(conn)).demand_rate(day)
    return quote_body(quote(row, on=day, demand_rate=demand_rate, amount=amount))


async def withdraw(*, db: Database, vault: Vault, pins: PinHasher, customer_id: int,
                   holding_id: int, amount: int | None, pin: str,
                   idempotency_key: str, screen: Screen | None = None,
                   channel: Channel = Channel.H5) -> Answer:
    """A full, or one partial early, withdrawal of a holding into the Class II balance. An
    early one is judged by the risk rules in the plan's transaction (`risk.gate`)."""
    request = idempotency.Request.of(owner=customer_id, key=idempotency_key,
                                     operation=WITHDRAW, holding_id=holding_id, amount=amount)
    async with db.read() as conn:
        seen, pin_state = await _key_and_pin(conn, customer_id, idempotency_key)

    async def work(req: idempotency.Request) -> Answer:
        await accounts.verify_pin(db=db, pins=pins, customer_id=customer_id, pin=pin,
                                  known=pin_state)
        async with db.read() as conn:
            row = await records.load_for_customer(conn, holding_id=holding_id,
                                                  customer_id=customer_id)
            day = await clock.current_business_date(conn)
            demand_rate = (await rate_table(conn)).demand_rate(day)
            acct = await accounts.load_account(conn, vault, customer_id)
        holder = Holder(acct.customer_id, acct.id, acct.account_no, acct.status,
                        acct.ledger_code, acct.chain, acct.holder_name)
        now = clock.utcnow()
        decided: list[Answer] = []

        def decide(drawn: list[str]) -> Plan:
            plan, answer = decide_withdrawal(row, holder, req.claim(), amount=amount, on=day,
                                             demand_rate=demand_rate, now=now, serial=drawn[0])
            decided.append(answer)
            return plan

        decide([transaction_serial(now, channel, 1)])  # every rule first (placeholder serial)
        if day >= row.maturity_date:  # the bank's own payout, due: no risk judgement
            _, got = await serials.apply_with_serials(db, at=now, channel=channel, n=1,
                                                      decide=decide)
            return rendered(decided[-1], got)
        call = gate.MoneyCall(customer_id, EventKind.EARLY_WITHDRAWAL,
                              amount if amount is not None else int(row.principal),
                              req.operation, req.hash, f"H{holding_id}", day,
                              held_days=(day - row.start_date).days, status=acct.status,
                              draw_serial=True)

        async def apply_for(conn: AsyncConnection, _: object) -> dict[str, Any]:
            drawn = await serials.serials_in(conn, now, channel, 1)
            return await apply_in(conn, decide(drawn))

        def going_ahead(serial_no: int | None) -> tuple[Plan, Callable[[Captured], Captured]]:
            assert serial_no is not None
            return decide([transaction_serial(now, channel, serial_no)]), dict

        done = await gate.screened(db, vault=vault, screen=screen, call=call,
                                   apply_for=apply_for, fast=going_ahead)
        return rendered(decided[-1], done.result)

    return await idempotency.run_once(db, request, seen=seen, work=work)


async def _key_and_pin(conn: AsyncConnection, customer_id: int,
                       key: str) -> tuple[str | None, accounts.PinState]:
    """The idempotency key's state and the PIN state, in one read."""
    row = (await conn.execute(
        select(customer.c.pin_hash, customer.c.pin_locked_at, customer.c.pin_failed_attempts,
               idempotency_record.c.state)
        .select_from(customer.outerjoin(idempotency_record, (
            idempotency_record.c.customer_id == customer.c.id)
            & (idempotency_record.c.key == key)))
        .where(customer.c.id == customer_id))).first()
    if row is None:
        raise accounts.AccountNotFound()
    return row.state, accounts.PinState.of(row)
