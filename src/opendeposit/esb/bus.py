"""The bus as the platform holds it: registry + transport + relay, and the background relay task
of an embedded process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from opendeposit.db import Database
from opendeposit.esb import store
from opendeposit.esb.registry import ServiceRegistry, default_registry
from opendeposit.esb.relay import Relay
from opendeposit.esb.store import RetryPolicy
from opendeposit.esb.transport import MemoryTransport, Transport

if TYPE_CHECKING:
    from opendeposit.config import Settings
    from opendeposit.esb.amqp import AmqpConsumer

log = logging.getLogger("opendeposit.esb")


class Bus:
    """What bootstrap wires: which transport, the relay's policy, the consumers."""

    def __init__(self, db: Database, registry: ServiceRegistry, transport: Transport, *,
                 relay: Relay, settings: Settings | None = None) -> None:
        self.db, self.registry, self.transport, self.relay = db, registry, transport, relay
        self.settings = settings
        self._task: asyncio.Task[None] | None = None
        self._stop: asyncio.Event | None = None

    @property
    def embedded(self) -> bool:
        """True when publishing hands messages to in-process consumers (no broker)."""
        return isinstance(self.transport, MemoryTransport)

    async def start_relay(self) -> None:
        """Run the relay loop as a background task of this process (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        self._stop = asyncio.Event()
        self._task = asyncio.create_task(self.relay.run(self._stop), name="esb-relay")

    async def stop_relay(self, *, timeout: float = 10.0) -> None:
        """Let the current batch finish (up to `timeout`), then stop the loop."""
        if self._task is None:
            return
        assert self._stop is not None
        self._stop.set()
        self.relay.nudge()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def close(self) -> None:
        await self.stop_relay()
        await self.transport.close()

    def amqp_consumer(self) -> AmqpConsumer:
        """The broker consumer for this process's registered consumers (`serve esign`)."""
        from opendeposit.esb.amqp import AmqpConsumer, Topology  # aio-pika only where used

        assert self.settings is not None
        return AmqpConsumer(self.settings.esb_amqp_url, self.registry,
                            feedback=self.consumer_failed,
                            topology=Topology(self.settings.esb_amqp_prefix))

    async def consumer_failed(self, message_id: str, error: str, *,
                              permanent: bool = False) -> str | None:
        return await store.mark_failed(self.db, message_id, error, policy=self.relay.policy,
                                       permanent=permanent)


def policy_from(settings: Settings) -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.esb_max_attempts,
                       base=timedelta(milliseconds=settings.esb_retry_base_ms),
                       cap=timedelta(milliseconds=settings.esb_retry_max_ms))


def build_bus(settings: Settings, db: Database, registry: ServiceRegistry | None = None) -> Bus:
    """The transport named by the settings (`memory` | `amqp`); nothing connects yet."""
    registry = registry or default_registry()
    transport: Transport
    if settings.esb_transport == "amqp":
        from opendeposit.esb.amqp import AmqpTransport, Topology

        transport = AmqpTransport(settings.esb_amqp_url, registry,
                                  topology=Topology(settings.esb_amqp_prefix))
    else:
        transport = MemoryTransport(registry)
    relay = Relay(db, transport, policy=policy_from(settings),
                  batch_size=settings.esb_batch_size,
                  lease=timedelta(seconds=settings.esb_lease_seconds),
                  poll_seconds=settings.esb_poll_ms / 1000,
                  concurrency=settings.esb_relay_concurrency)
    return Bus(db, registry, transport, relay=relay, settings=settings)
