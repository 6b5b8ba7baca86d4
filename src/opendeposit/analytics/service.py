"""Analytics use cases: a bounded in-memory buffer flushed in batches, the funnel and KPIs.

Intake must survive bursts and never slow a page: requests only put events in a bounded queue
(when it is full, events are dropped and counted, never waited for) and a background task
writes them in multi-row inserts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from opendeposit.analytics.domain import FUNNEL, Event, clean_event, strict_funnel
from opendeposit.analytics.models import analytics_event
from opendeposit.db import Database

log = logging.getLogger("opendeposit.analytics")
MAX_BATCH = 50


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


def _range(date_from: date | None, date_to: date | None) -> tuple[datetime, datetime]:
    start = datetime.combine(date_from or date(2000, 1, 1), datetime.min.time(), UTC)
    end = datetime.combine((date_to or date(2999, 12, 31)) + timedelta(days=1),
                           datetime.min.time(), UTC)
    return start, end


async def funnel(db: Database, *, date_from: date | None, date_to: date | None) \
        -> list[dict[str, Any]]:
    start, end = _range(date_from, date_to)
    names = [step for step, _, _ in FUNNEL]
    async with db.read() as conn:
        rows = (await conn.execute(
            select(analytics_event.c.device_id, analytics_event.c.name).distinct()
            .where(analytics_event.c.name.in_(names), analytics_event.c.received_at >= start,
                   analytics_event.c.received_at < end))).all()
    by_device: dict[str, list[str]] = defaultdict(list)
    for device, name in rows:
        by_device[device].append(name)
    counts = strict_funnel(by_device)
    first = counts[0] or 1
    return [{"step": step, "label": en, "label_zh": zh, "devices": n,
             "conversion_from_start": round(n * 100 / first, 1) if counts[0] else 0.0}
            for (step, en, zh), n in zip(FUNNEL, counts, strict=True)]


async def event_counts(db: Database, *, date_from: date | None, date_to: date | None,
                       names: list[str]) -> dict[str, tuple[int, int]]:
    """(events, distinct devices) per name in the range."""
    start, end = _range(date_from, date_to)
    async with db.read() as conn:
        rows = (await conn.execute(
            select(analytics_event.c.name, func.count(),
                   func.count(analytics_event.c.device_id.distinct()))
            .where(analytics_event.c.name.in_(names), analytics_event.c.received_at >= start,
                   analytics_event.c.received_at < end)
            .group_by(analytics_event.c.name))).all()
    found = {name: (int(n), int(d)) for name, n, d in rows}
    return {name: found.get(name, (0, 0)) for name in names}
