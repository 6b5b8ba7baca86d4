"""SMS one-time-code login (6 digits, 5 minutes, single use, rate-limited) and bearer tokens."""

from __future__ import annotations

import contextlib
import hmac
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from opendeposit import clock
from opendeposit.accounts import service as accounts
from opendeposit.accounts.domain import normalize_phone
from opendeposit.auth.domain import channel_of
from opendeposit.auth.models import auth_token, sms_challenge
from opendeposit.db import Database
from opendeposit.db.driver import HotRead
from opendeposit.errors import TooManyRequests, Unauthorized, ValidationFailed
from opendeposit.platform import Platform
from opendeposit.security import Vault, new_token, sms_code, token_digest

PHONE_MIN_INTERVAL = timedelta(seconds=60)
PHONE_PER_DAY = 10
DEVICE_PER_HOUR = 20
IP_PER_HOUR = 60
MAX_CODE_ATTEMPTS = 5
# the SMS names the action it confirms (domain.md §5.4)
SMS_ACTIONS = {"login": "登录", "bind_card": "绑定银行卡（开立电子账户）",
               "card_change": "更换绑定银行卡", "step_up": "交易身份验证"}


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
    channel: str | None = None  # H5 | WX for a customer session (auth.domain.CHANNELS)
    device_id: str = ""  # the device the token was issued to (risk.devices verifies it)


def check_device(device_id: str) -> str:
    if not (1 <= len(device_id) <= 64) or not device_id.isascii() or not device_id.isprintable():
        raise InvalidDevice()
    return device_id


async def request_code(p: Platform, *, phone: str, device_id: str, ip: str,
                       purpose: str = "login") -> None:
    phone = normalize_phone(phone)
    check_device(device_id)
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
    await consume_code(db=p.db, vault=p.vault, phone=phone, code=code, purpose=purpose)


async def consume_code(*, db: Database, vault: Vault, phone: str, code: str,
                       purpose: str = "login") -> None:
    """`check_code` for use cases that take their dependencies one by one."""
    phone_hash = vault.lookup_hash(phone)
    now = clock.utcnow()
    async with db.transaction() as conn:
        row = (await conn.execute(select(sms_challenge).where(
            sms_challenge.c.phone_hash == phone_hash, sms_challenge.c.purpose == purpose,
            sms_challenge.c.used_at.is_(None)).order_by(sms_challenge.c.id.desc()).limit(1)
        )).first()
        if row is None or clock.as_utc(row.expires_at) <= now or row.attempts >= MAX_CODE_ATTEMPTS:
            raise SmsCodeInvalid()
        good = isinstance(code, str) and hmac.compare_digest(
            row.code_hash, vault.lookup_hash(code))
        await conn.execute(sms_challenge.update().where(sms_challenge.c.id == row.id).values(
            attempts=row.attempts + (0 if good else 1), used_at=now if good else None))
    if not good:
        raise SmsCodeInvalid()


# the risk check of a login: `screen(customer_id)` raises (RISK_BLOCKED) to refuse it before a
# token is issued (SMS login here, WeChat login in auth.wechat)
LoginScreen = Callable[[int], Awaitable[None]]


async def login(p: Platform, *, phone: str, code: str, device_id: str,
                channel: str | None = None,
                screen: LoginScreen | None = None) -> tuple[str, int]:
    """`screen(customer_id)` runs before the token is issued (the risk check of a login) and
    may refuse the login by raising."""
    phone = normalize_phone(phone)
    check_device(device_id)
    await check_code(p, phone=phone, code=code)
    customer_id = await accounts.customer_by_phone(p, phone, create=True)
    assert customer_id is not None
    if screen is not None:
        await screen(customer_id)
    token = await issue_token(p, kind="customer", subject_id=customer_id, roles=(),
                              device_id=device_id, channel=channel)
    return token, customer_id


async def issue_token(p: Platform, *, kind: str, subject_id: int, roles: tuple[str, ...],
                      device_id: str, channel: str | None = None) -> str:
    return await new_session_token(db=p.db, ttl=policy_for(p.settings, kind).ttl, kind=kind,
                                   subject_id=subject_id, roles=roles, device_id=device_id,
                                   channel=channel)


async def new_session_token(*, db: Database, ttl: timedelta, kind: str, subject_id: int,
                            roles: tuple[str, ...], device_id: str,
                            channel: str | None = None) -> str:
    """A bearer token (only its SHA-256 is stored) valid for `ttl` at most; `channel` is the
    client it was issued to (H5 / WX)."""
    token = new_token()
    now = clock.utcnow()
    async with db.transaction() as conn:
        await conn.execute(auth_token.insert().values(
            token_hash=token_digest(token), subject_kind=kind, subject_id=subject_id,
            roles=",".join(roles), device_id=device_id, created_at=now, last_seen_at=now,
            expires_at=now + ttl, channel=channel_of(channel)))
    return token


@dataclass(frozen=True)
class TokenPolicy:
    """How long a token lives at most (`ttl`) and without use (`idle`), per kind of subject."""

    ttl: timedelta
    idle: timedelta

    @property
    def touch(self) -> timedelta:
        """How often use is written down: idle time is enforced to within this much."""
        return min(timedelta(seconds=60), self.idle / 4)


