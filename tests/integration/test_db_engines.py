"""The unit of work on SQLite: a read in progress does not hold the write lock."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from opendeposit.db import Database


async def test_a_sqlite_read_does_not_take_the_write_lock(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'locks.sqlite3'}")
    try:
        async with db.transaction() as conn:
            await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
            await conn.execute(text("INSERT INTO t (v) VALUES (1)"))
        async with db.read() as reader:
            assert (await reader.execute(text("SELECT sum(v) FROM t"))).scalar() == 1
            # the reader's transaction is still open: a write must not wait for it (with
            # BEGIN IMMEDIATE on reads it waited busy_timeout, then failed "database is locked")
            async def write() -> None:
                async with db.transaction() as conn:
                    await conn.execute(text("INSERT INTO t (v) VALUES (2)"))

            await asyncio.wait_for(write(), timeout=5)
            # and the reader still sees its snapshot
            assert (await reader.execute(text("SELECT sum(v) FROM t"))).scalar() == 1
        async with db.read() as reader:
            assert (await reader.execute(text("SELECT sum(v) FROM t"))).scalar() == 3
    finally:
        await db.dispose()
