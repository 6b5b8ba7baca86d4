"""Where signed receipt PDFs live, readable by every signer and API process on every machine:
the `ReceiptStore` port, a local or shared directory, or an S3-compatible object store.

Both adapters raise `ReceiptFileMissing` (a FileNotFoundError) for a key that is not there and
`ReceiptStoreUnavailable` (an OSError) when the store cannot answer, so callers handle one
kind of failure whatever the backend.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from opendeposit.config import Settings

_KEY_RE = re.compile(r"^\d{4}/\d{2}/[A-Z0-9]{6,24}\.pdf$")


class ReceiptFileMissing(FileNotFoundError):
    """No object under this key."""


class ReceiptStoreUnavailable(OSError):
    """The store did not answer as it should (network, permissions, a damaged object)."""


class ReceiptStore(Protocol):
    """Write-once blob storage keyed by `key_for`; `put` replaces atomically."""

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def close(self) -> None: ...


def key_for(receipt_no: str, business_date: dt.date) -> str:
    """`YYYY/MM/receipt_no.pdf`: the layout an operator finds files by."""
    return f"{business_date:%Y/%m}/{receipt_no}.pdf"


def check_key(key: str) -> str:
    if not _KEY_RE.match(key):
        raise ValueError(f"not a receipt key: {key!r}")
    return key


class FileReceiptStore:
    """`{root}/YYYY/MM/receipt_no.pdf`, written atomically (temp file, fsync, rename).

    `root` is local for one machine, or a shared directory (NFS, CIFS) mounted at the same
    path on every machine: the rename is atomic there too, so readers never see half a file.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self.path(key), data)

    async def get(self, key: str) -> bytes:
        path = self.path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise ReceiptFileMissing(f"no receipt file {key}") from exc
        except OSError as exc:
            raise ReceiptStoreUnavailable(f"receipt file {key} unreadable: {exc}") from exc

    async def close(self) -> None:
        return None

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(data):x}.tmp")
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


def build_store(settings: Settings) -> ReceiptStore:
    """The adapter the settings name: `file` (default: data_dir/receipts) or `s3`."""
    if settings.esign_store == "s3":
        from opendeposit.esign.s3 import S3ReceiptStore  # httpx only where it is used

        return S3ReceiptStore.from_settings(settings)
    return FileReceiptStore(settings.esign_store_dir or settings.data_dir / "receipts")
