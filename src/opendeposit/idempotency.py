"""Idempotency keys: the same key with the same request returns the first result, always.

`run_once` is the one sequence every idempotent use case follows: a key already seen is
replayed (waiting while the first request is still pending; another body is 409); otherwise the
use case decides and applies its plan with the `Claim` step first, which owns the key in the
same atomic write — a concurrent duplicate that lost the race sees KEY_TAKEN and replays the
winner's stored answer. The answer is stored by `Claim(answer=...)` when one write does it all,
or by a `Complete` step of a later plan (payments: the card network is called in between).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, Column, DateTime, SmallInteger, String, Table, Text, select

from opendeposit.db import Database, metadata
from opendeposit.errors import Conflict, OpenDepositError
from opendeposit.writeplan import KEY_TAKEN, Answer, Claim, Complete, PlanAbandoned, rendered

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


@dataclass(frozen=True)
class Request:
    """An idempotent request: its owner, key, operation and the hash of what it asks."""

    owner: int
    key: str
    operation: str
    hash: str

    @classmethod
    def of(cls, *, owner: int, key: str, operation: str, **fields: object) -> Request:
        """Checks the key (422 if malformed) and hashes the operation with its fields."""
        check_key(key)
        return cls(owner, key, operation, request_hash(operation, **fields))

    def claim(self, answer: Answer | None = None) -> Claim:
        return Claim(self.owner, self.key, self.operation, self.hash, answer)

    def complete(self, answer: Answer) -> Complete:
        return Complete(self.owner, self.key, answer)


UNKNOWN = "unknown"  # `seen` when the use case did not read the key's state with its context


async def run_once(db: Database, request: Request, *, seen: str | None,
                   work: Callable[[Request], Awaitable[Answer]]) -> Answer:
    """claim → (decide → apply) → complete, or replay / wait / 409.

    `seen` is the key's state as the use case's context read found it (None: unused;
    UNKNOWN: look it up first). `work` decides and applies, with `request.claim()` as the first
    step of its first plan; when that claim finds the key taken, the stored answer is replayed.
    """
    if seen == UNKNOWN:
        prior = await stored_result(db, customer_id=request.owner, key=request.key,
                                    req_hash=request.hash)
        if prior is not None:
            return Answer(prior.status_code, prior.body)
    elif seen is not None:
        return await _replay(db, request)
    try:
        return await work(request)
    except PlanAbandoned as exc:
        if exc.reason != KEY_TAKEN:
            raise
    return await _replay(db, request)


async def _replay(db: Database, request: Request) -> Answer:
    prior = await stored_result(db, customer_id=request.owner, key=request.key,
                                req_hash=request.hash)
    if prior is None:  # pragma: no cover - a key is never deleted
        raise IdempotencyInProgress()
    return Answer(prior.status_code, prior.body)


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
        if row.state == "done":  # amounts kept as fen in the stored answer are rendered here
            answer = rendered(Answer(int(row.status_code), json.loads(row.response)))
            return StoredResult(answer.status_code, dict(answer.body))
        if time.monotonic() > deadline:
            raise IdempotencyInProgress()
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)
