"""Analytics use cases: a bounded in-memory buffer flushed in batches, the funnel and KPIs.

Intake must survive bursts and never slow a page: requests only put events in a bounded queue
(when it is full, events are dropped and counted, never waited for) and a background task
writes them in multi-row inserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from opendeposit.analytics.domain import FUNNEL, Event, FunnelStep, clean_event, funnel_report
from opendeposit.analytics.models import analytics_event
from opendeposit.clock import BEIJING
from opendeposit.db import Database

log = logging.getLogger("opendeposit.analytics")
MAX_BATCH = 50
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 30)


@dataclass(frozen=True)
class Intake:
    accepted: int
    dropped: int


class EventSink:
    """Bounded queue + batch writer. `start()` runs the writer; `flush()` drains it now."""

    def __init__(self, db: Database, *, capacity: int = 20_000, batch: int = 500,
                 interval: float = 0.5) -> None:
        self._db = db
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=capacity)
        self._batch, self._interval = batch, interval
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0

    def offer(self, *, device_id: str, customer_id: int | None, events: list[Any]) -> Intake:
        now = datetime.now(UTC)
        accepted = dropped = 0
        for raw in events[:MAX_BATCH]:
            ev = clean_event(*(raw.get(k) if isinstance(raw, dict) else None
                               for k in ("name", "ts", "props")), now=now)
            if ev is None:
                dropped += 1
                continue
            try:
                self._queue.put_nowait(_row(ev, device_id, customer_id, now))
                accepted += 1
            except asyncio.QueueFull:
                dropped += 1
        dropped += max(0, len(events) - MAX_BATCH)
        self.dropped += dropped
        return Intake(accepted, dropped)

    async def flush(self) -> int:
        written = 0
        while not self._queue.empty():
            rows = [self._queue.get_nowait()
                    for _ in range(min(self._batch, self._queue.qsize()))]
            async with self._db.transaction() as conn:
                await conn.execute(analytics_event.insert(), rows)
            written += len(rows)
        return written

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="analytics-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:  # analytics never takes the platform down; retry next tick
                log.exception("analytics flush failed")


def _row(ev: Event, device_id: str, customer_id: int | None, now: datetime) -> dict[str, Any]:
    return {"name": ev.name, "occurred_at": ev.occurred_at, "received_at": now,
            "device_id": device_id, "customer_id": customer_id, "path": ev.path,
            "props": ev.props}


def beijing_range(date_from: date | None, date_to: date | None) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Beijing calendar days from..to (open ends: all time; dates
    beyond what any record can carry are clamped, so no date overflows)."""
    first = max(date_from or EARLIEST, EARLIEST)
    last = min(date_to or LATEST, LATEST)
    start = datetime.combine(first, datetime.min.time(), BEIJING)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), BEIJING)
    return start.astimezone(UTC), end.astimezone(UTC)


def step_condition(step: FunnelStep) -> Any:
    cond = analytics_event.c.name == step.event
    like = step.props_like()
    return cond if like is None else and_(cond, analytics_event.c.props.like(like))


async def funnel_counts(db: Database, *, start: datetime, end: datetime) -> list[int]:
    """Devices at each strict funnel step, counted by the database in one query: one row of
    step flags per device, then running products of the flags summed."""
    ev = analytics_event.c
    flags = [func.max(case((step_condition(step), 1), else_=0)).label(f"s{i}")
             for i, step in enumerate(FUNNEL)]
    per_device = (select(*flags)
                  .where(ev.name.in_({s.event for s in FUNNEL}), ev.received_at >= start,
                         ev.received_at < end)
                  .group_by(ev.device_id).subquery())
    reached: list[Any] = []
    for i in range(len(FUNNEL)):
        flag = per_device.c[f"s{i}"]
        reached.append(flag if not reached else reached[-1] * flag)
    async with db.read() as conn:
        row = (await conn.execute(select(*[func.coalesce(func.sum(r), 0) for r in reached])
                                  )).one()
    return [int(n) for n in row]


async def funnel(db: Database, *, date_from: date | None, date_to: date | None) \
        -> list[dict[str, Any]]:
    start, end = beijing_range(date_from, date_to)
    return funnel_report(await funnel_counts(db, start=start, end=end))


async def event_counts(db: Database, *, date_from: date | None, date_to: date | None,
                       names: list[str]) -> dict[str, tuple[int, int]]:
    """(events, distinct devices) per name in the range."""
    start, end = beijing_range(date_from, date_to)
    async with db.read() as conn:
        rows = (await conn.execute(
            select(analytics_event.c.name, func.count(),
                   func.count(analytics_event.c.device_id.distinct()))
            .where(analytics_event.c.name.in_(names), analytics_event.c.received_at >= start,
                   analytics_event.c.received_at < end)
            .group_by(analytics_event.c.name))).all()
    found = {name: (int(n), int(d)) for name, n, d in rows}
    return {name: found.get(name, (0, 0)) for name in names}
