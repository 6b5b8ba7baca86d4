"""Prometheus metrics (api.md, Operations), safe across worker processes.

Counters and histograms live in the process that observes them; with several processes
(`serve api --workers N`, `serve all`) every process writes to PROMETHEUS_MULTIPROC_DIR and
`/metrics` adds them up. Figures the database already knows exactly (outbox backlog, dead
letters, accounts, deposits, the last EOD) are read from it at scrape time, so they are right
whichever process did the work and survive restarts.
"""

from __future__ import annotations

import functools
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_LAG_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)


@dataclass(frozen=True)
class ProcessMetrics:
    http_requests: Any
    http_duration: Any
    receipt_lag: Any
    rate_limited: Any


@functools.cache
def process_metrics() -> ProcessMetrics:
    """Created on first use, after the CLI chose the multiprocess directory (if any)."""
    from prometheus_client import Counter, Histogram, values

    if os.environ.get(MULTIPROC_ENV):  # files named by host and pid: containers may share pids
        values.ValueClass = values.MultiProcessValue(_process_id)  # type: ignore[misc]

    return ProcessMetrics(
        http_requests=Counter("opendeposit_http_requests", "HTTP requests answered",
                              ("method", "route", "status")),
        http_duration=Histogram("opendeposit_http_request_duration_seconds",
                                "Time to answer an HTTP request", ("method", "route"),
                                buckets=_DURATION_BUCKETS),
        receipt_lag=Histogram("opendeposit_receipt_lag_seconds",
                              "From the booking's outbox row to its signed e-receipt",
                              buckets=_LAG_BUCKETS),
        rate_limited=Counter("opendeposit_rate_limited", "Requests refused by a rate limit",
                             ("limit",)),
    )


def _process_id() -> str:
    return f"{socket.gethostname().replace('_', '-')}-{os.getpid()}"


def prepare_multiprocess_dir(directory: str) -> None:
    """Called by the parent before it starts workers: a clean directory shared by all of them."""
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.unlink(os.path.join(directory, name))
    os.environ[MULTIPROC_ENV] = directory


def _registry() -> Any:
    from prometheus_client import REGISTRY, CollectorRegistry
    from prometheus_client.multiprocess import MultiProcessCollector

    if not os.environ.get(MULTIPROC_ENV):
        return REGISTRY
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return registry


class _Families:
    def __init__(self, families: list[Any]) -> None:
        self._families = families

    def collect(self) -> list[Any]:
        return self._families


_db_cache: tuple[float, list[Any]] | None = None


async def render(db: Any, *, cache_seconds: float = 5.0) -> tuple[bytes, str]:
    """The exposition text: this machine's processes plus the database-derived figures."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    global _db_cache
    process_metrics()  # the families exist (with no samples) even before the first request
    if _db_cache is None or _db_cache[0] < time.monotonic():
        _db_cache = (time.monotonic() + cache_seconds, await database_families(db))
    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(_Families(_db_cache[1]))  # type: ignore[arg-type]
    return generate_latest(_registry()) + generate_latest(db_registry), CONTENT_TYPE_LATEST


async def database_families(db: Any) -> list[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    from opendeposit.accounts.models import account
    from opendeposit.clock import eod_run
    from opendeposit.deposits.models import holding
    from opendeposit.esb.outbox import outbox

    async with db.read() as conn:
        backlog = (await conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.published_at.is_(None), outbox.c.dead == 0))).scalar_one()
        dead = (await conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.dead == 1))).scalar_one()
        accounts = (await conn.execute(select(func.count()).select_from(account))).scalar_one()
        deposits = (await conn.execute(select(func.count()).select_from(holding))).scalar_one()
        last_eod = (await conn.execute(select(eod_run.c.started_at, eod_run.c.finished_at).where(
            eod_run.c.status == "done").order_by(eod_run.c.business_date.desc()).limit(1)
        )).first()
    eod_seconds = 0.0
    if last_eod is not None and last_eod.finished_at is not None:
        eod_seconds = (last_eod.finished_at - last_eod.started_at).total_seconds()
    return [
        GaugeMetricFamily("opendeposit_outbox_backlog", "Bus messages not yet delivered",
                          value=backlog),
        GaugeMetricFamily("opendeposit_dead_letters", "Bus messages parked as dead letters",
                          value=dead),
        CounterMetricFamily("opendeposit_accounts_opened", "Class II accounts opened",
                            value=accounts),
        CounterMetricFamily("opendeposit_deposits", "Deposits bought (holdings)",
                            value=deposits),
        GaugeMetricFamily("opendeposit_eod_duration_seconds",
                          "Duration of the last completed end-of-day run", value=eod_seconds),
    ]
