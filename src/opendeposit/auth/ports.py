"""What auth needs from outside: the WeChat server API and the bank's customer directory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class WeChatSession:
    """What `jscode2session` answers for a `wx.login` code. `session_key` is a secret."""

    openid: str
    session_key: str = field(repr=False)
    unionid: str | None = None


class WeChat(Protocol):
    """WeChat's server API for a mini-program (appid + secret). Adapters raise the errors of
    `auth.errors` (WECHAT_CODE_INVALID, WECHAT_RATE_LIMITED, ...), never WeChat's errcodes."""

    async def code2session(self, code: str) -> WeChatSession:
        """Exchange a `wx.login` code (single use, 5 minutes) for the user's openid."""
        ...

    async def phone_number(self, phone_code: str, *, openid: str | None = None) -> str:
        """The mainland mobile number behind a phone-number-button code (`getuserphonenumber`).
        `openid` is the session the code was offered with (the sandbox checks it)."""
        ...


class CustomerDirectory(Protocol):
    """The accounts context's customers, found (or made) by their login phone."""

    async def by_phone(self, phone: str, *, create: bool) -> int | None: ...
