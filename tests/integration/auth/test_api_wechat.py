"""Mini-program login over HTTP with the sandbox WeChat: `POST /auth/wechat`,
`/auth/wechat/phone`, `/auth/logout` — and the bad input that must answer a stable code and
bind, create or log in nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from opendeposit import clock
from opendeposit.accounts.models import customer
from opendeposit.api.app import create_app
from opendeposit.auth.models import auth_token, sms_challenge, wechat_binding, wechat_login
from opendeposit.identity.models import onboarding_application
from opendeposit.security import token_digest


@pytest.fixture
async def client(platform):  # type: ignore[no-untyped-def]
    app = create_app(platform.settings, platform=platform)
    app.state.platform = platform
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://test") as c:
        yield c


async def code_for(client: httpx.AsyncClient, openid: str, **extra: Any) -> str:
    r = await client.post("/sandbox/wechat/code", json={"openid": openid, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


async def phone_code(client: httpx.AsyncClient, phone: str, openid: str | None = None) -> str:
    r = await client.post("/sandbox/wechat/phone-code", json={"phone": phone, "openid": openid})
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


async def wx_login(client: httpx.AsyncClient, openid: str, device: str = "wx-dev-1") -> Any:
    r = await client.post("/api/v1/auth/wechat", json={
        "code": await code_for(client, openid), "device_id": device})
    assert r.status_code == 200, r.text
    return r.json()


async def counts(p) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Rows that a refused request must not add (the attempt log aside)."""
    async with p.db.read() as conn:
        async def n(table, *where) -> int:  # type: ignore[no-untyped-def]
            return int((await conn.execute(select(func.count()).select_from(table)
                                           .where(*where))).scalar_one())
        return {"customers": await n(customer), "bindings": await n(wechat_binding),
                "tokens": await n(auth_token),
                "sessions": await n(wechat_login, wechat_login.c.outcome == "needs_phone")}


def error_of(r: httpx.Response) -> tuple[int, str]:
    body = r.json()["error"]
    assert body["message"] and body["message_zh"], body  # a sentence for the customer
    return r.status_code, str(body["code"])


