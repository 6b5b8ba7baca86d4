"""The consumer inbox: one row per (consumer, message id), written in the consumer's own
transaction, so a message delivered twice has its effect once."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, String, Table, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.db import Database, metadata

inbox = Table(
    "esb_inbox",
    metadata,
    Column("consumer", String(32), primary_key=True),
    Column("message_id", String(36), primary_key=True),
    Column("service_code", String(64), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)


async def seen(conn: AsyncConnection, *, consumer: str, message_id: str) -> bool:
    """True when `consumer` already committed its work for this message."""
    row = (await conn.execute(select(inbox.c.message_id).where(
        inbox.c.consumer == consumer, inbox.c.message_id == message_id))).first()
    return row is not None


async def record(conn: AsyncConnection, db: Database, *, consumer: str, message_id: str,
                 service_code: str) -> bool:
    """Mark the message processed in the caller's transaction; False if it already was."""
    result = await conn.execute(db.insert(inbox).values(
        consumer=consumer, message_id=message_id, service_code=service_code,
        processed_at=clock.utcnow()).on_conflict_do_nothing())
    return bool(result.rowcount)


async def processed_at(conn: AsyncConnection, message_id: str) -> list[dict[str, object]]:
    """Who processed a message and when (for the admin view)."""
    rows = (await conn.execute(select(inbox.c.consumer, inbox.c.processed_at).where(
        inbox.c.message_id == message_id))).all()
    return [{"consumer": r.consumer, "processed_at": clock.as_utc(r.processed_at).isoformat()}
            for r in rows]


async def record_many(conn: AsyncConnection, db: Database, *, consumer: str,
                      messages: list[tuple[str, str]]) -> None:
    """`record` for several (message_id, service_code) in one statement (batched consumers)."""
    if messages:
        now = clock.utcnow()
        await conn.execute(db.insert(inbox).on_conflict_do_nothing(), [
            {"consumer": consumer, "message_id": message_id, "service_code": code,
             "processed_at": now} for message_id, code in messages])
