"""The business date (营业日) kept in the database, and the wall clock, both injectable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import Column, Date, DateTime, SmallInteger, String, Table, Text, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit.db import Database, metadata

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")

business_day = Table(
    "business_day",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("current_date", Date, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

eod_run = Table(
    "eod_run",
    metadata,
    Column("business_date", Date, primary_key=True),
    Column("status", String(16), nullable=False),  # running | done | failed
    Column("step", String(32), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("report", Text, nullable=True),
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(ts: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone columns; everything is stored in UTC."""
    return ts if ts.tzinfo else ts.replace(tzinfo=UTC)


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


async def current_business_date(conn: AsyncConnection) -> date:
    row = (await conn.execute(select(business_day.c.current_date).where(
        business_day.c.id == 1))).first()
    if row is None:
        raise RuntimeError("business date not initialised: run `opendeposit migrate`")
    return row[0]  # type: ignore[no-any-return]


async def init_business_date(conn: AsyncConnection, db: Database, start: date) -> None:
    await conn.execute(db.insert(business_day).values(id=1, current_date=start,
                                                      updated_at=utcnow())
                       .on_conflict_do_nothing())


async def set_business_date(conn: AsyncConnection, new_date: date) -> None:
    await conn.execute(business_day.update().where(business_day.c.id == 1)
                       .values(current_date=new_date, updated_at=utcnow()))
