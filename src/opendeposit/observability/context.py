"""The request id of the work in hand (X-Request-ID), carried as the bus envelope's trace_id.

Plain `contextvars`: an asyncio task inherits the value of the request that started it, so a
commit's outbox row, the relay's delivery and the signer's log lines all name the same id.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import structlog

REQUEST_ID_HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_trace_id: ContextVar[str | None] = ContextVar("opendeposit_trace_id", default=None)


def valid_request_id(value: str | None) -> bool:
    return value is not None and _VALID.fullmatch(value) is not None


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_trace_id() -> str | None:
    """The id of the request (or bus message) being handled here, if any."""
    return _trace_id.get()


@contextmanager
def traced(trace_id: str | None, **extra: object) -> Iterator[str]:
    """Handle one request or message under `trace_id` (a fresh one when missing or invalid):
    log lines and outbox rows written inside carry it."""
    value = trace_id if trace_id is not None and valid_request_id(trace_id) else new_request_id()
    token = _trace_id.set(value)
    bound = structlog.contextvars.bind_contextvars(request_id=value, trace_id=value, **extra)
    try:
        yield value
    finally:
        structlog.contextvars.reset_contextvars(**bound)
        _trace_id.reset(token)