def policy_for(settings: Any, kind: str) -> TokenPolicy:
    if kind == "staff":
        return TokenPolicy(timedelta(minutes=settings.staff_token_ttl_minutes),
                           timedelta(minutes=settings.staff_token_idle_minutes))
    return TokenPolicy(timedelta(minutes=settings.token_ttl_minutes),
                       timedelta(minutes=settings.token_idle_minutes))


# A valid token's principal is remembered for a few seconds (`token_cache_seconds`), so most
# requests skip the lookup. A revocation (logout, a disabled staff member) is seen by every
# process at once: it is written to the shared state (Redis) that a cached token is checked
# against; without shared state, several workers run with no cache (the CLI sees to that).
# Unknown, revoked, expired and idle tokens are never remembered.
@dataclass
class _Cached:
    principal: Principal
    cache_until: float  # monotonic
    expires: datetime
    last_seen: datetime
    touched: datetime  # last_seen as written to the database


_TOKEN_CACHE_MAX = 50_000
_BY_DIGEST = select(auth_token).where(auth_token.c.token_hash == bindparam("digest"))
_TOKEN = HotRead(_BY_DIGEST)  # every request whose token is not in the cache


class SessionEnded(Unauthorized):
    """The token expired, sat idle too long, or was revoked: log in again."""


async def authenticate(p: Platform, token: str) -> Principal:
    digest = token_digest(token)
    now = clock.utcnow()
    recent: dict[str, _Cached] = p.token_cache
    hit = recent.get(digest)
    if hit is not None and await _cache_usable(p, digest, hit, now):
        hit.last_seen = now
        if now - hit.touched >= policy_for(p.settings, hit.principal.kind).touch:
            await _touch(p, digest, now)
            hit.touched = now
        return hit.principal
    recent.pop(digest, None)
    row = await _TOKEN.first(p.db, digest=digest)
    if row is None:
        raise Unauthorized()
    policy = policy_for(p.settings, row.subject_kind)
    expires = clock.as_utc(row.expires_at)
    seen = clock.as_utc(row.last_seen_at or row.created_at)
    if row.revoked_at is not None or expires <= now:
        raise SessionEnded(details={"reason": "revoked" if row.revoked_at else "expired"})
    if now - seen > policy.idle:
        await _revoke_digests(p, [digest], reason_ttl=expires - now)
        raise SessionEnded(details={"reason": "idle"})
    if now - seen >= policy.touch:
        await _touch(p, digest, now)
        seen = now
    roles = frozenset(r for r in row.roles.split(",") if r)
    principal = Principal(kind=row.subject_kind, id=row.subject_id, roles=roles,
                          channel=row.channel, device_id=row.device_id)
    cache_seconds = p.settings.token_cache_seconds
    if cache_seconds > 0:
        if len(recent) >= _TOKEN_CACHE_MAX:
            recent.clear()
        recent[digest] = _Cached(principal, time.monotonic() + cache_seconds, expires,
                                  last_seen=now, touched=seen)
    return principal


async def _cache_usable(p: Platform, digest: str, hit: _Cached, now: datetime) -> bool:
    if hit.cache_until <= time.monotonic() or hit.expires <= now:
        return False
    if now - hit.last_seen > policy_for(p.settings, hit.principal.kind).idle:
        return False
    if p.shared is None or not p.shared.shared:
        return True  # one process: its own logout already dropped the entry
    try:
        return not await p.shared.is_revoked(digest)
    except ConnectionError:
        return False  # cannot tell: ask the database


async def _touch(p: Platform, digest: str, now: datetime) -> None:
    async with p.db.transaction() as conn:
        await conn.execute(auth_token.update().where(auth_token.c.token_hash == digest)
                           .values(last_seen_at=now))


async def logout(p: Platform, token: str) -> None:
    """End this token's session at once, in every process (customer or staff alike)."""
    digest = token_digest(token)
    async with p.db.read() as conn:
        row = (await conn.execute(_BY_DIGEST, {"digest": digest})).first()
    if row is None:
        return
    await _revoke_digests(p, [digest], reason_ttl=clock.as_utc(row.expires_at) - clock.utcnow())


async def revoke_subject(p: Platform, *, kind: str, subject_id: int) -> int:
    """End every live session of one customer or staff member (disabled staff, a new PIN, a
    closed account); returns how many were live."""
    now = clock.utcnow()
    async with p.db.read() as conn:
        rows = (await conn.execute(select(auth_token.c.token_hash, auth_token.c.expires_at).where(
            auth_token.c.subject_kind == kind, auth_token.c.subject_id == subject_id,
            auth_token.c.revoked_at.is_(None), auth_token.c.expires_at > now))).all()
    if rows:
        longest = max(clock.as_utc(r.expires_at) for r in rows) - now
        await _revoke_digests(p, [r.token_hash for r in rows], reason_ttl=longest)
    return len(rows)


async def _revoke_digests(p: Platform, digests: list[str], *, reason_ttl: timedelta) -> None:
    async with p.db.transaction() as conn:
        await conn.execute(auth_token.update().where(
            auth_token.c.token_hash.in_(digests), auth_token.c.revoked_at.is_(None)
        ).values(revoked_at=clock.utcnow()))
    for digest in digests:  # after the commit: a lookup now sees the revocation
        p.token_cache.pop(digest, None)
        if p.shared is not None and p.shared.shared:
            # while Redis is away, caches elsewhere fall back to the database
            with contextlib.suppress(ConnectionError):
                await p.shared.revoke(digest, ttl_seconds=int(reason_ttl.total_seconds()) + 60)
