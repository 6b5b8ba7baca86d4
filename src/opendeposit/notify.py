"""The SMS port, its sandbox adapter (keeps messages for the demo) and an HTTP gateway adapter."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Protocol

import httpx
from sqlalchemy import Column, DateTime, Index, String, Table, Text, select

from opendeposit.db import BigId, Database, metadata
from opendeposit.errors import ExternalServiceError


class SmsSender(Protocol):
    async def send(self, *, phone: str, text: str, purpose: str, code: str | None) -> None: ...


sandbox_sms = Table(
    "sandbox_sms",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("phone", String(11), nullable=False),
    Column("purpose", String(32), nullable=False),
    Column("text", Text, nullable=False),
    Column("code", String(8), nullable=True),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Index("ix_sandbox_sms_phone", "phone", "id"),
)


class SandboxSms:
    """Delivers nothing; stores each message so the demo and tests can read the code."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def send(self, *, phone: str, text: str, purpose: str, code: str | None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(sandbox_sms.insert().values(
                phone=phone, purpose=purpose, text=text, code=code, sent_at=datetime.now(UTC)))

    async def last_message(self, phone: str) -> dict[str, object] | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(sandbox_sms).where(sandbox_sms.c.phone == phone)
                                      .order_by(sandbox_sms.c.id.desc()).limit(1))).first()
        return None if row is None else dict(row._mapping)


class HttpSmsGateway:
    """A carrier-gateway-shaped adapter: POST {url}/sms/send with JSON signed with the
    gateway's own secret (HMAC-SHA256 in X-Signature), 2xx means accepted."""

    def __init__(self, url: str, *, secret: bytes = b"",
                 client: httpx.AsyncClient | None = None) -> None:
        self._url = url.rstrip("/")
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=5.0)

    async def send(self, *, phone: str, text: str, purpose: str, code: str | None) -> None:
        body = json.dumps({"mobile": phone, "content": text, "template": purpose},
                          ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
        sig = hmac.new(self._secret, body, hashlib.sha256).hexdigest()
        try:
            resp = await self._client.post(f"{self._url}/sms/send", content=body, headers={
                "Content-Type": "application/json", "X-Signature": sig})
        except httpx.HTTPError as exc:
            raise ExternalServiceError() from exc
        if resp.status_code >= 300:
            raise ExternalServiceError()
