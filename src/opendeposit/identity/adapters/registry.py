"""Citizen-ID registry adapters: the sandbox registry (a table) and an NCIIC-shaped HTTP client.

Both answer like 联网核查: match (with the registry photo), name mismatch, no such number, or
— the invalidated-card check — this card was reported lost or replaced (失效身份证).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import Boolean, Column, DateTime, LargeBinary, String, Table, Text, false, select

from opendeposit.db import Database, metadata
from opendeposit.identity import errors
from opendeposit.identity.domain import normalize_name
from opendeposit.identity.ports import ModelInfo, RegistryAnswer, RegistryResult

sandbox_citizen = Table(
    "sandbox_citizen",
    metadata,
    Column("id_number", String(18), primary_key=True),
    Column("name", Text, nullable=False),
    Column("photo", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("card_invalidated", Boolean, nullable=False, server_default=false()),  # 0090
)


class SandboxRegistry:
    """The simulated registry behind POST /sandbox/citizens."""

    model = ModelInfo("sandbox citizen registry", "1")

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, *, name: str, id_number: str, photo: bytes | None,
                  card_invalidated: bool = False) -> None:
        values = {"name": normalize_name(name), "photo": photo,
                  "card_invalidated": card_invalidated}
        async with self._db.transaction() as conn:
            stmt = self._db.insert(sandbox_citizen).values(
                id_number=id_number, created_at=datetime.now(UTC), **values)
            await conn.execute(stmt.on_conflict_do_update(
                index_elements=[sandbox_citizen.c.id_number], set_=values))

    async def set_photo(self, *, id_number: str, photo: bytes) -> bool:
        """Replace a person's registry photo (the demo's own-camera face step)."""
        from sqlalchemy import update

        async with self._db.transaction() as conn:
            done = await conn.execute(update(sandbox_citizen).where(
                sandbox_citizen.c.id_number == id_number).values(photo=photo))
        return bool(done.rowcount)

    async def check(self, *, name: str, id_number: str, valid_from: date | None = None,
                    valid_to: date | None = None) -> RegistryAnswer:
        async with self._db.read() as conn:
            row = (await conn.execute(select(sandbox_citizen).where(
                sandbox_citizen.c.id_number == id_number))).first()
        ref = "SBX" + secrets.token_hex(6).upper()
        if row is None:
            return RegistryAnswer(RegistryResult.NOT_FOUND, reference=ref)
        if normalize_name(row.name) != normalize_name(name):
            return RegistryAnswer(RegistryResult.NAME_MISMATCH, reference=ref)
        if row.card_invalidated:
            return RegistryAnswer(RegistryResult.INVALIDATED, reference=ref)
        return RegistryAnswer(RegistryResult.MATCH, photo=row.photo, reference=ref)


class HttpRegistry:
    """A channel-shaped client: POST {url}/citizen/verify {name, id_number} with an HMAC header.

    Sends `valid_from`/`valid_to` (ISO dates) when known, for the invalidated-card check.
    Expected answer: {"result": "match"|"name_mismatch"|"not_found"|"invalidated", "photo"?,
    "reference": str}. Anything else, or no answer in time, is CITIZEN_REGISTRY_UNAVAILABLE.
    """

    model = ModelInfo("citizen-id check over HTTP", "1")

    def __init__(self, url: str, *, secret: bytes, client: httpx.AsyncClient | None = None,
                 timeout: float = 5.0) -> None:
        self._url = url.rstrip("/")
        self._secret = secret
        self._client = client or httpx.AsyncClient(timeout=timeout)

    async def check(self, *, name: str, id_number: str, valid_from: date | None = None,
                    valid_to: date | None = None) -> RegistryAnswer:
        body = {"name": name, "id_number": id_number}
        if valid_from:
            body["valid_from"] = valid_from.isoformat()
        if valid_to:
            body["valid_to"] = valid_to.isoformat()
        raw = httpx.Request("POST", "/", json=body).content
        sig = hmac.new(self._secret, raw, hashlib.sha256).hexdigest()
        try:
            resp = await self._client.post(f"{self._url}/citizen/verify", content=raw,
                                           headers={"Content-Type": "application/json",
                                                    "X-Signature": sig})
            data = resp.json() if resp.status_code == 200 else None
        except (httpx.HTTPError, ValueError) as exc:
            raise errors.RegistryUnavailable() from exc
        if not isinstance(data, dict):
            raise errors.RegistryUnavailable()
        try:
            result = RegistryResult(data["result"])
            photo = base64.b64decode(data["photo"], validate=True) if data.get("photo") else None
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise errors.RegistryUnavailable() from exc
        return RegistryAnswer(result, photo=photo, reference=str(data.get("reference", "")))
