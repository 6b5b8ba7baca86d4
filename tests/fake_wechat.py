"""A fake of WeChat's server API for the HTTP adapter (httpx.MockTransport): jscode2session,
stable_token and getuserphonenumber with WeChat's errcodes, and a record of what it was sent."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field

import httpx

APPID, SECRET = "wx0123456789abcdef", "s3cr3t-app-secret-never-logged"


@dataclass
class FakeWeChatServer:
    login_codes: dict[str, dict[str, object]] = field(default_factory=dict)
    phone_codes: dict[str, str] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)
    tokens_issued: int = 0
    valid_tokens: set[str] = field(default_factory=set)
    requests: list[httpx.Request] = field(default_factory=list)
    down: bool = False

    def add_login_code(self, openid: str, *, unionid: str | None = None,
                       errcode: int | None = None) -> str:
        code = secrets.token_urlsafe(12)
        self.login_codes[code] = {"openid": openid, "unionid": unionid, "errcode": errcode}
        return code

    def add_phone_code(self, phone: str) -> str:
        code = secrets.token_urlsafe(12)
        self.phone_codes[code] = phone
        return code

    def revoke_tokens(self) -> None:
        self.valid_tokens.clear()

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            return httpx.Response(503, text="<html>busy</html>")
        path = request.url.path
        if path == "/sns/jscode2session":
            return self._code2session(dict(request.url.params))
        if path == "/cgi-bin/stable_token":
            body = json.loads(request.content)
            if body.get("appid") != APPID or body.get("secret") != SECRET:
                return _err(40013)
            self.tokens_issued += 1
            token = f"token-{self.tokens_issued}"
            self.valid_tokens.add(token)
            return httpx.Response(200, json={"access_token": token, "expires_in": 7200})
        if path == "/wxa/business/getuserphonenumber":
            if request.url.params.get("access_token") not in self.valid_tokens:
                return _err(40001)
            code = json.loads(request.content).get("code")
            if code not in self.phone_codes or code in self.used:
                return _err(40029)
            self.used.add(code)
            phone = self.phone_codes[code]
            return httpx.Response(200, json={"errcode": 0, "errmsg": "ok", "phone_info": {
                "phoneNumber": phone, "purePhoneNumber": phone, "countryCode": "86",
                "watermark": {"timestamp": 1, "appid": APPID}}})
        return httpx.Response(404)

    def _code2session(self, params: dict[str, str]) -> httpx.Response:
        if params.get("appid") != APPID or params.get("secret") != SECRET:
            return _err(40013)
        code = params.get("js_code", "")
        found = self.login_codes.get(code)
        if found is None:
            return _err(40029)
        if code in self.used:
            return _err(40163)
        if found["errcode"] is not None:
            return _err(int(found["errcode"]))  # type: ignore[call-overload]
        self.used.add(code)
        answer = {"openid": found["openid"],
                  "session_key": base64.b64encode(secrets.token_bytes(16)).decode()}
        if found["unionid"]:
            answer["unionid"] = found["unionid"]
        return httpx.Response(200, json=answer)


def _err(errcode: int) -> httpx.Response:
    return httpx.Response(200, json={"errcode": errcode, "errmsg": "fake"})
