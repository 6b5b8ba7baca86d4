"""The WeChat port's contract, run against the sandbox adapter (on SQLite and PostgreSQL) and
the HTTP adapter (against a fake of WeChat's server): the same answers and the same errors."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from opendeposit import clock
from opendeposit.auth import errors
from opendeposit.auth.adapters.http import HttpWeChat
from opendeposit.auth.adapters.sandbox import SandboxWeChat
from tests.fake_wechat import APPID, SECRET, FakeWeChatServer

FAILS = {"rate_limited": 45011, "blocked": 40226, "busy": -1}


@dataclass
class World:
    """Makes codes the way each side of the port gets them."""

    adapter: Any
    server: FakeWeChatServer | None = None

    async def login_code(self, openid: str, unionid: str | None = None,
                         fail: str | None = None) -> str:
        errcode = FAILS[fail] if fail else None
        if self.server is not None:
            return self.server.add_login_code(openid, unionid=unionid, errcode=errcode)
        return str(await self.adapter.issue_login_code(openid=openid, unionid=unionid,
                                                       fail_errcode=errcode))

    async def phone_code(self, phone: str) -> str:
        if self.server is not None:
            return self.server.add_phone_code(phone)
        return str(await self.adapter.issue_phone_code(phone=phone))


def http_adapter(server: FakeWeChatServer) -> HttpWeChat:
    client = httpx.AsyncClient(transport=server.transport())
    return HttpWeChat(appid=APPID, secret=SECRET, base_url="https://api.weixin.qq.com",
                      client=client)


@pytest.fixture(params=["sandbox", "http"])
def world(request, platform) -> World:  # type: ignore[no-untyped-def]
    if request.param == "sandbox":
        return World(SandboxWeChat(platform.db))
    server = FakeWeChatServer()
    return World(http_adapter(server), server)


async def test_a_login_code_gives_the_openid_once(world: World) -> None:
    code = await world.login_code("o_user_0001", unionid="u_union_0001")
    found = await world.adapter.code2session(code)
    assert found.openid == "o_user_0001" and found.unionid == "u_union_0001"
    assert len(found.session_key) == 24 and "session_key" not in repr(found)
    with pytest.raises(errors.WeChatCodeInvalid):  # reused: WeChat's 40163
        await world.adapter.code2session(code)


async def test_an_unknown_code_is_refused(world: World) -> None:
    with pytest.raises(errors.WeChatCodeInvalid) as caught:
        await world.adapter.code2session("not-a-real-code")
    assert caught.value.code == "WECHAT_CODE_INVALID" and caught.value.http_status == 401


@pytest.mark.parametrize(("fail", "error", "status"), [
    ("rate_limited", errors.WeChatRateLimited, 429),
    ("blocked", errors.WeChatUserBlocked, 403),
    ("busy", errors.WeChatUnavailable, 502),
])
async def test_wechat_refusals_map_to_stable_codes(world: World, fail: str, error: type,
                                                   status: int) -> None:
    code = await world.login_code("o_user_0002", fail=fail)
    with pytest.raises(error) as caught:
        await world.adapter.code2session(code)
    assert caught.value.http_status == status


async def test_a_phone_code_gives_the_number_once(world: World) -> None:
    code = await world.phone_code("13912345678")
    assert await world.adapter.phone_number(code, openid="o_user_0003") == "13912345678"
    with pytest.raises(errors.WeChatPhoneCodeInvalid):
        await world.adapter.phone_number(code, openid="o_user_0003")
    with pytest.raises(errors.WeChatPhoneCodeInvalid):
        await world.adapter.phone_number("nope", openid="o_user_0003")


# --------------------------------------------------------------------------- sandbox only


async def test_sandbox_codes_expire_after_five_minutes(sqlite_platform, monkeypatch) -> None:
    adapter = SandboxWeChat(sqlite_platform.db)
    code = await adapter.issue_login_code(openid="o_user_0004")
    later = clock.utcnow() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(clock, "utcnow", lambda: later)
    with pytest.raises(errors.WeChatCodeInvalid):
        await adapter.code2session(code)


async def test_sandbox_phone_code_for_another_user_is_refused(sqlite_platform) -> None:
    adapter = SandboxWeChat(sqlite_platform.db)
    code = await adapter.issue_phone_code(phone="13912345678", openid="o_owner_01")
    with pytest.raises(errors.WeChatPhoneCodeInvalid):
        await adapter.phone_number(code, openid="o_someone_else")
    assert await adapter.phone_number(code, openid="o_owner_01") == "13912345678"


# --------------------------------------------------------------------------- HTTP only


async def test_http_access_token_is_cached_and_renewed_once_when_revoked() -> None:
    server = FakeWeChatServer()
    adapter = http_adapter(server)
    for phone in ("13900000001", "13900000002"):
        assert await adapter.phone_number(server.add_phone_code(phone)) == phone
    assert server.tokens_issued == 1  # cached between calls
    server.revoke_tokens()  # e.g. someone reset the AppSecret's token
    assert await adapter.phone_number(server.add_phone_code("13900000003")) == "13900000003"
    assert server.tokens_issued == 2


async def test_http_outage_and_garbage_are_wechat_unavailable() -> None:
    server = FakeWeChatServer(down=True)
    with pytest.raises(errors.WeChatUnavailable) as caught:
        await http_adapter(server).code2session("any")
    assert caught.value.__cause__ is None  # no chained httpx error carrying the URL


async def test_http_adapter_never_logs_the_secret(caplog) -> None:
    server = FakeWeChatServer()
    adapter = http_adapter(server)
    code = server.add_login_code("o_user_0005")
    with caplog.at_level(logging.DEBUG):
        await adapter.code2session(code)
        await adapter.phone_number(server.add_phone_code("13900000009"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "jscode2session" in logged  # httpx did log the request ...
    assert SECRET not in logged and code not in logged and "token-1" not in logged  # ... blanked
    assert SECRET not in repr(adapter)
    sent = server.requests[0].url.params
    assert sent["appid"] == APPID and sent["secret"] == SECRET  # but WeChat did get it
