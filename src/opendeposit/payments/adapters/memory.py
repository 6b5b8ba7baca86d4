"""An in-memory card network that always answers at once: for benchmarks of the platform's own
path, where the simulated network's own database writes would be measured too."""

from __future__ import annotations

import itertools

from opendeposit.payments.ports import CardHolder, TransferResult, TransferStatus


class MemoryCardNetwork:
    def __init__(self) -> None:
        self._done: dict[str, TransferResult] = {}
        self._refs = itertools.count(1)

    async def _ok(self, order_no: str) -> TransferResult:
        result = self._done.get(order_no)
        if result is None:
            result = TransferResult(TransferStatus.SUCCEEDED, f"MEM{next(self._refs)}")
            self._done[order_no] = result
        return result

    async def pull(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult:
        return await self._ok(order_no)

    async def push(self, *, order_no: str, card_number: str, holder_name: str,
                   amount: int) -> TransferResult:
        return await self._ok(order_no)

    async def query(self, order_no: str) -> TransferResult:
        return self._done.get(order_no, TransferResult(TransferStatus.UNKNOWN))

    async def card_holder(self, card_number: str) -> CardHolder | None:
        return None
