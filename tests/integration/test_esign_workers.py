"""Several signers on one RabbitMQ queue: exactly one receipt per booking, numbers without gaps,
whatever worker gets which delivery and however often a message is delivered. In process (two
consumers, both engines) and as `opendeposit serve esign --workers 2` (PostgreSQL)."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from opendeposit.esb.amqp import AmqpConsumer, Topology
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.registry import RECEIPT_ISSUE, default_registry
from opendeposit.esign.service import Esign
from opendeposit.esign.store import FileReceiptStore
from tests.helpers import open_customer
from tests.integration.esb_support import (
    outbox_rows,
    receipts,
    shared_pki,  # noqa: F401  (fixture)
    wait_for,
)
from tests.integration.test_esb_rabbitmq import (  # noqa: F401  (prefix is a fixture)
    BROKER,
    amqp_platform,
    prefix,
    top_ups,
)

pytestmark = pytest.mark.rabbitmq


def _check_one_per_booking(rows: list, n: int) -> None:  # type: ignore[type-arg]
    assert len(rows) == n and {r.status for r in rows} == {"issued"}
    assert len({(r.reference, r.kind) for r in rows}) == n
    assert sorted(int(r.receipt_no[-8:]) for r in rows) == list(range(1, n + 1))


async def _publish_everything_twice(p) -> None:  # type: ignore[no-untyped-def]
    assert await p.bus.relay.drain() > 0
    for row in await outbox_rows(p):  # the broker redelivers, a producer retries: again
        await p.bus.transport.publish(Envelope.from_row(row))


async def _issued(p, n: int) -> bool:  # type: ignore[no-untyped-def]
    rows = await receipts(p)
    return len(rows) == n and all(r.status == "issued" for r in rows)


async def test_two_signers_share_the_queue(platform, shared_pki, prefix) -> None:  # noqa: F811
    p = amqp_platform(platform, shared_pki, prefix)
    second = Esign(p.settings, p.db)
    registry = default_registry()
    registry.consume(RECEIPT_ISSUE, second.consume)
    signed: dict[str, int] = {"first": 0, "second": 0}
    for name, es in (("first", p.esign), ("second", second)):
        real = es.produce

        async def counting(data, real=real, name=name):  # type: ignore[no-untyped-def]
            signed[name] += 1
            return await real(data)

        es.produce = counting  # type: ignore[method-assign]
    consumers = [p.bus.amqp_consumer(),
                 AmqpConsumer(p.settings.esb_amqp_url, registry, feedback=p.bus.consumer_failed,
                              topology=Topology(prefix))]
    for consumer in consumers:
        await consumer.start()
    try:
        c = await open_customer(p)
        await top_ups(p, c, range(8))
        await _publish_everything_twice(p)
        await wait_for(lambda: _issued(p, 8), timeout=60, what="8 receipts from 2 signers")
        await asyncio.sleep(0.5)  # let any late duplicate land
        _check_one_per_booking(await receipts(p), 8)
        assert signed["first"] and signed["second"], signed  # both took deliveries
    finally:
        for consumer in consumers:
            await consumer.close()
        await p.bus.close()
        p.esign.close()
        second.close()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


@pytest.mark.postgres
@pytest.mark.slow
async def test_serve_esign_with_two_worker_processes(pg_platform, shared_pki, prefix,  # noqa: F811
                                                     tmp_path: Path) -> None:
    p = amqp_platform(pg_platform, shared_pki, prefix)
    shared_dir = tmp_path / "shared-receipts"  # what an NFS mount is to several machines
    env = {**os.environ, "DATABASE_URL": p.settings.database_url, "OPENDEPOSIT_ENV": "sandbox",
           "OPENDEPOSIT_DATA_DIR": str(tmp_path / "worker"),
           "OPENDEPOSIT_ESIGN_PKI_DIR": str(shared_pki),
           "OPENDEPOSIT_ESIGN_STORE_DIR": str(shared_dir),
           "OPENDEPOSIT_ESB_TRANSPORT": "amqp", "OPENDEPOSIT_ESB_AMQP_PREFIX": prefix,
           "OPENDEPOSIT_ESB_AMQP_URL": BROKER}
    proc = subprocess.Popen([sys.executable, "-m", "opendeposit.cli", "serve", "esign",
                             "--workers", "2"], env=env, stdout=subprocess.DEVNULL)
    try:
        async def two_workers() -> bool:
            return len(_children(proc.pid)) == 2

        await wait_for(two_workers, timeout=20, what="two worker processes")
        c = await open_customer(p)
        await top_ups(p, c, range(8))
        await _publish_everything_twice(p)
        await wait_for(lambda: _issued(p, 8), timeout=120, what="receipts from the workers")
        await asyncio.sleep(0.5)
        rows = await receipts(p)
        _check_one_per_booking(rows, 8)
        store = FileReceiptStore(shared_dir)
        for row in rows:
            assert hashlib.sha256(await store.get(row.pdf_path)).hexdigest() == row.sha256
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        await p.bus.close()
        p.esign.close()
    assert proc.returncode == 0
