"""Outbox rows as the relay and the admin console see them: claim with a lease, mark delivered
or failed (exponential backoff, then the dead-letter store), search, retry a dead letter."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, event, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.db import Database
from opendeposit.errors import Conflict, NotFound
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.outbox import PENDING_KEY, outbox

STATUSES = ("pending", "retrying", "published", "dead")
_COMMITTED_KEY = "esb_outbox_committed"


def note_committed(info: dict[Any, Any]) -> None:
    """Mark a pooled connection's `info` as having committed an outbox row, for a writer that
    bypasses SQLAlchemy's commit (the asyncpg driver path): the relay is nudged at check-in."""
    info[_COMMITTED_KEY] = True
_MAX_ERROR = 2000


class MessageNotFound(NotFound):
    code = "ESB_MESSAGE_NOT_FOUND"
    message_en = "No bus message with this id."
    message_zh = "没有该总线报文。"


class MessageNotDead(Conflict):
    code = "ESB_MESSAGE_NOT_DEAD"
    message_en = "Only a dead letter can be retried by hand."
    message_zh = "只有死信报文可以手工重发。"


@dataclass(frozen=True)
class RetryPolicy:
    """Delay before attempt n+1 is base·2^(n-1), capped; after `max_attempts` failures: dead."""

    max_attempts: int = 8
    base: timedelta = timedelta(seconds=1)
    cap: timedelta = timedelta(minutes=5)

    def delay(self, failures: int) -> timedelta:
        return min(self.base * (2 ** max(failures - 1, 0)), self.cap)


def _due(now: Any) -> Any:
    return select(outbox.c.id).where(
        outbox.c.published_at.is_(None), outbox.c.dead == 0,
        or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= now))


async def any_due(db: Database) -> bool:
    """A cheap read (no write lock on SQLite) before trying to claim."""
    async with db.read() as conn:
        return (await conn.execute(_due(clock.utcnow()).limit(1))).first() is not None


async def claim(db: Database, *, limit: int, lease: timedelta) -> list[Envelope]:
    """Lease up to `limit` due rows to this relay: hidden from others until the lease ends, so
    a relay that dies mid-batch delays its messages but loses none (PostgreSQL: SKIP LOCKED)."""
    now = clock.utcnow()
    due = _due(now).order_by(outbox.c.id).limit(limit)
    if not db.is_sqlite:
        due = due.with_for_update(skip_locked=True)
    async with db.transaction() as conn:
        rows = (await conn.execute(outbox.update().where(outbox.c.id.in_(due.scalar_subquery()))
                                   .values(next_attempt_at=now + lease)
                                   .returning(*outbox.c))).all()
    return [Envelope.from_row(r) for r in sorted(rows, key=lambda r: r.id)]


async def renew(db: Database, envelopes: list[Envelope], *, lease: timedelta) -> None:
    """Extend this relay's claim on messages it is still delivering (not those delivered or
    failed meanwhile: their attempts or published_at moved on), so the lease can be short and
    a killed relay's messages come back soon."""
    if not envelopes:
        return
    stmt = outbox.update().where(outbox.c.message_id == bindparam("mid"),
                                 outbox.c.published_at.is_(None), outbox.c.dead == 0,
                                 outbox.c.attempts == bindparam("att"))
    async with db.transaction() as conn:
        await conn.execute(stmt.values(next_attempt_at=clock.utcnow() + lease),
                           [{"mid": e.message_id, "att": e.attempt} for e in envelopes])


async def mark_published(db: Database, envelopes: list[Envelope]) -> None:
    """Delivered (one transaction for a batch). A row is left alone if a consumer reported
    failure meanwhile (its attempts moved on): the retry it scheduled stands."""
    if not envelopes:
        return
    stmt = outbox.update().where(outbox.c.message_id == bindparam("mid"),
                                 outbox.c.published_at.is_(None),
                                 outbox.c.attempts == bindparam("att"))
    async with db.transaction() as conn:
        await conn.execute(stmt.values(published_at=clock.utcnow()),
                           [{"mid": e.message_id, "att": e.attempt} for e in envelopes])


async def postpone(db: Database, message_ids: list[str], error: str, *,
                   delay: timedelta) -> None:
    """The transport was unavailable: try these again after `delay`, attempts unchanged (an
    outage is not the message's failure and must not park it as a dead letter)."""
    if not message_ids:
        return
    async with db.transaction() as conn:
        await conn.execute(outbox.update().where(
            outbox.c.message_id.in_(message_ids), outbox.c.published_at.is_(None),
            outbox.c.dead == 0).values(last_error=error[:_MAX_ERROR],
                                       next_attempt_at=clock.utcnow() + delay))


