"""WeChat login for the mini-program: a `wx.login` code → a token for a bound openid, or a
short pending session that a phone number (WeChat's phone button or an SMS code) binds.

One openid ↔ one customer. A phone that already logged in by SMS is linked to its customer,
never duplicated. `session_key` is stored only Vault-encrypted and never answered. A refused
request writes nothing but a row in the attempt log the rate limit counts (auth/docs.md).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import normalize_phone
from opendeposit.auth import errors
from opendeposit.auth.domain import WECHAT_SESSION_TTL
from opendeposit.auth.models import wechat_binding, wechat_login
from opendeposit.auth.ports import CustomerDirectory, WeChat, WeChatSession
from opendeposit.auth.service import (
    DEVICE_PER_HOUR,
    IP_PER_HOUR,
    MAX_CODE_ATTEMPTS,
    LoginScreen,
    check_device,
    consume_code,
    new_session_token,
)
from opendeposit.db import Database
from opendeposit.errors import OpenDepositError
from opendeposit.security import Vault, new_token

CHANNEL = "WX"


@dataclass(frozen=True)
class WeChatLogin:
    """A token (bound openid) or a pending `wechat_session` that still needs a phone."""

    customer_id: int | None = None
    token: str | None = None
    wechat_session: str | None = None
    linked: bool = False  # the phone belonged to a customer already (SMS login before)

    @property
    def needs_phone(self) -> bool:
        return self.token is None


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _check_code(code: str) -> None:
    if not (1 <= len(code) <= 128) or not code.isascii() or not code.isprintable():
        raise errors.WeChatCodeInvalid()


async def login_with_code(*, db: Database, vault: Vault, wechat: WeChat, code: str,
                          device_id: str, ip: str, token_ttl: timedelta,
                          screen: LoginScreen | None = None,
                          token_device: str | None = None) -> WeChatLogin:
    """`POST /auth/wechat`: exchange the code; a bound openid gets a token at once, once
    `screen(customer_id)` (the risk check of a login) has let it through."""
    check_device(device_id)
    _check_code(code)
    await _rate_limit(db, device_id=device_id, ip=ip)
    now = clock.utcnow()
    try:
        found = await wechat.code2session(code)
    except OpenDepositError as exc:
        async with db.transaction() as conn:  # counted by the rate limit, nothing else
            await conn.execute(wechat_login.insert().values(
                device_id=device_id, ip=ip, outcome="refused", error_code=exc.code[:32],
                attempts=0, created_at=now))
        raise
    openid_hash = vault.lookup_hash(found.openid)
    pending = new_token()
    async with db.transaction() as conn:
        bound = (await conn.execute(select(wechat_binding.c.customer_id).where(
            wechat_binding.c.openid_hash == openid_hash))).scalar()
        if bound is None:
            await conn.execute(wechat_login.insert().values(
                device_id=device_id, ip=ip, outcome="needs_phone", openid_hash=openid_hash,
                **_secrets(vault, found), session_hash=_digest(pending), attempts=0,
                created_at=now, expires_at=now + WECHAT_SESSION_TTL))
            return WeChatLogin(wechat_session=pending)
        await conn.execute(wechat_binding.update().where(
            wechat_binding.c.openid_hash == openid_hash).values(
            session_key_enc=vault.encrypt(found.session_key), updated_at=now))
        await conn.execute(wechat_login.insert().values(
            device_id=device_id, ip=ip, outcome="token", openid_hash=openid_hash,
            customer_id=bound, attempts=0, created_at=now, used_at=now))
    if screen is not None:
        await screen(int(bound))
    token = await new_session_token(db=db, ttl=token_ttl, kind="customer",
                                    subject_id=int(bound), roles=(),
                                    device_id=token_device or device_id, channel=CHANNEL)
    return WeChatLogin(customer_id=int(bound), token=token)


def _secrets(vault: Vault, found: WeChatSession) -> dict[str, str | None]:
    return {"openid_enc": vault.encrypt(found.openid),
            "unionid_enc": vault.encrypt(found.unionid) if found.unionid else None,
            "session_key_enc": vault.encrypt(found.session_key)}


async def _rate_limit(db: Database, *, device_id: str, ip: str) -> None:
    since = clock.utcnow() - timedelta(hours=1)
    async with db.read() as conn:
        by_device = await _count(conn, wechat_login.c.device_id == device_id, since)
        by_ip = await _count(conn, wechat_login.c.ip == ip, since)
    if by_device >= DEVICE_PER_HOUR or by_ip >= IP_PER_HOUR:  # the SMS login's limits
        raise errors.WeChatRateLimited()


async def _count(conn: AsyncConnection, where, since) -> int:  # type: ignore[no-untyped-def]
    return int((await conn.execute(select(func.count()).select_from(wechat_login).where(
        where, wechat_login.c.created_at > since))).scalar_one())


async def bind_phone(*, db: Database, vault: Vault, wechat: WeChat,
                     customers: CustomerDirectory, wechat_session: str,
                     phone_code: str | None = None, phone: str | None = None,
                     sms_code: str | None = None, device_id: str | None = None,
                     token_ttl: timedelta, screen: LoginScreen | None = None,
                     token_device: str | None = None) -> WeChatLogin:
    """`POST /auth/wechat/phone`: the pending session's openid gets the customer of a phone
    proven by WeChat's phone button (`phone_code`) or by an SMS code; → a token."""
    by_button, by_sms = phone_code is not None, phone is not None or sms_code is not None
    if by_button == by_sms or (by_sms and (phone is None or sms_code is None)):
        raise errors.WeChatPhoneProofRequired()  # exactly one proof, and a whole one
    if device_id is not None:
        check_device(device_id)
    session = await _pending(db, wechat_session)
    openid = vault.decrypt(session.openid_enc)
    try:
        if phone_code is not None:
            proven = await wechat.phone_number(phone_code, openid=openid)
        else:
            proven = normalize_phone(phone or "")
            await consume_code(db=db, vault=vault, phone=proven, code=sms_code or "")
    except errors.WeChatUnavailable:
        raise
    except OpenDepositError:
        await _count_failure(db, session.id)
        raise
    existing = await customers.by_phone(proven, create=False)
    await _check_free(db, openid_hash=session.openid_hash, customer_id=existing)
    customer_id = existing if existing is not None else await customers.by_phone(
        proven, create=True)
    assert customer_id is not None
    await _bind(db, session=session, customer_id=customer_id)
    if screen is not None:
        await screen(customer_id)
    token = await new_session_token(
        db=db, ttl=token_ttl, kind="customer", subject_id=customer_id,
        roles=(), device_id=token_device or device_id or session.device_id, channel=CHANNEL)
    return WeChatLogin(customer_id=customer_id, token=token, linked=existing is not None)


