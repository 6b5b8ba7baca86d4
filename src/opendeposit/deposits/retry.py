"""Run a unit of work again when PostgreSQL aborted it for a deadlock or serialization failure."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database

T = TypeVar("T")
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
ATTEMPTS = 5


def is_retryable(exc: BaseException) -> bool:
    """A deadlock or serialization abort, raised through SQLAlchemy or by asyncpg itself."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state in RETRYABLE_SQLSTATES


async def in_transaction(db: Database, work: Callable[[AsyncConnection], Awaitable[T]], *,
                         attempts: int = ATTEMPTS) -> T:
    """`work(conn)` inside one transaction, retried from scratch after a deadlock abort."""
    for attempt in range(1, attempts + 1):
        try:
            async with db.transaction() as conn:
                return await work(conn)
        except DBAPIError as exc:
            if attempt == attempts or not is_retryable(exc):
                raise
            await asyncio.sleep(random.uniform(0.005, 0.02) * attempt)
    raise AssertionError("unreachable")
