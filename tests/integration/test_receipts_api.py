"""Receipts over HTTP: top-up → receipt listed → PDF → public verification; and every kind of
forged or damaged upload answers genuine=false with its reason, never a server error."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from opendeposit.esign.pki import init_demo_pki, load_signing_identity
from opendeposit.esign.render import render_receipt
from opendeposit.esign.service import data_from_fields
from opendeposit.esign.sign import ReceiptSigner
from opendeposit.esign.timestamps import load_local_timestamper
from opendeposit.esign.verify import MAX_PDF_BYTES
from opendeposit.payments import service as payments
from tests.helpers import PIN, api_client, bearer, open_customer, payment_ports
from tests.integration.esb_support import receipts, rewire, shared_pki  # noqa: F401
from tests.unit.esign import tamper


async def _upload(client, pdf: bytes, name: str = "r.pdf"):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/verify/receipt",
                              files={"file": (name, pdf, "application/pdf")})


async def test_top_up_to_verified_receipt_over_http(platform, shared_pki) -> None:  # noqa: F811
    p = rewire(platform, shared_pki)
    await p.bus.start_relay()  # what the app's lifespan does with the memory transport
    try:
        c, other = await open_customer(p, 1), await open_customer(p, 2)
        me, them = await bearer(p, c.customer_id), await bearer(p, other.customer_id)
        async with api_client(p) as client:
            started = time.monotonic()
            r = await client.post("/api/v1/account/top-up", headers=me, json={
                "amount": "1000.10", "pin": PIN, "idempotency_key": "k1"})
            assert r.status_code == 200, r.text
            items = await _listed(client, me)
            lag = time.monotonic() - started
            await _check_receipt(client, me, them, items[0])
    finally:
        await p.bus.close()
        p.esign.close()
    assert lag < 10, f"receipt took {lag:.1f}s"


async def _listed(client, headers) -> list[dict]:  # type: ignore[no-untyped-def]
    for _ in range(500):
        items = (await client.get("/api/v1/receipts", headers=headers)).json()["items"]
        if items:
            return items  # type: ignore[no-any-return]
        await asyncio.sleep(0.02)
    raise AssertionError("no receipt appeared")


async def _check_receipt(client, me, them, item) -> None:  # type: ignore[no-untyped-def]
    no = item["receipt_no"]
    assert item["kind"] == "top_up" and item["amount"] == "1000.10"
    assert item["amount_in_words"] == "人民币壹仟元零壹角"
    assert item["pdf_url"] == f"/api/v1/receipts/{no}/pdf"
    issued = datetime.fromisoformat(item["issued_at"])
    assert abs((datetime.now(UTC) - issued).total_seconds()) < 120
    detail = (await client.get(f"/api/v1/receipts/{no}", headers=me)).json()
    assert detail["fields"]["amount"] == 100_010 and detail["sha256"] == item["sha256"]
    pdf_resp = await client.get(item["pdf_url"], headers=me)
    assert pdf_resp.headers["content-type"] == "application/pdf"
    pdf = pdf_resp.content
    assert hashlib.sha256(pdf).hexdigest() == item["sha256"]
    lines = (await client.get("/api/v1/account/transactions", headers=me)).json()["items"]
    assert [(ln["kind"], ln["receipt_no"]) for ln in lines] == [("top_up", no)]

    report = (await _upload(client, pdf)).json()
    assert report["genuine"] is True and report["problems"] == []
    assert report["receipt_no"] == no and report["fields"] == detail["fields"]
    assert report["signer"] and report["signed_at"]
    changed = tamper.flip_byte_in_page_content(pdf)
    report = (await _upload(client, changed)).json()
    assert report["genuine"] is False and report["fields"] is None
    assert [pr["code"] for pr in report["problems"]] == ["DIGEST_MISMATCH"]
    assert report["problems"][0]["message_zh"]

    code = item["verification_code"]
    found = await client.get(f"/api/v1/verify/receipt/{no}?code={code.lower()}")
    assert found.status_code == 200 and found.json()["fields"] == detail["fields"]
    for wrong in (f"{no}?code=ZZZZZZ", f"HD2099010100000001?code={code}"):
        miss = await client.get(f"/api/v1/verify/receipt/{wrong}")
        assert miss.status_code == 404
        assert miss.json()["error"]["code"] == "RECEIPT_NOT_FOUND"

    assert (await client.get("/api/v1/receipts", headers=them)).json()["items"] == []
    for path in (f"/api/v1/receipts/{no}", item["pdf_url"]):
        assert (await client.get(path, headers=them)).status_code == 404
        assert (await client.get(path)).status_code == 401


# -- forged and damaged uploads --------------------------------------------------------------


@pytest.fixture(scope="module")
def forger(tmp_path_factory: pytest.TempPathFactory) -> ReceiptSigner:
    """Another CA copying every name of the bank's PKI."""
    paths = init_demo_pki(tmp_path_factory.mktemp("forger"), bank_name="开源商业银行")
    return ReceiptSigner(load_signing_identity(paths), load_local_timestamper(paths))