async def test_new_wechat_user_binds_a_phone_then_logs_in_directly(platform, client) -> None:
    first = await wx_login(client, "o_new_user_01")
    assert first["needs_phone"] is True and first["token"] is None
    assert "session_key" not in str(first) and first["expires_in"] == 600
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": first["wechat_session"],
        "phone_code": await phone_code(client, "13912340001", "o_new_user_01")})
    assert r.status_code == 200, r.text
    bound = r.json()
    assert bound["needs_phone"] is False and bound["linked"] is False
    me = (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {bound['token']}"}))
    assert me.status_code == 200 and me.json()["phone"] == "139****0001"
    async with platform.db.read() as conn:
        row = (await conn.execute(select(wechat_binding))).one()
        channel = (await conn.execute(select(auth_token.c.channel).where(
            auth_token.c.token_hash == token_digest(bound["token"])))).scalar_one()
    assert row.customer_id == bound["customer_id"] and channel == "WX"
    assert len(platform.vault.decrypt(row.session_key_enc)) == 24  # stored encrypted only
    assert "o_new_user_01" not in row.openid_enc and row.openid_hash != "o_new_user_01"

    again = await wx_login(client, "o_new_user_01")  # a later wx.login: a token at once
    assert again["needs_phone"] is False and again["customer_id"] == bound["customer_id"]
    r = await client.post("/api/v1/auth/wechat/phone", json={  # the session was used
        "wechat_session": first["wechat_session"],
        "phone_code": await phone_code(client, "13912340001")})
    assert error_of(r) == (401, "WECHAT_SESSION_INVALID")


async def test_a_phone_that_logged_in_by_sms_is_linked_not_duplicated(platform, client) -> None:
    await client.post("/api/v1/auth/sms-code", json={"phone": "13912340002", "device_id": "h5"})
    sms = (await client.get("/sandbox/sms/13912340002")).json()["code"]
    h5 = (await client.post("/api/v1/auth/login", json={
        "phone": "13912340002", "code": sms, "device_id": "h5", "channel": "H5"})).json()
    before = await counts(platform)
    pending = await wx_login(client, "o_sms_user_02")
    # the SMS way this time: phone + a new login code (a minute later: the SMS limit)
    async with platform.db.transaction() as conn:
        await conn.execute(sms_challenge.update().values(
            created_at=clock.utcnow() - timedelta(minutes=2)))
    r = await client.post("/api/v1/auth/sms-code", json={"phone": "13912340002",
                                                          "device_id": "wx-dev-1"})
    assert r.status_code == 202, r.text
    sms = (await client.get("/sandbox/sms/13912340002")).json()["code"]
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": pending["wechat_session"], "phone": "13912340002", "sms_code": sms})
    assert r.status_code == 200, r.text
    assert r.json()["customer_id"] == h5["customer_id"] and r.json()["linked"] is True
    after = await counts(platform)
    assert after["customers"] == before["customers"] and after["bindings"] == 1
    async with platform.db.read() as conn:
        channels = dict((await conn.execute(select(auth_token.c.token_hash, auth_token.c.channel)))
                        .all())
    assert channels[token_digest(h5["token"])] == "H5"  # the H5 app says where it logs in from
    assert channels[token_digest(r.json()["token"])] == "WX"


@pytest.mark.parametrize("bad", ["unknown", "reused", "expired"])
async def test_an_invalid_reused_or_expired_code_writes_nothing(platform, client, monkeypatch,
                                                                bad: str) -> None:
    code = await code_for(client, "o_bad_code_03")
    if bad == "unknown":
        code = "x" + code
    elif bad == "reused":
        await client.post("/api/v1/auth/wechat", json={"code": code, "device_id": "wx-dev-1"})
    before = await counts(platform)
    if bad == "expired":
        later = clock.utcnow() + timedelta(minutes=6)
        monkeypatch.setattr(clock, "utcnow", lambda: later)
    r = await client.post("/api/v1/auth/wechat", json={"code": code, "device_id": "wx-dev-1"})
    assert error_of(r) == (401, "WECHAT_CODE_INVALID")
    assert "微信登录已失效" in r.json()["error"]["message_zh"]
    assert await counts(platform) == before


async def test_a_phone_code_of_another_session_binds_nothing(platform, client) -> None:
    pending = await wx_login(client, "o_victim_04")
    someone_elses = await phone_code(client, "13912340004", openid="o_attacker_04")
    before = await counts(platform)
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": pending["wechat_session"], "phone_code": someone_elses})
    assert error_of(r) == (401, "WECHAT_PHONE_CODE_INVALID")
    assert await counts(platform) == before


async def test_a_phone_bound_to_another_wechat_is_refused(platform, client) -> None:
    first = await wx_login(client, "o_owner_05")
    ok = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": first["wechat_session"],
        "phone_code": await phone_code(client, "13912340005")})
    assert ok.status_code == 200
    other = await wx_login(client, "o_other_05", device="wx-dev-2")
    before = await counts(platform)
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": other["wechat_session"],
        "phone_code": await phone_code(client, "13912340005")})
    assert error_of(r) == (409, "WECHAT_CUSTOMER_BOUND")
    assert await counts(platform) == before


async def test_a_wechat_user_bound_meanwhile_to_another_customer_is_refused(platform,
                                                                           client) -> None:
    one = await wx_login(client, "o_twice_06")
    two = await wx_login(client, "o_twice_06")  # two pending logins of the same WeChat user
    ok = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": one["wechat_session"],
        "phone_code": await phone_code(client, "13912340006")})
    assert ok.status_code == 200
    before = await counts(platform)
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": two["wechat_session"],
        "phone_code": await phone_code(client, "13912340007")})
    assert error_of(r) == (409, "WECHAT_ALREADY_BOUND")
    assert await counts(platform) == before


async def test_wrong_phone_proofs_burn_the_pending_session(platform, client) -> None:
    pending = await wx_login(client, "o_guess_07")
    for _ in range(5):
        r = await client.post("/api/v1/auth/wechat/phone", json={
            "wechat_session": pending["wechat_session"], "phone_code": "guess"})
        assert error_of(r) == (401, "WECHAT_PHONE_CODE_INVALID")
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": pending["wechat_session"],
        "phone_code": await phone_code(client, "13912340008")})
    assert error_of(r) == (401, "WECHAT_SESSION_INVALID")
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": pending["wechat_session"], "phone_code": "x", "phone": "13912340008"})
    assert error_of(r)[1] == "WECHAT_PHONE_PROOF_REQUIRED"
    assert (await counts(platform))["bindings"] == 0


async def test_wechat_refusals_and_rate_limits(platform, client) -> None:
    from opendeposit.ratelimit import Limit

    platform.limiter.limits["login"] = Limit(0, 60)  # here: the device's own hourly budget
    for fail, expected in (("rate_limited", (429, "WECHAT_RATE_LIMITED")),
                           ("blocked", (403, "WECHAT_USER_BLOCKED"))):
        code = await code_for(client, "o_refused_08", fail=fail)
        r = await client.post("/api/v1/auth/wechat", json={"code": code, "device_id": "wx-rl"})
        assert error_of(r) == expected
    for i in range(18):  # 20 a device an hour, failures included
        await wx_login(client, f"o_many_{i:04d}", device="wx-rl")
    code = await code_for(client, "o_one_more_08")
    r = await client.post("/api/v1/auth/wechat", json={"code": code, "device_id": "wx-rl"})
    assert error_of(r) == (429, "WECHAT_RATE_LIMITED")
    other = await client.post("/api/v1/auth/wechat", json={"code": code, "device_id": "wx-ok"})
    assert other.status_code == 200  # the code was not spent by the refused request


