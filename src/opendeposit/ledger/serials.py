"""Drawing transaction-serial numbers, and applying a plan that needs them.

The numbers are generic: PostgreSQL's `transaction_serial_seq` (a SEQUENCE: never handed out
twice, monotonic; a rolled-back movement leaves a gap), on SQLite the `serial_counter` row
moved by the same transaction that writes the movement (the writer lock orders them). What a
serial looks like is decided in Python (`opendeposit.serials`); no rule lives in this SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database
from opendeposit.db.apply import apply, apply_in
from opendeposit.db.driver import driver_connection
from opendeposit.ledger.models import transaction_serial
from opendeposit.serials import SEQUENCE, Channel
from opendeposit.serials import transaction_serial as format_serial
from opendeposit.writeplan import Plan

COUNTER = "transaction_serial"

_PG_DRAW = f"SELECT nextval('{SEQUENCE}') FROM generate_series(1, $1::int)"
_SQLITE_DRAW = text("INSERT INTO serial_counter (name, value) VALUES (:name, :n) "
                    "ON CONFLICT (name) DO UPDATE SET "
                    "value = serial_counter.value + excluded.value RETURNING value")


async def numbers_in(conn: AsyncConnection, n: int) -> list[int]:
    """`n` fresh numbers inside the caller's unit of work (ascending)."""
    if n <= 0:
        return []
    if conn.dialect.name == "sqlite":
        top = (await conn.execute(_SQLITE_DRAW, {"n": n, "name": COUNTER})).scalar_one()
        return list(range(int(top) - n + 1, int(top) + 1))
    rows = await conn.execute(text(
        f"SELECT nextval('{SEQUENCE}') FROM generate_series(1, :n)"), {"n": n})
    return sorted(int(r[0]) for r in rows)


async def serials_in(conn: AsyncConnection, at: datetime, channel: Channel,
                     n: int) -> list[str]:
    """`n` fresh serials for movements made at `at` through `channel`."""
    return [format_serial(at, channel, x) for x in await numbers_in(conn, n)]


async def apply_with_serials(db: Database, *, at: datetime, channel: Channel, n: int,
                             decide: Callable[[list[str]], Plan]
                             ) -> tuple[list[str], dict[str, Any]]:
    """Draw `n` serials and apply the plan `decide(serials)` makes; returns the serials and
    what the plan captured. SQLite: in one transaction
    (the counter row moves with the movement); PostgreSQL: one `nextval` round trip (sequences
    are outside transactions anyway), then the plan in its own (one round trip)."""
    if db.is_sqlite:
        async with db.transaction() as conn:
            serials = await serials_in(conn, at, channel, n)
            return serials, await apply_in(conn, decide(serials))
    async with driver_connection(db) as driver:
        rows = await driver.conn.fetch(_PG_DRAW, n)
    serials = [format_serial(at, channel, x) for x in sorted(int(r[0]) for r in rows)]
    return serials, await apply(db, decide(serials))


async def serial_of_reference(conn: AsyncConnection, reference: str) -> str | None:
    """The serial of the movement with this business reference (a payment order number)."""
    found = (await conn.execute(transaction_serial.select().with_only_columns(
        transaction_serial.c.serial).where(transaction_serial.c.reference == reference)
        .order_by(transaction_serial.c.created_at).limit(1))).scalar()
    return None if found is None else str(found)
