"""Structured logs: one JSON object a line (structlog), with `request_id` and `trace_id` always.

Everything that logs through the standard library (our modules, uvicorn, aio-pika) goes through
the same formatter, so an operator greps one id across the API, the relay and the signer.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

import structlog

_SHARED_KEYS = ("request_id", "trace_id")


def _ids_always(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for key in _SHARED_KEYS:
        event.setdefault(key, None)
    return event


def _role(role: str) -> Any:
    pid = os.getpid()

    def add(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
        event.setdefault("role", role)
        event.setdefault("pid", pid)
        return event

    return add


def configure(*, role: str, fmt: str = "json", level: str = "INFO",
              stream: Any = None) -> None:
    """Route structlog and the standard library through one formatter (`json` | `console`)."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _role(role),
        _ids_always,
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    renderer: Any = (structlog.processors.JSONRenderer(ensure_ascii=False) if fmt == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info, renderer])
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        logger.handlers, logger.propagate = [], True
    logging.getLogger("uvicorn.access").disabled = True  # api.middleware writes the access line


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
