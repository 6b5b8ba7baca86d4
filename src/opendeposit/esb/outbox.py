"""The transactional outbox: a message is written in the same transaction as the business change
that causes it, so it exists exactly when that change committed. A relay publishes it later."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import BigId, metadata
from opendeposit.observability.context import current_trace_id

SOURCE_SYSTEM = "DEPOSIT"  # this platform's system code on the bus
PENDING_KEY = "esb_outbox_pending"  # set on the connection: the relay is nudged after commit

outbox = Table(
    "esb_outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("message_id", String(36), nullable=False, unique=True),
    Column("global_serial", String(32), nullable=False, unique=True),
    Column("service_code", String(64), nullable=False),  # e.g. ESIGN.RECEIPT.ISSUE
    Column("source_system", String(16), nullable=False),
    Column("target_system", String(16), nullable=False),
    Column("trace_id", String(64), nullable=False),  # the request id (X-Request-ID)
    Column("schema_version", Integer, nullable=False),
    Column("body", Text, nullable=False),  # JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=True),
    Column("last_error", Text, nullable=True),
    Column("dead", Integer, nullable=False, default=0),  # parked in the dead-letter store
    Index("ix_esb_outbox_pending", "published_at", "dead", "id"),
)


def global_serial(now: datetime) -> str:
    """全局流水号: system code, timestamp to the millisecond, random tail (32 chars)."""
    return f"{SOURCE_SYSTEM}{now:%Y%m%d%H%M%S}{now.microsecond // 1000:03d}" \
           f"{secrets.token_hex(6).upper()}"[:32]


async def enqueue(conn: AsyncConnection, *, service_code: str, target_system: str,
                  body: dict[str, Any], trace_id: str | None = None,
                  schema_version: int = 1) -> str:
    """Write one message in the caller's transaction; returns its message id. `trace_id`
    defaults to the request being handled (X-Request-ID), so the receipt names its request."""
    now = datetime.now(UTC)
    message_id = str(uuid.uuid4())
    await conn.execute(outbox.insert().values(
        message_id=message_id, global_serial=global_serial(now), service_code=service_code,
        source_system=SOURCE_SYSTEM, target_system=target_system,
        trace_id=trace_id or current_trace_id() or uuid.uuid4().hex, schema_version=schema_version,
        body=json.dumps(body, ensure_ascii=False, sort_keys=True), created_at=now, attempts=0,
        dead=0))
    conn.info[PENDING_KEY] = True
    return message_id
