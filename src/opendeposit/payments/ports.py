"""The card network port: pull from / push to the customer's bound card, and ask for status."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class TransferStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    PENDING = "pending"  # sent, answer unknown (timeout): reconciliation decides later
    UNKNOWN = "unknown"  # the network never saw this order


@dataclass(frozen=True)
class TransferResult:
    status: TransferStatus
    network_ref: str | None = None
    failure_code: str | None = None  # INSUFFICIENT_FUNDS, CARD_FROZEN, CARD_NOT_FOUND, ...
    message: str = ""


@dataclass(frozen=True)
class CardHolder:
    card_number: str
    name: str
    id_number: str
    reserved_phone: str
    bank: str
    is_class_one: bool


class CardNetwork(Protocol):
    """The cross-bank network (UnionPay/NetsUnion-like) as the platform sees it.

    Every call carries the platform's order number; the network is idempotent on it, so a
    retry after a timeout never moves money twice.
    """

    async def pull(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult: ...

    async def push(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult: ...

    async def query(self, order_no: str) -> TransferResult: ...

    async def card_holder(self, card_number: str) -> CardHolder | None:
        """The issuing bank's record of a card, for five-element checks (None if unknown)."""
        ...
