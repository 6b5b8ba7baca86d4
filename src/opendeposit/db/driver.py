"""The asyncpg connection itself, on loan from the engine's pool, for the hot one-round-trip
statements (context reads, the plan applier): on a 2-core machine SQLAlchemy's `Connection`
set-up, execution context and tear-down cost several times the CPU of the statement."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from sqlalchemy.util import greenlet_spawn

from opendeposit.db import Database


class Driver:
    """An asyncpg connection on loan from the engine's pool (see `driver_connection`)."""

    def __init__(self, fairy: Any) -> None:
        self.conn: asyncpg.Connection = fairy.driver_connection
        self._fairy = fairy

    def outbox_written(self) -> None:
        """The statement just committed wrote an outbox row: the embedded relay is nudged when
        the connection goes back to the pool, as after a SQLAlchemy commit (`esb.store`)."""
        from opendeposit.esb.store import note_committed  # late: esb imports the database layer

        note_committed(self._fairy.info)


@asynccontextmanager
async def driver_connection(db: Database) -> AsyncIterator[Driver]:
    """The asyncpg connection checked out of the engine's pool without SQLAlchemy's
    `Connection` around it. asyncpg runs each statement in its own transaction (autocommit)."""
    fairy = await db.engine.raw_connection()
    try:
        yield Driver(fairy)
    except BaseException as exc:
        if not isinstance(exc, asyncpg.PostgresError):  # cancelled, connection lost: state unknown
            await greenlet_spawn(fairy.invalidate, exc)  # (invalidating checks it back in)
            raise
        await greenlet_spawn(fairy.close)
        raise
    await greenlet_spawn(fairy.close)  # an overflow connection is closed: needs the greenlet


class DriverStatement:
    """A Core statement compiled once for asyncpg: its SQL ($n placeholders) and how to order
    the parameters (literals of the statement included), so the hot path skips compilation."""

    def __init__(self, stmt: Any) -> None:
        from sqlalchemy.dialects.postgresql import asyncpg as dialect

        compiled = stmt.compile(dialect=dialect.dialect())
        self.sql: str = compiled.string
        self._names: list[str] = list(compiled.positiontup or ())
        self._literals: dict[str, Any] = dict(compiled.params)

    def args(self, **params: Any) -> list[Any]:
        values = {**self._literals, **params}
        return [values[name] for name in self._names]


class AttrRow(dict[str, Any]):
    """An asyncpg record with attribute access, as services read SQLAlchemy rows."""

    __getattr__ = dict.__getitem__


class HotRead:
    """A Core select read on every request (a token lookup, say): on PostgreSQL compiled once
    and run on the driver connection, elsewhere through SQLAlchemy. Rows read alike."""

    def __init__(self, stmt: Any) -> None:
        self.stmt = stmt
        self._pg: DriverStatement | None = None

    async def first(self, db: Database, **params: Any) -> Any:
        """The first row, or None."""
        if db.dialect != "postgresql":
            async with db.read() as conn:
                return (await conn.execute(self.stmt, params)).first()
        if self._pg is None:
            self._pg = DriverStatement(self.stmt)
        async with driver_connection(db) as driver:
            found = await driver.conn.fetchrow(self._pg.sql, *self._pg.args(**params))
        return None if found is None else AttrRow(found)
