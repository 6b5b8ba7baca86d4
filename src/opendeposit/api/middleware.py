"""The edge of every request: request id, client address, the per-IP limit, security headers,
metrics and one access-log line. One pure ASGI middleware, so it costs one hop."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from opendeposit.api.proxies import Network, client_address
from opendeposit.observability.context import REQUEST_ID_HEADER, traced
from opendeposit.observability.metrics import process_metrics
from opendeposit.ratelimit import RateLimited

log = logging.getLogger("opendeposit.access")

# The H5 app and the console are built bundles: no inline script anywhere. Vant sets inline
# style attributes, hence 'unsafe-inline' for styles only; camera frames are blob: URLs, and so
# is the signed receipt PDF the console fetches with the staff token and shows in a frame.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
       "font-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-src 'self' blob:; frame-ancestors 'none'")
# Swagger UI (/docs, /redoc) is FastAPI's page with an inline bootstrap script; its assets are
# served from the package (fastapi-offline, /static-offline-docs/), so no third party is named.
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self' blob:; "
            "connect-src 'self'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
LIMITED_PREFIXES = ("/api/", "/admin/api/")  # the APIs; the console's own files are not counted


class Limiter(Protocol):
    """What the edge needs of a rate limiter (`ratelimit.RateLimiter`, or the app's lazy one)."""

    async def check(self, name: str, subject: str | int) -> None: ...


class Edge:
    def __init__(self, app: ASGIApp, *, trusted_proxies: tuple[Network, ...] = (),
                 limiter: Limiter | None = None, hsts_seconds: int = 0,
                 access_log: bool = True) -> None:
        self.app, self.trusted, self.limiter = app, trusted_proxies, limiter
        self.access_log = access_log
        self.static_headers = [(b"x-content-type-options", b"nosniff"),
                               (b"x-frame-options", b"DENY"),
                               (b"referrer-policy", b"no-referrer"),
                               (b"cross-origin-opener-policy", b"same-origin"),
                               (b"permissions-policy",
                                b"camera=(self), geolocation=(self), microphone=()")]
        if hsts_seconds > 0:
            self.static_headers.append((b"strict-transport-security",
                                        f"max-age={hsts_seconds}; includeSubDomains".encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = _headers(scope)
        peer = scope["client"][0] if scope.get("client") else None
        ip = client_address(peer, headers.get("x-forwarded-for"), self.trusted)
        scope.setdefault("state", {})["client_ip"] = ip
        status = 500
        with traced(headers.get("x-request-id")) as request_id:
            scope["state"]["request_id"] = request_id
            extra = self._headers_for(scope["path"], request_id)

            async def send_with_headers(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    message["headers"] = [*message.get("headers", []),
                                          *(h for h in extra if h[0] not in present)]
                await send(message)

            try:
                if not await self._within_ip_limit(scope, ip, send_with_headers):
                    return
                await self.app(scope, receive, send_with_headers)
            finally:
                self._observe(scope, status, time.perf_counter() - started, ip)

    def _headers_for(self, path: str, request_id: str) -> list[tuple[bytes, bytes]]:
        csp = DOCS_CSP if path.startswith(DOCS_PATHS) else CSP
        return [(REQUEST_ID_HEADER.lower().encode(), request_id.encode()),
                (b"content-security-policy", csp.encode()), *self.static_headers]

    async def _within_ip_limit(self, scope: Scope, ip: str, send: Send) -> bool:
        if self.limiter is None or not scope["path"].startswith(LIMITED_PREFIXES):
            return True
        try:
            await self.limiter.check("ip", ip)
        except RateLimited as exc:
            body = json.dumps({"error": {"code": exc.code, "message": exc.message_en,
                                         "message_zh": exc.message_zh,
                                         "details": exc.details}}).encode()
            await send({"type": "http.response.start", "status": 429, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", exc.headers["Retry-After"].encode())]})
            await send({"type": "http.response.body", "body": body})
            return False
        return True

    def _observe(self, scope: Scope, status: int, seconds: float, ip: str) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or ("static" if scope["path"].startswith("/m/")
                                                     else "unmatched")
        m = process_metrics()
        m.http_requests.labels(scope["method"], template, str(status)).inc()
        m.http_duration.labels(scope["method"], template).observe(seconds)
        if self.access_log:
            log.info("request", extra={"method": scope["method"], "path": scope["path"],
                                       "route": template, "status": status, "client_ip": ip,
                                       "duration_ms": round(seconds * 1000, 2)})


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in scope.get("headers") or []:
        out.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
    return out


def client_ip_of(scope_state: dict[str, Any] | Any, fallback: str) -> str:
    ip = getattr(scope_state, "client_ip", None)
    return ip if isinstance(ip, str) else fallback
