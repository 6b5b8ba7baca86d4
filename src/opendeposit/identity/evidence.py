"""Evidence of every onboarding step: encrypted image blobs and encrypted detail records.

Rows are only ever inserted. Images are encrypted with the platform's data key (Fernet, like
the Vault's field encryption) and kept in the database, so that evidence shares the business
transaction, the backups and the ≥ 10-year retention of the rest (domain.md §11.11).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.identity.models import onboarding_blob, onboarding_evidence
from opendeposit.security import DataCipher, Vault


@dataclass(frozen=True)
class Context:
    """Where a request came from: kept with each evidence row."""

    actor: str
    device_id: str | None = None
    ip: str | None = None
    location: dict[str, Any] | None = None


class BlobCipher:
    def __init__(self, data_key: bytes | DataCipher) -> None:
        # a DataCipher follows data-key rotation (`opendeposit keys rotate`)
        self._fernet = data_key if isinstance(data_key, DataCipher) else Fernet(data_key)

    def seal(self, data: bytes) -> bytes:
        return self._fernet.encrypt(data)

    def open(self, token: bytes) -> bytes:
        return self._fernet.decrypt(token)


async def put_blob(conn: AsyncConnection, cipher: BlobCipher, data: bytes,
                   content_type: str) -> int:
    return int((await conn.execute(onboarding_blob.insert().values(
        sha256=hashlib.sha256(data).hexdigest(), content_type=content_type, size=len(data),
        data=cipher.seal(data), created_at=clock.utcnow()).returning(onboarding_blob.c.id)
    )).scalar_one())


async def record(conn: AsyncConnection, vault: Vault, *, application_id: int, step: str,
                 kind: str, ctx: Context, detail: dict[str, Any] | None = None,
                 blob_id: int | None = None, model: str | None = None,
                 outcome: str = "ok") -> int:
    """One evidence row; `detail` is stored encrypted (it may hold OCR'd personal data)."""
    return int((await conn.execute(onboarding_evidence.insert().values(
        application_id=application_id, step=step, kind=kind, blob_id=blob_id,
        detail_enc=vault.encrypt(json.dumps(detail, ensure_ascii=False, default=str))
        if detail is not None else None,
        model=model[:120] if model else None, outcome=outcome, actor=ctx.actor,
        device_id=ctx.device_id, ip=ctx.ip,
        location_enc=vault.encrypt(json.dumps(ctx.location)) if ctx.location else None,
        created_at=clock.utcnow()).returning(onboarding_evidence.c.id))).scalar_one())


async def evidence_list(conn: AsyncConnection, vault: Vault,
                        application_id: int) -> list[dict[str, Any]]:
    rows = (await conn.execute(select(onboarding_evidence, onboarding_blob.c.content_type,
                                      onboarding_blob.c.sha256, onboarding_blob.c.size)
                               .outerjoin(onboarding_blob,
                                          onboarding_blob.c.id == onboarding_evidence.c.blob_id)
                               .where(onboarding_evidence.c.application_id == application_id)
                               .order_by(onboarding_evidence.c.id))).all()
    return [{
        "id": r.id, "step": r.step, "kind": r.kind, "outcome": r.outcome, "model": r.model,
        "actor": r.actor, "device_id": r.device_id, "ip": r.ip,
        "location": json.loads(vault.decrypt(r.location_enc)) if r.location_enc else None,
        "at": clock.as_utc(r.created_at).isoformat(),
        "detail": json.loads(vault.decrypt(r.detail_enc)) if r.detail_enc else None,
        "image": {"content_type": r.content_type, "sha256": r.sha256, "size": r.size}
        if r.blob_id else None,
    } for r in rows]


async def evidence_image(conn: AsyncConnection, cipher: BlobCipher, *, application_id: int,
                         evidence_id: int) -> tuple[bytes, str] | None:
    row = (await conn.execute(select(onboarding_blob.c.data, onboarding_blob.c.content_type)
                              .join(onboarding_evidence,
                                    onboarding_evidence.c.blob_id == onboarding_blob.c.id)
                              .where(onboarding_evidence.c.id == evidence_id,
                                     onboarding_evidence.c.application_id == application_id))
           ).first()
    return None if row is None else (cipher.open(row.data), row.content_type)


async def blob_bytes(conn: AsyncConnection, cipher: BlobCipher, blob_id: int) -> bytes:
    token = (await conn.execute(select(onboarding_blob.c.data).where(
        onboarding_blob.c.id == blob_id))).scalar_one()
    return cipher.open(token)
