"""Data-key rotation without downtime: a new key becomes the one that encrypts, every process
picks it up from disk (security.DataCipher), then the stored personal data is re-encrypted in
small batches; the old key stays to decrypt until nothing needs it (`keys retire`)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import LargeBinary, Table, and_, select, tuple_

from opendeposit.security import OLD_KEYS_DIR, DataCipher


@dataclass(frozen=True)
class Encrypted:
    table: Table
    column: str
    binary: bool


def encrypted_columns() -> list[Encrypted]:
    """Every column the data key protects: `*_enc` text and the onboarding evidence blobs."""
    import opendeposit.models  # noqa: F401  (every context's tables on the metadata)
    from opendeposit.db import metadata

    found = []
    for table in metadata.sorted_tables:
        for col in table.columns:
            if col.name.endswith("_enc"):
                found.append(Encrypted(table, col.name, False))
            elif table.name == "onboarding_blob" and col.name == "data":
                found.append(Encrypted(table, col.name, isinstance(col.type, LargeBinary)))
    return found


def install_new_key(directory: Path) -> Path:
    """Keep the current data key under data-old/ and make a fresh one current (atomically)."""
    old_dir = directory / OLD_KEYS_DIR
    old_dir.mkdir(mode=0o700, exist_ok=True)
    current = (directory / "data.key").read_bytes()
    kept = old_dir / f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}.key"
    fd = os.open(kept, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(current)
    tmp = directory / "data.key.new"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key())
    os.replace(tmp, directory / "data.key")
    return kept


async def reencrypt(db: Any, cipher: DataCipher, *, batch: int = 500,
                    progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Rewrite every value not under the newest key; one short transaction per batch, each
    update guarded by the old value (a row changed meanwhile was written with the new key)."""
    done: dict[str, int] = {}
    for enc in encrypted_columns():
        label = f"{enc.table.name}.{enc.column}"
        done[label] = await _column(db, cipher, enc, batch, progress, label)
    return done


async def _column(db: Any, cipher: DataCipher, enc: Encrypted, batch: int,
                  progress: Callable[[str, int], None] | None, label: str, *,
                  write: bool = True) -> int:
    """Values not under the newest key, in primary-key order: rewritten (or only counted)."""
    pk = list(enc.table.primary_key.columns)
    col = enc.table.c[enc.column]
    last: tuple[Any, ...] | None = None
    rewritten = 0
    while True:
        stmt = select(*pk, col).where(col.is_not(None)).order_by(*pk).limit(batch)
        if last is not None:
            stmt = stmt.where(_after(pk, last))
        async with db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        if not rows:
            return rewritten
        changes = []
        for row in rows:
            value = row[-1]
            token = value if enc.binary else value.encode()
            if not cipher.is_current(token):
                fresh = cipher.rotate(token)
                changes.append((tuple(row[:-1]), value, fresh if enc.binary else fresh.decode()))
        if changes and write:
            async with db.transaction() as conn:
                for key, old, new in changes:
                    where = and_(*(c == v for c, v in zip(pk, key, strict=True)), col == old)
                    await conn.execute(enc.table.update().where(where).values({col.name: new}))
        rewritten += len(changes)
        last = tuple(rows[-1][:-1])
        if progress is not None:
            progress(label, rewritten)
        await asyncio.sleep(0)  # let a busy database breathe between batches


def _after(pk: list[Any], last: tuple[Any, ...]) -> Any:
    if len(pk) == 1:
        return pk[0] > last[0]
    return tuple_(*pk) > tuple_(*last)


async def left_on_old_keys(db: Any, cipher: DataCipher) -> dict[str, int]:
    """How many stored values the newest key cannot open (0 everywhere: safe to retire)."""
    left: dict[str, int] = {}
    for enc in encrypted_columns():
        label = f"{enc.table.name}.{enc.column}"
        left[label] = await _column(db, cipher, enc, 1000, None, label, write=False)
    return left


def retire_old_keys(directory: Path) -> int:
    old = directory / OLD_KEYS_DIR
    files = sorted(old.glob("*.key")) if old.is_dir() else []
    for f in files:
        f.unlink()
    return len(files)
