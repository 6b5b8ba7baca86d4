"""The edge of every request (api.md, Operations): request ids carried to the receipt record,
security headers, readiness, metrics, bounded path ids, unreadable bodies."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import select

from opendeposit.api.app import create_app
from opendeposit.esb.outbox import outbox
from opendeposit.esign.models import receipt
from tests.helpers import PIN, bearer, open_customer
from tests.integration.esb_support import rewire, shared_pki  # noqa: F401


def client_for(p, **settings):  # type: ignore[no-untyped-def]
    if settings:
        p.settings = p.settings.model_copy(update=settings)
    app = create_app(p.settings, platform=p)
    app.state.platform = p
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_request_id_reaches_the_outbox_and_the_signed_receipt(platform,
                                                                    shared_pki) -> None:  # noqa: F811
    p = rewire(platform, shared_pki)
    c = await open_customer(p)
    h = {**await bearer(p, c.customer_id), "X-Request-ID": "topup-req_0001"}
    async with client_for(p) as client:
        r = await client.post("/api/v1/account/top-up", headers=h,
                              json={"amount": "12.34", "pin": PIN, "idempotency_key": "rid"})
    assert r.status_code == 200, r.text
    assert r.headers["X-Request-ID"] == "topup-req_0001"
    async with p.db.read() as conn:
        traces = (await conn.execute(select(outbox.c.trace_id))).scalars().all()
    assert traces == ["topup-req_0001"]
    await p.bus.relay.drain()
    async with p.db.read() as conn:
        row = (await conn.execute(select(receipt.c.trace_id, receipt.c.status))).one()
    assert row.trace_id == "topup-req_0001" and row.status == "issued"


async def test_a_bad_request_id_is_replaced_and_headers_are_set(platform) -> None:
    async with client_for(platform) as client:
        r = await client.get("/api/v1/products", headers={"X-Request-ID": "bad id;drop"})
        made = r.headers["X-Request-ID"]
        assert made != "bad id;drop" and len(made) == 32
        other = (await client.get("/api/v1/products")).headers["X-Request-ID"]
    assert other != made
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in r.headers  # public_url is http here


async def test_hsts_and_explicit_cors(platform) -> None:
    async with client_for(platform, public_url="https://bank.example",
                          cors_origins="https://console.bank.example") as client:
        r = await client.options("/api/v1/products", headers={
            "Origin": "https://console.bank.example", "Access-Control-Request-Method": "GET"})
        assert r.headers["access-control-allow-origin"] == "https://console.bank.example"
        evil = await client.get("/api/v1/products", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers
    assert evil.headers["Strict-Transport-Security"].startswith("max-age=31536000")


async def test_readyz_names_the_failing_part(platform) -> None:
    async with client_for(platform) as client:
        ok = await client.get("/readyz")
    assert ok.status_code == 200, ok.text
    assert ok.json()["checks"]["database"]["ok"] is True
    platform.settings = platform.settings.model_copy(update={
        "esb_transport": "amqp", "esb_amqp_url": "amqp://guest:guest@127.0.0.1:1/"})
    async with client_for(platform) as client:
        bad = await client.get("/readyz")
    assert bad.status_code == 503 and bad.json()["failing"] == ["broker"]


async def test_metrics_expose_the_named_series(platform) -> None:
    c = await open_customer(platform)
    async with client_for(platform) as client:
        await client.get("/api/v1/products")
        await client.post("/api/v1/account/top-up", headers=await bearer(platform, c.customer_id),
                          json={"amount": "1.00", "pin": PIN, "idempotency_key": "m"})
        text = (await client.get("/metrics")).text
    for name in ("opendeposit_http_requests_total", "opendeposit_http_request_duration_seconds",
                 "opendeposit_outbox_backlog", "opendeposit_dead_letters",
                 "opendeposit_receipt_lag_seconds", "opendeposit_accounts_opened_total",
                 "opendeposit_deposits_total", "opendeposit_eod_duration_seconds"):
        assert name in text, name
    assert 'route="/api/v1/products"' in text
    assert "opendeposit_accounts_opened_total 1.0" in text
    assert "opendeposit_outbox_backlog 1.0" in text  # the receipt request, no relay running


HUGE = "189179450975823180333056"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", f"/api/v1/onboarding/{HUGE}"), ("POST", f"/api/v1/onboarding/{HUGE}/id-card"),
    ("POST", f"/api/v1/onboarding/{HUGE}/identity"),
    ("POST", f"/api/v1/onboarding/{HUGE}/residence-proof"),
    ("POST", f"/api/v1/onboarding/{HUGE}/submit"),
    ("GET", f"/api/v1/onboarding/{HUGE}/face/challenge"),
    ("GET", f"/api/v1/deposits/{HUGE}"), ("GET", "/api/v1/onboarding/9223372036854775808"),
])
async def test_path_ids_beyond_bigint_are_422(platform, method: str, path: str) -> None:
    c = await open_customer(platform)
    async with client_for(platform) as client:
        r = await client.request(method, path, headers=await bearer(platform, c.customer_id),
                                 json={})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "VALIDATION_FAILED"


async def test_the_largest_bigint_id_is_a_plain_404(platform) -> None:
    c = await open_customer(platform)
    async with client_for(platform) as client:
        r = await client.get("/api/v1/onboarding/9223372036854775807",
                             headers=await bearer(platform, c.customer_id))
    assert r.status_code == 404


async def test_a_body_that_is_not_utf8_is_a_documented_422(platform) -> None:
    async with client_for(platform) as client:
        r = await client.post("/api/v1/auth/sms-code", content=b'{"phone": "\xff\xfe"}',
                              headers={"Content-Type": "application/json"})
        schema = (await client.get("/openapi.json")).json()
    assert r.status_code == 422 and r.json()["error"]["code"] == "BODY_UNREADABLE"
    assert "422" in schema["paths"]["/api/v1/auth/sms-code"]["post"]["responses"]
    assert json.dumps(schema).count('"429"') > 10
