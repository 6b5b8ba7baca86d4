"""Top-up from and withdrawal to the bound card: idempotent, PIN-checked, closed loop.

Flow (both directions): one context read → PIN → the opening plan (claim the idempotency key;
withdrawals also move the money into `card in transit` right away, so it cannot be spent twice;
the payment order) → call the card network outside any transaction → the settling plan. Each
plan is decided in `decide.py` and applied atomically (`db.apply`: on PostgreSQL one round
trip). A pending answer leaves the order open; `reconcile` asks the network later and settles.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, literal_column, select, true
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock, idempotency
from opendeposit.accounts import service as accounts
from opendeposit.accounts.models import account
from opendeposit.clock import business_day
from opendeposit.db import Database
from opendeposit.db.apply import Captured, apply, apply_in
from opendeposit.db.driver import AttrRow, DriverStatement, driver_connection
from opendeposit.ledger import serials
from opendeposit.ledger import service as ledger
from opendeposit.ledger.models import ledger_balance
from opendeposit.payments.decide import (
    CARD_FAILURES_ZH,
    ORDER_SETTLED,
    TOP_UP,
    WITHDRAW,
    CardTransferFailed,
    OpenOrder,
    answer_of,
    held_plan,
    open_plan,
    settle_plan,
)
from opendeposit.payments.models import payment_order
from opendeposit.payments.ports import CardNetwork, TransferResult, TransferStatus
from opendeposit.risk import gate
from opendeposit.risk import service as risk
from opendeposit.risk.domain import Action
from opendeposit.risk.gate import Screen
from opendeposit.risk.history import EventKind
from opendeposit.risk.service import Outcome
from opendeposit.security import PinHasher, Vault
from opendeposit.serials import SEQUENCE, Channel, transaction_serial
from opendeposit.writeplan import Answer, Fen, Plan, PlanAbandoned, rendered

__all__ = ["CARD_FAILURES_ZH", "TOP_UP", "WITHDRAW", "Answer", "CardTransferFailed",
           "reconcile", "settle", "top_up", "withdraw"]


async def top_up(*, db: Database, vault: Vault, pins: PinHasher, cards: CardNetwork,
                 bank_name: str, customer_id: int, amount: int, pin: str,
                 idempotency_key: str, screen: Screen | None = None,
                 channel: Channel = Channel.H5) -> Answer:
    """Pull `amount` fen from the bound card into the Class II balance."""
    return await _move(TOP_UP, db=db, vault=vault, pins=pins, cards=cards,
                       bank_name=bank_name, customer_id=customer_id, amount=amount, pin=pin,
                       key=idempotency_key, screen=screen, channel=channel)


async def withdraw(*, db: Database, vault: Vault, pins: PinHasher, cards: CardNetwork,
                   bank_name: str, customer_id: int, amount: int, pin: str,
                   idempotency_key: str, screen: Screen | None = None,
                 channel: Channel = Channel.H5) -> Answer:
    """Push `amount` fen from the Class II balance to the bound card — and nowhere else; a
    withdrawal a risk rule holds answers 202 held and waits for staff (`holds.py`)."""
    return await _move(WITHDRAW, db=db, vault=vault, pins=pins, cards=cards,
                       bank_name=bank_name, customer_id=customer_id, amount=amount, pin=pin,
                       key=idempotency_key, screen=screen, channel=channel)


@dataclass(frozen=True)
class _Context:
    account: accounts.CustomerAccount
    pin: accounts.PinState
    balance: int
    business_date: date
    idem_state: str | None
    summary: risk.Summary | None = None  # PostgreSQL: with the serial number drawn for the move


async def _move(direction: str, *, db: Database, vault: Vault, pins: PinHasher,
                cards: CardNetwork, bank_name: str, customer_id: int, amount: int, pin: str,
                key: str, screen: Screen | None, channel: Channel = Channel.H5) -> Answer:
    request = idempotency.Request.of(owner=customer_id, key=key, operation=direction,
                                     amount=amount)
    ctx = await _context(db, vault, customer_id=customer_id, key=key,
                         device_id=screen.device_id if screen else None)

    async def work(req: idempotency.Request) -> Answer:
        await accounts.verify_pin(db=db, pins=pins, customer_id=customer_id, pin=pin,
                                  known=ctx.pin)
        opened = await _open(db, vault, direction, ctx, req, amount=amount, screen=screen,
                             channel=channel)
        if isinstance(opened, Answer):  # held for a risk review: no card call
            return opened
        order = opened
        call = cards.pull if direction == TOP_UP else cards.push
        try:
            result = await call(order_no=order.order_no, card_number=ctx.account.card_number,
                                holder_name=ctx.account.holder_name, amount=amount)
        except Exception:  # the network's answer is unknown: treat as pending, reconcile later
            result = TransferResult(TransferStatus.PENDING, message="network error")
        return await _settle(db, vault, order, result, business_date=ctx.business_date,
                             bank_name=bank_name)

    return await idempotency.run_once(db, request, seen=ctx.idem_state, work=work)


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
_RISK = risk.prefetch(account.c.customer_id)
# PostgreSQL also brings the customer's risk summary and draws the move's serial number, for
# the gate's unlocked way (compiled once)
_CONTEXT_PG = DriverStatement(_CONTEXT.add_columns(
    *_RISK.c, literal_column(f"nextval('{SEQUENCE}')").label("serial_no")
).outerjoin(_RISK, true()))


async def _context(db: Database, vault: Vault, *, customer_id: int, key: str,
                   device_id: str | None) -> _Context:
    """One read for everything a move needs: account, card, PIN state, balance, business
    date, and whether the idempotency key was seen; on PostgreSQL also the customer's risk
    summary and the move's serial number."""
    row: Any
    summary = None
    if db.dialect == "postgresql":
        device_param, device_hash = risk.prefetch_params(vault, device_id)
        async with driver_connection(db) as driver:
            found = await driver.conn.fetchrow(_CONTEXT_PG.sql, *_CONTEXT_PG.args(
                customer_id=customer_id, key=key, risk_device_id=device_param,
                risk_device_hash=device_hash))
        row = None if found is None else AttrRow(found)
        if row is not None:
            summary = risk.summary_of(row)
            if summary is not None:
                summary = replace(summary, serial_no=int(row.serial_no))
    else:
        async with db.read() as conn:
            row = (await conn.execute(_CONTEXT, {"customer_id": customer_id, "key": key})
                   ).first()
    if row is None:
        raise accounts.AccountNotFound()
    return _Context(accounts.customer_account(vault, row), accounts.PinState.of(row),
                    int(row.balance), row.business_date, row.idem_state, summary)


