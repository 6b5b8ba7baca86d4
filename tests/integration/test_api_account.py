"""The customer HTTP API: login, account, top-up/withdraw, statement — and bad input that must
answer 4xx with a stable code and write nothing."""

from __future__ import annotations

import httpx
import pytest

from opendeposit.api.app import create_app
from tests.helpers import PIN, demand_balance, ledger_state, open_customer


@pytest.fixture
async def client(platform):  # type: ignore[no-untyped-def]
    app = create_app(platform.settings, platform=platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as c:
        yield c


async def login(client: httpx.AsyncClient, phone: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/sms-code", json={"phone": phone, "device_id": "t"})
    assert r.status_code == 202, r.text
    code = (await client.get(f"/sandbox/sms/{phone}")).json()["code"]
    r = await client.post("/api/v1/auth/login",
                          json={"phone": phone, "code": code, "device_id": "t"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_login_top_up_withdraw_and_statement(platform, client) -> None:
    c = await open_customer(platform)
    h = await login(client, c.phone)
    r = await client.post("/api/v1/account/top-up", headers=h,
                          json={"amount": "1000.10", "pin": PIN, "idempotency_key": "a"})
    assert r.status_code == 200 and r.json()["balance"] == "1000.10"
    r = await client.post("/api/v1/account/withdraw", headers=h,
                          json={"amount": "0.10", "pin": PIN, "idempotency_key": "b"})
    assert r.status_code == 200 and r.json()["balance"] == "1000.00"
    acct = (await client.get("/api/v1/account", headers=h)).json()
    assert acct["balance"] == "1000.00" and acct["status"] == "normal"
    assert acct["account_no"].startswith("6230") and "*" in acct["account_no"]
    assert acct["bound_card"]["card_no_masked"] == "****" + c.card_number[-4:]
    lines = (await client.get("/api/v1/account/transactions", headers=h)).json()["items"]
    assert [(ln["kind"], ln["amount"], ln["balance_after"]) for ln in lines] == [
        ("withdraw_hold", "-0.10", "1000.00"), ("top_up", "1000.10", "1000.10")]
    me = (await client.get("/api/v1/me", headers=h)).json()
    assert me["phone"] == c.phone[:3] + "****" + c.phone[-4:]
    # their own name in full on their own page; the ID number masked, never "—"
    assert me["name"] == "测试1" and me["name_masked"] == "测*1" and me["has_account"] is True
    assert me["id_number"] == "1101**********002X" and me["kyc_status"] == "verified"


async def test_statement_pages_with_a_cursor(platform, client) -> None:
    c = await open_customer(platform)
    h = await login(client, c.phone)
    for i in range(5):
        await client.post("/api/v1/account/top-up", headers=h,
                          json={"amount": f"{i + 1}.00", "pin": PIN, "idempotency_key": f"k{i}"})
    page1 = (await client.get("/api/v1/account/transactions?limit=3", headers=h)).json()
    assert [ln["amount"] for ln in page1["items"]] == ["5.00", "4.00", "3.00"]
    page2 = (await client.get(f"/api/v1/account/transactions?limit=3&cursor="
                              f"{page1['next_cursor']}", headers=h)).json()
    assert [ln["amount"] for ln in page2["items"]] == ["2.00", "1.00"]
    assert page2["next_cursor"] is None


BAD_MOVES = [
    ({"amount": 100, "pin": PIN, "idempotency_key": "x"}, "VALIDATION_FAILED"),  # number
    ({"amount": "100.001", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "-5.00", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "0", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "1e3", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "NaN", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "１００", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "99999999999999999", "pin": PIN, "idempotency_key": "x"}, "INVALID_AMOUNT"),
    ({"amount": "10.00", "pin": "12345", "idempotency_key": "x"}, "PIN_INVALID_FORMAT"),
    ({"amount": "10.00", "pin": 135790, "idempotency_key": "x"}, "VALIDATION_FAILED"),
    ({"amount": "10.00", "pin": PIN}, "VALIDATION_FAILED"),  # missing key
    ({"amount": "10.00", "pin": PIN, "idempotency_key": ""}, "VALIDATION_FAILED"),
    ({"amount": "10.00", "pin": PIN, "idempotency_key": "k" * 65}, "VALIDATION_FAILED"),
    ({"amount": "10.00", "pin": PIN, "idempotency_key": "x", "to_card": "1"},
     "VALIDATION_FAILED"),  # no way to name another destination
    ({"amount": "10.00", "pin": "000000", "idempotency_key": "x"}, "PIN_WRONG"),
    ({"amount": "999999.00", "pin": PIN, "idempotency_key": "x"}, "INSUFFICIENT_FUNDS"),
]


@pytest.mark.parametrize(("body", "code"), BAD_MOVES)
async def test_bad_withdrawals_answer_a_stable_code_and_write_nothing(platform, client, body,
                                                                     code) -> None:
    c = await open_customer(platform)
    h = await login(client, c.phone)
    await client.post("/api/v1/account/top-up", headers=h,
                      json={"amount": "50.00", "pin": PIN, "idempotency_key": "seed"})
    before = await ledger_state(platform)
    r = await client.post("/api/v1/account/withdraw", headers=h, json=body)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert err["code"] == code and err["message"] and err["message_zh"]
    assert await ledger_state(platform) == before


async def test_malformed_and_oversized_bodies(platform, client) -> None:
    c = await open_customer(platform)
    h = await login(client, c.phone)
    before = await ledger_state(platform)
    r = await client.post("/api/v1/account/top-up", headers={**h, "content-type":
                          "application/json"}, content=b"{not json")
    assert r.status_code == 422 and r.json()["error"]["code"] == "VALIDATION_FAILED"
    r = await client.post("/api/v1/account/top-up", headers=h, json=["a", "list"])
    assert r.status_code == 422
    big = {"amount": "1.00", "pin": PIN, "idempotency_key": "x", "pad": "x" * 100_000}
    r = await client.post("/api/v1/account/top-up", headers=h, json=big)
    assert r.status_code == 413 and r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await ledger_state(platform) == before


async def test_auth_is_required_and_tokens_are_checked(platform, client) -> None:
    for path in ("/api/v1/me", "/api/v1/account", "/api/v1/account/transactions"):
        r = await client.get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
        r = await client.get(path, headers={"Authorization": "Bearer forged"})
        assert r.status_code == 401


async def test_customer_without_account_gets_account_not_found(platform, client) -> None:
    h = await login(client, "13912345678")
    r = await client.get("/api/v1/account", headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"] == "ACCOUNT_NOT_FOUND"
    r = await client.post("/api/v1/account/top-up", headers=h,
                          json={"amount": "1.00", "pin": PIN, "idempotency_key": "x"})
    assert r.status_code in (404, 422)
    assert r.json()["error"]["code"] in ("ACCOUNT_NOT_FOUND", "PIN_NOT_SET")


async def test_one_customer_cannot_touch_another_customers_money(platform, client) -> None:
    a = await open_customer(platform, 1)
    b = await open_customer(platform, 2)
    ha = await login(client, a.phone)
    await client.post("/api/v1/account/top-up", headers=ha,
                      json={"amount": "10.00", "pin": PIN, "idempotency_key": "x"})
    hb = await login(client, b.phone)
    # B's token only ever reaches B's account, whatever B sends
    r = await client.post("/api/v1/account/withdraw", headers=hb,
                          json={"amount": "10.00", "pin": PIN, "idempotency_key": "x"})
    assert r.json()["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert await demand_balance(platform, a) == 1_000


@pytest.mark.parametrize(("phone", "code"), [("12345", "INVALID_PHONE"),
                                             ("+8613800138000x", "INVALID_PHONE"),
                                             ("１３８００１３８０００", "SMS_CODE_INVALID")])
async def test_login_rejects_bad_phones_and_codes(client, phone, code) -> None:
    r = await client.post("/api/v1/auth/login",
                          json={"phone": phone, "code": "000000", "device_id": "t"})
    assert r.status_code in (401, 422) and r.json()["error"]["code"] == code


async def test_sms_codes_are_single_use_and_rate_limited(platform, client) -> None:
    phone = "13612345678"
    r = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert r.status_code == 202
    r = await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    assert r.status_code == 429 and r.json()["error"]["code"] == "SMS_TOO_FREQUENT"
    code = (await client.get(f"/sandbox/sms/{phone}")).json()["code"]
    ok = await client.post("/api/v1/auth/login", json={"phone": phone, "code": code,
                                                        "device_id": "t"})
    assert ok.status_code == 200
    again = await client.post("/api/v1/auth/login", json={"phone": phone, "code": code,
                                                           "device_id": "t"})
    assert again.status_code == 401 and again.json()["error"]["code"] == "SMS_CODE_INVALID"


async def test_wrong_codes_burn_the_challenge_after_five_tries(platform, client) -> None:
    phone = "13512345678"
    await client.post("/api/v1/auth/sms-code", json={"phone": phone})
    code = (await client.get(f"/sandbox/sms/{phone}")).json()["code"]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        r = await client.post("/api/v1/auth/login", json={"phone": phone, "code": wrong,
                                                          "device_id": "t"})
        assert r.status_code == 401
    r = await client.post("/api/v1/auth/login", json={"phone": phone, "code": code,
                                                      "device_id": "t"})
    assert r.status_code == 401  # the right code no longer works


async def test_openapi_schema_documents_the_contract(client) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path in ("/api/v1/auth/sms-code", "/api/v1/auth/login", "/api/v1/me", "/api/v1/account",
                 "/api/v1/account/top-up", "/api/v1/account/withdraw",
                 "/api/v1/account/transactions", "/sandbox/cards", "/sandbox/sms/{phone}",
                 "/sandbox/clock"):
        assert path in schema["paths"], path
    move = schema["components"]["schemas"]["MoveRequest"]
    assert set(move["required"]) == {"amount", "pin", "idempotency_key"}
