"""The one place where errors become HTTP answers: stable code, English and Chinese message."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from opendeposit.errors import OpenDepositError

log = logging.getLogger("opendeposit.api")


def error_body(code: str, message: str, message_zh: str, **extra: object) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "message_zh": message_zh, **extra}}


ERROR_SCHEMA = {
    "description": "Error with a stable code",
    "content": {"application/json": {"example": error_body(
        "PIN_LOCKED", "The transaction PIN is locked after too many wrong tries.",
        "交易密码错误次数过多已锁定。")}},
}

_HTTP_CODES = {
    404: ("NOT_FOUND", "Not found.", "记录不存在。"),
    405: ("METHOD_NOT_ALLOWED", "Method not allowed.", "不支持该请求方法。"),
    413: ("PAYLOAD_TOO_LARGE", "The request body is too large.", "请求内容过大。"),
}


# asyncpg's own names for a connection that is gone or not yet accepted (not imported: the
# driver is optional on the embedded default)
_DRIVER_GONE = frozenset({"ConnectionDoesNotExistError", "CannotConnectNowError",
                          "ConnectionFailureError", "TooManyConnectionsError"})
RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException) -> bool:
    """True when the error (or what caused it) is the database being unreachable — a
    restart, a cut connection, an exhausted pool — rather than a fault of the request."""
    seen: BaseException | None = exc
    for _ in range(8):  # a short walk down the cause chain
        if seen is None:
            return False
        if isinstance(seen, ConnectionError | sa_exc.TimeoutError | sa_exc.InterfaceError) \
                or (isinstance(seen, sa_exc.DBAPIError) and seen.connection_invalidated) \
                or type(seen).__name__ in _DRIVER_GONE:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def install(app: FastAPI) -> None:
    @app.exception_handler(OpenDepositError)
    async def _domain(_: Request, exc: OpenDepositError) -> JSONResponse:
        extra = {"details": exc.details} if exc.details else {}
        return JSONResponse(error_body(exc.code, exc.message_en, exc.message_zh, **extra),
                            status_code=exc.http_status, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [{"field": ".".join(str(x) for x in e["loc"][1:]), "problem": e["msg"]}
                  for e in exc.errors()]
        return JSONResponse(error_body(
            "VALIDATION_FAILED", "The request is not valid: " + "; ".join(
                f"{f['field'] or 'body'}: {f['problem']}" for f in fields),
            "请求参数不正确，请检查后重试。", fields=fields), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # a body the framework could not parse (not UTF-8, say)
            return JSONResponse(error_body(
                "BODY_UNREADABLE", "The request body could not be read: send UTF-8 JSON "
                "(or multipart form data where the operation says so).",
                "请求内容无法解析，请使用 UTF-8 编码的 JSON。"), status_code=422)
        fallback = ("HTTP_ERROR", str(exc.detail), "请求失败。")
        code, en, zh = _HTTP_CODES.get(exc.status_code, fallback)
        return JSONResponse(error_body(code, en, zh), status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):  # rolled back: a retry with the same key is safe
            log.warning("database unavailable: %r", exc)
            return JSONResponse(error_body(
                "SERVICE_UNAVAILABLE", "The service is briefly unavailable. Please try again in "
                "a few seconds (the same request is safe to repeat).",
                "服务暂时不可用，请稍后重试（重复提交同一请求是安全的）。"),
                status_code=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
        log.exception("unhandled error", exc_info=exc)
        err = OpenDepositError()
        return JSONResponse(error_body(err.code, err.message_en, err.message_zh),
                            status_code=500)
