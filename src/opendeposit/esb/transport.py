"""The transport port and its in-process adapter: the relay hands the envelope to the consumer."""

from __future__ import annotations

from typing import Protocol

from opendeposit.esb.envelope import Envelope
from opendeposit.esb.registry import ServiceRegistry


class TransportUnavailable(ConnectionError):
    """The transport itself cannot carry anything now (broker down, connection lost, confirm
    timed out): not the message's fault, so the relay waits the outage out without counting
    it against the message's attempts (an outage never makes a dead letter)."""


class Transport(Protocol):
    """Carries an envelope to its service. `publish` returns only once delivery is certain
    (in-process: the consumer committed; broker: the publisher confirm) and raises otherwise."""

    async def start(self) -> None: ...

    async def publish(self, envelope: Envelope) -> None: ...

    async def close(self) -> None: ...


class MemoryTransport:
    """The embedded bus: publishing *is* consuming, in the relay's task (no broker)."""

    name = "memory"

    def __init__(self, registry: ServiceRegistry) -> None:
        self.registry = registry

    async def start(self) -> None:
        return None

    async def publish(self, envelope: Envelope) -> None:
        await self.registry.consumer(envelope.service_code)(envelope)

    async def close(self) -> None:
        return None
