"""Transaction serials and certificate numbers end to end, on SQLite and PostgreSQL: a purchase
through the API (X-Channel: WX) gets a WX serial and a certificate number that the holding,
the statement and the signed receipt PDF all show; concurrent movements never share a serial;
end of day numbers its movements on channel BT."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from opendeposit import clock
from opendeposit.api.app import create_app
from opendeposit.deposits import service as deposits
from opendeposit.deposits import withdraw as deposit_withdraw
from opendeposit.deposits.eod import mature_holdings
from opendeposit.deposits.models import holding
from opendeposit.ledger.models import journal_entry, transaction_serial
from opendeposit.payments import service as payments
from opendeposit.serials import Channel, certificate_valid, parse_serial
from tests.helpers import (
    PIN,
    bearer,
    deposit_ports,
    funded_customer,
    payment_ports,
    seed_catalog,
)
from tests.integration.esb_support import (
    receipts,
    rewire,
    shared_pki,  # noqa: F401  (fixture)
)


@pytest.fixture
async def rp(platform, shared_pki):  # type: ignore[no-untyped-def]  # noqa: F811
    p = rewire(platform, shared_pki)
    yield p
    await p.bus.close()
    p.esign.close()


@pytest.fixture
async def client(rp):  # type: ignore[no-untyped-def]
    app = create_app(rp.settings, platform=rp)
    app.state.platform = rp
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as c:
        yield c


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def _serial_rows(p) -> list:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        return list((await conn.execute(select(transaction_serial).order_by(
            transaction_serial.c.serial))).all())


async def test_a_purchase_receipt_shows_its_serial_and_certificate_number(rp, client) -> None:
    await seed_catalog(rp)
    c = await funded_customer(rp)
    h = {**await bearer(rp, c.customer_id), "X-Channel": "WX"}
    r = await client.post("/api/v1/deposits", headers=h, json={
        "product_code": "TD1Y", "amount": "10000.00", "pin": PIN, "idempotency_key": "b1"})
    assert r.status_code == 201, r.text
    bought = r.json()
    serial, cert = bought["transaction_serial"], bought["certificate_no"]
    day, channel, number = parse_serial(serial)
    assert channel is Channel.WX and number > 0
    assert day == clock.utcnow().astimezone(clock.BEIJING).date()
    assert certificate_valid(cert)
    # the replay answers the same serial; no second serial is stored
    again = await client.post("/api/v1/deposits", headers=h, json={
        "product_code": "TD1Y", "amount": "10000.00", "pin": PIN, "idempotency_key": "b1"})
    assert again.json()["transaction_serial"] == serial
    # the holding, the list and the statement line show them
    listed = (await client.get("/api/v1/deposits", headers=h)).json()["items"]
    assert [x["certificate_no"] for x in listed] == [cert]
    lines = (await client.get("/api/v1/account/transactions", headers=h)).json()["items"]
    by_kind = {ln["kind"]: ln for ln in lines}
    assert by_kind["deposit_purchase"]["transaction_serial"] == serial
    assert by_kind["top_up"]["transaction_serial"].startswith(f"{day:%Y%m%d}H5")  # no header
    assert by_kind["deposit_purchase"]["at"].endswith("+08:00")  # Beijing time, not UTC
    rows = await _serial_rows(rp)
    assert len(rows) == 2 and {x.channel for x in rows} == {"H5", "WX"}
    # the signed receipt PDF quotes both
    await rp.bus.relay.drain()
    (receipt,) = [x for x in await receipts(rp) if x.kind == "deposit_purchase"]
    assert receipt.status == "issued" and receipt.transaction_serial == serial
    text = _pdf_text(await rp.esign.store.get(receipt.pdf_path))
    assert serial in text and cert in text


async def test_concurrent_movements_never_share_a_serial(platform) -> None:
    await seed_catalog(platform)
    customers = [await funded_customer(platform, n, amount=2_000_000) for n in (1, 2, 3)]

    async def moves(c) -> list:  # type: ignore[no-untyped-def]
        return await asyncio.gather(
            payments.top_up(**payment_ports(platform), customer_id=c.customer_id, amount=100,
                            pin=PIN, idempotency_key="t", channel=Channel.WX),
            payments.withdraw(**payment_ports(platform), customer_id=c.customer_id,
                              amount=100, pin=PIN, idempotency_key="w"),
            deposits.purchase(**deposit_ports(platform), customer_id=c.customer_id,
                              product_code="TD1Y", amount=500_000, pin=PIN,
                              idempotency_key="b"))

    answers = [a for group in await asyncio.gather(*(moves(c) for c in customers))
               for a in group]
    assert all(a.status_code in (200, 201) for a in answers), [a.body for a in answers]
    shown = [a.body["transaction_serial"] for a in answers]
    rows = await _serial_rows(platform)
    # 3 fundings + 9 movements, every serial distinct, each number once
    assert len(rows) == 12 and len({x.serial for x in rows}) == 12
    assert len({parse_serial(x.serial)[2] for x in rows}) == 12
    assert set(shown) <= {x.serial for x in rows}
    assert {parse_serial(s)[1] for s in shown[0::3]} == {Channel.WX}
    # every serial quotes its own journal entry (none twice)
    hashes = [x.entry_hash for x in rows]
    assert None not in hashes and len(set(hashes)) == 12
    async with platform.db.read() as conn:
        entries = {h for (h,) in await conn.execute(select(journal_entry.c.hash))}
    assert set(hashes) <= entries


async def test_withdrawals_and_end_of_day_movements_are_numbered(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform)
    bought = [await deposits.purchase(**deposit_ports(platform), customer_id=c.customer_id,
                                      product_code="TD3M", amount=1_000_000, pin=PIN,
                                      idempotency_key=f"b{i}") for i in (1, 2)]
    early = await deposit_withdraw.withdraw(
        **deposit_ports(platform), customer_id=c.customer_id, holding_id=bought[0].body["id"],
        amount=None, pin=PIN, idempotency_key="e", channel=Channel.WX)
    assert early.status_code == 200
    assert parse_serial(early.body["transaction_serial"])[1] is Channel.WX
    async with platform.db.read() as conn:
        due = (await conn.execute(select(holding.c.maturity_date).where(
            holding.c.id == bought[1].body["id"]))).scalar_one()
    report = await mature_holdings(db=platform.db, vault=platform.vault,
                                   day=due + timedelta(days=1))
    assert report["processed"] == 1
    rows = {x.kind: x for x in await _serial_rows(platform)}
    assert rows["maturity_payout"].channel == "BT"
    assert rows["early_withdrawal"].serial == early.body["transaction_serial"]
    numbers = sorted(parse_serial(x.serial)[2] for x in rows.values())
    assert len(numbers) == len(set(numbers))


async def test_a_cross_origin_client_may_send_its_channel(platform) -> None:
    settings = platform.settings.model_copy(update={"cors_origins": "https://h5.example"})
    app = create_app(settings, platform=platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as c:
        r = await c.options("/api/v1/deposits", headers={
            "Origin": "https://h5.example", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-channel"})
    assert r.status_code == 200, r.text
    assert "x-channel" in r.headers["access-control-allow-headers"].lower()


async def test_the_openapi_documents_the_channel_and_the_new_fields(client) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path, method in (("/api/v1/deposits", "post"), ("/api/v1/account/top-up", "post"),
                         ("/api/v1/account/withdraw", "post"),
                         ("/api/v1/deposits/{holding_id}/withdraw", "post")):
        params = schema["paths"][path][method].get("parameters", [])
        assert {"name": "X-Channel", "in": "header"}.items() <= next(
            p for p in params if p["name"] == "X-Channel").items(), path
    models = schema["components"]["schemas"]
    assert "certificate_no" in models["HoldingView"]["properties"]
    assert "transaction_serial" in models["PurchaseResult"]["required"]
    assert "transaction_serial" in models["StatementLineView"]["properties"]
    assert "transaction_serial" in models["MoveResult"]["properties"]
    assert "transaction_serial" in models["WithdrawalResult"]["required"]