@pytest.fixture
async def issued(sqlite_platform, shared_pki):  # type: ignore[no-untyped-def]  # noqa: F811
    """Two genuine receipts on record: (platform, [pdf, pdf], [row, row])."""
    p = rewire(sqlite_platform, shared_pki)
    c = await open_customer(p)
    for i, amount in enumerate((10_000, 5_000)):
        await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=amount, pin=PIN,
                              idempotency_key=f"k{i}")
    await p.bus.relay.drain()
    rows = await receipts(p)
    pdfs = [await p.esign.store.get(r.pdf_path) for r in rows]
    yield p, pdfs, rows
    p.esign.close()


def _bank_signer(p) -> ReceiptSigner:  # type: ignore[no-untyped-def]
    return ReceiptSigner(load_signing_identity(p.esign.paths),
                         load_local_timestamper(p.esign.paths))


def _resign(signer: ReceiptSigner, row, **changes) -> bytes:  # type: ignore[no-untyped-def]
    data = dataclasses.replace(data_from_fields(json.loads(row.fields)), **changes)
    return signer.sign(render_receipt(data))


FORGERIES = {
    "not a PDF": (lambda ctx: b"GIF89a not a receipt", "NOT_PDF"),
    "empty file": (lambda ctx: b"", "NOT_PDF"),
    "over 10 MB": (lambda ctx: b"%PDF-1.7\n" + b"0" * MAX_PDF_BYTES, "TOO_LARGE"),
    "truncated": (lambda ctx: ctx["pdf"][: len(ctx["pdf"]) // 2], "MALFORMED"),
    "encrypted": (lambda ctx: tamper.encrypt(ctx["pdf"]), "ENCRYPTED"),
    "one byte changed": (lambda ctx: tamper.flip_byte_in_page_content(ctx["pdf"]),
                         "DIGEST_MISMATCH"),
    "amount changed in the signed JSON": (
        lambda ctx: ctx["pdf"].replace(b'"amount":10000', b'"amount":90000', 1),
        "DIGEST_MISMATCH"),
    "incremental update": (lambda ctx: tamper.add_annotation(ctx["pdf"]),
                           "MODIFIED_AFTER_SIGNING"),
    "page swapped": (lambda ctx: tamper.swap_page_contents(ctx["pdf"], ctx["other"]),
                     "MODIFIED_AFTER_SIGNING"),
    "page swapped by rewriting": (
        lambda ctx: tamper.rebuild_with_pages_of(ctx["pdf"], ctx["other"]), None),
    "two receipts merged": (lambda ctx: tamper.merge_pages(ctx["pdf"], ctx["other"]), None),
    "second signature": (
        lambda ctx: tamper.append_signature(ctx["pdf"], ctx["identity"], ctx["tsa"]),
        "MULTIPLE_SIGNATURES"),
    "signed by another CA": (lambda ctx: _resign(ctx["forger"], ctx["row"]),
                             "UNTRUSTED_SIGNER"),
    "bank key, unknown number": (
        lambda ctx: _resign(ctx["bank"], ctx["row"], receipt_no="HD2099010199999999"),
        "UNKNOWN_RECEIPT"),
    "bank key, other amount": (lambda ctx: _resign(ctx["bank"], ctx["row"], amount=99_999),
                               "FIELDS_MISMATCH"),
    "bank key, same fields, not the stored file": (
        lambda ctx: _resign(ctx["bank"], ctx["row"]), "SM2_INVALID"),
}


@pytest.mark.parametrize("case", FORGERIES)
async def test_forged_or_damaged_upload_is_not_genuine(issued, forger, case: str) -> None:
    p, pdfs, rows = issued
    bank = _bank_signer(p)
    ctx = {"pdf": pdfs[0], "other": pdfs[1], "row": rows[0], "forger": forger, "bank": bank,
           "identity": bank.identity, "tsa": load_local_timestamper(p.esign.paths)}
    make, expected = FORGERIES[case]
    upload = await asyncio.to_thread(make, ctx)
    async with api_client(p) as client:
        resp = await _upload(client, upload)
    assert resp.status_code == 200, resp.text
    report = resp.json()
    codes = [pr["code"] for pr in report["problems"]]
    assert report["genuine"] is False and codes
    if expected is not None:
        assert expected in codes


async def test_upload_without_a_file_is_a_validation_error(issued) -> None:
    p, _pdfs, _rows = issued
    async with api_client(p) as client:
        resp = await client.post("/api/v1/verify/receipt", data={"x": "1"})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "VALIDATION_FAILED"


def test_offline_verify_command(issued, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from opendeposit.cli import main

    p, pdfs, _rows = issued
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(pdfs[0])
    bad.write_bytes(tamper.flip_byte_in_page_content(pdfs[0]))
    pki = str(p.esign.paths.directory)
    ok = CliRunner().invoke(main, ["verify", str(good), "--pki", pki])
    assert ok.exit_code == 0 and "GENUINE" in ok.output and "top_up" in ok.output
    no = CliRunner().invoke(main, ["verify", str(bad), "--pki", pki])
    assert no.exit_code == 1 and "DIGEST_MISMATCH" in no.output


async def test_record_outage_is_a_503_not_a_forgery(issued, monkeypatch) -> None:
    from opendeposit.esign import api as esign_api

    p, pdfs, _rows = issued

    async def down(*_args: object) -> None:
        raise ConnectionError("database is down")

    monkeypatch.setattr(esign_api, "_record", down)
    async with api_client(p) as client:
        resp = await _upload(client, pdfs[0])
    assert resp.status_code == 503 and resp.json()["error"]["code"] == "VERIFY_UNAVAILABLE"


async def test_receipts_stored_in_an_s3_compatible_store(platform, shared_pki) -> None:  # noqa: F811
    """Signer writes, API and verification read, through the S3 adapter (several machines)."""
    from tests.s3_fake import ACCESS_KEY, REGION, SECRET_KEY, fake_s3

    with fake_s3() as (endpoint, state):
        p = rewire(platform, shared_pki, esign_store="s3", esign_s3_endpoint=endpoint,
                   esign_s3_bucket="receipts", esign_s3_access_key=ACCESS_KEY,
                   esign_s3_secret_key=SECRET_KEY, esign_s3_region=REGION)
        try:
            c = await open_customer(p)
            await payments.top_up(**payment_ports(p), customer_id=c.customer_id, amount=12_345,
                                  pin=PIN,
                                  idempotency_key="s3")
            await p.bus.relay.drain()
            (row,) = await receipts(p)
            assert list(state.objects) == [f"/receipts/receipts/{row.pdf_path}"]
            async with api_client(p) as client:
                pdf = (await client.get(f"/api/v1/receipts/{row.receipt_no}/pdf",
                                        headers=await bearer(p, c.customer_id))).content
                report = (await _upload(client, pdf)).json()
            assert hashlib.sha256(pdf).hexdigest() == row.sha256 and report["genuine"]
            state.objects.clear()  # the object store lost it: a clear 503, not a crash
            async with api_client(p) as client:
                gone = await client.get(f"/api/v1/receipts/{row.receipt_no}/pdf",
                                        headers=await bearer(p, c.customer_id))
            assert gone.status_code == 503
            assert gone.json()["error"]["code"] == "RECEIPT_PDF_UNAVAILABLE"
        finally:
            await p.esign.store.close()
            await p.bus.close()
            p.esign.close()
