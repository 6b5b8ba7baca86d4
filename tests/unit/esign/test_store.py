"""The ReceiptStore port: one contract for the directory and the S3-compatible adapters; SigV4
against AWS's published example; adapters chosen by settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from opendeposit.config import load_settings
from opendeposit.esign.api import stored_pdf
from opendeposit.esign.s3 import EMPTY_SHA256, S3ReceiptStore, sign_request
from opendeposit.esign.store import (
    FileReceiptStore,
    ReceiptFileMissing,
    ReceiptStoreUnavailable,
    build_store,
    key_for,
)
from tests.s3_fake import ACCESS_KEY, REGION, SECRET_KEY, fake_s3

KEY = key_for("HD2025060200000001", dt.date(2025, 6, 2))


@pytest.fixture(params=["directory", "s3"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    if request.param == "directory":
        yield FileReceiptStore(tmp_path / "receipts")
        return
    with fake_s3() as (endpoint, _state):
        s3 = S3ReceiptStore(endpoint, "receipts-bucket", access_key=ACCESS_KEY,
                            secret_key=SECRET_KEY, region=REGION)
        yield s3
        await s3.close()


async def test_put_then_get_gives_the_same_bytes(store) -> None:  # type: ignore[no-untyped-def]
    await store.put(KEY, b"%PDF-1.7 first")
    await store.put(KEY, b"%PDF-1.7 second")  # replaced whole
    assert await store.get(KEY) == b"%PDF-1.7 second"


async def test_missing_key(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ReceiptFileMissing):
        await store.get(key_for("HD2025060200000099", dt.date(2025, 6, 2)))


@pytest.mark.parametrize("key", ["../etc/passwd", "2025/06/x.pdf", "2025/06/HD1.pdf/../a"])
async def test_only_receipt_keys(store, key: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        await store.put(key, b"x")


def test_directory_layout(tmp_path: Path) -> None:
    assert FileReceiptStore(tmp_path).path(KEY) == tmp_path / "2025/06/HD2025060200000001.pdf"


async def test_s3_objects_live_under_the_prefix_in_the_bucket() -> None:
    with fake_s3() as (endpoint, state):
        s3 = S3ReceiptStore(endpoint, "rcpt", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                            region=REGION, prefix="bank-a/receipts/")
        await s3.put(KEY, b"pdf")
        await s3.close()
    assert list(state.objects) == [f"/rcpt/bank-a/receipts/{KEY}"]


async def test_s3_wrong_secret_is_refused_as_unavailable() -> None:
    with fake_s3() as (endpoint, state):
        s3 = S3ReceiptStore(endpoint, "rcpt", access_key=ACCESS_KEY, secret_key="wrong",
                            region=REGION)
        with pytest.raises(ReceiptStoreUnavailable):
            await s3.put(KEY, b"pdf")
        with pytest.raises(ReceiptStoreUnavailable):
            await s3.get(KEY)
        await s3.close()
    assert state.refused == 2 and not state.objects


async def test_s3_down_is_unavailable_not_missing() -> None:
    with fake_s3() as (endpoint, _state):
        pass  # the server is gone once the block ends
    s3 = S3ReceiptStore(endpoint, "rcpt", access_key=ACCESS_KEY, secret_key=SECRET_KEY,
                        timeout=2)
    with pytest.raises(ReceiptStoreUnavailable):
        await s3.get(KEY)
    await s3.close()


def test_sigv4_matches_the_aws_s3_example() -> None:
    """AWS S3 API reference, "Example: GET Object" (Signature Version 4, header auth)."""
    headers = sign_request(
        "GET", "https://examplebucket.s3.amazonaws.com/test.txt", {"Range": "bytes=0-9"},
        EMPTY_SHA256, access_key="AKIAIOSFODNN7EXAMPLE",
        secret_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region="us-east-1",
        now=dt.datetime(2013, 5, 24, tzinfo=dt.UTC))
    assert headers["Authorization"].endswith(
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    assert "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date" in headers["Authorization"]


def test_settings_choose_the_adapter(tmp_path: Path) -> None:
    default = build_store(load_settings(data_dir=tmp_path))
    assert isinstance(default, FileReceiptStore) and default.root == tmp_path / "receipts"
    shared = build_store(load_settings(data_dir=tmp_path, esign_store_dir=tmp_path / "nfs"))
    assert isinstance(shared, FileReceiptStore) and shared.root == tmp_path / "nfs"
    s3 = build_store(load_settings(
        data_dir=tmp_path, esign_store="s3", esign_s3_endpoint="https://s3.example.cn",
        esign_s3_bucket="rcpt", esign_s3_access_key="AK", esign_s3_secret_key="SK"))
    assert isinstance(s3, S3ReceiptStore)
    assert s3.url(KEY) == f"https://s3.example.cn/rcpt/receipts/{KEY}"
    with pytest.raises(ValueError):
        build_store(load_settings(data_dir=tmp_path, esign_store="s3"))  # nothing configured


async def test_a_stored_file_that_does_not_match_its_record_is_not_served(tmp_path) -> None:
    store = FileReceiptStore(tmp_path)
    await store.put(KEY, b"other bytes")
    row = SimpleNamespace(pdf_path=KEY, sha256="0" * 64, receipt_no="HD2025060200000001")
    with pytest.raises(ReceiptStoreUnavailable):
        await stored_pdf(store, row)
