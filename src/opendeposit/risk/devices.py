"""Server-issued, signed device ids: issued at first contact or login, HMAC-signed by the
server, verified on every call that carries one. A string the client made up does not verify
and is treated as an unknown device (a new id is issued in its place).

Format: `d1.<issued, hex epoch seconds>.<16 random chars>.<22-char HMAC-SHA256>` (51 chars).
The key is derived from the platform's lookup key, so nothing new has to be provisioned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

PREFIX = "d1"
_KEY_LABEL = "opendeposit/device-id/v1"


class _Hasher(Protocol):
    def lookup_hash(self, value: str) -> str: ...


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@dataclass(frozen=True)
class Device:
    id: str
    known: bool  # True: the caller presented this id and it verified; False: newly issued
    issued_at: datetime


class DeviceIds:
    def __init__(self, key: bytes) -> None:
        self._key = key

    @classmethod
    def from_vault(cls, vault: _Hasher) -> DeviceIds:
        """A key derived from the lookup key (an HMAC of a fixed label), never stored."""
        return cls(vault.lookup_hash(_KEY_LABEL).encode())

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self._key, body.encode(), hashlib.sha256).digest())[:22]

    def issue(self, now: datetime) -> str:
        body = f"{PREFIX}.{int(now.timestamp()):x}.{secrets.token_urlsafe(12)}"
        return f"{body}.{self._mac(body)}"

    def verify(self, value: str | None) -> datetime | None:
        """When `value` is an id we issued, the time it was issued; otherwise None."""
        if not isinstance(value, str) or len(value) > 64 or not value.isascii():
            return None
        parts = value.split(".")
        if len(parts) != 4 or parts[0] != PREFIX:
            return None
        body = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3], self._mac(body)):
            return None
        try:
            return datetime.fromtimestamp(int(parts[1], 16), UTC)
        except (ValueError, OverflowError):
            return None

    def recognise(self, value: str | None, now: datetime) -> Device:
        """The caller's device: theirs when it verifies, else a newly issued one."""
        issued = self.verify(value)
        if issued is not None and value is not None:
            return Device(value, True, issued)
        return Device(self.issue(now), False, now)
