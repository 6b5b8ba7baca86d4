"""The real WeChat adapter: `jscode2session`, `getuserphonenumber` and a cached access token
(`stable_token`, so several API workers never invalidate each other's token).

The appid secret comes from the settings only; it is sent to WeChat and nowhere else, and the
`httpx` request log has it (and every access token and login code) blanked out.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from opendeposit.auth import errors
from opendeposit.auth.domain import mainland_phone
from opendeposit.auth.ports import WeChatSession

DEFAULT_BASE = "https://api.weixin.qq.com"
TOKEN_MARGIN_S = 300  # refresh the access token this long before WeChat says it expires
_SECRET_PARAMS = re.compile(r"((?:secret|access_token|js_code)=)[^&\s\"']+")


class _RedactSecrets(logging.Filter):
    """Blank secrets out of log records' arguments (httpx logs every request URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(_SECRET_PARAMS.sub(r"\1***", str(a)) if "=" in str(a) else a
                                for a in args)
        record.msg = _SECRET_PARAMS.sub(r"\1***", str(record.msg))
        return True


def _install_redaction() -> None:
    log = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactSecrets) for f in log.filters):
        log.addFilter(_RedactSecrets())


class HttpWeChat:
    def __init__(self, *, appid: str, secret: str, base_url: str = DEFAULT_BASE,
                 client: httpx.AsyncClient | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        if not appid or not secret:
            raise ValueError("the WeChat adapter needs an appid and its secret")
        self._appid, self._secret = appid, secret
        self._base = base_url.rstrip("/")
        self._client = client or httpx.AsyncClient(timeout=5.0)
        self._now = monotonic
        self._token: tuple[str, float] | None = None  # (access_token, valid until)
        self._token_lock = asyncio.Lock()
        _install_redaction()

    def __repr__(self) -> str:  # never the secret
        return f"HttpWeChat(appid={self._appid!r}, base_url={self._base!r})"

    async def code2session(self, code: str) -> WeChatSession:
        data = await self._call("GET", "/sns/jscode2session", api="code2session", params={
            "appid": self._appid, "secret": self._secret, "js_code": code,
            "grant_type": "authorization_code"})
        openid, session_key = data.get("openid"), data.get("session_key")
        if not isinstance(openid, str) or not isinstance(session_key, str):
            raise errors.WeChatUnavailable()
        unionid = data.get("unionid")
        return WeChatSession(openid=openid, session_key=session_key,
                             unionid=unionid if isinstance(unionid, str) else None)

    async def phone_number(self, phone_code: str, *, openid: str | None = None) -> str:
        for attempt in (1, 2):
            token = await self._access_token(force=attempt == 2)
            try:
                data = await self._call("POST", "/wxa/business/getuserphonenumber", api="phone",
                                        params={"access_token": token},
                                        json={"code": phone_code}, raw_errcodes=True)
            except _TokenRejected:
                continue  # the token was revoked or expired early: fetch a new one once
            info = data.get("phone_info")
            if not isinstance(info, dict) or not isinstance(info.get("purePhoneNumber"), str):
                raise errors.WeChatUnavailable()
            return mainland_phone(info["purePhoneNumber"], str(info.get("countryCode") or "86"))
        raise errors.WeChatUnavailable()

    async def _access_token(self, *, force: bool = False) -> str:
        async with self._token_lock:
            if not force and self._token is not None and self._token[1] > self._now():
                return self._token[0]
            data = await self._call("POST", "/cgi-bin/stable_token", api="token", json={
                "grant_type": "client_credential", "appid": self._appid,
                "secret": self._secret, "force_refresh": force})
            token, expires_in = data.get("access_token"), data.get("expires_in")
            if not isinstance(token, str) or not isinstance(expires_in, int):
                raise errors.WeChatUnavailable()
            self._token = (token, self._now() + max(60, expires_in - TOKEN_MARGIN_S))
            return token

    async def _call(self, method: str, path: str, *, api: str, raw_errcodes: bool = False,
                    **kwargs: Any) -> dict[str, Any]:
        try:
            resp = await self._client.request(method, self._base + path, **kwargs)
            data = resp.json()
        except (httpx.HTTPError, ValueError):  # `from None`: the URL may carry the secret
            raise errors.WeChatUnavailable() from None
        if resp.status_code >= 300 or not isinstance(data, dict):
            raise errors.WeChatUnavailable()
        errcode = data.get("errcode") or 0
        if errcode:
            if raw_errcodes and errcode in errors.TOKEN_INVALID:
                raise _TokenRejected()
            raise errors.error_for(int(errcode), api=api)
        return data


class _TokenRejected(Exception):
    """getuserphonenumber refused the access token (40001 / 40014 / 42001)."""
