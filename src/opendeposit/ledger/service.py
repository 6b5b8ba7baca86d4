"""Ledger use cases: open ledger accounts, post a balanced entry, read balances, verify all.

Posting is a `Post` step of a write plan (`opendeposit.writeplan`): use cases put it in their
plan; `post` here applies a one-entry plan in the caller's transaction, for callers that write
nothing else (seeds, tests).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database
from opendeposit.ledger.domain import (
    CHART,
    GENESIS_HASH,
    InsufficientFunds,
    JournalEntry,
    Posting,
    chain_hash,
    chart_of,
    content_digest,
    natural_delta,
)
from opendeposit.ledger.models import (
    journal_entry,
    ledger_account,
    ledger_balance,
    ledger_chain,
    posting,
)

__all__ = ["InsufficientFunds", "PostedEntry", "balance", "balances", "install_chart",
           "open_ledger_account", "post", "verify"]


@dataclass(frozen=True)
class PostedEntry:
    chain: int
    seq: int
    hash: str
    balances_after: dict[str, int]  # natural balance of each touched account (its chain shard)


async def install_chart(conn: AsyncConnection, db: Database, *, chains: int) -> None:
    """Create the bank-side ledger accounts and the hash chains (idempotent)."""
    now = datetime.now(UTC)
    for entry in CHART.values():
        if entry.per_customer:
            continue
        await conn.execute(
            db.insert(ledger_account)
            .values(code=entry.code, chart_code=entry.code, name=entry.name_zh, owner_id=None,
                    non_negative=entry.non_negative, created_at=now)
            .on_conflict_do_nothing()
        )
        for shard in range(chains):
            await conn.execute(
                db.insert(ledger_balance).values(account_code=entry.code, shard=shard, balance=0,
                                                 non_negative=entry.non_negative)
                .on_conflict_do_nothing()
            )
    for chain in range(chains):
        await conn.execute(
            db.insert(ledger_chain).values(chain=chain, seq=0, head_hash=GENESIS_HASH)
            .on_conflict_do_nothing()
        )


async def open_ledger_account(conn: AsyncConnection, *, code: str, owner_id: int, name: str,
                              chain: int) -> None:
    """A per-customer ledger account; its one balance row lives in the owner's chain shard."""
    chart = chart_of(code)
    await conn.execute(
        ledger_account.insert().values(
            code=code, chart_code=chart.code, name=name, owner_id=owner_id,
            non_negative=chart.non_negative, created_at=datetime.now(UTC),
        )
    )
    await conn.execute(ledger_balance.insert().values(
        account_code=code, shard=chain, balance=0, non_negative=chart.non_negative))


async def post(conn: AsyncConnection, entry: JournalEntry, *, chain: int) -> PostedEntry:
    """Append a balanced entry to `chain` in the caller's transaction (a one-step plan).

    Raises InsufficientFunds when a non-negative account would go below zero (the database
    CHECK is the last word, so concurrent debits can never overdraw)."""
    from opendeposit.db.apply import apply_in  # late: the applier imports the ledger's tables
    from opendeposit.writeplan import Plan, Post

    step = Post(chain, (entry,))
    captured = await apply_in(conn, Plan((step,), datetime.now(UTC)))
    touched = {p.account for p in entry.postings}
    return PostedEntry(chain=chain, seq=int(captured[step.seq().name]),
                       hash=captured[step.hash().name],
                       balances_after={code: int(captured[step.balance(code).name])
                                       for code in touched})


async def balance(conn: AsyncConnection, code: str) -> int:
    """The natural balance of a ledger account, summed over its shards."""
    total = (await conn.execute(
        select(func.coalesce(func.sum(ledger_balance.c.balance), 0))
        .where(ledger_balance.c.account_code == code)
    )).scalar_one()
    return int(total)


async def balances(conn: AsyncConnection, codes: Iterable[str]) -> dict[str, int]:
    codes = list(codes)
    rows = (await conn.execute(
        select(ledger_balance.c.account_code, func.sum(ledger_balance.c.balance))
        .where(ledger_balance.c.account_code.in_(codes))
        .group_by(ledger_balance.c.account_code)
    )).all()
    found = {code: int(total) for code, total in rows}
    return {code: found.get(code, 0) for code in codes}


@dataclass
class VerifyReport:
    entries: int = 0
    chains: int = 0
    accounts: int = 0
    problems: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(conn: AsyncConnection, *, batch: int = 5000) -> VerifyReport:
    """Re-derive every balance from the journal and re-check every hash chain."""
    report = VerifyReport(problems=[])
    problems = report.problems
    assert problems is not None
    derived: dict[tuple[str, int], int] = defaultdict(int)
    heads = {r.chain: r for r in (await conn.execute(select(ledger_chain))).all()}
    report.chains = len(heads)
    for chain, head in sorted(heads.items()):
        prev, last_seq = GENESIS_HASH, 0
        async for entry_row, lines in _entries_of_chain(conn, chain, batch):
            report.entries += 1
            if entry_row.seq != last_seq + 1:
                problems.append(f"chain {chain}: gap before seq {entry_row.seq}")
            if entry_row.prev_hash != prev:
                problems.append(f"chain {chain} seq {entry_row.seq}: prev_hash does not link")
            postings_ = tuple(Posting(a, amt) for a, amt in lines)
            if sum(a for _, a in lines) != 0 or len(lines) < 2:
                problems.append(f"chain {chain} seq {entry_row.seq}: postings do not balance")
            digest = chain_hash(entry_row.prev_hash, content_digest(
                chain=chain, kind=entry_row.kind, business_date=entry_row.business_date,
                description=entry_row.description, reference=entry_row.reference,
                postings=postings_))
            if digest != entry_row.hash:
                problems.append(f"chain {chain} seq {entry_row.seq}: hash mismatch (altered)")
            for code, amount in lines:
                derived[(code, chain)] += natural_delta(code, amount)
            prev, last_seq = entry_row.hash, entry_row.seq
        if head.seq != last_seq or head.head_hash != prev:
            problems.append(f"chain {chain}: head ({head.seq}) does not match the journal")
    stored = {(r.account_code, r.shard): int(r.balance)
              for r in (await conn.execute(select(ledger_balance))).all()}
    report.accounts = len({code for code, _ in stored})
    for key in sorted(set(stored) | set(derived)):
        if stored.get(key, 0) != derived.get(key, 0):
            problems.append(f"balance {key[0]} shard {key[1]}: stored {stored.get(key, 0)} "
                            f"!= derived {derived.get(key, 0)}")
    return report


async def _entries_of_chain(conn: AsyncConnection, chain: int, batch: int):  # type: ignore[no-untyped-def]
    after = 0
    while True:
        rows = (await conn.execute(
            select(journal_entry).where(journal_entry.c.chain == chain, journal_entry.c.seq > after)
            .order_by(journal_entry.c.seq).limit(batch)
        )).all()
        if not rows:
            return
        lines: dict[int, list[tuple[str, int]]] = defaultdict(list)
        for p in (await conn.execute(
            select(posting.c.seq, posting.c.account_code, posting.c.amount)
            .where(posting.c.chain == chain, posting.c.seq > after,
                   posting.c.seq <= rows[-1].seq)
            .order_by(posting.c.seq, posting.c.line)
        )).all():
            lines[p.seq].append((p.account_code, int(p.amount)))
        for r in rows:
            yield r, lines[r.seq]
        after = rows[-1].seq
