"""The app factory: one FastAPI application wired from settings."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opendeposit import __version__
from opendeposit.api import (
    admin,
    admin_audit,
    admin_auth,
    admin_customers,
    admin_esb,
    admin_onboarding,
    admin_rates,
    admin_receipts,
    admin_risk,
    admin_staff,
    analytics,
    customer,
    deposits,
    errors,
    onboarding,
    openapi_doc,
    products,
    receipts,
    risk,
    sandbox,
    verify,
    wechat,
)
from opendeposit.api.errors import error_body
from opendeposit.api.middleware import Edge
from opendeposit.api.proxies import parse_networks
from opendeposit.bootstrap import build_platform
from opendeposit.config import Settings, load_settings
from opendeposit.errors import PayloadTooLarge
from opendeposit.platform import Platform

WEB_DIST = Path(__file__).resolve().parent.parent / "web_dist"

DESCRIPTION = """
Online deposits for a commercial bank: Class II accounts opened remotely, money moved only
to and from the bound card, time deposits, signed e-receipts.

Amounts are decimal strings with at most 2 decimals; errors are
`{"error": {"code", "message", "message_zh"}}` with a stable code.
"""


def settle_heap() -> None:
    """After start-up, the modules, tables, compiled statements and the platform made so far
    live as long as the process: moved out of the collector's generations (`gc.freeze`), a
    full collection no longer walks them all again while a request waits (the purchase bench
    saw full collections of 146–170 ms before)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings, *, platform: Platform | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.platform = p = platform or build_platform(settings)
        relay = settings.esb_embedded_relay and p.bus.embedded  # the in-process bus (demo)
        if relay:
            await p.bus.start_relay()
        if platform is None:  # a served process (tests share the heap: they don't freeze it)
            settle_heap()
        yield
        if getattr(app.state, "events", None) is not None:  # write what the apps sent last
            await app.state.events.stop()
        if relay:
            await p.bus.stop_relay()
        if platform is None:
            await p.bus.close()
            p.esign.close()
            if p.shared is not None:
                await p.shared.close()
            await p.db.dispose()

    # FastAPIOffline: /docs and /redoc load Swagger UI from the package, not from a CDN
    app = FastAPIOffline(title="opendeposit", version=__version__, description=DESCRIPTION,
                         lifespan=lifespan)
    errors.install(app)
    app.include_router(customer.router)
    for extra in (products.router, deposits.router, admin.router, receipts.router,
                  verify.router, admin_esb.router, analytics.router, onboarding.router,
                  admin_onboarding.router, admin_receipts.router, wechat.router,
                  admin_auth.router, admin_staff.router, admin_customers.router,
                  admin_rates.router, admin_audit.router, risk.router,
                  admin_risk.router):
        app.include_router(extra)
    if settings.is_sandbox:
        app.include_router(sandbox.router)
    _mount_web(app)
    _operations(app)
    openapi_doc.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:  # explicit: no wildcard, bearer tokens (no cookies), our headers only
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "X-Request-ID",
                                          "X-Channel"],
                           expose_headers=["X-Request-ID", "Retry-After"], max_age=600)
    app.add_middleware(Edge, trusted_proxies=parse_networks(settings.trusted_proxies),
                       limiter=_LazyLimiter(app), access_log=settings.access_log,
                       hsts_seconds=settings.hsts_seconds
                       if settings.public_url.startswith("https://") else 0)
    return app


class _LazyLimiter:
    """The platform (and its limiter) exists once the lifespan ran; the middleware is built
    before that."""

    def __init__(self, app: FastAPI) -> None:
        self._app = app

    async def check(self, name: str, subject: str | int) -> None:
        p = getattr(self._app.state, "platform", None)
        if p is not None and p.limiter is not None:
            await p.limiter.check(name, subject)


OPS_RESPONSES: dict[int | str, dict[str, object]] = {503: {
    "description": "not ready: `failing` names the parts",
    "content": {"application/json": {"example": {"status": "unavailable", "failing": [
        "broker"], "checks": {"database": {"ok": True, "detail": ""}}}}}}}


