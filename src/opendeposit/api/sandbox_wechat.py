"""Sandbox routes of the simulated WeChat (only when OPENDEPOSIT_ENV=sandbox): the codes that
`wx.login` and the phone-number button would give a mini-program user."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import Field, StrictStr

from opendeposit.api.deps import PlatformDep
from opendeposit.api.schemas import Strict
from opendeposit.auth.adapters.sandbox import CODE_TTL, SandboxWeChat
from opendeposit.auth.errors import WeChatNotConfigured

router = APIRouter(prefix="/wechat")

OPENID = r"^[A-Za-z0-9_-]{6,64}$"


class CodeIn(Strict):
    openid: StrictStr = Field(pattern=OPENID, examples=["o6_bmjrPTlm6_2sgVt7hMZOPfL2M"],
                              description="the simulated WeChat user")
    unionid: StrictStr | None = Field(None, pattern=OPENID)
    fail: Literal["rate_limited", "blocked", "busy"] | None = Field(
        None, description="WeChat refuses this code: 45011 (minute quota), 40226 (high-risk "
        "user) or -1 (system busy)")


class PhoneCodeIn(Strict):
    phone: StrictStr = Field(max_length=20, examples=["13800138000"])
    openid: StrictStr | None = Field(None, pattern=OPENID, description="only this WeChat "
                                     "user's pending login may use the code")


FAIL_ERRCODE = {"rate_limited": 45011, "blocked": 40226, "busy": -1}


def _sandbox(p) -> SandboxWeChat:  # type: ignore[no-untyped-def]
    found = p.sandbox.get("wechat")
    if found is None:
        raise WeChatNotConfigured()
    return found  # type: ignore[no-any-return]


@router.post("/code", status_code=201)
async def login_code(body: CodeIn, p: PlatformDep) -> dict[str, object]:
    """A one-time code as `wx.login` returns it (5 minutes); send it to `POST /auth/wechat`."""
    code = await _sandbox(p).issue_login_code(
        openid=body.openid, unionid=body.unionid,
        fail_errcode=FAIL_ERRCODE[body.fail] if body.fail else None)
    return {"code": code, "expires_in": int(CODE_TTL.total_seconds())}


@router.post("/phone-code", status_code=201)
async def phone_code(body: PhoneCodeIn, p: PlatformDep) -> dict[str, object]:
    """A one-time code as the phone-number button returns it; send it as `phone_code` to
    `POST /auth/wechat/phone`."""
    code = await _sandbox(p).issue_phone_code(phone=body.phone, openid=body.openid)
    return {"code": code, "expires_in": int(CODE_TTL.total_seconds())}
