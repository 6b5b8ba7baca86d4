"""Mini-program login routes: `POST /auth/wechat` and `/auth/wechat/phone` (the session ends at
`POST /auth/logout`, api/customer.py, like an SMS login's)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, StrictStr

from opendeposit.api.deps import (
    PlatformDep,
    check_limit,
    client_ip,
    limit_by_ip,
    login_screen,
)
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.schemas import Strict
from opendeposit.auth import wechat
from opendeposit.auth.adapters.customers import AccountsDirectory
from opendeposit.auth.domain import WECHAT_SESSION_TTL
from opendeposit.auth.errors import WeChatNotConfigured
from opendeposit.auth.service import policy_for
from opendeposit.platform import Platform
from opendeposit.risk.devices import Device

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 409: ERROR_SCHEMA, 422: ERROR_SCHEMA,
    429: ERROR_SCHEMA, 502: ERROR_SCHEMA, 503: ERROR_SCHEMA})


class WeChatIn(Strict):
    code: StrictStr = Field(min_length=1, max_length=128, description="from `wx.login()`",
                            examples=["0a1b2c3d4e5f"])
    device_id: StrictStr = Field(min_length=1, max_length=64, examples=["wx-3f2a9c"])


class WeChatPhoneIn(Strict):
    wechat_session: StrictStr = Field(min_length=1, max_length=128,
                                      description="from `POST /auth/wechat` (needs_phone)")
    phone_code: StrictStr | None = Field(None, max_length=128, description="the code of the "
                                         "phone-number button (`getPhoneNumber`)")
    phone: StrictStr | None = Field(None, max_length=20, examples=["13800138000"],
                                    description="with sms_code, instead of phone_code")
    sms_code: StrictStr | None = Field(None, max_length=6, description="from "
                                       "`POST /auth/sms-code` for that phone")
    device_id: StrictStr | None = Field(None, min_length=1, max_length=64)


class WeChatOut(BaseModel):
    needs_phone: bool = Field(description="true: bind a phone with `/auth/wechat/phone`")
    device_id: str | None = Field(default=None, description="with a token: the server-signed "
                                  "device id to send from now on (as `POST /auth/login` answers)")
    token: str | None = None
    customer_id: int | None = None
    expires_in: int | None = Field(None, description="seconds the token (or the pending "
                                   "wechat_session) stays valid")
    wechat_session: str | None = Field(default=None, description="opaque; valid 10 minutes, once")
    linked: bool = Field(default=False, description="the phone was already a customer (SMS login): "
                         "the WeChat account is now linked to that customer")


def _wechat(p: Platform):  # type: ignore[no-untyped-def]
    if p.wechat is None:
        raise WeChatNotConfigured()
    return p.wechat


def _out(p: Platform, answer: wechat.WeChatLogin, device: Device) -> WeChatOut:
    if answer.needs_phone:
        return WeChatOut(needs_phone=True, wechat_session=answer.wechat_session,
                         expires_in=int(WECHAT_SESSION_TTL.total_seconds()))
    return WeChatOut(needs_phone=False, token=answer.token, customer_id=answer.customer_id,
                     expires_in=int(_ttl(p).total_seconds()), linked=answer.linked,
                     device_id=device.id)


def _ttl(p: Platform) -> timedelta:
    return policy_for(p.settings, "customer").ttl


@router.post("/wechat", dependencies=[limit_by_ip("login")])
async def wechat_login(body: WeChatIn, p: PlatformDep, request: Request) -> WeChatOut:
    """Mini-program login: the `wx.login` code → a token when this WeChat user is bound to a
    customer, else `{needs_phone: true, wechat_session}`. Errors: WECHAT_CODE_INVALID (invalid,
    reused or expired code), WECHAT_RATE_LIMITED, WECHAT_USER_BLOCKED, WECHAT_NOT_CONFIGURED,
    RISK_BLOCKED (the risk rules judge the login before a token is issued)."""
    device, screen = login_screen(p, request, body.device_id)
    answer = await wechat.login_with_code(
        db=p.db, vault=p.vault, wechat=_wechat(p), code=body.code, device_id=body.device_id,
        ip=client_ip(request), token_ttl=_ttl(p), screen=screen, token_device=device.id)
    return _out(p, answer, device)


@router.post("/wechat/phone", dependencies=[limit_by_ip("login")])
async def wechat_phone(body: WeChatPhoneIn, p: PlatformDep, request: Request) -> WeChatOut:
    """Binds the pending WeChat login to the customer of a phone number, proven by the
    phone-number button (`phone_code`) or by `phone` + `sms_code`; a phone that logged in by
    SMS before is linked, not duplicated. Errors: WECHAT_SESSION_INVALID,
    WECHAT_PHONE_CODE_INVALID, SMS_CODE_INVALID, WECHAT_ALREADY_BOUND, WECHAT_CUSTOMER_BOUND,
    RISK_BLOCKED."""
    device, screen = login_screen(p, request, body.device_id)
    if body.phone:  # the SMS login's budget per phone number
        digits = "".join(ch for ch in body.phone if ch.isdigit())[-11:]
        await check_limit(request, "login_subject", digits or "-")
    answer = await wechat.bind_phone(
        db=p.db, vault=p.vault, wechat=_wechat(p), customers=AccountsDirectory(p),
        wechat_session=body.wechat_session, phone_code=body.phone_code, phone=body.phone,
        sms_code=body.sms_code, device_id=body.device_id,
        token_ttl=_ttl(p), screen=screen, token_device=device.id)
    return _out(p, answer, device)
