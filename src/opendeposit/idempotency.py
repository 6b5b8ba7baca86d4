"""Idempotency keys: the same key with the same request returns the first result, always.

A request claims its key inside its business transaction. A concurrent duplicate blocks on the
key (PostgreSQL unique index, SQLite writer lock) and then waits for the first request's stored
answer; a key reused with a different request is a conflict (409).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, SmallInteger, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database, metadata
from opendeposit.errors import Conflict, OpenDepositError

idempotency_record = Table(
    "idempotency_record",
    metadata,
    Column("customer_id", BigInteger, primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("operation", String(32), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("state", String(8), nullable=False),  # pending | done
    Column("status_code", SmallInteger, nullable=True),
    Column("response", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("completed_at", DateTime(timezone=True), nullable=True),
)


class IdempotencyKeyReused(Conflict):
    code = "IDEMPOTENCY_KEY_REUSED"
    message_en = "This idempotency key was already used for a different request."
    message_zh = "该幂等键已用于另一笔不同的请求。"


class IdempotencyInProgress(Conflict):
    code = "IDEMPOTENCY_IN_PROGRESS"
    message_en = "The first request with this key is still being processed; try again shortly."
    message_zh = "相同请求正在处理中，请稍后查询结果。"


class InvalidIdempotencyKey(OpenDepositError):
    code = "INVALID_IDEMPOTENCY_KEY"
    http_status = 422
    message_en = "idempotency_key must be 1-64 printable ASCII characters."
    message_zh = "幂等键须为1至64位可打印ASCII字符。"


@dataclass(frozen=True)
class StoredResult:
    status_code: int
    body: dict[str, Any]


def request_hash(operation: str, **fields: object) -> str:
    doc = json.dumps({"op": operation, **fields}, sort_keys=True, default=str)
    return hashlib.sha256(doc.encode()).hexdigest()


def check_key(key: str) -> None:
    if not (1 <= len(key) <= 64) or not key.isascii() or not key.isprintable():
        raise InvalidIdempotencyKey()


async def claim(conn: AsyncConnection, db: Database, *, customer_id: int, key: str,
                operation: str, req_hash: str) -> bool:
    """Try to own the key in this transaction; False when another request already holds it."""
    result = await conn.execute(
        db.insert(idempotency_record).values(
            customer_id=customer_id, key=key, operation=operation, request_hash=req_hash,
            state="pending", created_at=datetime.now(UTC),
        ).on_conflict_do_nothing().returning(idempotency_record.c.key)
    )
    return result.first() is not None


async def complete(conn: AsyncConnection, *, customer_id: int, key: str, status_code: int,
                   body: dict[str, Any]) -> None:
    await conn.execute(
        idempotency_record.update()
        .where(idempotency_record.c.customer_id == customer_id, idempotency_record.c.key == key)
        .values(state="done", status_code=status_code, response=json.dumps(body),
                completed_at=datetime.now(UTC))
    )


async def stored_result(db: Database, *, customer_id: int, key: str, req_hash: str,
                        wait_seconds: float = 15.0) -> StoredResult | None:
    """The first result for this key, waiting while it is pending; None if the key is unused."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.005
    while True:
        async with db.read() as conn:
            row = (await conn.execute(
                select(idempotency_record).where(
                    idempotency_record.c.customer_id == customer_id,
                    idempotency_record.c.key == key)
            )).first()
        if row is None:
            return None
        if row.request_hash != req_hash:
            raise IdempotencyKeyReused()
        if row.state == "done":
            return StoredResult(int(row.status_code), json.loads(row.response))
        if time.monotonic() > deadline:
            raise IdempotencyInProgress()
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)
