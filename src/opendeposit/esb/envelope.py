"""The bus envelope (报文头 + 报文体): what every transport carries, built from an outbox row."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from opendeposit.errors import OpenDepositError


class MalformedEnvelope(OpenDepositError, ValueError):
    code = "ESB_MALFORMED_ENVELOPE"
    message_en = "The bus message is not a valid envelope."
    message_zh = "总线报文格式不正确。"


_HEADER_FIELDS = ("message_id", "global_serial", "service_code", "source_system",
                  "target_system", "trace_id")


@dataclass(frozen=True)
class Envelope:
    """One message: header fields fixed by esb/docs.md, `body` versioned by `schema_version`."""

    message_id: str
    global_serial: str  # 全局流水号
    service_code: str
    source_system: str
    target_system: str
    created_at: datetime
    trace_id: str
    schema_version: int
    body: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0  # delivery attempts already failed (informational)

    @classmethod
    def from_row(cls, row: Any) -> Envelope:
        """From an `esb_outbox` row (SQLite hands back naive UTC datetimes)."""
        created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
        return cls(message_id=row.message_id, global_serial=row.global_serial,
                   service_code=row.service_code, source_system=row.source_system,
                   target_system=row.target_system, created_at=created, trace_id=row.trace_id,
                   schema_version=row.schema_version, body=json.loads(row.body),
                   attempt=row.attempts)

    def to_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in _HEADER_FIELDS},
                "created_at": self.created_at.isoformat(), "schema_version": self.schema_version,
                "attempt": self.attempt, "body": self.body}

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        """Parse what `to_bytes` wrote; anything else raises MalformedEnvelope."""
        try:
            raw = json.loads(data)
            header = {name: raw[name] for name in _HEADER_FIELDS}
            if not all(isinstance(v, str) and v for v in header.values()):
                raise TypeError("header fields must be non-empty strings")
            if not isinstance(raw["body"], dict) or not isinstance(raw["schema_version"], int):
                raise TypeError("body must be an object, schema_version an int")
            created = datetime.fromisoformat(raw["created_at"])
            return cls(**header, created_at=created, schema_version=raw["schema_version"],
                       body=raw["body"], attempt=int(raw.get("attempt", 0)))
        except (ValueError, KeyError, TypeError) as exc:
            raise MalformedEnvelope(details={"cause": type(exc).__name__}) from exc