async def _pending(db: Database, wechat_session: str):  # type: ignore[no-untyped-def]
    async with db.read() as conn:
        row = (await conn.execute(select(wechat_login).where(
            wechat_login.c.session_hash == _digest(wechat_session)))).first()
    if (row is None or row.used_at is not None or row.expires_at is None
            or clock.as_utc(row.expires_at) <= clock.utcnow()
            or row.attempts >= MAX_CODE_ATTEMPTS):  # 5 wrong proofs burn it, as SMS codes
        raise errors.WeChatSessionInvalid()
    return row


async def _count_failure(db: Database, session_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(wechat_login.update().where(wechat_login.c.id == session_id).values(
            attempts=wechat_login.c.attempts + 1))


async def _check_free(db: Database, *, openid_hash: str, customer_id: int | None) -> None:
    """This openid may bind this customer: neither is bound to someone else."""
    async with db.read() as conn:
        by_openid = (await conn.execute(select(wechat_binding.c.customer_id).where(
            wechat_binding.c.openid_hash == openid_hash))).scalar()
        by_customer = None if customer_id is None else (await conn.execute(
            select(wechat_binding.c.openid_hash).where(
                wechat_binding.c.customer_id == customer_id))).scalar()
    if by_openid is not None and by_openid != customer_id:
        raise errors.WeChatAlreadyBound()
    if by_customer is not None and by_customer != openid_hash:
        raise errors.WeChatCustomerBound()


async def _bind(db: Database, *, session, customer_id: int) -> None:  # type: ignore[no-untyped-def]
    """Write the binding and close the pending session, in one transaction (once)."""
    now = clock.utcnow()
    try:
        async with db.transaction() as conn:
            closed = await conn.execute(wechat_login.update().where(
                wechat_login.c.id == session.id, wechat_login.c.used_at.is_(None)).values(
                used_at=now, customer_id=customer_id, outcome="token"))
            if closed.rowcount != 1:
                raise errors.WeChatSessionInvalid()  # the same session sent twice at once
            already = (await conn.execute(select(wechat_binding.c.customer_id).where(
                wechat_binding.c.openid_hash == session.openid_hash))).scalar()
            if already is not None and already != customer_id:
                raise errors.WeChatAlreadyBound()
            if already is None:
                await conn.execute(wechat_binding.insert().values(
                    openid_hash=session.openid_hash, openid_enc=session.openid_enc,
                    unionid_enc=session.unionid_enc, customer_id=customer_id,
                    session_key_enc=session.session_key_enc, created_at=now, updated_at=now))
    except IntegrityError:  # a concurrent binding of this openid or this customer won
        raise errors.WeChatAlreadyBound() from None