async def _open(db: Database, vault: Vault, direction: str, ctx: _Context,
                req: idempotency.Request, *, amount: int, screen: Screen | None,
                channel: Channel) -> OpenOrder | Answer:
    """The opening plan with its transaction serial, judged by the risk rules in the same
    transaction (`risk.gate`): a step-up or block is raised, a held withdrawal answers 202."""
    order_no, now = order_number(direction), clock.utcnow()
    held: list[Answer] = []
    drawn: list[str] = []

    async def apply_for(conn: AsyncConnection, outcome: Outcome) -> dict[str, Any]:
        (serial,) = await serials.serials_in(conn, now, channel, 1)
        drawn.append(serial)
        if outcome.action is Action.HOLD and direction == WITHDRAW:
            plan, answer = held_plan(req.claim(), account=ctx.account, amount=amount,
                                     reference=order_no, decision_id=outcome.decision_id,
                                     business_date=ctx.business_date, now=now, serial=serial)
            held.append(answer)
        else:
            plan = open_plan(req.claim(), direction=direction, account=ctx.account,
                             amount=amount, order_no=order_no,
                             business_date=ctx.business_date, now=now, serial=serial)
        return await apply_in(conn, plan)

    def going_ahead(serial_no: int | None) -> tuple[Plan, Callable[[Captured], Captured]]:
        assert serial_no is not None
        serial = transaction_serial(now, channel, serial_no)
        drawn.append(serial)
        return open_plan(req.claim(), direction=direction, account=ctx.account, amount=amount,
                         order_no=order_no, business_date=ctx.business_date, now=now,
                         serial=serial), dict

    done = await gate.screened(db, vault=vault, screen=screen, call=gate.MoneyCall(
        ctx.account.customer_id, EventKind.TOP_UP if direction == TOP_UP else EventKind.WITHDRAW,
        amount, req.operation, req.hash, order_no, ctx.business_date, balance=ctx.balance,
        status=ctx.account.status, draw_serial=True, summary=ctx.summary),
        apply_for=apply_for, fast=going_ahead)
    got = done.result or {}
    if held:
        return rendered(held[0], got)
    serial = drawn[-1]
    balance = int(got.get(f"hold@{ctx.account.ledger_code}", ctx.balance))
    return OpenOrder(int(got["order.id"]), order_no, direction, amount, req.key, ctx.account,
                     balance, got.get("hold#0"), serial)


