"""SMS one-time-code login (6 digits, 5 minutes, single use, rate-limited) and bearer tokens."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import normalize_phone
from opendeposit.auth.models import auth_token, sms_challenge
from opendeposit.errors import TooManyRequests, Unauthorized, ValidationFailed
from opendeposit.platform import Platform
from opendeposit.security import new_token, sms_code, token_digest

PHONE_MIN_INTERVAL = timedelta(seconds=60)
PHONE_PER_DAY = 10
DEVICE_PER_HOUR = 20
IP_PER_HOUR = 60
MAX_CODE_ATTEMPTS = 5
# the SMS names the action it confirms (domain.md §5.4)
SMS_ACTIONS = {"login": "登录", "bind_card": "绑定银行卡（开立电子账户）"}


class SmsCodeInvalid(ValidationFailed):
    code = "SMS_CODE_INVALID"
    http_status = 401
    message_en = "The verification code is wrong or has expired; request a new one."
    message_zh = "验证码错误或已过期，请重新获取。"


class SmsTooFrequent(TooManyRequests):
    code = "SMS_TOO_FREQUENT"
    message_en = "Codes are sent at most once a minute and 10 times a day per number."
    message_zh = "验证码发送过于频繁，请稍后再试。"


class InvalidDevice(ValidationFailed):
    code = "INVALID_DEVICE_ID"
    message_en = "device_id must be 1-64 printable ASCII characters."
    message_zh = "设备标识格式不正确。"


@dataclass(frozen=True)
class Principal:
    kind: str  # customer | staff
    id: int
    roles: frozenset[str]


def _check_device(device_id: str) -> str:
    if not (1 <= len(device_id) <= 64) or not device_id.isascii() or not device_id.isprintable():
        raise InvalidDevice()
    return device_id


async def request_code(p: Platform, *, phone: str, device_id: str, ip: str,
                       purpose: str = "login") -> None:
    phone = normalize_phone(phone)
    _check_device(device_id)
    phone_hash = p.vault.lookup_hash(phone)
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        last = (await conn.execute(select(func.max(sms_challenge.c.created_at)).where(
            sms_challenge.c.phone_hash == phone_hash, sms_challenge.c.purpose == purpose)
        )).scalar()  # once a minute per purpose: logging in must not block binding a card
        day = await _count(conn, sms_challenge.c.phone_hash == phone_hash, now - timedelta(days=1))
        dev = await _count(conn, sms_challenge.c.device_id == device_id, now - timedelta(hours=1))
        by_ip = await _count(conn, sms_challenge.c.ip == ip, now - timedelta(hours=1))
        too_soon = last is not None and clock.as_utc(last) > now - PHONE_MIN_INTERVAL
        if too_soon or day >= PHONE_PER_DAY or dev >= DEVICE_PER_HOUR or by_ip >= IP_PER_HOUR:
            raise SmsTooFrequent()
        code = sms_code()
        await conn.execute(sms_challenge.insert().values(
            phone_hash=phone_hash, purpose=purpose, code_hash=p.vault.lookup_hash(code),
            device_id=device_id, ip=ip, attempts=0, created_at=now,
            expires_at=now + timedelta(seconds=p.settings.sms_code_ttl_seconds)))
    minutes = p.settings.sms_code_ttl_seconds // 60
    action = SMS_ACTIONS.get(purpose, "身份验证")
    await p.sms.send(phone=phone, purpose=purpose, code=code,
                     text=f"【{p.settings.bank_name}】您正在{action}，验证码{code}，{minutes}分钟内"
                          "有效。请勿泄露给他人。")


async def _count(conn, where, since) -> int:  # type: ignore[no-untyped-def]
    return int((await conn.execute(select(func.count()).select_from(sms_challenge).where(
        where, sms_challenge.c.created_at > since))).scalar_one())


async def check_code(p: Platform, *, phone: str, code: str, purpose: str = "login") -> None:
    """Consume the latest live code for this phone; wrong tries count, 5 burn the code."""
    phone_hash = p.vault.lookup_hash(phone)
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        row = (await conn.execute(select(sms_challenge).where(
            sms_challenge.c.phone_hash == phone_hash, sms_challenge.c.purpose == purpose,
            sms_challenge.c.used_at.is_(None)).order_by(sms_challenge.c.id.desc()).limit(1)
        )).first()
        if row is None or clock.as_utc(row.expires_at) <= now or row.attempts >= MAX_CODE_ATTEMPTS:
            raise SmsCodeInvalid()
        good = isinstance(code, str) and hmac.compare_digest(
            row.code_hash, p.vault.lookup_hash(code))
        await conn.execute(sms_challenge.update().where(sms_challenge.c.id == row.id).values(
            attempts=row.attempts + (0 if good else 1), used_at=now if good else None))
    if not good:
        raise SmsCodeInvalid()


async def login(p: Platform, *, phone: str, code: str, device_id: str) -> tuple[str, int]:
    phone = normalize_phone(phone)
    _check_device(device_id)
    await check_code(p, phone=phone, code=code)
    customer_id = await accounts.customer_by_phone(p, phone, create=True)
    assert customer_id is not None
    token = await issue_token(p, kind="customer", subject_id=customer_id, roles=(),
                              device_id=device_id)
    return token, customer_id


async def issue_token(p: Platform, *, kind: str, subject_id: int, roles: tuple[str, ...],
                      device_id: str) -> str:
    token = new_token()
    now = clock.utcnow()
    async with p.db.transaction() as conn:
        await conn.execute(auth_token.insert().values(
            token_hash=token_digest(token), subject_kind=kind, subject_id=subject_id,
            roles=",".join(roles), device_id=device_id, created_at=now,
            expires_at=now + timedelta(minutes=p.settings.token_ttl_minutes)))
    return token


# A valid token's principal is remembered for a few seconds, so most requests skip the lookup.
# Logout forgets it at once in this process; in another process a revoked (logged-out) token is
# still honoured for at most TOKEN_CACHE_SECONDS. Unknown, revoked and expired tokens are never
# remembered, and a token's own expiry is checked on every request.
TOKEN_CACHE_SECONDS = 5.0
_TOKEN_CACHE_MAX = 50_000
_recent: dict[str, tuple[Principal, float, datetime]] = {}
_BY_DIGEST = select(auth_token).where(auth_token.c.token_hash == bindparam("digest"))


async def authenticate(p: Platform, token: str) -> Principal:
    digest = token_digest(token)
    hit = _recent.get(digest)
    if hit is not None and hit[1] > time.monotonic() and hit[2] > clock.utcnow():
        return hit[0]
    async with p.db.read() as conn:
        row = (await conn.execute(_BY_DIGEST, {"digest": digest})).first()
    expires = clock.as_utc(row.expires_at) if row is not None else None
    if row is None or row.revoked_at is not None or expires is None or expires <= clock.utcnow():
        _recent.pop(digest, None)
        raise Unauthorized()
    roles = frozenset(r for r in row.roles.split(",") if r)
    principal = Principal(kind=row.subject_kind, id=row.subject_id, roles=roles)
    if len(_recent) >= _TOKEN_CACHE_MAX:
        _recent.clear()
    _recent[digest] = (principal, time.monotonic() + TOKEN_CACHE_SECONDS, expires)
    return principal


async def logout(p: Platform, token: str) -> None:
    async with p.db.transaction() as conn:
        await conn.execute(auth_token.update().where(
            auth_token.c.token_hash == token_digest(token)).values(revoked_at=clock.utcnow()))
    _recent.pop(token_digest(token), None)  # after the commit: a lookup now sees the revocation


async def revoke_subject(conn: AsyncConnection, *, kind: str, subject_id: int) -> None:
    """Revoke every live token of one subject, in the caller's transaction (a staff member
    disabled, given other roles, or given a new password must log in again)."""
    await conn.execute(auth_token.update().where(
        auth_token.c.subject_kind == kind, auth_token.c.subject_id == subject_id,
        auth_token.c.revoked_at.is_(None)).values(revoked_at=clock.utcnow()))
    for digest, (principal, _, _) in list(_recent.items()):
        if principal.kind == kind and principal.id == subject_id:
            _recent.pop(digest, None)