async def test_logout_ends_the_session_on_the_server(platform, client) -> None:
    pending = await wx_login(client, "o_logout_09")
    token = (await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": pending["wechat_session"],
        "phone_code": await phone_code(client, "13912340009")})).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/v1/auth/logout", headers=h)).status_code == 204
    assert error_of(await client.get("/api/v1/me", headers=h)) == (401, "UNAUTHORIZED")
    assert error_of(await client.post("/api/v1/auth/logout", headers=h))[0] == 401
    assert error_of(await client.post("/api/v1/auth/logout"))[0] == 401


async def test_an_application_records_the_channel_it_was_started_on(platform, client) -> None:
    pending = await wx_login(client, "o_opener_10")
    token = (await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": pending["wechat_session"],
        "phone_code": await phone_code(client, "13912340010")})).json()["token"]
    r = await client.post("/api/v1/onboarding", json={"device_id": "wx-dev-1"},
                          headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text
    async with platform.db.read() as conn:
        channel = (await conn.execute(select(onboarding_application.c.channel).where(
            onboarding_application.c.id == r.json()["id"]))).scalar_one()
    assert channel == "WX"


async def test_without_wechat_the_routes_say_so(platform, client) -> None:
    platform.wechat = None
    r = await client.post("/api/v1/auth/wechat", json={"code": "abc", "device_id": "wx"})
    assert error_of(r) == (503, "WECHAT_NOT_CONFIGURED")


async def test_api_docs_are_served_without_internet(client) -> None:
    page = (await client.get("/docs")).text
    assert "cdn." not in page and "/static-offline-docs/swagger-ui-bundle.js" in page
    js = await client.get("/static-offline-docs/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/api/v1/auth/wechat", "/api/v1/auth/wechat/phone", "/api/v1/auth/logout",
            "/sandbox/wechat/code", "/sandbox/wechat/phone-code"} <= set(paths)


async def test_wechat_logins_share_the_login_limit_per_ip(platform, client) -> None:
    from opendeposit.ratelimit import Limit

    platform.limiter.limits["login"] = Limit(3, 60)
    answers = [await client.post("/api/v1/auth/wechat", json={
        "code": await code_for(client, f"o_ip_limit_{i:02d}"), "device_id": f"wx-{i}"})
        for i in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert error_of(answers[-1]) == (429, "RATE_LIMITED")
    assert answers[-1].headers["retry-after"]


async def test_wechat_logins_are_judged_by_the_risk_rules_like_sms_logins(platform,
                                                                          client) -> None:
    from opendeposit.risk.models import risk_decision
    from tests.risk_support import staff

    first = await wx_login(client, "o_risk_user_01", device="wx-made-up")
    r = await client.post("/api/v1/auth/wechat/phone", json={
        "wechat_session": first["wechat_session"],
        "phone_code": await phone_code(client, "13912340077", "o_risk_user_01")})
    assert r.status_code == 200, r.text
    bound = r.json()
    device = bound["device_id"]  # server-signed, not the client's own string
    assert device.startswith("d1.") and device != "wx-made-up"
    again = await wx_login(client, "o_risk_user_01", device=device)
    assert again["device_id"] == device and again["token"]

    officer = await staff(platform)
    r = await client.post("/admin/api/v1/risk/lists/phone", headers=officer,
                          content=b"value,reason\n13912340077,police list\n",
                          params={"mode": "add"})
    assert r.status_code == 200 and r.json()["added"] == 1, r.text
    tokens_before = (await counts(platform))["tokens"]
    r = await client.post("/api/v1/auth/wechat", json={
        "code": await code_for(client, "o_risk_user_01"), "device_id": device})
    assert error_of(r) == (403, "RISK_BLOCKED")
    assert (await counts(platform))["tokens"] == tokens_before  # no token for a block
    async with platform.db.read() as conn:
        rows = (await conn.execute(select(risk_decision).where(
            risk_decision.c.customer_id == bound["customer_id"]).order_by(
            risk_decision.c.id))).all()
    assert [(r.kind, r.action) for r in rows] == [
        ("login", "allow"), ("login", "allow"), ("login", "block")]
    assert rows[1].device_id == device
