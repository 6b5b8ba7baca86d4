"""Staff use cases: create a staff member, log in (argon2 password, TOTP when enrolled), the
first login's password change and MFA enrolment.

A login answers a token. Until the staff member has done what the first login asks, the token
carries a pending marker instead of roles (`staff.domain.PENDING_*`) and opens only the routes
the permission matrix marks `session`: change the one-time password, then (roles that need it)
confirm TOTP. Each of those answers a fresh login and revokes the tokens before it.
"""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.auth import service as auth
from opendeposit.db import Database
from opendeposit.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from opendeposit.platform import Platform
from opendeposit.staff import mfa
from opendeposit.staff.domain import (
    PENDING_MFA,
    PENDING_PASSWORD,
    Role,
    RoleUnknown,
    check_new_password,
    roles_text,
)
from opendeposit.staff.models import staff

__all__ = ["MAX_FAILED_LOGINS", "Role", "RoleUnknown", "Session", "change_password",
           "confirm_mfa", "create_staff", "login", "new_password", "start_enrolment"]

MAX_FAILED_LOGINS = 5
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)  # OWASP argon2id minimum


class StaffLoginFailed(Unauthorized):
    code = "STAFF_LOGIN_FAILED"
    message_en = "The username or password is wrong."
    message_zh = "用户名或密码错误。"


class StaffLocked(Forbidden):
    code = "STAFF_LOCKED"
    http_status = 423
    message_en = "This staff login is locked after too many wrong passwords; ask an admin."
    message_zh = "密码错误次数过多，账号已锁定，请联系管理员。"


class StaffExists(Conflict):
    code = "STAFF_EXISTS"
    message_en = "A staff member with this username already exists."
    message_zh = "该用户名已存在。"


class MfaRequired(Unauthorized):
    code = "MFA_REQUIRED"
    message_en = "Enter the 6-digit code from your authenticator app."
    message_zh = "请输入身份验证器中的6位动态码。"


class MfaInvalid(Unauthorized):
    code = "MFA_INVALID"
    message_en = "The authenticator code is wrong, expired or already used."
    message_zh = "动态码错误、已过期或已使用。"


class MfaCodeWrong(ValidationFailed):
    code = "MFA_INVALID"
    message_en = "The authenticator code is wrong, expired or already used."
    message_zh = "动态码错误、已过期或已使用。"


class MfaAlreadyEnrolled(Conflict):
    code = "MFA_ALREADY_ENROLLED"
    message_en = "MFA is already set up; an admin can reset it."
    message_zh = "已启用动态码验证；如需重新绑定，请联系管理员重置。"


class MfaNotStarted(Conflict):
    code = "MFA_NOT_STARTED"
    message_en = "Start the MFA enrolment first."
    message_zh = "请先开始绑定身份验证器。"


class OneTimePasswordTooShort(ValidationFailed):
    code = "PASSWORD_TOO_WEAK"
    message_en = "A one-time password needs at least 10 characters."
    message_zh = "一次性密码至少10位。"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg: str

    @property
    def qr_data_uri(self) -> str:
        return mfa.data_uri(self.qr_svg)


@dataclass(frozen=True)
class Session:
    """A login answer: the token, the staff member's roles, and what the first login asks."""

    token: str
    staff_id: int
    roles: tuple[str, ...]
    password_change_required: bool
    mfa_enrolment: Enrolment | None
    mfa_enabled: bool


def new_password() -> str:
    return secrets.token_urlsafe(12)


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


