"""The service registry (服务注册): which service codes exist, who provides them, who consumes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from opendeposit.errors import OpenDepositError
from opendeposit.esb.envelope import Envelope

Consumer = Callable[[Envelope], Awaitable[None]]

RECEIPT_ISSUE = "ESIGN.RECEIPT.ISSUE"


class UnknownService(OpenDepositError, LookupError):
    code = "ESB_UNKNOWN_SERVICE"
    message_en = "No consumer is registered for this service code."
    message_zh = "该服务码没有注册的消费方。"


class MessageRejected(OpenDepositError):
    """A consumer's verdict that retrying cannot help (bad body): park it as a dead letter."""

    code = "ESB_MESSAGE_REJECTED"
    http_status = 422
    message_en = "The consumer rejected the message."
    message_zh = "消费方拒绝处理该报文。"


@dataclass(frozen=True)
class Service:
    """A service on the bus: its code, the system that provides it, and its queue name."""

    code: str
    target_system: str
    description: str = ""

    @property
    def queue(self) -> str:
        return f"esb.{self.code}"


class ServiceRegistry:
    """Service codes → specs and, in a consuming process, the consumer for each."""

    def __init__(self) -> None:
        self._services: dict[str, Service] = {}
        self._consumers: dict[str, Consumer] = {}

    def declare(self, code: str, *, target_system: str, description: str = "") -> Service:
        service = Service(code, target_system, description)
        self._services[code] = service
        return service

    def consume(self, code: str, consumer: Consumer) -> None:
        """Attach the consumer of `code` (one per code: a service call, not a broadcast)."""
        if code not in self._services:
            raise UnknownService(details={"service_code": code})
        self._consumers[code] = consumer

    def consumer(self, code: str) -> Consumer:
        try:
            return self._consumers[code]
        except KeyError:
            raise UnknownService(details={"service_code": code}) from None

    @property
    def services(self) -> tuple[Service, ...]:
        return tuple(self._services.values())

    @property
    def consumed(self) -> tuple[str, ...]:
        return tuple(self._consumers)


def default_registry() -> ServiceRegistry:
    """Every service code the platform knows (consumers are attached by bootstrap)."""
    registry = ServiceRegistry()
    registry.declare(RECEIPT_ISSUE, target_system="ESIGN",
                     description="Issue a signed e-receipt (电子回单) for a booked transaction")
    return registry
