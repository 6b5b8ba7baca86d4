"""Where signed receipt PDFs live: a port, and its filesystem adapter (an object store later)."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from pathlib import Path
from typing import Protocol

_KEY_RE = re.compile(r"^\d{4}/\d{2}/[A-Z0-9]{6,24}\.pdf$")


class ReceiptStore(Protocol):
    """Write-once-ish blob storage keyed by `key_for`; `put` replaces atomically."""

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...


def key_for(receipt_no: str, business_date: dt.date) -> str:
    """`YYYY/MM/receipt_no.pdf`: the layout an operator finds files by."""
    return f"{business_date:%Y/%m}/{receipt_no}.pdf"


class FileReceiptStore:
    """`{data_dir}/receipts/YYYY/MM/receipt_no.pdf`, written atomically and fsynced."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        if not _KEY_RE.match(key):
            raise ValueError(f"not a receipt key: {key!r}")
        return self.root / key

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path(key).read_bytes)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data):x}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