async def create_staff(p: Platform | None = None, /, *, db: Database | None = None,
                       username: str, password: str, roles: Iterable[str],
                       display_name: str = "", actor: str = "system",
                       one_time: bool = False) -> int:
    """A new staff member; `one_time`: the password must be changed at the first login.
    (`p`, the platform, is the calling form from before `db=`; either gives the database.)"""
    db = db if db is not None else p.db if p is not None else None
    if db is None:
        raise TypeError("create_staff needs db=")
    text = roles_text(roles)
    if one_time and len(password) < 10:
        raise OneTimePasswordTooShort()
    password_hash = await hash_password(password)
    now = clock.utcnow()
    async with db.transaction() as conn:
        stmt = db.insert(staff).values(
            username=username, display_name=display_name or username,
            password_hash=password_hash, roles=text, active=True, failed_attempts=0,
            created_at=now, updated_at=now, password_change_required=one_time,
        ).on_conflict_do_nothing().returning(staff.c.id)
        new_id = (await conn.execute(stmt)).scalar()
        if new_id is None:
            raise StaffExists()
        await audit(conn, actor=actor, action="staff.create", subject=f"staff:{new_id}",
                    detail=f"{username} roles {text}" + (" (one-time password)"
                                                         if one_time else ""))
    return int(new_id)


async def staff_exists(db: Database, username: str) -> bool:
    async with db.read() as conn:
        found = (await conn.execute(select(staff.c.id).where(
            staff.c.username == username))).first()
    return found is not None


def mfa_roles(p: Platform) -> frozenset[str]:
    return frozenset(r.strip() for r in p.settings.staff_mfa_roles.split(",") if r.strip())


async def login(p: Platform, *, username: str, password: str, otp: str | None = None,
                device_id: str = "admin-console") -> Session:
    """Password, then the TOTP code when MFA is on; five wrong ones in a row lock the login."""
    async with p.db.read() as conn:
        row = (await conn.execute(select(staff).where(staff.c.username == username))).first()
    if row is None or not row.active:
        await asyncio.to_thread(_verify, _dummy_hash(), password)  # same cost either way
        raise StaffLoginFailed()
    if row.locked_at is not None:
        raise StaffLocked()
    if not await asyncio.to_thread(_verify, row.password_hash, password):
        await _count_failure(p.db, row.id)
        raise StaffLoginFailed()
    step = None
    if row.mfa_confirmed_at is not None:
        if not otp:
            raise MfaRequired()
        step = mfa.matching_step(p.vault.decrypt(row.mfa_secret_enc), otp,
                                 last_step=row.mfa_last_step)
        if step is None:
            await _count_failure(p.db, row.id)
            raise MfaInvalid()
    return await _session(p, row, device_id=device_id, mfa_step=step, action="staff.login")


async def _session(p: Platform, row: Any, *, device_id: str, mfa_step: int | None,
                   action: str) -> Session:
    """Issue the token this staff member's state allows (full, or pending a first-login step)."""
    roles = tuple(r for r in row.roles.split(",") if r)
    enrolment = None
    values: dict[str, Any] = {"failed_attempts": 0}
    if mfa_step is not None:
        values["mfa_last_step"] = mfa_step
    if row.password_change_required:
        token_roles: tuple[str, ...] = (PENDING_PASSWORD,)
    elif row.mfa_confirmed_at is None and set(roles) & mfa_roles(p):
        token_roles = (PENDING_MFA,)
        enrolment, secret_enc = _enrolment(p, row)
        values["mfa_secret_enc"] = secret_enc
    else:
        token_roles = roles
    async with p.db.transaction() as conn:
        await conn.execute(staff.update().where(staff.c.id == row.id).values(**values))
        await audit(conn, actor=f"staff:{row.id}", action=action, subject=f"staff:{row.id}",
                    detail=row.username + ("" if token_roles == roles
                                           else f" ({token_roles[0]})"))
    token = await auth.issue_token(p, kind="staff", subject_id=row.id, roles=token_roles,
                                   device_id=device_id)
    return Session(token, int(row.id), roles, bool(row.password_change_required), enrolment,
                   row.mfa_confirmed_at is not None)


def _enrolment(p: Platform, row: Any) -> tuple[Enrolment, str]:
    """The pending TOTP secret (kept across logins until confirmed, so a scanned QR stays
    good) → (enrolment, the secret encrypted for storage)."""
    secret = p.vault.decrypt(row.mfa_secret_enc) if row.mfa_secret_enc else mfa.new_secret()
    uri = mfa.otpauth_uri(secret, username=row.username, issuer=p.settings.bank_name)
    return Enrolment(secret, uri, mfa.qr_svg(uri)), p.vault.encrypt(secret)


