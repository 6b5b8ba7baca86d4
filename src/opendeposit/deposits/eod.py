"""End-of-day steps of the deposits context: maturity (payout or rollover) and the day report.

Holdings are processed in chunks, one transaction per chunk. If a chunk fails, each of its
holdings is retried alone; one that still fails is recorded in `eod_failure` and stays active,
so the next run picks it up again. Every effect is guarded twice: the holding's status moves
from `active` only once (a conditional UPDATE), and (holding, "close") is a unique event row.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import AccountStatus, Operation, check_allowed
from opendeposit.accounts.models import account, customer
from opendeposit.deposits import records
from opendeposit.deposits.domain import maturity_quote, rollover
from opendeposit.deposits.models import eod_failure, holding, holding_event
from opendeposit.deposits.retry import in_transaction
from opendeposit.errors import OpenDepositError
from opendeposit.ledger import service as ledger
from opendeposit.ledger.models import ledger_balance
from opendeposit.platform import Platform
from opendeposit.products.domain import RateTable, format_rate
from opendeposit.products.models import product
from opendeposit.products.service import rate_table

log = logging.getLogger("opendeposit.eod")
CHUNK = 200
MATURITY_STEP = "deposit_maturity"


async def record_failure(p: Platform, *, day: date, step: str, subject: str,
                         exc: BaseException) -> None:
    if isinstance(exc, OpenDepositError):
        code, message = exc.code, exc.message_en
    else:
        log.exception("EOD %s failed for %s", step, subject, exc_info=exc)
        code, message = type(exc).__name__, str(exc)[:500] or type(exc).__name__
    async with p.db.transaction() as conn:
        await conn.execute(eod_failure.insert().values(
            business_date=day, step=step, subject=subject, code=code, message=message,
            created_at=clock.utcnow()))


async def run_isolated(p: Platform, *, day: date, step: str, items: Sequence[Any],
                       subject: Callable[[Any], str],
                       one: Callable[[AsyncConnection, Any], Awaitable[str]]) -> Counter[str]:
    """All `items` in one transaction; if that fails, each alone, recording the ones that fail."""

    async def all_of(conn: AsyncConnection) -> Counter[str]:
        return Counter([await one(conn, item) for item in items])

    try:
        return await in_transaction(p.db, all_of)
    except Exception:  # some item is bad: isolate it, keep the rest
        tally: Counter[str] = Counter()
        for item in items:
            try:
                tally[await in_transaction(p.db, lambda conn, it=item: one(conn, it))] += 1
            except Exception as exc:
                await record_failure(p, day=day, step=step, subject=subject(item), exc=exc)
                tally["failed"] += 1
        return tally


def _due(day: date, after: int) -> Any:
    return (
        select(holding, product.c.name.label("product_name"),
               product.c.allow_rollover, account.c.ledger_code.label("account_code"),
               account.c.status.label("account_status"), account.c.account_no,
               customer.c.name_enc)
        .join(product, product.c.code == holding.c.product_code)
        .join(account, account.c.id == holding.c.account_id)
        .join(customer, customer.c.id == holding.c.customer_id)
        .where(holding.c.status == records.ACTIVE, holding.c.maturity_date <= day,
               holding.c.id > after)
        .order_by(holding.c.id).limit(CHUNK)
    )


async def mature_holdings(p: Platform, day: date) -> dict[str, object]:
    """(a) Every active holding due on or before `day`: pay out, or roll over if instructed."""
    tally: Counter[str] = Counter()
    after = 0
    rates: RateTable | None = None
    while True:
        async with p.db.read() as conn:
            rows = (await conn.execute(_due(day, after))).all()
            if rows and rates is None:
                rates = await rate_table(conn)
        if not rows or rates is None:
            return {"processed": sum(tally.values()), **tally}
        after = rows[-1].id
        batch = sorted(rows, key=lambda r: (r.chain, r.id))  # one lock order per chunk
        tally += await run_isolated(
            p, day=day, step=MATURITY_STEP, items=batch, subject=lambda r: f"holding:{r.id}",
            one=lambda conn, r, t=rates: _mature_one(p, conn, r, day, t))


async def _close(conn: AsyncConnection, row: Any, *, status: str, day: date,
                 interest: int) -> bool:
    done = await conn.execute(holding.update().where(
        holding.c.id == row.id, holding.c.status == records.ACTIVE,
        holding.c.principal == row.principal,
    ).values(status=status, closed_on=day, interest_paid=holding.c.interest_paid + interest))
    return done.rowcount == 1


async def _mature_one(p: Platform, conn: AsyncConnection, row: Any, day: date,
                      rates: RateTable) -> str:
    terms = records.terms_of(row)
    q = maturity_quote(terms)
    if row.auto_rollover and row.allow_rollover:
        new_rate = rates.board_rate(row.kind, row.term_months, row.maturity_date)
        if not await _close(conn, row, status="rolled_over", day=day, interest=q.interest):
            return "skipped"
        await _roll_over(p, conn, row, day, q.interest, rollover(
            terms, board_rate_on_maturity=new_rate))
        return "rolled_over"
    check_allowed(AccountStatus(row.account_status), Operation.DEPOSIT_PAYOUT)
    if not await _close(conn, row, status="matured", day=day, interest=q.interest):
        return "skipped"
    reference = f"H{row.id}-C"
    posted = await ledger.post(conn, records.payout_entry(
        day=day, description="定期到期自动支取", holding_id=row.id, credit=row.account_code,
        principal=q.amount, interest=q.interest, reference=reference), chain=row.chain)
    await records.record_event(conn, holding_id=row.id, step="close", kind="maturity_payout",
                               day=day, amount=q.amount, interest=q.interest, rate=q.rate_applied,
                               days=q.days, entry_hash=posted.hash)
    await records.announce_receipt(conn, kind="maturity_payout", row=row, acct=_acct(p, row),
                                   day=day, amount=q.amount, entry_hash=posted.hash,
                                   reference=reference, rate=q.rate_applied, interest=q.interest,
                                   summary="定期到期自动支取")
    return "paid_out"


def _acct(p: Platform, row: Any) -> SimpleNamespace:
    return SimpleNamespace(customer_id=row.customer_id, account_no=row.account_no,
                           holder_name=p.vault.decrypt(row.name_enc))


async def _roll_over(p: Platform, conn: AsyncConnection, row: Any, day: date, interest: int,
                     new: Any) -> None:
    """自动转存: Dr 2151-old principal + Dr 5211 interest / Cr 2151-new, new cycle from maturity."""
    new_id = int((await conn.execute(holding.insert().values(
        customer_id=row.customer_id, account_id=row.account_id, product_code=row.product_code,
        kind=row.kind, term_months=row.term_months, principal=new.principal,
        original_principal=new.principal, rate=format_rate(new.rate),
        min_amount=row.min_amount, start_date=new.start_date, maturity_date=new.maturity_date,
        status=records.ACTIVE, auto_rollover=True, partial_withdrawn=False, chain=row.chain,
        previous_holding_id=row.id, interest_paid=0, created_at=clock.utcnow(),
    ).returning(holding.c.id))).scalar_one())
    new_code = records.holding_code(new_id)
    await ledger.open_ledger_account(conn, code=new_code, owner_id=new_id,
                                     name=f"定期存单 {new_id}", chain=row.chain)
    reference = f"H{row.id}-R"
    posted = await ledger.post(conn, records.payout_entry(
        kind="deposit_rollover", day=day, description="定期到期自动转存", holding_id=row.id,
        credit=new_code, principal=row.principal, interest=interest, reference=reference),
        chain=row.chain)
    await records.record_event(conn, holding_id=row.id, step="close", kind="rollover", day=day,
                               amount=row.principal, interest=interest, rate=Decimal(row.rate),
                               days=(row.maturity_date - row.start_date).days,
                               entry_hash=posted.hash, new_holding_id=new_id)
    new_row = SimpleNamespace(id=new_id, product_code=row.product_code,
                              product_name=row.product_name, term_months=row.term_months,
                              start_date=new.start_date, maturity_date=new.maturity_date)
    await records.announce_receipt(conn, kind="deposit_purchase", row=new_row,
                                   acct=_acct(p, row), day=day, amount=new.principal,
                                   entry_hash=posted.hash, reference=reference, rate=new.rate,
                                   summary="定期到期自动转存", extra={"rollover_of": row.id})


async def day_report(p: Platform, day: date) -> dict[str, object]:
    """(d) What the day did, and whether the holdings still agree with their ledger accounts."""
    async with p.db.read() as conn:
        events = (await conn.execute(
            select(holding_event.c.kind, func.count(), func.sum(holding_event.c.amount),
                   func.sum(holding_event.c.interest))
            .where(holding_event.c.business_date == day).group_by(holding_event.c.kind))).all()
        bought = (await conn.execute(select(func.count(), func.coalesce(func.sum(
            holding.c.original_principal), 0)).where(
            holding.c.start_date == day, holding.c.previous_holding_id.is_(None)))).one()
        active = (await conn.execute(select(func.count(), func.coalesce(func.sum(
            holding.c.principal), 0)).where(holding.c.status == records.ACTIVE))).one()
        in_ledger = (await conn.execute(select(func.coalesce(func.sum(
            ledger_balance.c.balance), 0)).where(
            ledger_balance.c.account_code.like("2151-%")))).scalar_one()
        failures = (await conn.execute(
            select(eod_failure.c.step, func.count()).where(eod_failure.c.business_date == day)
            .group_by(eod_failure.c.step))).all()
    return {
        "purchases": {"count": bought[0], "amount": int(bought[1])},
        "events": {k: {"count": n, "amount": int(a or 0), "interest": int(i or 0)}
                   for k, n, a, i in events},
        "active_holdings": {"count": active[0], "principal": int(active[1])},
        "holdings_match_ledger": int(active[1]) == int(in_ledger),
        "failures": {step: n for step, n in failures},
    }