def _operations(app: FastAPI) -> None:
    """Liveness, readiness and metrics (api.md, Operations)."""

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is alive (nothing else is checked)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses=OPS_RESPONSES)
    async def readyz() -> JSONResponse:
        """Ready to serve: the database answers, the broker (when configured) accepts a
        connection, the signing keys load. 503 names what fails."""
        from opendeposit.observability.readiness import run_checks

        p = app.state.platform
        checks = await run_checks(p, signs=p.bus.embedded)
        failing = [c.name for c in checks if not c.ok]
        body = {"status": "unavailable" if failing else "ready", "failing": failing,
                "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks}}
        return JSONResponse(body, status_code=503 if failing else 200)

    @app.get("/metrics", tags=["operations"], response_class=Response, responses={200: {
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "description": "Prometheus text exposition"}})
    async def metrics() -> Response:
        """Prometheus metrics of every process on this machine and figures from the database."""
        from opendeposit.observability.metrics import render

        body, content_type = await render(app.state.platform.db)
        return Response(body, media_type=content_type)


def app_from_env() -> FastAPI:
    """The factory uvicorn calls in each worker (`serve api --workers N`): settings and logging
    from the environment, once per process."""
    from opendeposit.observability import logs

    settings = load_settings()
    logs.configure(role="api", fmt=settings.log_format, level=settings.log_level)
    return create_app(settings)


def _mount_web(app: FastAPI) -> None:
    """Serve the built H5 app at /m/ and the staff console at /admin/, each with an SPA
    fallback to its index.html. Registered after every API router, so `/admin/api/v1/...`
    routes win; an unknown `/admin/api/...` path stays a JSON 404, never the console's page."""

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/m/")

    @app.get("/m/{path:path}", include_in_schema=False, response_model=None)
    async def h5(path: str) -> FileResponse | JSONResponse:
        return _spa_file("m", path, "The H5 app", "移动端页面")

    @app.get("/admin", include_in_schema=False)
    async def admin_root() -> RedirectResponse:
        return RedirectResponse("/admin/")

    @app.get("/admin/{path:path}", include_in_schema=False, response_model=None)
    async def console(path: str) -> FileResponse | JSONResponse:
        if path == "api" or path.startswith("api/"):
            return JSONResponse(error_body("NOT_FOUND", "Not found.", "记录不存在。"),
                                status_code=404)
        return _spa_file("admin", path, "The operations console", "运营管理台")


def _spa_file(name: str, path: str, what_en: str, what_zh: str) -> FileResponse | JSONResponse:
    """A built file of client `name`, or its index.html for any other path (SPA routes)."""
    base = (WEB_DIST / name).resolve()
    target = (base / path).resolve()
    if path and target.is_file() and base in target.parents:
        return FileResponse(target)
    index = base / "index.html"
    if not index.is_file():
        return JSONResponse(error_body("WEB_NOT_BUILT", f"{what_en} is not built: run "
                                       "`cd web && npm ci && npm run build`.",
                                       f"{what_zh}尚未构建。"), status_code=404)
    return FileResponse(index, headers={"Cache-Control": "no-cache"})


class BodyLimit:
    """Refuse bodies over the limit (413) before the app reads them; uploads get more room."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_bytes: int = 12 * 1024 * 1024):
        self.app, self.max_bytes, self.upload_bytes = app, max_bytes, upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        ctype = headers.get(b"content-type", b"")
        limit = self.upload_bytes if ctype.startswith(b"multipart/") else self.max_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:  # a body that lied about its length, or chunked
                raise PayloadTooLarge()
            return message

        await self.app(scope, limited, send)


async def _too_large(send: Send) -> None:
    resp = JSONResponse(error_body("PAYLOAD_TOO_LARGE", "The request body is too large.",
                                   "请求内容过大。"), status_code=413)
    await resp({"type": "http"}, _noop_receive, send)


async def _noop_receive() -> dict:  # type: ignore[type-arg]
    return {"type": "http.disconnect"}