async def _row(conn: AsyncConnection, staff_id: int) -> Any:
    row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).first()
    if row is None or not row.active:
        raise Unauthorized()
    return row


async def change_password(p: Platform, *, staff_id: int, password: str, new_password: str,
                          device_id: str = "admin-console") -> Session:
    """The own password (required first after a one-time one) → a fresh login."""
    async with p.db.read() as conn:
        row = await _row(conn, staff_id)
    if not await asyncio.to_thread(_verify, row.password_hash, password):
        await _count_failure(p.db, row.id)
        raise StaffLoginFailed("The current password is wrong.", "当前密码错误。")
    check_new_password(new_password, username=row.username, current=password)
    new_hash = await hash_password(new_password)
    async with p.db.transaction() as conn:
        await conn.execute(staff.update().where(staff.c.id == row.id).values(
            password_hash=new_hash, password_change_required=False,
            password_changed_at=clock.utcnow(), updated_at=clock.utcnow()))
        await audit(conn, actor=f"staff:{row.id}", action="staff.password",
                    subject=f"staff:{row.id}", detail="password changed")
        row = await _row(conn, staff_id)
    await auth.revoke_subject(p, kind="staff", subject_id=row.id)
    return await _session(p, row, device_id=device_id, mfa_step=None, action="staff.login")


async def start_enrolment(p: Platform, *, staff_id: int) -> Enrolment:
    """TOTP enrolment for a staff member who chooses MFA (admins are asked at login)."""
    async with p.db.transaction() as conn:
        row = await _row(conn, staff_id)
        if row.mfa_confirmed_at is not None:
            raise MfaAlreadyEnrolled()
        enrolment, secret_enc = _enrolment(p, row)
        await conn.execute(staff.update().where(staff.c.id == row.id).values(
            mfa_secret_enc=secret_enc))
    return enrolment


async def confirm_mfa(p: Platform, *, staff_id: int, otp: str,
                      device_id: str = "admin-console") -> Session:
    """The first code from the authenticator turns MFA on → a fresh login."""
    async with p.db.read() as conn:
        row = await _row(conn, staff_id)
    if row.mfa_confirmed_at is not None:
        raise MfaAlreadyEnrolled()
    if row.mfa_secret_enc is None:
        raise MfaNotStarted()
    step = mfa.matching_step(p.vault.decrypt(row.mfa_secret_enc), otp, last_step=None)
    if step is None:
        raise MfaCodeWrong()
    async with p.db.transaction() as conn:
        await conn.execute(staff.update().where(staff.c.id == row.id).values(
            mfa_confirmed_at=clock.utcnow(), mfa_last_step=step, updated_at=clock.utcnow()))
        await audit(conn, actor=f"staff:{row.id}", action="staff.mfa_enrolled",
                    subject=f"staff:{row.id}", detail="TOTP confirmed")
        row = await _row(conn, staff_id)
    await auth.revoke_subject(p, kind="staff", subject_id=row.id)
    return await _session(p, row, device_id=device_id, mfa_step=None, action="staff.login")


async def _count_failure(db: Database, staff_id: int) -> None:
    async with db.transaction() as conn:
        failed = (await conn.execute(
            staff.update().where(staff.c.id == staff_id)
            .values(failed_attempts=staff.c.failed_attempts + 1)
            .returning(staff.c.failed_attempts))).scalar_one()
        if failed >= MAX_FAILED_LOGINS:
            await conn.execute(staff.update().where(staff.c.id == staff_id)
                               .values(locked_at=clock.utcnow()))
            await audit(conn, actor="system", action="staff.locked",
                        subject=f"staff:{staff_id}", detail="too many wrong passwords or codes")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-real-password")
