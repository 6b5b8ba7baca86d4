"""End-of-day steps of the deposits context: maturity (payout or rollover) and the day report.

Holdings are processed in chunks of `CHUNK`, each decided in Python (`maturity.py`) and written
as one plan: set-based statements (one guarded update of all the chunk's holdings, one insert
per table, one hash-chain append per chain). A holding whose decision is refused (an account
that may not receive, a missing rate) is recorded in `eod_failure` and stays active; if a
chunk's write fails, each of its holdings is tried alone and one that still fails is recorded
the same way, so the next run picks it up again. Every effect is guarded twice: the holding's
status moves from `active` only once (guarded update), and (holding, "close") is a unique event.
On PostgreSQL the next chunk is read, decided and compiled while the current one is written
(`mature_holdings`).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.models import account, customer
from opendeposit.db import Database
from opendeposit.db.apply import apply, apply_in, in_transaction, next_ids
from opendeposit.db.pg_apply import Compiled, compile_plan
from opendeposit.deposits import records
from opendeposit.deposits.maturity import Outcome, chunk_plan, outcome, parts
from opendeposit.deposits.models import eod_failure, holding, holding_event
from opendeposit.errors import OpenDepositError
from opendeposit.ledger import serials
from opendeposit.ledger.models import ledger_balance
from opendeposit.products.domain import RateTable
from opendeposit.products.models import product
from opendeposit.products.service import rate_table
from opendeposit.security import Vault
from opendeposit.serials import Channel
from opendeposit.writeplan import Plan, PlanAbandoned

log = logging.getLogger("opendeposit.eod")
CHUNK = 2_000
MATURITY_STEP = "deposit_maturity"


async def record_failure(db: Database, *, day: date, step: str, subject: str,
                         exc: BaseException) -> None:
    if isinstance(exc, OpenDepositError):
        code, message = exc.code, exc.message_en
    else:
        log.exception("EOD %s failed for %s", step, subject, exc_info=exc)
        code, message = type(exc).__name__, str(exc)[:500] or type(exc).__name__
    async with db.transaction() as conn:
        await conn.execute(eod_failure.insert().values(
            business_date=day, step=step, subject=subject, code=code, message=message,
            created_at=clock.utcnow()))


async def run_chunk(db: Database, *, day: date, step: str, items: Sequence[Any],
                    subject: Callable[[Any], str], check: Callable[[Any], Any],
                    apply_items: Callable[[list[Any]], Awaitable[Counter[str]]]) -> Counter[str]:
    """One chunk: `check` each item (a refusal is recorded and the item left for the next
    run), then `apply_items` to the rest at once; if that fails, to each alone, recording the
    ones that fail (an item whose guard missed was done meanwhile: skipped)."""
    tally, ok = await check_items(db, day=day, step=step, items=items, subject=subject,
                                  check=check)
    if not ok:
        return tally
    try:
        return tally + await apply_items(ok)
    except Exception:  # some item is bad: isolate it, keep the rest
        log.info("EOD %s: a chunk of %d failed, retrying item by item", step, len(ok))
    return tally + await one_by_one(db, day=day, step=step, items=ok, subject=subject,
                                    apply_items=apply_items)


async def check_items(db: Database, *, day: date, step: str, items: Sequence[Any],
                      subject: Callable[[Any], str], check: Callable[[Any], Any]
                      ) -> tuple[Counter[str], list[Any]]:
    """(tally of the refused, the checked items): a refusal is recorded, the item left."""
    tally: Counter[str] = Counter()
    ok: list[Any] = []
    for item in items:
        try:
            ok.append(check(item))
        except Exception as exc:
            await record_failure(db, day=day, step=step, subject=subject(item), exc=exc)
            tally["failed"] += 1
    return tally, ok


async def one_by_one(db: Database, *, day: date, step: str, items: Sequence[Any],
                     subject: Callable[[Any], str],
                     apply_items: Callable[[list[Any]], Awaitable[Counter[str]]]
                     ) -> Counter[str]:
    """`apply_items` to each item alone (after its chunk failed): one whose guard missed was
    done meanwhile (skipped), one that fails is recorded and left for the next run."""
    tally: Counter[str] = Counter()
    for item in items:
        try:
            tally += await apply_items([item])
        except PlanAbandoned:
            tally["skipped"] += 1
        except Exception as exc:
            await record_failure(db, day=day, step=step, subject=subject(item), exc=exc)
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


async def mature_holdings(*, db: Database, vault: Vault, day: date) -> dict[str, object]:
    """(a) Every active holding due on or before `day`: pay out, or roll over if instructed."""
    with _fewer_collections():
        return await _mature_all(db, vault, day)


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic garbage collector run less often while a step makes and drops many
    containers: a chunk's rows, parts and plan are ~10^5 short-lived dicts and tuples that
    reference counting frees; with the default threshold the collector's passes over them and
    the process's long-lived objects took about a third of maturity's Python CPU."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 50_000), *old[1:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


async def _mature_all(db: Database, vault: Vault, day: date) -> dict[str, object]:
    """Chunk after chunk. On PostgreSQL they are pipelined: while `apply_plan()` writes one
    chunk, the next is read, decided and compiled (Python and PostgreSQL then use both cores).
    One chunk is in flight at a time, so chunks are written in order; each is isolated as
    before (a chunk that fails is retried item by item). The ids of new holdings and the
    serials come from sequences, which are outside transactions anyway, so they are drawn
    before the write."""
    tally: Counter[str] = Counter()
    after = 0
    rates: RateTable | None = None
    names: dict[str, str] = {}  # decrypted holder names, by ciphertext
    inflight: asyncio.Task[Counter[str]] | None = None

    def apply_items(chunk: list[Outcome]) -> Awaitable[Counter[str]]:
        return _mature(db, vault, chunk, day, names)

    try:
        while True:
            async with db.read() as conn:
                rows = (await conn.execute(_due(day, after))).all()
                if rows and rates is None:
                    rates = await rate_table(conn)
            if not rows or rates is None:
                break
            after = rows[-1].id
            batch = sorted(rows, key=lambda r: (r.chain, r.id))  # one lock order per chunk
            check = functools.partial(_outcome, rates=rates, day=day)
            if db.is_sqlite:  # one writer: nothing to overlap
                tally += await run_chunk(db, day=day, step=MATURITY_STEP, items=batch,
                                         subject=_subject, check=check, apply_items=apply_items)
                continue
            refused, ok = await check_items(db, day=day, step=MATURITY_STEP, items=batch,
                                            subject=_subject, check=check)
            tally += refused
            if not ok:
                continue
            ready = await _prepare(db, vault, ok, day, names)
            if inflight is not None:
                tally += await inflight
            inflight = asyncio.create_task(_write(db, ok, ready, day, apply_items))
    except BaseException:
        if inflight is not None:  # let the chunk in flight finish (or fail) on its own
            await asyncio.gather(inflight, return_exceptions=True)
        raise
    if inflight is not None:
        tally += await inflight
    return {"processed": sum(tally.values()), **tally}


def _subject(row: Any) -> str:
    return f"holding:{row.id}"


def _outcome(row: Any, *, rates: RateTable, day: date) -> Outcome:
    return outcome(row, rates=rates, day=day)


async def _ids_and_serials(conn: AsyncConnection, outcomes: list[Outcome]
                           ) -> tuple[datetime, dict[int, int], list[str]]:
    # new ids in holding order, whatever the chunk's lock order: a chunk of any size then
    # writes the rows a run of one holding at a time writes (test_eod_equivalence.py)
    rolling = sorted((o for o in outcomes if o.renewal is not None), key=lambda o: o.row.id)
    ids = dict(zip([o.row.id for o in rolling],
                   await next_ids(conn, "holding", len(rolling)), strict=True))
    now = clock.utcnow()
    return now, ids, await serials.serials_in(conn, now, Channel.BT, len(outcomes))


def _plan(vault: Vault, outcomes: list[Outcome], day: date, names: dict[str, str],
          now: datetime, ids: dict[int, int], drawn: list[str]) -> Plan:
    def holder_name(row: Any) -> str:
        if row.name_enc not in names:
            names[row.name_enc] = vault.decrypt(row.name_enc)
        return names[row.name_enc]

    items = [parts(o, holder_name=holder_name(o.row), day=day, new_id=ids.get(o.row.id),
                   now=now, serial=serial) for o, serial in zip(outcomes, drawn, strict=True)]
    return chunk_plan(items, now=now)


async def _mature(db: Database, vault: Vault, outcomes: list[Outcome], day: date,
                  names: dict[str, str]) -> Counter[str]:
    """The chunk in one unit of work: ids and serials drawn, then the plan applied."""
    async def work(conn: AsyncConnection) -> None:
        now, ids, drawn = await _ids_and_serials(conn, outcomes)
        await apply_in(conn, _plan(vault, outcomes, day, names, now, ids, drawn))

    await in_transaction(db, work)
    return Counter(o.kind for o in outcomes)


async def _prepare(db: Database, vault: Vault, outcomes: list[Outcome], day: date,
                   names: dict[str, str]) -> tuple[Plan, Compiled]:
    """PostgreSQL: the chunk's ids and serials drawn (sequences: a chunk that then fails
    leaves gaps, as a rolled-back one did), its plan made and compiled, not yet applied."""
    async with db.transaction() as conn:
        now, ids, drawn = await _ids_and_serials(conn, outcomes)
    plan = _plan(vault, outcomes, day, names, now, ids, drawn)
    return plan, compile_plan(plan)


async def _write(db: Database, outcomes: list[Outcome], ready: tuple[Plan, Compiled], day: date,
                 apply_items: Callable[[list[Any]], Awaitable[Counter[str]]]) -> Counter[str]:
    """A prepared chunk applied in one round trip; if that fails, item by item."""
    try:
        await apply(db, ready[0], compiled=ready[1])
        return Counter(o.kind for o in outcomes)
    except Exception:  # some item is bad: isolate it, keep the rest
        log.info("EOD %s: a chunk of %d failed, retrying item by item", MATURITY_STEP,
                 len(outcomes))
    return await one_by_one(db, day=day, step=MATURITY_STEP, items=outcomes,
                            subject=lambda o: _subject(o.row), apply_items=apply_items)


async def day_report(*, db: Database, day: date) -> dict[str, object]:
    """(d) What the day did, and whether the holdings still agree with their ledger accounts."""
    async with db.read() as conn:
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
