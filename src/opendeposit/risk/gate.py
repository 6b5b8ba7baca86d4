"""The risk check of a money call, in the same unit of work as the call's write plan.

The common case on PostgreSQL — an account in use, no step-up in hand, a customer the rules
let through without an alert — is one unlocked read (`service.judge_unlocked`, which also
draws the move's serial number when asked) and the use case's plan with the risk rows as its
first steps, applied in one round trip (`apply`): guarded by the risk summaries as read, so a
concurrent move of the same customer makes one of the two plans abandon and be judged again
on the counts the other wrote. Anything else, and SQLite, takes the locked way below.

Every money use case (top-up, withdrawal, purchase, early withdrawal) applies its plan through
`screened`: one transaction that refuses a dormant account (REVERIFICATION_REQUIRED, nothing
written), consumes the call's passed step-up (`step_up_id`), judges the event with the rules in
force (`service.evaluate`: the decision, its evidence and alerts are written in this
transaction) and then either applies the business plan — the plan `plan_for(outcome)` returns,
so a withdrawal that a rule holds is written as a hold — or, on a step-up or a block, commits
the risk rows alone and raises the refusal after the commit (the step-up must persist, and the
idempotency key stays unclaimed so the repeated call runs under the same key).

A refused business plan (insufficient funds, a guard) rolls the decision back with it: a move
that did not happen leaves no decision, and a consumed step-up stays usable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import AccountStatus
from opendeposit.accounts.lifecycle import (
    DORMANCY_STATUSES,
    ReverificationRequired,
    reactivation_allowed,
)
from opendeposit.accounts.models import account
from opendeposit.db import Database
from opendeposit.db.apply import Captured, apply, apply_in, in_transaction
from opendeposit.risk import service, stepup, writes
from opendeposit.risk.history import Event, EventKind
from opendeposit.risk.service import Call, Outcome
from opendeposit.security import Vault
from opendeposit.writeplan import Plan, PlanAbandoned

T = TypeVar("T")
FAST_ATTEMPTS = 3  # unlocked judgements of one call before it takes the locked way
# what a use case gives the unlocked way: the plan of its move going ahead, made with the serial
# number drawn for it (when MoneyCall.draw_serial), and what to return from the values captured
Fast = Callable[[int | None], tuple[Plan, Callable[[Captured], T]]]


def event_time() -> datetime:
    """When a money call happens, as the rules see it (the wall clock; the test suite pins it
    to Beijing daytime so the night rule does not depend on when the suite runs)."""
    return clock.utcnow()


@dataclass(frozen=True)
class Screen:
    """What the channel knows of a money call: the signed device id of the customer's token
    (None when it is not one the server issued), the client IP, and the passed step-up the
    call comes back with."""

    device_id: str | None = None
    ip: str | None = None
    step_up_id: str | None = None


@dataclass(frozen=True)
class MoneyCall:
    """The money call being judged (amounts in fen)."""

    customer_id: int
    kind: EventKind
    amount: int
    operation: str  # the idempotency operation
    request_hash: str  # the idempotency hash of the body (without step_up_id)
    reference: str
    business_date: date
    balance: int | None = None  # the demand balance before the move
    held_days: int | None = None  # early withdrawal: days the holding was held
    # the account status the use case's context read found: one dormancy cannot have set
    # (normal, receive-only, …) spares the gate its own read of the account
    status: AccountStatus | None = None
    draw_serial: bool = False  # the unlocked way draws the move's serial number with its read
    # the risk summary the use case's context read brought along (`service.PREFETCH_JOIN`):
    # spares the unlocked way its own read, the first time
    summary: service.Summary | None = None


@dataclass(frozen=True)
class Screened(Generic[T]):
    outcome: Outcome
    result: T | None  # what `apply_for` returned; None after a refusal


async def check_not_dormant(conn: AsyncConnection, customer_id: int) -> None:
    """A money call on an account that dormancy suspended (domain.md §1.7) needs the customer's
    face re-verification first (`POST /account/reactivate`)."""
    row = (await conn.execute(select(account.c.status, account.c.status_reason).where(
        account.c.customer_id == customer_id, account.c.status != AccountStatus.CLOSED.value
    ).order_by(account.c.id.desc()).limit(1))).first()
    if row is not None and reactivation_allowed(AccountStatus(row.status), row.status_reason):
        raise ReverificationRequired(details={"status": row.status,
                                              "reason": (row.status_reason or "").split(":")[0],
                                              "next": "/api/v1/account/reactivate"})


async def dormant_first(db: Database, customer_id: int) -> None:
    """For a use case whose status check ran before the gate: raise REVERIFICATION_REQUIRED
    when it is dormancy that stops the account (the customer can lift that), else return and
    let the caller raise its own refusal."""
    async with db.read() as conn:
        await check_not_dormant(conn, customer_id)


async def screened(db: Database, *, vault: Vault, screen: Screen | None, call: MoneyCall,
                   apply_for: Callable[[AsyncConnection, Outcome], Awaitable[T]],
                   fast: Fast[T] | None = None) -> Screened[T]:
    """Judge `call` and run `apply_for(conn, outcome)` (the use case's plan, applied with
    `apply_in`) in one transaction; raise a step-up or block after committing the decision
    alone. With `fast`, the common case goes the unlocked way (module docstring) first.
    `screen` None is a call with no channel facts (no device, no IP, no step-up): it is
    judged all the same."""
    screen = screen or Screen()
    now = event_time()
    if fast is not None and not db.is_sqlite and screen.step_up_id is None and \
            call.status is not None and call.status not in DORMANCY_STATUSES:
        for attempt in range(FAST_ATTEMPTS):
            try:
                done = await _unlocked(db, vault=vault, screen=screen, call=call, now=now,
                                       fast=fast, summary=call.summary if attempt == 0 else None)
            except PlanAbandoned as exc:
                if exc.reason == writes.SUMMARY_MOVED:
                    continue  # a concurrent move of the customer: judge again on its counts
                raise
            if done is None:
                break  # not the common case: the locked way judges it
            return done

    async def work(conn: AsyncConnection) -> Screened[T]:
        if call.status is None or call.status in DORMANCY_STATUSES:
            await check_not_dormant(conn, call.customer_id)
        passed = None
        if screen.step_up_id:
            passed = await stepup.consume(conn, step_up_id=screen.step_up_id,
                                          customer_id=call.customer_id,
                                          operation=call.operation,
                                          request_hash=call.request_hash, now=now)
        outcome = await service.evaluate(
            conn, db=db, vault=vault, event=_event(call, screen, now),
            call=Call(call.operation, call.request_hash), balance=call.balance,
            passed=passed, business_date=call.business_date)
        if outcome.refusal is not None:
            return Screened(outcome, None)
        return Screened(outcome, await apply_for(conn, outcome))

    done = await in_transaction(db, work)
    if done.outcome.refusal is not None:
        raise done.outcome.refusal
    return done


async def _unlocked(db: Database, *, vault: Vault, screen: Screen, call: MoneyCall,
                    now: datetime, fast: Fast[T],
                    summary: service.Summary | None) -> Screened[T] | None:
    judged = await service.judge_unlocked(
        db, vault=vault, event=_event(call, screen, now), balance=call.balance,
        draw_serial=call.draw_serial, summary=summary)
    if judged is None:
        return None
    rows = service.judged_rows(judged, business_date=call.business_date)
    risk_steps, decision_id = writes.steps(rows, history_text=judged.gathered.history_text or "",
                                           device_text=judged.gathered.device_text)
    move, finish = fast(judged.serial_no)
    got = await apply(db, Plan(risk_steps + move.steps, move.now))  # the move's own clock
    return Screened(Outcome(judged.decision, int(got[decision_id.name])), finish(got))


def _event(call: MoneyCall, screen: Screen, now: datetime) -> Event:
    return Event(call.customer_id, call.kind, now, call.amount, device_id=screen.device_id,
                 ip=screen.ip, held_days=call.held_days, reference=call.reference)


def plan(plan_for: Callable[[Outcome], Plan]) -> Callable[[AsyncConnection, Outcome],
                                                          Awaitable[dict[str, Any]]]:
    """`apply_for` of a use case whose plan needs nothing but the outcome."""
    async def apply_for(conn: AsyncConnection, outcome: Outcome) -> dict[str, Any]:
        return await apply_in(conn, plan_for(outcome))
    return apply_for
