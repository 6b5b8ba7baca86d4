"""The error mapper: a database outage is a 503 with Retry-After, anything else stays a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import exc as sa_exc

from opendeposit.api import errors


class ConnectionDoesNotExistError(Exception):  # asyncpg's name, without importing the driver
    pass


def _app(exc: Exception) -> FastAPI:
    app = FastAPI()
    errors.install(app)

    @app.get("/boom")
    async def boom() -> None:
        raise exc

    return app


async def _get(exc: Exception) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(exc), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        return await client.get("/boom")


def _wrapped(inner: Exception) -> Exception:
    try:
        try:
            raise inner
        except Exception as cause:
            raise sa_exc.DBAPIError("SELECT 1", {}, cause, connection_invalidated=True) from cause
    except sa_exc.DBAPIError as outer:
        return outer


@pytest.mark.parametrize("exc", [
    ConnectionResetError("reset by peer"),
    ConnectionRefusedError("refused"),
    sa_exc.TimeoutError("QueuePool limit reached"),
    _wrapped(ConnectionDoesNotExistError("connection was closed in the middle of operation")),
    RuntimeError("while handling"),  # with a cut connection as its cause, below
])
async def test_database_outage_answers_503_with_retry_after(exc: Exception) -> None:
    if isinstance(exc, RuntimeError):
        exc.__cause__ = ConnectionDoesNotExistError("gone")
    r = await _get(exc)
    assert r.status_code == 503
    assert r.headers["retry-after"] == str(errors.RETRY_AFTER_SECONDS)
    body = r.json()["error"]
    assert body["code"] == "SERVICE_UNAVAILABLE" and body["message_zh"]


@pytest.mark.parametrize("exc", [ValueError("a bug"), KeyError("x"),
                                 sa_exc.IntegrityError("INSERT", {}, Exception("dup"))])
async def test_other_errors_stay_internal_errors(exc: Exception) -> None:
    r = await _get(exc)
    assert r.status_code == 500 and "retry-after" not in r.headers
    assert r.json()["error"]["code"] == "INTERNAL_ERROR"
