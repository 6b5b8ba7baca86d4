"""Database access: async engines for SQLite and PostgreSQL, one metadata, the unit of work.

The same SQLAlchemy Core statements run on both engines. SQLite serialises writers; a unit of
work takes the write lock up front (BEGIN IMMEDIATE) and there is one writer per process (an
asyncio lock), so a transaction never fails half-way on a lock upgrade. Reads begin deferred
(plain BEGIN): in WAL mode they read a snapshot and neither wait for the writer nor hold it up.
PostgreSQL: a fixed pool per process (`db_pool_size`, no overflow by default; see docs.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import BigInteger, Integer, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
_READ = "opendeposit_read"  # execution option of read connections: SQLite begins them deferred


class Database:
    """Owns the engine; hands out transactions (units of work) and read connections."""

    def __init__(self, url: str, *, pool_size: int = 8, max_overflow: int | None = None,
                 echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo}
        if not self.is_sqlite:
            overflow = pool_size if max_overflow is None else max_overflow
            kwargs.update(pool_size=pool_size, max_overflow=overflow, pool_pre_ping=False)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._writer = asyncio.Lock() if self.is_sqlite else None
        if self.is_sqlite:
            _configure_sqlite(self.engine)
            self._reader = self.engine.execution_options(**{_READ: True})
        else:  # reads need no BEGIN/ROLLBACK round trips: each statement sees committed data
            self._reader = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """One unit of work: everything inside commits together or not at all."""
        if self._writer is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._writer, self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads (autocommit); SQLite reads do not take the writer lock (WAL)."""
        async with self._reader.connect() as conn:
            yield conn

    def insert(self, table: Any) -> Any:
        """A dialect-specific INSERT that supports on_conflict_do_nothing/do_update."""
        mod = sqlite if self.is_sqlite else postgresql
        return mod.insert(table)

    async def dispose(self) -> None:
        await self.engine.dispose()


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=FULL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA busy_timeout=10000",
        ):
            cur.execute(pragma)
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        read = conn.get_execution_options().get(_READ, False)
        conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def is_unique_violation(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


def constraint_name_in(exc: IntegrityError, name: str) -> bool:
    return name.lower() in str(exc.orig).lower()


# Surrogate keys: BIGINT on PostgreSQL, INTEGER (the rowid alias that autoincrements) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")
