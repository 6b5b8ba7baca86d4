"""State that every worker process must see at once: rate-limit counters and revoked tokens.

Redis when `OPENDEPOSIT_REDIS_URL` is set (one Redis for all API workers on all machines);
this process's memory otherwise (the embedded demo, one process). If Redis stops answering,
counting falls back to memory (limits then hold per process) and Redis is tried again shortly;
a revocation is also kept in memory, so this process honours it in any case.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("opendeposit.sharedstate")
_PREFIX = "od:"
_RETRY_SECONDS = 5.0
_MEMORY_MAX = 200_000


class SharedState(Protocol):
    async def hit(self, key: str, *, window_seconds: int) -> tuple[int, float]:
        """Count one event in the current fixed window → (count so far, seconds left)."""
        ...

    async def revoke(self, key: str, *, ttl_seconds: int) -> None: ...

    async def is_revoked(self, key: str) -> bool: ...

    async def ping(self) -> bool: ...

    @property
    def shared(self) -> bool:
        """True when other processes see the same counters and revocations."""
        ...

    async def close(self) -> None: ...


class MemoryState:
    """One process's counters and revocations (the embedded default)."""

    shared = False

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._counts: dict[str, tuple[int, int]] = {}  # key → (window start, count)
        self._revoked: dict[str, float] = {}  # key → monotonic expiry
        self._clock = clock  # wall clock of the windows (tests pin it)

    async def hit(self, key: str, *, window_seconds: int) -> tuple[int, float]:
        now = self._clock()
        start = int(now // window_seconds) * window_seconds
        seen = self._counts.get(key)
        count = seen[1] + 1 if seen is not None and seen[0] == start else 1
        if len(self._counts) >= _MEMORY_MAX:
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= start}
        self._counts[key] = (start, count)
        return count, start + window_seconds - now

    async def revoke(self, key: str, *, ttl_seconds: int) -> None:
        if len(self._revoked) >= _MEMORY_MAX:
            now = time.monotonic()
            self._revoked = {k: v for k, v in self._revoked.items() if v > now}
        self._revoked[key] = time.monotonic() + ttl_seconds

    async def is_revoked(self, key: str) -> bool:
        until = self._revoked.get(key)
        return until is not None and until > time.monotonic()

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class RedisState:
    """Counters and revocations in Redis, falling back to memory while Redis is away."""

    shared = True

    def __init__(self, url: str, *, client: Any = None) -> None:
        if client is None:
            import redis.asyncio as redis  # only where Redis is configured

            client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._redis = client
        self._memory = MemoryState()
        self._down_until = 0.0

    def _usable(self) -> bool:
        return self._down_until <= time.monotonic()

    def _failed(self, exc: Exception) -> None:
        if self._usable():
            log.warning("redis unavailable, using this process's memory for %.0fs: %r",
                        _RETRY_SECONDS, exc)
        self._down_until = time.monotonic() + _RETRY_SECONDS

    async def hit(self, key: str, *, window_seconds: int) -> tuple[int, float]:
        if self._usable():
            now = time.time()
            start = int(now // window_seconds) * window_seconds
            name = f"{_PREFIX}rl:{key}:{start}"
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    count, _ = await pipe.incr(name).expire(name, window_seconds + 1).execute()
                return int(count), start + window_seconds - now
            except Exception as exc:  # redis errors are many classes; all mean "not now"
                self._failed(exc)
        return await self._memory.hit(key, window_seconds=window_seconds)

    async def revoke(self, key: str, *, ttl_seconds: int) -> None:
        await self._memory.revoke(key, ttl_seconds=ttl_seconds)
        try:
            await self._redis.set(f"{_PREFIX}rev:{key}", b"1", ex=max(ttl_seconds, 1))
        except Exception as exc:
            self._failed(exc)
            raise ConnectionError("redis unavailable") from exc

    async def is_revoked(self, key: str) -> bool:
        if await self._memory.is_revoked(key):
            return True
        if not self._usable():
            raise ConnectionError("redis unavailable")
        try:
            return bool(await self._redis.exists(f"{_PREFIX}rev:{key}"))
        except Exception as exc:
            self._failed(exc)
            raise ConnectionError("redis unavailable") from exc

    async def ping(self) -> bool:
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # closing a client whose server went away
            await self._redis.aclose()


def build_shared_state(redis_url: str) -> SharedState:
    return RedisState(redis_url) if redis_url else MemoryState()
