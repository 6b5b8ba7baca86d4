"""Buying a time deposit through the HTTP API on both engines: effects, replays, refusals."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import mask_account_no
from opendeposit.esb.outbox import outbox
from opendeposit.ledger.service import balance, verify
from opendeposit.money import parse_amount
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    demand_balance,
    funded_customer,
    ledger_state,
    publish_product,
    seed_catalog,
)


async def _buy(client, headers, code: str, amount: str, key: str = "k1", pin: str = PIN):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/deposits", headers=headers, json={
        "product_code": code, "amount": amount, "pin": pin, "idempotency_key": key})


async def _verify(p) -> None:  # type: ignore[no-untyped-def]
    async with p.db.read() as conn:
        report = await verify(conn)
    assert report.ok, report.problems


async def test_purchase_moves_the_balance_into_its_own_holding_account(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=5_000_000)
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        before = (await client.get("/api/v1/products/TD1Y")).json()["quota_left"]
        resp = await _buy(client, headers, "TD1Y", "10000.00")
        assert resp.status_code == 201, resp.text
        h = resp.json()
        assert h["product_code"] == "TD1Y" and h["principal"] == "10000.00"
        assert h["rate"] == "1.20" and h["status"] == "active"
        assert h["start_date"] == "2025-06-02" and h["maturity_date"] == "2026-06-02"
        assert h["accrued_interest"] == "0.00" and h["interest_at_maturity"] == "120.00"
        assert h["auto_rollover"] is False and h["partial_withdrawn"] is False
        listed = (await client.get("/api/v1/deposits", headers=headers)).json()["items"]
        assert [x["id"] for x in listed] == [h["id"]]
        one = (await client.get(f"/api/v1/deposits/{h['id']}", headers=headers)).json()
        serial = h.pop("transaction_serial")  # the purchase's answer also names its movement
        assert serial[8:10] == "H5" and len(serial) == 22
        assert one == h and h["certificate_no"].startswith("3188")
        after = (await client.get("/api/v1/products/TD1Y")).json()["quota_left"]
    assert parse_amount(before) - parse_amount(after) == 1_000_000
    assert await demand_balance(platform, c) == 4_000_000
    async with platform.db.read() as conn:
        assert await balance(conn, f"2151-{h['id']:012d}") == 1_000_000
        msg = (await conn.execute(select(outbox))).all()[-1]
    assert msg.service_code == "ESIGN.RECEIPT.ISSUE" and msg.target_system == "ESIGN"
    body = json.loads(msg.body)
    assert body["receipt_kind"] == "deposit_purchase" and body["holding_id"] == h["id"]
    assert body["amount"] == "10000.00" and body["annual_rate"] == "1.20"
    assert body["customer_name_masked"] == "测*1"
    assert body["account_no_masked"] == mask_account_no(c.account.account_no)
    assert len(body["ledger_entry_hash"]) == 64
    await _verify(platform)


async def test_replay_returns_the_first_holding_and_a_changed_body_conflicts(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform)
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        first = await _buy(client, headers, "TD6M", "1000.00", key="same")
        again = await _buy(client, headers, "TD6M", "1000.00", key="same")
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        other = await _buy(client, headers, "TD6M", "1001.00", key="same")
        assert other.status_code == 409
        assert other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
        listed = (await client.get("/api/v1/deposits", headers=headers)).json()["items"]
    assert len(listed) == 1
    assert await demand_balance(platform, c) == 5_000_000 - 100_000


async def _refused(platform, client, headers, code, amount, expected, *, status=422,  # type: ignore[no-untyped-def]
                   pin=PIN) -> None:
    before = await ledger_state(platform)
    resp = await _buy(client, headers, code, amount, key=f"bad-{code}-{amount}-{pin}", pin=pin)
    assert resp.status_code == status, resp.text
    assert resp.json()["error"]["code"] == expected
    assert await ledger_state(platform) == before


async def test_bad_purchases_have_stable_codes_and_write_nothing(platform) -> None:
    await seed_catalog(platform)
    await publish_product(platform, "CAPPED", max_per_customer=100_000, total_quota=10_000_000)
    await publish_product(platform, "GD-ONLY", service_area_prefixes=("44",))
    await publish_product(platform, "LATER", sale_start=date(2025, 7, 1))
    await publish_product(platform, "STOPPED")
    from opendeposit.products import service as products
    from opendeposit.staff.demo import seed_demo_staff

    checker = (await seed_demo_staff(platform))["checker"][0]
    await products.suspend(platform, code="STOPPED", staff_id=checker, reason="test")
    c = await funded_customer(platform, amount=3_000_000)
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        await _refused(platform, client, headers, "TD1Y", "49.99", "AMOUNT_BELOW_MINIMUM")
        await _refused(platform, client, headers, "TD1Y", "50.50", "AMOUNT_OFF_STEP")
        await _refused(platform, client, headers, "LCD3Y", "200000.00", "INSUFFICIENT_FUNDS")
        await _refused(platform, client, headers, "CAPPED", "1001.00", "ABOVE_CUSTOMER_LIMIT")
        await _refused(platform, client, headers, "GD-ONLY", "100.00", "REGION_NOT_ELIGIBLE")
        await _refused(platform, client, headers, "LATER", "100.00", "PRODUCT_NOT_ON_SALE")
        await _refused(platform, client, headers, "STOPPED", "100.00", "PRODUCT_NOT_ON_SALE")
        await _refused(platform, client, headers, "NOPE", "100.00", "PRODUCT_NOT_FOUND",
                       status=404)
        await _refused(platform, client, headers, "TD1Y", "100.001", "INVALID_AMOUNT")
        await _refused(platform, client, headers, "TD1Y", "100.00", "PIN_WRONG", status=403,
                       pin="000001")
        assert (await _buy(client, headers, "CAPPED", "600.00", key="c1")).status_code == 201
        await _refused(platform, client, headers, "CAPPED", "500.00", "ABOVE_CUSTOMER_LIMIT")
        for i in range(4):  # a right PIN (c1) reset the count: five wrong in a row lock
            await _buy(client, headers, "TD1Y", "100.00", key=f"w{i}", pin="000002")
        await _refused(platform, client, headers, "TD1Y", "100.00", "PIN_LOCKED", status=423,
                       pin="000002")
        await _refused(platform, client, headers, "TD1Y", "100.00", "PIN_LOCKED", status=423)


async def test_quota_shortfall_is_refused_only_when_the_total_left_is_short(platform) -> None:
    await seed_catalog(platform)
    # 1,000.00 split into 16 sub-quotas of 62.50: every 100.00 purchase needs the fallback
    await publish_product(platform, "SMALL", total_quota=100_000, min_amount=5_000,
                          step_amount=100)
    headers = []
    for n in range(1, 12):
        c = await funded_customer(platform, n, amount=20_000)
        headers.append(await bearer(platform, c.customer_id))
    async with api_client(platform) as client:
        for h in headers[:9]:
            assert (await _buy(client, h, "SMALL", "100.00")).status_code == 201
        await _refused(platform, client, headers[9], "SMALL", "100.01", "AMOUNT_OFF_STEP")
        await _refused(platform, client, headers[9], "SMALL", "101.00", "QUOTA_EXCEEDED")
        assert (await _buy(client, headers[9], "SMALL", "100.00")).status_code == 201
        left = (await client.get("/api/v1/products/SMALL")).json()
        assert left["quota_left"] == "0.00" and left["on_sale"] is False
        await _refused(platform, client, headers[10], "SMALL", "50.00", "QUOTA_EXCEEDED")
        listed = (await client.get("/api/v1/products")).json()["items"]
    assert "SMALL" not in {x["code"] for x in listed}
    await _verify(platform)


async def test_a_frozen_account_cannot_buy(platform) -> None:
    from opendeposit.accounts.domain import AccountStatus

    await seed_catalog(platform)
    c = await funded_customer(platform)
    await accounts.change_status(platform, account_id=c.account.id, status=AccountStatus.FROZEN,
                                 reason="judicial", actor="staff:1")
    headers = await bearer(platform, c.customer_id)
    async with api_client(platform) as client:
        await _refused(platform, client, headers, "TD1Y", "100.00", "ACCOUNT_STATUS_FORBIDS")


@pytest.mark.parametrize("path", ["/api/v1/deposits", "/api/v1/deposits/1"])
async def test_deposits_need_a_customer_login(platform, path: str) -> None:
    async with api_client(platform) as client:
        resp = await client.get(path)
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "UNAUTHORIZED"


async def test_a_ceiling_lowered_after_publishing_stops_sales_above_it(platform) -> None:
    """TD1Y was published at 1.20 under a 2.25 ceiling; from today the ceiling is 1.10."""
    from decimal import Decimal

    from opendeposit.products import service as products
    from opendeposit.products.domain import ProductKind, RateEntry

    await seed_catalog(platform)
    c = await funded_customer(platform, amount=1_000_000)
    headers = await bearer(platform, c.customer_id)
    async with platform.db.read() as conn:
        from opendeposit.clock import current_business_date

        today = await current_business_date(conn)
    await products.add_rate(platform, RateEntry(ProductKind.TIME_DEPOSIT, 12, Decimal("1.00"),
                                                Decimal("1.10"), today), actor="staff:1")
    before = await ledger_state(platform)
    async with api_client(platform) as client:
        resp = await _buy(client, headers, "TD1Y", "1000.00", key="over")
        assert resp.status_code == 422, resp.text
        assert resp.json()["error"]["code"] == "RATE_ABOVE_CEILING"
        assert await ledger_state(platform) == before  # nothing written
        assert (await _buy(client, headers, "TD3M", "1000.00", key="ok")).status_code == 201
