"""Audit use cases: append an entry to its chain (in the caller's transaction), read, verify."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.audit.domain import (
    AUDIT_CHAINS,
    GENESIS_HASH,
    MAX_REASON,
    AuditFields,
    ChainCheck,
    StoredEntry,
    chain_for,
    chain_hash,
    content_digest,
)
from opendeposit.audit.models import audit_chain, audit_log


@dataclass(frozen=True)
class Appended:
    id: int
    chain: int
    seq: int
    hash: str


async def record(conn: AsyncConnection, *, actor: str, action: str, subject: str,
                 detail: str, reason: str = "") -> Appended:
    """Append one entry to its subject's chain, in the caller's transaction.

    The chain head is locked by the UPDATE until the caller commits, so links never fork; a
    rollback takes the entry and the head move back together.
    """
    fields = AuditFields(at=datetime.now(UTC), actor=actor[:64], action=action[:64],
                         subject=subject[:64], detail=detail, reason=reason[:MAX_REASON])
    chain = chain_for(fields.subject)
    seq, prev = await _advance_head(conn, chain)
    link = chain_hash(prev, content_digest(chain=chain, seq=seq, fields=fields))
    new_id = (await conn.execute(audit_log.insert().values(
        at=fields.at, actor=fields.actor, action=fields.action, subject=fields.subject,
        detail=fields.detail, reason=fields.reason, chain=chain, seq=seq, prev_hash=prev,
        hash=link).returning(audit_log.c.id))).scalar_one()
    await conn.execute(audit_chain.update().where(audit_chain.c.chain == chain)
                       .values(head_hash=link))
    return Appended(int(new_id), chain, seq, link)


async def _advance_head(conn: AsyncConnection, chain: int) -> tuple[int, str]:
    """Take the next seq of `chain` (creating its head on first use) → (seq, previous link)."""
    bump = (audit_chain.update().where(audit_chain.c.chain == chain)
            .values(seq=audit_chain.c.seq + 1)
            .returning(audit_chain.c.seq, audit_chain.c.head_hash))
    row = (await conn.execute(bump)).first()
    if row is None:
        await conn.execute(_insert_ignore(conn, chain))
        row = (await conn.execute(bump)).one()
    return int(row.seq), str(row.head_hash)


def _insert_ignore(conn: AsyncConnection, chain: int) -> Any:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    return insert(audit_chain).values(chain=chain, seq=0, head_hash=GENESIS_HASH) \
        .on_conflict_do_nothing()


def entry_view(r: Any) -> dict[str, Any]:
    at = r.at if r.at.tzinfo else r.at.replace(tzinfo=UTC)
    return {"id": r.id, "at": at.isoformat(), "actor": r.actor, "action": r.action,
            "subject": r.subject, "detail": r.detail, "reason": r.reason, "chain": r.chain,
            "seq": r.seq, "hash": r.hash}


async def entries(conn: AsyncConnection, *, limit: int, before: int | None = None,
                  actor: str | None = None, subject: str | None = None,
                  action: str | None = None) -> list[Any]:
    """Newest first; `before` is the id to continue below."""
    stmt = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if before is not None:
        stmt = stmt.where(audit_log.c.id < before)
    if actor:
        stmt = stmt.where(audit_log.c.actor == actor)
    if subject:
        stmt = stmt.where(audit_log.c.subject == subject)
    if action:
        stmt = stmt.where(audit_log.c.action == action)
    return list((await conn.execute(stmt)).all())


@dataclass
class AuditReport:
    entries: int = 0
    chains: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


async def verify(conn: AsyncConnection, *, batch: int = 5000) -> AuditReport:
    """Re-check every link of every chain against the rows and the recorded heads."""
    report = AuditReport()
    heads = {r.chain: r for r in (await conn.execute(select(audit_chain))).all()}
    used = {int(c) for c in (await conn.execute(select(audit_log.c.chain).distinct())).scalars()}
    for chain in sorted(set(heads) | used | set(range(AUDIT_CHAINS))):
        head = heads.get(chain)
        check = ChainCheck(chain)
        async for entry in _stored(conn, chain, batch):
            check.add(entry)
        report.problems.extend(check.finish(head_seq=head.seq if head else None,
                                            head_hash=head.head_hash if head else None))
        report.entries += check.seen
        report.chains += 1 if (check.seen or head) else 0
    return report


async def _stored(conn: AsyncConnection, chain: int, batch: int) -> AsyncIterator[StoredEntry]:
    after = 0
    while True:
        rows = (await conn.execute(
            select(audit_log).where(audit_log.c.chain == chain, audit_log.c.seq > after)
            .order_by(audit_log.c.seq).limit(batch))).all()
        if not rows:
            return
        for r in rows:
            yield StoredEntry(r.id, r.chain, int(r.seq), r.prev_hash, r.hash, AuditFields(
                at=r.at, actor=r.actor, action=r.action, subject=r.subject, detail=r.detail,
                reason=r.reason))
        after = int(rows[-1].seq)
