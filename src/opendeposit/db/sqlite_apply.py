"""The SQLite applier: a plan's steps as plain statements in the caller's transaction.

SQLite has one writer at a time (the unit of work holds BEGIN IMMEDIATE), so each guard is a
conditional statement whose row count decides; refs are resolved in Python as steps capture
them. Writes the same rows as PostgreSQL's `apply_plan()` for the same plan (the contract test).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table, and_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import metadata
from opendeposit.db.lower import Primitive, lower
from opendeposit.errors import LedgerInvariantBroken
from opendeposit.ledger.domain import chain_hash, content_digest, natural_delta
from opendeposit.writeplan import (
    Doc,
    Insert,
    Plan,
    PlanAbandoned,
    Post,
    Ref,
    Refuse,
    Update,
    Upsert,
    doc_parts,
    join_parts,
)

Captured = dict[str, Any]


def table(name: str) -> Table:
    if name not in metadata.tables:
        import opendeposit.models  # noqa: F401  every table registered
    return metadata.tables[name]


async def apply_sqlite(conn: AsyncConnection, plan: Plan) -> Captured:
    captured: Captured = {}
    for step in lower(plan):
        await _apply(conn, step, plan, captured)
    return captured


async def _apply(conn: AsyncConnection, step: Primitive, plan: Plan, captured: Captured) -> None:
    if isinstance(step, Post):
        await _post(conn, step, plan, captured)
        return
    if isinstance(step, Insert):
        hit = await _insert(conn, step, captured)
    elif isinstance(step, Update):
        hit = await _update(conn, step, captured)
    else:
        hit = await _upsert(conn, step)
    if not hit:
        missed(step.on_miss)


def missed(on_miss: Any) -> None:
    if isinstance(on_miss, Refuse):
        raise on_miss.error
    raise PlanAbandoned(on_miss.reason)


def value(v: Any, captured: Mapping[str, Any]) -> Any:
    if isinstance(v, Ref):
        return captured[v.name]
    if isinstance(v, Doc):
        return join_parts(doc_parts(v), captured)
    return v


async def _insert(conn: AsyncConnection, step: Insert, captured: Captured) -> bool:
    t = table(step.table)
    rows = [{k: value(v, captured) for k, v in row.items()} for row in step.rows]
    stmt = sqlite_insert(t)
    if step.skip_existing:
        stmt = stmt.on_conflict_do_nothing()
    if step.returning is not None or step.skip_existing:
        for row in rows:  # one by one: each must be written, and may return its key
            col = t.c[step.returning] if step.returning else next(iter(t.primary_key))
            got = (await conn.execute(stmt.values(**row).returning(col))).first()
            if got is None:
                return False
            if step.returning:
                captured[f"{step.name}.{step.returning}"] = got[0]
        return True
    await conn.execute(stmt, rows)
    return True


async def _update(conn: AsyncConnection, step: Update, captured: Captured) -> bool:
    t = table(step.table)
    for ch in step.changes:
        where = [t.c[k] == v for k, v in ch.key.items()]
        where += [t.c[k].is_(None) if v is None else t.c[k] == v for k, v in ch.expect.items()]
        where += [t.c[k] >= v for k, v in ch.at_least.items()]
        where += [t.c[k].in_(list(v)) for k, v in ch.one_of.items()]
        values = {k: value(v, captured) for k, v in ch.set.items()}
        values.update({k: t.c[k] + d for k, d in ch.add.items()})
        done = await conn.execute(t.update().where(and_(*where)).values(**values))
        if done.rowcount != 1:
            return False
    return True


async def _upsert(conn: AsyncConnection, step: Upsert) -> bool:
    t = table(step.table)
    if any(step.add[c] > cap for c, cap in step.cap.items()):
        return False
    stmt = sqlite_insert(t).values(**step.key, **step.add).on_conflict_do_update(
        index_elements=[t.c[k] for k in step.key],
        set_={c: t.c[c] + d for c, d in step.add.items()},
        where=and_(*[t.c[c] + step.add[c] <= cap for c, cap in step.cap.items()])
        if step.cap else None,
    )
    return (await conn.execute(stmt.returning(t.c[next(iter(step.key))]))).first() is not None


async def _post(conn: AsyncConnection, step: Post, plan: Plan, captured: Captured) -> None:
    """The hash-chain append, entry by entry: chain head, balances in account-code order,
    postings (with the balance after the entry), the entry, the new head."""
    chain_t, balance_t = table("ledger_chain"), table("ledger_balance")
    posting_t, entry_t, account_t = table("posting"), table("journal_entry"), table(
        "ledger_account")
    for a in step.open_accounts:
        await conn.execute(account_t.insert().values(
            code=a.code, chart_code=a.chart_code, name=a.name, owner_id=a.owner_id,
            non_negative=a.non_negative, created_at=plan.now))
        await conn.execute(balance_t.insert().values(
            account_code=a.code, shard=step.chain, balance=0, non_negative=a.non_negative))
    for i, entry in enumerate(step.entries):
        head = (await conn.execute(
            chain_t.update().where(chain_t.c.chain == step.chain)
            .values(seq=chain_t.c.seq + 1).returning(chain_t.c.seq, chain_t.c.head_hash))).one()
        link = chain_hash(head.head_hash, content_digest(
            chain=step.chain, kind=entry.kind, business_date=entry.business_date,
            description=entry.description, reference=entry.reference, postings=entry.postings))
        deltas: dict[str, int] = defaultdict(int)
        for p in entry.postings:
            deltas[p.account] += natural_delta(p.account, p.amount)
        after = {}
        for code in sorted(deltas):
            moved = (await conn.execute(
                balance_t.update().where(balance_t.c.account_code == code,
                                         balance_t.c.shard == step.chain)
                .values(balance=balance_t.c.balance + deltas[code])
                .returning(balance_t.c.balance))).scalar()
            if moved is None:
                raise LedgerInvariantBroken(f"no balance row for {code} in shard {step.chain}")
            after[code] = int(moved)
        await conn.execute(posting_t.insert(), [
            {"chain": step.chain, "seq": head.seq, "line": n, "account_code": p.account,
             "amount": p.amount, "balance_after": after[p.account]}
            for n, p in enumerate(entry.postings)])
        await conn.execute(entry_t.insert().values(
            chain=step.chain, seq=head.seq, kind=entry.kind, business_date=entry.business_date,
            description=entry.description, reference=entry.reference,
            prev_hash=head.head_hash, hash=link, created_at=plan.now))
        await conn.execute(chain_t.update().where(chain_t.c.chain == step.chain)
                           .values(head_hash=link))
        captured[step.hash(i).name] = link
        captured.update({step.balance(code).name: bal for code, bal in after.items()})
        if i == 0:
            captured[step.seq().name] = int(head.seq)