def order_number(direction: str) -> str:
    prefix = "T" if direction == TOP_UP else "W"
    at = clock.utcnow().astimezone(clock.BEIJING)  # what the customer reads: Beijing time
    return f"{prefix}{at:%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}"


async def _settle(db: Database, vault: Vault, order: OpenOrder, result: TransferResult, *,
                  business_date: date, bank_name: str) -> Answer:
    plan, answer = settle_plan(order, result, business_date=business_date, bank_name=bank_name,
                               now=clock.utcnow())
    try:
        got = await apply(db, plan)
    except PlanAbandoned as exc:
        if exc.reason != ORDER_SETTLED:
            raise
        async with db.read() as conn:  # settled meanwhile (reconciliation and a late answer)
            return await _answer_for(conn, vault, order.id)
    return rendered(answer, got)


async def settle(*, db: Database, vault: Vault, bank_name: str, order_id: int,
                 result: TransferResult) -> Answer:
    """Apply a late answer to an open order (reconciliation); a settled order stays put."""
    async with db.read() as conn:
        row = (await conn.execute(select(payment_order).where(
            payment_order.c.id == order_id))).one()
        acct = await accounts.load_account(conn, vault, row.customer_id)
        balance = await ledger.balance(conn, acct.ledger_code)
        business_date = await clock.current_business_date(conn)
        serial = await serials.serial_of_reference(conn, row.order_no)
    order = OpenOrder(row.id, row.order_no, row.direction, row.amount, row.idempotency_key,
                      acct, balance, row.entry_hash, serial or "")
    return await _settle(db, vault, order, result, business_date=business_date,
                         bank_name=bank_name)


async def _answer_for(conn: AsyncConnection, vault: Vault, order_id: int) -> Answer:
    row = (await conn.execute(select(payment_order).where(
        payment_order.c.id == order_id))).one()
    acct = await accounts.load_account(conn, vault, row.customer_id)
    balance = await ledger.balance(conn, acct.ledger_code)
    serial = await serials.serial_of_reference(conn, row.order_no)
    order = OpenOrder(row.id, row.order_no, row.direction, row.amount, row.idempotency_key,
                      acct, balance, row.entry_hash, serial or "")
    return rendered(answer_of(order, row.status, Fen(balance), row.failure_code))


async def reconcile(*, db: Database, vault: Vault, cards: CardNetwork, bank_name: str,
                    older_than: timedelta = timedelta(seconds=30)) -> tuple[int, int]:
    """Ask the network about every open order older than `older_than`; settle what it knows.

    Returns (settled, still_open). Safe to run concurrently with requests and with itself.
    """
    cutoff = clock.utcnow() - older_than
    async with db.read() as conn:
        rows = (await conn.execute(select(payment_order.c.id, payment_order.c.order_no).where(
            payment_order.c.status.in_(["initiated", "pending"]),
            payment_order.c.created_at <= cutoff).order_by(payment_order.c.id))).all()
    settled = still_open = 0
    for row in rows:
        result = await cards.query(row.order_no)
        if result.status is TransferStatus.PENDING:
            still_open += 1
            continue
        await settle(db=db, vault=vault, bank_name=bank_name, order_id=row.id, result=result)
        settled += 1
    return settled, still_open
