"""FaceID-style vendor liveness (the `VendorLiveness` shape of the LivenessChecker port): the
platform starts a session and gets a token, the customer's app runs the vendor's SDK or H5
page with it, and the platform fetches the result from the vendor — never from the client.

`HttpFaceId` is the client of such a service; `SandboxFaceId` simulates one for the demo and
the tests: its "SDK" is POST /sandbox/faceid/{token}/capture (a selfie and an outcome).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import httpx
from sqlalchemy import select, update

from opendeposit.db import Database
from opendeposit.identity import errors
from opendeposit.identity.models import sandbox_faceid_session as sessions
from opendeposit.identity.ports import ModelInfo, VendorResult, VendorSession

OUTCOMES = ("pass", "spoof", "timeout")


class HttpFaceId:
    """POST {url}/faceid/start {reference} → {token, client, expires_in};
    POST {url}/faceid/result {token} → {done, passed, code, best_frame (base64)?, detail?}.
    Both HMAC-signed like the other outside services; anything else is unavailable."""

    model = ModelInfo("vendor liveness over HTTP", "1")

    def __init__(self, url: str, *, secret: bytes, client: httpx.AsyncClient | None = None,
                 timeout: float = 8.0) -> None:
        self._url = url.rstrip("/")
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def _call(self, path: str, body: dict[str, str]) -> dict[str, object]:
        raw = httpx.Request("POST", "/", json=body).content
        sig = hmac.new(self._secret, raw, hashlib.sha256).hexdigest()
        try:
            resp = await self._client.post(f"{self._url}{path}", content=raw, headers={
                "Content-Type": "application/json", "X-Signature": sig})
            data = resp.json() if resp.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            raise errors.LivenessUnavailable() from exc
        if not isinstance(data, dict):
            raise errors.LivenessUnavailable()
        return data

    async def start(self, *, reference: str) -> VendorSession:
        data = await self._call("/faceid/start", {"reference": reference})
        try:
            return VendorSession(str(data["token"]), dict(data.get("client") or {}),  # type: ignore[call-overload]
                                 int(data.get("expires_in", 300)))  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError) as exc:
            raise errors.LivenessUnavailable() from exc

    async def result(self, *, token: str) -> VendorResult:
        data = await self._call("/faceid/result", {"token": token})
        try:
            frame = data.get("best_frame")
            return VendorResult(bool(data["done"]), bool(data.get("passed")),
                                str(data.get("code", "")),
                                base64.b64decode(str(frame), validate=True) if frame else None,
                                dict(data.get("detail") or {}))  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise errors.LivenessUnavailable() from exc


class SandboxFaceId:
    """A simulated certified vendor: the session lives in `sandbox_faceid_session`; its SDK is
    the sandbox route, which takes a selfie and the outcome the tester wants."""

    model = ModelInfo("sandbox FaceID-style vendor", "1")

    def __init__(self, db: Database, *, public_url: str = "") -> None:
        self._db = db
        self._public_url = public_url.rstrip("/")

    async def start(self, *, reference: str) -> VendorSession:
        token = "SBXFACE" + secrets.token_hex(12)
        async with self._db.transaction() as conn:
            await conn.execute(sessions.insert().values(
                token=token, reference=reference[:64], status="started",
                created_at=datetime.now(UTC)))
        return VendorSession(token, {"sdk": "sandbox", "capture_url":
                                     f"/sandbox/faceid/{token}/capture"}, 300)

    async def complete(self, *, token: str, outcome: str, selfie: bytes | None) -> bool:
        """What the vendor's SDK reports after the capture on the device (sandbox route)."""
        async with self._db.transaction() as conn:
            done = await conn.execute(update(sessions).where(
                sessions.c.token == token, sessions.c.status == "started").values(
                status="done", outcome=outcome, best_frame=selfie,
                completed_at=datetime.now(UTC)))
        return bool(done.rowcount)

    async def result(self, *, token: str) -> VendorResult:
        async with self._db.read() as conn:
            row = (await conn.execute(select(sessions).where(sessions.c.token == token))
                   ).first()
        if row is None or row.status != "done":
            return VendorResult(False)
        return VendorResult(True, row.outcome == "pass", f"SANDBOX_{row.outcome.upper()}",
                            row.best_frame, {"reference": row.reference})
