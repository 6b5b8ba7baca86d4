"""The outbox relay: leases due outbox rows, publishes each through the transport, records the
outcome. At least once: a message is marked delivered only after the transport confirmed it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from opendeposit.db import Database
from opendeposit.esb import store
from opendeposit.esb.envelope import Envelope
from opendeposit.esb.registry import MessageRejected
from opendeposit.esb.store import RetryPolicy
from opendeposit.esb.transport import Transport
from opendeposit.observability.context import traced

log = logging.getLogger("opendeposit.esb.relay")

# An outage is waited out with backoff capped here, so receipts resume soon after it ends.
OUTAGE_BACKOFF_CAP = timedelta(seconds=15)


class Relay:
    """Run one per process (several processes are safe: leases and SKIP LOCKED)."""

    def __init__(self, db: Database, transport: Transport, *, policy: RetryPolicy | None = None,
                 batch_size: int = 50, lease: timedelta = timedelta(seconds=30),
                 poll_seconds: float = 0.5, concurrency: int = 4) -> None:
        self.db, self.transport = db, transport
        self.policy = policy or RetryPolicy()
        self.batch_size, self.lease, self.poll_seconds = batch_size, lease, poll_seconds
        self._limit = asyncio.Semaphore(concurrency)
        self._wake: asyncio.Event | None = None
        self._outage = 0  # consecutive passes that found the transport unavailable
        self._loop: asyncio.AbstractEventLoop | None = None

    def nudge(self) -> None:
        """Wake the loop now (called after a commit that wrote an outbox row); thread-safe."""
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run_once(self) -> int:
        """Publish one batch of due messages; returns how many were attempted."""
        if not await store.any_due(self.db):
            return 0
        batch = await store.claim(self.db, limit=self.batch_size, lease=self.lease)
        pending = {env.message_id: env for env in batch}
        renewer = asyncio.create_task(self._renew(pending))
        try:
            results = await asyncio.gather(*(self._tracked(env, pending) for env in batch),
                                           return_exceptions=True)
        finally:
            renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewer
        delivered, unavailable = [], []
        for env, result in zip(batch, results, strict=True):
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result  # cancellation: the lease brings the rest back later
            if isinstance(result, ConnectionError):  # returned by _deliver: an outage
                unavailable.append((env, result))
            elif isinstance(result, Exception):
                log.error("could not record the outcome of %s: %r", env.message_id, result)
            elif result:
                delivered.append(env)
        await store.mark_published(self.db, delivered)
        await self._wait_out(unavailable, any_delivered=bool(delivered))
        return len(batch)

    async def _wait_out(self, unavailable: list[tuple[Envelope, ConnectionError]], *,
                        any_delivered: bool) -> None:
        """The transport could not carry these: try them again after a backoff that grows
        with the outage (capped), their attempts untouched."""
        if not unavailable:
            if any_delivered:
                self._outage = 0
            return
        self._outage += 1
        delay = min(self.policy.delay(self._outage), OUTAGE_BACKOFF_CAP)
        error = f"{type(unavailable[0][1]).__name__}: {unavailable[0][1]}"
        await store.postpone(self.db, [env.message_id for env, _ in unavailable], error,
                             delay=delay)
        log.warning("transport unavailable (%s): %d message(s) wait %.1fs, attempts unchanged",
                    error, len(unavailable), delay.total_seconds())

    async def _renew(self, pending: dict[str, Envelope]) -> None:
        """Every third of the lease, extend the claim on what is still being delivered."""
        while pending:
            await asyncio.sleep(self.lease.total_seconds() / 3)
            try:
                await store.renew(self.db, list(pending.values()), lease=self.lease)
            except Exception as exc:  # the lease runs out: at worst a duplicate delivery
                log.warning("could not renew the relay's lease: %r", exc)

    async def _tracked(self, env: Envelope,
                       pending: dict[str, Envelope]) -> bool | ConnectionError:
        try:
            return await self._deliver(env)
        finally:
            pending.pop(env.message_id, None)

    async def _deliver(self, env: Envelope) -> bool | ConnectionError:
        """True when the transport confirmed delivery; the error when the transport itself was
        unavailable (an outage, handled per pass); False after recording a failure."""
        async with self._limit:
            try:
                with traced(env.trace_id, message_id=env.message_id):
                    await self.transport.publish(env)
            except ConnectionError as exc:  # TransportUnavailable, or a transport's own
                return exc
            except MessageRejected as exc:
                await self._failed(env, exc, permanent=True)
            except Exception as exc:
                await self._failed(env, exc, permanent=False)
            else:
                return True
        return False

    async def _failed(self, env: Envelope, exc: Exception, *, permanent: bool) -> None:
        error = f"{type(exc).__name__}: {exc}"
        status = await store.mark_failed(self.db, env.message_id, error, policy=self.policy,
                                         permanent=permanent)
        level = logging.ERROR if status == "dead" else logging.WARNING
        log.log(level, "%s %s (%s) failed, attempt %d: %s → %s", env.service_code,
                env.message_id, env.global_serial, env.attempt + 1, error, status)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Loop until `stop` is set (or the task is cancelled): batch, then wait for a nudge
        or the poll interval. Database outages are logged and waited out."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        unwatch = store.watch_commits(self.db, self.nudge)
        pause = self.poll_seconds
        try:
            while stop is None or not stop.is_set():
                try:
                    done = await self.run_once()
                    pause = self.poll_seconds
                except Exception as exc:
                    log.warning("relay pass failed, retrying in %.1fs: %r", pause, exc)
                    done, pause = 0, min(pause * 2, 30.0)
                if done >= self.batch_size:
                    continue
                await self._sleep(pause, stop)
        finally:
            unwatch()
            self._wake = None

    async def _sleep(self, seconds: float, stop: asyncio.Event | None) -> None:
        assert self._wake is not None
        waiters = [asyncio.ensure_future(self._wake.wait())]
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter
        self._wake.clear()

    async def drain(self, *, timeout: float = 30.0) -> int:
        """Run batches until nothing is due (tests, the CLI's one-shot mode); returns the count."""
        total = 0
        async with asyncio.timeout(timeout):
            while (done := await self.run_once()) > 0:
                total += done
        return total
