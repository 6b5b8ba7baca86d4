"""The app factory: one FastAPI application wired from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from opendeposit import __version__
from opendeposit.api import (
    admin,
    admin_audit,
    admin_auth,
    admin_customers,
    admin_esb,
    admin_onboarding,
    admin_rates,
    admin_staff,
    analytics,
    customer,
    deposits,
    errors,
    onboarding,
    products,
    receipts,
    sandbox,
    verify,
)
from opendeposit.api.errors import error_body
from opendeposit.bootstrap import build_platform
from opendeposit.config import Settings
from opendeposit.errors import PayloadTooLarge
from opendeposit.platform import Platform

WEB_DIST = Path(__file__).resolve().parent.parent / "web_dist"

DESCRIPTION = """
Online deposits for a commercial bank: Class II accounts opened remotely, money moved only
to and from the bound card, time deposits, signed e-receipts.

Amounts are decimal strings with at most 2 decimals; errors are
`{"error": {"code", "message", "message_zh"}}` with a stable code.
"""


def create_app(settings: Settings, *, platform: Platform | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.platform = p = platform or build_platform(settings)
        relay = settings.esb_embedded_relay and p.bus.embedded  # the in-process bus (demo)
        if relay:
            await p.bus.start_relay()
        yield
        if getattr(app.state, "events", None) is not None:  # write what the apps sent last
            await app.state.events.stop()
        if relay:
            await p.bus.stop_relay()
        if platform is None:
            await p.bus.close()
            p.esign.close()
            await p.db.dispose()

    app = FastAPI(title="opendeposit", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    errors.install(app)
    app.include_router(customer.router)
    for extra in (products.router, deposits.router, admin.router, receipts.router,
                  verify.router, admin_esb.router, analytics.router, onboarding.router,
                  admin_onboarding.router, admin_auth.router, admin_staff.router,
                  admin_customers.router, admin_rates.router, admin_audit.router):
        app.include_router(extra)
    if settings.is_sandbox:
        app.include_router(sandbox.router)
    _mount_web(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _mount_web(app: FastAPI) -> None:
    """Serve the built H5 app at /m/ with SPA fallback to its index.html."""

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/m/")

    @app.get("/m/{path:path}", include_in_schema=False, response_model=None)
    async def h5(path: str) -> FileResponse | JSONResponse:
        base = (WEB_DIST / "m").resolve()
        target = (base / path).resolve()
        if path and target.is_file() and base in target.parents:
            return FileResponse(target)
        index = base / "index.html"
        if not index.is_file():
            return JSONResponse(error_body("WEB_NOT_BUILT", "The H5 app is not built: run "
                                           "`scripts/build-web`.", "移动端页面尚未构建。"),
                                status_code=404)
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

        async def limited() -> dict:  # type: ignore[type-arg]
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:  # a body that lied about its length, or chunked
                raise PayloadTooLarge()
            return message  # type: ignore[no-any-return]

        await self.app(scope, limited, send)


async def _too_large(send: Send) -> None:
    resp = JSONResponse(error_body("PAYLOAD_TOO_LARGE", "The request body is too large.",
                                   "请求内容过大。"), status_code=413)
    await resp({"type": "http"}, _noop_receive, send)


async def _noop_receive() -> dict:  # type: ignore[type-arg]
    return {"type": "http.disconnect"}
