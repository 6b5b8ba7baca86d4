"""The sandbox WeChat: codes made by `POST /sandbox/wechat/code|phone-code`, answered the way
WeChat's server answers them (single use, 5 minutes, the same errcodes)."""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select

from opendeposit import clock
from opendeposit.auth import errors
from opendeposit.auth.domain import mainland_phone
from opendeposit.auth.models import sandbox_wechat_code
from opendeposit.auth.ports import WeChatSession
from opendeposit.db import Database

CODE_TTL = timedelta(minutes=5)
FAILURES = (errors.MINUTE_QUOTA, errors.HIGH_RISK_USER, errors.SYSTEM_BUSY)


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class SandboxWeChat:
    """Keeps its codes in the database, so every API worker of the demo sees them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def issue_login_code(self, *, openid: str, unionid: str | None = None,
                               fail_errcode: int | None = None) -> str:
        """A code as `wx.login` returns it for this simulated WeChat user."""
        return await self._issue("login", openid=openid, unionid=unionid,
                                 fail_errcode=fail_errcode)

    async def issue_phone_code(self, *, phone: str, openid: str | None = None) -> str:
        """A code as the phone-number button returns it; with `openid`, only that user's
        pending login may use it."""
        return await self._issue("phone", phone=mainland_phone(phone), openid=openid)

    async def _issue(self, kind: str, **values: object) -> str:
        code = secrets.token_urlsafe(24)
        now = clock.utcnow()
        async with self._db.transaction() as conn:
            await conn.execute(sandbox_wechat_code.insert().values(
                code_hash=_digest(code), kind=kind, created_at=now, expires_at=now + CODE_TTL,
                **values))
        return code

    async def code2session(self, code: str) -> WeChatSession:
        row = await self._take(code, "login", api="code2session")
        if row.fail_errcode is not None:
            raise errors.error_for(row.fail_errcode, api="code2session")
        session_key = base64.b64encode(secrets.token_bytes(16)).decode()
        return WeChatSession(openid=row.openid, session_key=session_key, unionid=row.unionid)

    async def phone_number(self, phone_code: str, *, openid: str | None = None) -> str:
        row = await self._take(phone_code, "phone", api="phone", openid=openid)
        return str(row.phone)

    async def _take(self, code: str, kind: str, *, api: str, openid: str | None = None):  # type: ignore[no-untyped-def]
        """Use a live code once; WeChat's errcode 40029 / 40163 otherwise."""
        now = clock.utcnow()
        async with self._db.transaction() as conn:
            row = (await conn.execute(select(sandbox_wechat_code).where(
                sandbox_wechat_code.c.code_hash == _digest(code),
                sandbox_wechat_code.c.kind == kind))).first()
            if row is None or clock.as_utc(row.expires_at) <= now:
                raise errors.error_for(errors.CODE_INVALID, api=api)
            if row.used_at is not None:
                raise errors.error_for(errors.CODE_USED, api=api)
            if kind == "phone" and row.openid is not None and row.openid != openid:
                raise errors.error_for(errors.CODE_INVALID, api=api)  # another user's button
            taken = await conn.execute(sandbox_wechat_code.update().where(
                sandbox_wechat_code.c.code_hash == row.code_hash,
                sandbox_wechat_code.c.used_at.is_(None)).values(used_at=now))
            if taken.rowcount != 1:  # the same code sent twice at once: one wins
                raise errors.error_for(errors.CODE_USED, api=api)
        return row
