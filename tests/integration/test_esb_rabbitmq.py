"""Receipts through a real RabbitMQ broker: end to end, a consumer failure handed back to the
outbox, an unreadable message in the broker's dead letters, and the broker connection cut
mid-run (through a TCP proxy) and restored. Skipped with the reason when no broker answers."""

from __future__ import annotations

import asyncio
import contextlib
import os
import urllib.parse
import uuid
from collections.abc import AsyncIterator

import pytest

from opendeposit.esb.envelope import Envelope
from opendeposit.esb.store import RetryPolicy
from opendeposit.payments import service as payments
from tests.helpers import PIN, open_customer, payment_ports
from tests.integration.esb_support import (
    all_published,
    outbox_rows,
    receipts,
    rewire,
    shared_pki,  # noqa: F401  (fixture)
    wait_for,
)

aio_pika = pytest.importorskip("aio_pika", reason="aio-pika is not installed")
pytestmark = pytest.mark.rabbitmq
BROKER = os.environ.get("OPENDEPOSIT_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
_FAST_RECONNECT = "?reconnect_interval=0.3"


async def _broker_reason() -> str | None:
    try:
        connection = await aio_pika.connect(BROKER, timeout=3)
        await connection.close()
        return None
    except Exception as exc:
        return f"RabbitMQ not reachable at {BROKER}: {type(exc).__name__}: {exc}"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    """A private topology per test, deleted afterwards."""
    reason = await _broker_reason()
    if reason:
        pytest.skip(reason)
    name = f"od-test-{uuid.uuid4().hex[:8]}"
    yield name
    connection = await aio_pika.connect(BROKER, timeout=5)
    channel = await connection.channel()
    for queue in (f"{name}.ESIGN.RECEIPT.ISSUE", f"{name}.dead"):
        with contextlib.suppress(Exception):
            await channel.queue_delete(queue)
    for exchange in (name, f"{name}.dlx"):
        with contextlib.suppress(Exception):
            await channel.exchange_delete(exchange)
    await connection.close()


def amqp_platform(p, pki, prefix: str, url: str = BROKER):  # type: ignore[no-untyped-def]
    return rewire(p, pki, esb_transport="amqp", esb_amqp_prefix=prefix,
                  esb_amqp_url=url + _FAST_RECONNECT, esb_max_attempts=1000)


async def top_ups(p, c, keys: range) -> None:  # type: ignore[no-untyped-def]
    for i in keys:
        await payments.top_up(**payment_ports(p),
                              customer_id=c.customer_id, amount=1_000 + i, pin=PIN,
                              idempotency_key=f"k{i}")


async def _issued(p, n: int) -> bool:  # type: ignore[no-untyped-def]
    rows = await receipts(p)
    return len(rows) == n and all(r.status == "issued" for r in rows)


async def test_receipt_end_to_end_through_the_broker(platform, shared_pki, prefix) -> None:  # noqa: F811
    p = amqp_platform(platform, shared_pki, prefix)
    consumer = p.bus.amqp_consumer()
    await consumer.start()
    try:
        c = await open_customer(p)
        await top_ups(p, c, range(2))
        assert await p.bus.relay.drain() == 2  # confirmed by the broker
        await wait_for(lambda: _issued(p, 2), what="receipts via RabbitMQ")
        await p.bus.transport.publish(Envelope.from_row((await outbox_rows(p))[0]))  # again
        await asyncio.sleep(0.5)
        assert await _issued(p, 2)
    finally:
        await consumer.close()
        await p.bus.close()
        p.esign.close()


async def test_a_failing_consumer_hands_the_message_back_to_the_outbox(
        sqlite_platform, shared_pki, prefix) -> None:  # noqa: F811
    p = amqp_platform(sqlite_platform, shared_pki, prefix)
    p.bus.relay.policy = RetryPolicy(max_attempts=5)
    real_produce, failures = p.esign.produce, []

    async def fail_once(data):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(data.receipt_no)
            raise RuntimeError("HSM busy")
        return await real_produce(data)

    p.esign.produce = fail_once  # type: ignore[method-assign]
    consumer = p.bus.amqp_consumer()
    await consumer.start()
    await p.bus.start_relay()
    try:
        c = await open_customer(p)
        await top_ups(p, c, range(1))
        await wait_for(lambda: _issued(p, 1), what="the retried receipt")
        (row,) = await outbox_rows(p)
        assert row.attempts == 1 and "HSM busy" in row.last_error and failures
    finally:
        await consumer.close()
        await p.bus.close()
        p.esign.close()


async def test_an_unreadable_message_goes_to_the_broker_dead_letters(
        sqlite_platform, shared_pki, prefix) -> None:  # noqa: F811
    p = amqp_platform(sqlite_platform, shared_pki, prefix)
    consumer = p.bus.amqp_consumer()
    await consumer.start()
    connection = await aio_pika.connect(BROKER, timeout=5)
    try:
        channel = await connection.channel()
        exchange = await channel.get_exchange(prefix)
        await exchange.publish(aio_pika.Message(b"{not json"), routing_key="ESIGN.RECEIPT.ISSUE")
        dead = await channel.get_queue(f"{prefix}.dead")
        for _ in range(100):
            message = await dead.get(fail=False)
            if message is not None:
                break
            await asyncio.sleep(0.05)
        assert message is not None and message.body == b"{not json"
        await message.ack()
    finally:
        await connection.close()
        await consumer.close()
        p.esign.close()


class CutProxy:
    """A TCP proxy to the broker that can cut every connection and refuse new ones."""

    def __init__(self, host: str | None = None, port: int | None = None) -> None:
        broker = urllib.parse.urlsplit(BROKER)  # the tests' broker, maybe a throw-away one
        self.host, self.port = host or broker.hostname or "127.0.0.1", port or broker.port or 5672
        self.refusing = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pump(reader, up_writer), self._pump(up_reader, writer))

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()
            self.writers.discard(writer)

    def cut(self) -> None:
        self.refusing = True
        for writer in list(self.writers):
            writer.transport.abort()

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_broker_connection_dropped_mid_run_then_recovering(
        platform, shared_pki, prefix) -> None:  # noqa: F811
    proxy = CutProxy()
    port = await proxy.start()
    p = amqp_platform(platform, shared_pki, prefix, url=f"amqp://guest:guest@127.0.0.1:{port}/")
    p.bus.relay.policy = RetryPolicy(max_attempts=1000, base=RetryPolicy().base / 20,
                                     cap=RetryPolicy().base / 2)
    consumer = p.bus.amqp_consumer()
    await consumer.start()
    await p.bus.start_relay()
    try:
        c = await open_customer(p)
        await top_ups(p, c, range(3))
        await wait_for(lambda: _issued(p, 3), what="receipts before the cut")
        proxy.cut()  # the broker connection drops, and stays down for a while
        await top_ups(p, c, range(3, 6))
        await asyncio.sleep(1.0)
        assert len(await receipts(p)) == 3  # nothing gets through while the broker is away
        assert [r.published_at for r in (await outbox_rows(p))[3:]] == [None] * 3
        proxy.refusing = False  # the broker is back
        await wait_for(lambda: _issued(p, 6), timeout=60, what="receipts after recovery")
        await wait_for(lambda: all_published(p), timeout=30, what="outbox drained")
        refs = [r.reference for r in await receipts(p)]
        assert len(refs) == len(set(refs)) == 6
    finally:
        await p.bus.stop_relay()
        await consumer.close()
        await p.bus.close()
        await proxy.close()
        p.esign.close()