async def mark_failed(db: Database, message_id: str, error: str, *, policy: RetryPolicy,
                      permanent: bool = False) -> str | None:
    """Count a failed delivery; schedule the next one or park it as a dead letter. Also used by
    a broker consumer whose processing failed (the message goes back to the relay). Returns the
    new status, or None if the message is unknown or already dead."""
    async with db.transaction() as conn:
        stmt = select(outbox.c.attempts).where(outbox.c.message_id == message_id,
                                               outbox.c.dead == 0)
        if not db.is_sqlite:
            stmt = stmt.with_for_update()
        attempts = (await conn.execute(stmt)).scalar()
        if attempts is None:
            return None
        failures = attempts + 1
        dead = permanent or failures >= policy.max_attempts
        await conn.execute(outbox.update().where(outbox.c.message_id == message_id).values(
            attempts=failures, last_error=error[:_MAX_ERROR], dead=1 if dead else 0,
            published_at=None, next_attempt_at=clock.utcnow() + policy.delay(failures)))
    return "dead" if dead else "retrying"


def status_of(row: Any) -> str:
    if row.dead:
        return "dead"
    if row.published_at is not None:
        return "published"
    return "retrying" if row.attempts else "pending"


def view(row: Any, *, with_body: bool = False) -> dict[str, Any]:
    """A row as the admin API shows it."""
    def ts(value: Any) -> str | None:
        return None if value is None else clock.as_utc(value).isoformat()

    out: dict[str, Any] = {
        "message_id": row.message_id, "global_serial": row.global_serial,
        "service_code": row.service_code, "source_system": row.source_system,
        "target_system": row.target_system, "trace_id": row.trace_id,
        "schema_version": row.schema_version, "status": status_of(row),
        "attempts": row.attempts, "last_error": row.last_error,
        "created_at": ts(row.created_at), "published_at": ts(row.published_at),
        "next_attempt_at": ts(row.next_attempt_at)}
    if with_body:
        out["body"] = json.loads(row.body)
    return out


def _status_filter(status: str) -> Any:
    return {
        "dead": outbox.c.dead == 1,
        "published": (outbox.c.dead == 0) & outbox.c.published_at.is_not(None),
        "retrying": (outbox.c.dead == 0) & outbox.c.published_at.is_(None)
        & (outbox.c.attempts > 0),
        "pending": (outbox.c.dead == 0) & outbox.c.published_at.is_(None)
        & (outbox.c.attempts == 0),
    }[status]


async def search(conn: AsyncConnection, *, service_code: str | None = None,
                 status: str | None = None, serial: str | None = None,
                 before_id: int | None = None, limit: int = 50) -> tuple[list[Any], int | None]:
    """Newest first; returns (rows, cursor for the next page)."""
    stmt = select(outbox).order_by(outbox.c.id.desc()).limit(limit + 1)
    if service_code:
        stmt = stmt.where(outbox.c.service_code == service_code)
    if status:
        stmt = stmt.where(_status_filter(status))
    if serial:
        stmt = stmt.where(outbox.c.global_serial == serial)
    if before_id is not None:
        stmt = stmt.where(outbox.c.id < before_id)
    rows = (await conn.execute(stmt)).all()
    return list(rows[:limit]), (rows[limit - 1].id if len(rows) > limit else None)


async def get(conn: AsyncConnection, message_id: str) -> Any:
    row = (await conn.execute(select(outbox).where(outbox.c.message_id == message_id))).first()
    if row is None:
        raise MessageNotFound()
    return row


async def retry_dead(conn: AsyncConnection, message_id: str) -> Any:
    """Give a dead letter a fresh set of attempts, due now (the caller's transaction)."""
    row = await get(conn, message_id)
    if not row.dead:
        raise MessageNotDead(details={"status": status_of(row)})
    await conn.execute(outbox.update().where(outbox.c.message_id == message_id).values(
        dead=0, attempts=0, published_at=None, next_attempt_at=clock.utcnow()))
    conn.info[PENDING_KEY] = True
    return await get(conn, message_id)


def watch_commits(db: Database, nudge: Callable[[], None]) -> Callable[[], None]:
    """Call `nudge` after each commit that wrote an outbox row (after the connection is back in
    the pool, so the row is visible); returns a function that stops watching."""
    engine = db.engine.sync_engine

    def on_commit(conn: Any) -> None:
        if conn.info.pop(PENDING_KEY, False):
            conn.info[_COMMITTED_KEY] = True

    def on_rollback(conn: Any) -> None:
        conn.info.pop(PENDING_KEY, None)

    def on_checkin(_dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop(_COMMITTED_KEY, False):
            nudge()

    listeners: list[tuple[Any, str, Callable[..., Any]]] = [
        (engine, "commit", on_commit), (engine, "rollback", on_rollback),
        (engine.pool, "checkin", on_checkin)]
    for target, name, fn in listeners:
        event.listen(target, name, fn)

    def stop() -> None:
        for target, name, fn in listeners:
            if event.contains(target, name, fn):
                event.remove(target, name, fn)

    return stop
