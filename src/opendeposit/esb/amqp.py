"""RabbitMQ adapter (aio-pika): a durable topic exchange, one durable queue per service code,
publisher confirms, a dead-letter exchange; consumers ack only after their transaction commits.

A consumer whose processing fails hands the message back to the outbox (`feedback`), so
retries, backoff and dead letters live in one place for both transports; only a message that
cannot even be read goes to the broker's dead-letter queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage

from opendeposit.esb.envelope import Envelope, MalformedEnvelope
from opendeposit.esb.registry import MessageRejected, ServiceRegistry, UnknownService
from opendeposit.esb.transport import TransportUnavailable
from opendeposit.observability.context import traced

log = logging.getLogger("opendeposit.esb.amqp")
Feedback = Callable[..., Awaitable[str | None]]  # (message_id, error, permanent=) → status


@dataclass(frozen=True)
class Topology:
    """Broker names under one prefix (tests use their own prefix)."""

    prefix: str = "opendeposit.esb"

    @property
    def exchange(self) -> str:
        return self.prefix

    @property
    def dead_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    @property
    def dead_queue(self) -> str:
        return f"{self.prefix}.dead"

    def queue(self, service_code: str) -> str:
        return f"{self.prefix}.{service_code}"


async def _declare(channel: Any, topology: Topology, codes: tuple[str, ...]) -> tuple[Any, dict]:
    exchange = await channel.declare_exchange(topology.exchange, aio_pika.ExchangeType.TOPIC,
                                              durable=True)
    dlx = await channel.declare_exchange(topology.dead_exchange, aio_pika.ExchangeType.TOPIC,
                                         durable=True)
    dead = await channel.declare_queue(topology.dead_queue, durable=True)
    await dead.bind(dlx, routing_key="#")
    queues = {}
    for code in codes:
        queue = await channel.declare_queue(
            topology.queue(code), durable=True,
            arguments={"x-dead-letter-exchange": topology.dead_exchange})
        await queue.bind(exchange, routing_key=code)
        queues[code] = queue
    return exchange, queues


def to_message(env: Envelope) -> aio_pika.Message:
    return aio_pika.Message(
        env.to_bytes(), content_type="application/json", content_encoding="utf-8",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT, message_id=env.message_id,
        correlation_id=env.trace_id, timestamp=env.created_at, type=env.service_code,
        app_id=env.source_system,
        headers={"global_serial": env.global_serial, "target_system": env.target_system,
                 "schema_version": env.schema_version, "attempt": env.attempt})


class AmqpTransport:
    """The relay's side: publish with confirms; connects lazily, so a broker that is down
    only fails publishes (which the relay retries with backoff)."""

    name = "amqp"

    def __init__(self, url: str, registry: ServiceRegistry, *, topology: Topology | None = None,
                 timeout: float = 10.0) -> None:
        self.url, self.registry, self.timeout = url, registry, timeout
        self.topology = topology or Topology()
        self._connection: Any = None
        self._exchange: Any = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._exchange is not None:
                return
            connection = await aio_pika.connect_robust(self.url, timeout=self.timeout)
            try:
                channel = await connection.channel(publisher_confirms=True,
                                                   on_return_raises=True)
                codes = tuple(s.code for s in self.registry.services)
                self._exchange, _ = await _declare(channel, self.topology, codes)
            except BaseException:
                await connection.close()
                raise
            self._connection = connection

    async def publish(self, envelope: Envelope) -> None:
        try:
            if self._exchange is None:
                await self.start()
            await self._exchange.publish(to_message(envelope),
                                         routing_key=envelope.service_code,
                                         mandatory=True, timeout=self.timeout)
        except (OSError, aio_pika.exceptions.ChannelInvalidStateError) as exc:
            # connection refused or lost, confirm timed out, channel closed under us: the
            # broker, not the message (a nack or an unroutable message still counts)
            raise TransportUnavailable(f"{type(exc).__name__}: {exc}") from exc

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._exchange = None


class AmqpConsumer:
    """The consuming side (`opendeposit serve esign`): one queue per consumed service code."""

    def __init__(self, url: str, registry: ServiceRegistry, *, feedback: Feedback,
                 topology: Topology | None = None, prefetch: int = 8,
                 timeout: float = 10.0) -> None:
        self.url, self.registry, self.feedback = url, registry, feedback
        self.topology = topology or Topology()
        self.prefetch, self.timeout = prefetch, timeout
        self._connection: Any = None

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self.url, timeout=self.timeout)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        codes = tuple(s.code for s in self.registry.services)
        _, queues = await _declare(channel, self.topology, codes)
        for code in self.registry.consumed:
            await queues[code].consume(self._on_message)

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def run(self, stop: asyncio.Event) -> None:
        await self.start()
        try:
            await stop.wait()
        finally:
            await self.close()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            env = Envelope.from_bytes(message.body)
            consumer = self.registry.consumer(env.service_code)
        except (MalformedEnvelope, UnknownService) as exc:
            log.error("unreadable bus message %s → broker dead letters: %r",
                      message.message_id, exc)
            await message.reject(requeue=False)
            return
        with traced(env.trace_id, message_id=env.message_id):
            try:
                await consumer(env)
            except Exception as exc:
                await self._hand_back(message, env, exc)
                return
            await message.ack()

    async def _hand_back(self, message: AbstractIncomingMessage, env: Envelope,
                         exc: Exception) -> None:
        """Processing failed: the outbox schedules the retry (or parks it), then we ack."""
        error = f"{type(exc).__name__}: {exc}"
        try:
            status = await self.feedback(env.message_id, error,
                                         permanent=isinstance(exc, MessageRejected))
        except Exception as fb_exc:  # the database is down too: let the broker redeliver
            log.warning("could not record failure of %s: %r", env.message_id, fb_exc)
            await asyncio.sleep(1.0)
            await message.nack(requeue=True)
            return
        log.warning("%s %s failed (%s) → %s", env.service_code, env.message_id, error, status)
        if status is None:  # not one of our outbox messages: nothing will retry it
            await message.reject(requeue=False)
        else:
            await message.ack()
