"""The in-day reconciler: card-network orders left open (an API process died between writing
the order and settling it, or the network's answer was lost) are asked about and settled or
failed during the day, so a retry of the same idempotency key gets its final answer within
minutes instead of `409 IDEMPOTENCY_IN_PROGRESS` until end of day. Runs in `serve relay`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from opendeposit.observability.context import traced

log = logging.getLogger("opendeposit.reconciler")


async def reconcile_once(p: Any, *, older_than: timedelta) -> tuple[int, int]:
    """One pass: (settled, still open). Safe beside requests, EOD and other reconcilers."""
    from opendeposit.payments import service as payments

    with traced(None, job="reconcile"):
        settled, still_open = await payments.reconcile(
            db=p.db, vault=p.vault, cards=p.cards, bank_name=p.settings.bank_name,
            older_than=older_than)
        if settled or still_open:
            log.info("reconciled open card orders", extra={"settled": settled,
                                                           "still_open": still_open})
    return settled, still_open


async def run(p: Any, stop: asyncio.Event, *, every: float, older_than: timedelta) -> None:
    """Loop until `stop`: a pass, then a pause; failures (database away) are logged and retried."""
    while not stop.is_set():
        try:
            await reconcile_once(p, older_than=older_than)
        except Exception as exc:
            log.warning("reconciliation pass failed: %r", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), every)
