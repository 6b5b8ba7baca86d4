"""Staff actions on accounts through the admin API: a freeze stops the customer's top-up,
withdrawal and purchase with stable codes until a second person releases it; closing needs
zero balance, no holding and nothing in flight; a PIN unlock makes the customer set a new PIN."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from opendeposit.accounts import service as accounts
from opendeposit.accounts.models import account_status_change
from opendeposit.audit.models import audit_log
from opendeposit.errors import OpenDepositError
from tests.helpers import (
    PIN,
    api_client,
    bearer,
    funded_customer,
    ledger_state,
    open_customer,
    seed_catalog,
)


async def _money(client, customer, key: str) -> dict[str, tuple[int, str | None]]:  # type: ignore[no-untyped-def]
    out = {}
    for name, path, body in (
            ("top_up", "/api/v1/account/top-up", {"amount": "10.00"}),
            ("withdraw", "/api/v1/account/withdraw", {"amount": "10.00"}),
            ("purchase", "/api/v1/deposits", {"product_code": "TD1Y", "amount": "100.00"})):
        r = await client.post(path, headers=customer, json={
            **body, "pin": PIN, "idempotency_key": f"{key}-{name}"})
        out[name] = (r.status_code, r.json().get("error", {}).get("code"))
    return out


async def _history(platform) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    async with platform.db.read() as conn:
        return [(r.from_status, r.to_status, r.actor) for r in (await conn.execute(
            select(account_status_change).order_by(account_status_change.c.id))).all()]


async def test_freeze_stops_money_until_a_second_person_releases_it(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=500_000)
    customer = await bearer(platform, c.customer_id)
    froze = await bearer(platform, 41, kind="staff", roles=("checker",))
    operator = await bearer(platform, 42, kind="staff", roles=("operator",))
    second = await bearer(platform, 43, kind="staff", roles=("checker",))
    url = f"/admin/api/v1/accounts/{c.account.account_no}/status"
    async with api_client(platform) as client:
        r = await client.post(url, headers=froze, json={"status": "frozen",
                                                        "reason": "公安机关协查冻结"})
        assert r.status_code == 200, r.text
        assert (r.json()["from_status"], r.json()["status"]) == ("normal", "frozen")
        before = await ledger_state(platform)
        refused = await _money(client, customer, "frozen")
        assert refused == {k: (422, "ACCOUNT_STATUS_FORBIDS")
                           for k in ("top_up", "withdraw", "purchase")}
        assert await ledger_state(platform) == before  # nothing moved
        for headers, code in ((froze, "FOUR_EYES_REQUIRED"), (operator, "ROLE_REQUIRED")):
            r = await client.post(url, headers=headers, json={"status": "normal",
                                                              "reason": "协查结束解冻"})
            assert (r.status_code, r.json()["error"]["code"]) == (403, code)
        assert await _history(platform) == [("normal", "frozen", "staff:41")]
        r = await client.post(url, headers=second, json={"status": "normal",
                                                         "reason": "协查结束解冻"})
        assert r.status_code == 200 and r.json()["status"] == "normal"
        works = await _money(client, customer, "released")
        assert {k: v[0] for k, v in works.items()} == {"top_up": 200, "withdraw": 200,
                                                        "purchase": 201}
        page = (await client.get(f"/admin/api/v1/customers/{c.customer_id}",
                                 headers=second)).json()
        assert [h["to_status"] for h in page["account"]["status_history"]] == ["normal",
                                                                             "frozen"]
        same = await client.post(url, headers=second, json={"status": "normal",
                                                            "reason": "再次"})
        assert same.json()["error"]["code"] == "ACCOUNT_STATUS_UNCHANGED"
        closed = await client.post(url, headers=second, json={"status": "closed",
                                                              "reason": "销户"})
        assert closed.status_code == 422  # closing has its own action
        missing = await client.post("/admin/api/v1/accounts/6230580000000009999/status",
                                    headers=second, json={"status": "frozen", "reason": "x1"})
        assert missing.json()["error"]["code"] == "ACCOUNT_NOT_FOUND"
    async with platform.db.read() as conn:
        reasons = (await conn.execute(select(audit_log.c.reason).where(
            audit_log.c.action == "account.status").order_by(audit_log.c.id))).scalars().all()
    assert reasons == ["公安机关协查冻结", "协查结束解冻"]


async def test_suspended_and_receive_only_let_the_right_things_through(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=500_000)
    customer = await bearer(platform, c.customer_id)
    risk = await bearer(platform, 44, kind="staff", roles=("risk",))
    url = f"/admin/api/v1/accounts/{c.account.account_no}/status"
    async with api_client(platform) as client:
        await client.post(url, headers=risk, json={"status": "receive_only", "reason": "风险"})
        moves = await _money(client, customer, "ro")
        assert moves["top_up"][0] == 200
        assert moves["withdraw"] == moves["purchase"] == (422, "ACCOUNT_STATUS_FORBIDS")
        await client.post(url, headers=risk, json={"status": "non_counter_suspended",
                                                   "reason": "六个月未动户"})
        moves = await _money(client, customer, "ncs")
        assert set(moves.values()) == {(422, "ACCOUNT_STATUS_FORBIDS")}


async def test_close_needs_an_empty_account(platform) -> None:
    await seed_catalog(platform)
    c = await funded_customer(platform, amount=200_000)
    customer = await bearer(platform, c.customer_id)
    checker = await bearer(platform, 45, kind="staff", roles=("checker",))
    url = f"/admin/api/v1/accounts/{c.account.account_no}/close"
    async with api_client(platform) as client:
        before = await ledger_state(platform)
        r = await client.post(url, headers=checker, json={"reason": "客户申请销户"})
        assert (r.status_code, r.json()["error"]["code"]) == (409, "ACCOUNT_NOT_CLOSABLE")
        assert r.json()["error"]["details"]["problems"] == ["BALANCE_NOT_ZERO"]
        bought = await client.post("/api/v1/deposits", headers=customer, json={
            "product_code": "TD3M", "amount": "100.00", "pin": PIN, "idempotency_key": "b"})
        assert bought.status_code == 201
        out = await client.post("/api/v1/account/withdraw", headers=customer, json={
            "amount": "1900.00", "pin": PIN, "idempotency_key": "w"})
        assert out.status_code == 200, out.text
        r = await client.post(url, headers=checker, json={"reason": "客户申请销户"})
        assert r.json()["error"]["details"]["problems"] == ["ACTIVE_HOLDINGS"]
        holding = bought.json()["id"]
        early = await client.post(f"/api/v1/deposits/{holding}/withdraw", headers=customer,
                                  json={"pin": PIN, "idempotency_key": "e"})
        assert early.status_code == 200, early.text
        r = await client.post(url, headers=checker, json={"reason": "客户申请销户"})
        assert r.json()["error"]["details"]["problems"] == ["BALANCE_NOT_ZERO"]
        credited = early.json()["credited"]
        await client.post("/api/v1/account/withdraw", headers=customer, json={
            "amount": credited, "pin": PIN, "idempotency_key": "w2"})
        state = await ledger_state(platform)
        r = await client.post(url, headers=checker, json={"reason": "客户申请销户"})
        assert r.status_code == 200, r.text
        assert (r.json()["from_status"], r.json()["status"]) == ("normal", "closed")
        assert await ledger_state(platform) == state  # closing moves no money
        again = await client.post(url, headers=checker, json={"reason": "客户申请销户"})
        assert again.json()["error"]["details"]["problems"] == ["ACCOUNT_CLOSED"]
        gone = await client.get("/api/v1/account", headers=customer)
        assert gone.status_code == 404
        page = (await client.get(f"/admin/api/v1/customers/{c.customer_id}",
                                 headers=checker)).json()
        assert page["account"]["status"] == "closed" and page["account"]["closed_at"]
    assert before != state


async def test_pin_unlock_then_a_new_pin_is_needed(platform) -> None:
    c = await open_customer(platform, 1)
    customer = await bearer(platform, c.customer_id)
    operator = await bearer(platform, 46, kind="staff", roles=("operator",))
    url = f"/admin/api/v1/accounts/{c.account.account_no}/pin-unlock"
    async with api_client(platform) as client:
        not_locked = await client.post(url, headers=operator, json={"reason": "客户来电"})
        assert not_locked.json()["error"]["code"] == "PIN_NOT_LOCKED"
        for i in range(5):
            await client.post("/api/v1/account/top-up", headers=customer, json={
                "amount": "1.00", "pin": "000000", "idempotency_key": f"wrong-{i}"})
        locked = await client.post("/api/v1/account/top-up", headers=customer, json={
            "amount": "1.00", "pin": PIN, "idempotency_key": "right"})
        assert locked.json()["error"]["code"] == "PIN_LOCKED"
        page = (await client.get(f"/admin/api/v1/customers/{c.customer_id}",
                                 headers=operator)).json()
        assert page["customer"]["pin"]["state"] == "locked"
        r = await client.post(url, headers=operator, json={"reason": "客户临柜核实身份后解锁"})
        assert r.status_code == 200 and r.json()["pin_state"] == "reset_required"
        old_pin = await client.post("/api/v1/account/top-up", headers=customer, json={
            "amount": "1.00", "pin": PIN, "idempotency_key": "after-unlock"})
        assert old_pin.json()["error"]["code"] == "PIN_NOT_SET"  # not the old PIN
        page = (await client.get(f"/admin/api/v1/customers/{c.customer_id}",
                                 headers=operator)).json()
        assert page["customer"]["pin"]["state"] == "reset_required"
        async with platform.db.read() as conn:
            assert await accounts.pin_reset_required(conn, c.customer_id)
        # the customer's reset after face re-verification (the risk context's
        # POST /api/v1/account/pin/reset) ends in accounts.set_pin:
        with pytest.raises(OpenDepositError) as weak:
            await accounts.set_pin(platform, customer_id=c.customer_id, pin="111111")
        assert weak.value.code == "PIN_INVALID_FORMAT"
        await accounts.set_pin(platform, customer_id=c.customer_id, pin="258036")
        ok = await client.post("/api/v1/account/top-up", headers=customer, json={
            "amount": "1.00", "pin": "258036", "idempotency_key": "new-pin"})
        assert ok.status_code == 200, ok.text
        async with platform.db.read() as conn:
            assert not await accounts.pin_reset_required(conn, c.customer_id)
    async with platform.db.read() as conn:
        n = (await conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.action == "pin.unlock",
            audit_log.c.reason == "客户临柜核实身份后解锁"))).scalar_one()
    assert n == 1
