"""Bus and receipt test plumbing: fast retry settings, a shared demo PKI, waiting helpers,
transports that fail on purpose."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from opendeposit.esb.bus import build_bus
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.outbox import outbox
from opendeposit.esb.registry import RECEIPT_ISSUE
from opendeposit.esign.models import receipt
from opendeposit.esign.pki import init_demo_pki
from opendeposit.esign.service import Esign
from opendeposit.platform import Platform

FAST = {"esb_retry_base_ms": 10, "esb_retry_max_ms": 40, "esb_poll_ms": 20,
        "esb_max_attempts": 4, "esb_lease_seconds": 60}


@pytest.fixture(scope="session")
def shared_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One demo PKI for the session: generating RSA keys per test would dominate the run."""
    directory = tmp_path_factory.mktemp("pki")
    init_demo_pki(directory, bank_name="开源商业银行")
    return directory


def rewire(p: Platform, pki: Path, **overrides: Any) -> Platform:
    """Give the platform a bus and a signature platform with test settings (fast retries)."""
    settings = p.settings.model_copy(update={**FAST, "esign_pki_dir": pki, **overrides})
    if p.esign is not None:
        p.esign.close()
    p.esign = Esign(settings, p.db)
    p.bus = build_bus(settings, p.db)
    p.bus.registry.consume(RECEIPT_ISSUE, p.esign.consume)
    return p


async def wait_for(check: Callable[[], Awaitable[bool]], *, timeout: float = 30.0,
                   what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.02)


async def count(p: Platform, table: Any, *where: Any) -> int:
    async with p.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table).where(*where)))
                   .scalar() or 0)


async def receipts(p: Platform) -> list[Any]:
    async with p.db.read() as conn:
        return list((await conn.execute(select(receipt).order_by(receipt.c.id))).all())


async def outbox_rows(p: Platform) -> list[Any]:
    async with p.db.read() as conn:
        return list((await conn.execute(select(outbox).order_by(outbox.c.id))).all())


async def all_published(p: Platform) -> bool:
    rows = await outbox_rows(p)
    return bool(rows) and all(r.published_at is not None for r in rows)


class FlakyTransport:
    """Wraps a transport; raises while `down` is set, counts what it passed on."""

    name = "flaky"

    def __init__(self, inner: Any) -> None:
        self.inner, self.down, self.delivered, self.refused = inner, False, 0, 0

    async def start(self) -> None:
        await self.inner.start()

    async def publish(self, envelope: Envelope) -> None:
        if self.down:
            self.refused += 1
            raise ConnectionError("transport down (test)")
        await self.inner.publish(envelope)
        self.delivered += 1

    async def close(self) -> None:
        await self.inner.close()


def use_transport(p: Platform, transport: Any) -> None:
    p.bus.transport = transport
    p.bus.relay.transport = transport
