"""Staff use cases: create a staff member, log in with username and password (argon2)."""

from __future__ import annotations

import asyncio
import functools
import secrets
from collections.abc import Iterable
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.auth import service as auth
from opendeposit.errors import Conflict, Forbidden, Unauthorized, ValidationFailed
from opendeposit.platform import Platform
from opendeposit.staff.models import staff

MAX_FAILED_LOGINS = 5
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)  # OWASP argon2id minimum


class Role(StrEnum):
    OPERATOR = "operator"  # drafts and submits products, runs batches (经办)
    CHECKER = "checker"  # approves what an operator submitted (复核)
    RISK = "risk"
    AUDITOR = "auditor"
    ADMIN = "admin"  # may do everything, but still never approve their own submission


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


class RoleUnknown(ValidationFailed):
    code = "ROLE_UNKNOWN"
    message_en = "Unknown staff role."
    message_zh = "未知的员工角色。"


def _roles_text(roles: Iterable[str]) -> str:
    names = sorted(set(roles))
    if not names or any(r not in Role.__members__.values() for r in names):
        raise RoleUnknown(details={"roles": names})
    return ",".join(names)


async def create_staff(p: Platform, *, username: str, password: str, roles: Iterable[str],
                       display_name: str = "", actor: str = "system") -> int:
    roles_text = _roles_text(roles)
    password_hash = await asyncio.to_thread(_HASHER.hash, password)
    async with p.db.transaction() as conn:
        stmt = p.db.insert(staff).values(
            username=username, display_name=display_name or username,
            password_hash=password_hash, roles=roles_text, active=True, failed_attempts=0,
            created_at=clock.utcnow()).on_conflict_do_nothing().returning(staff.c.id)
        new_id = (await conn.execute(stmt)).scalar()
        if new_id is None:
            raise StaffExists()
        await audit(conn, actor=actor, action="staff.create", subject=f"staff:{new_id}",
                    detail=f"{username} roles {roles_text}")
    return int(new_id)


async def staff_exists(p: Platform, username: str) -> bool:
    async with p.db.read() as conn:
        found = (await conn.execute(select(staff.c.id).where(
            staff.c.username == username))).first()
    return found is not None


def new_password() -> str:
    return secrets.token_urlsafe(12)


async def login(p: Platform, *, username: str, password: str,
                device_id: str = "admin-console") -> tuple[str, int, tuple[str, ...]]:
    """Check the password; five wrong ones in a row lock the login. → (token, staff id, roles)."""
    async with p.db.read() as conn:
        row = (await conn.execute(select(staff).where(staff.c.username == username))).first()
    if row is None or not row.active:
        await asyncio.to_thread(_verify, _dummy_hash(), password)  # same cost either way
        raise StaffLoginFailed()
    if row.locked_at is not None:
        raise StaffLocked()
    if not await asyncio.to_thread(_verify, row.password_hash, password):
        await _count_failure(p, row.id)
        raise StaffLoginFailed()
    roles = tuple(r for r in row.roles.split(",") if r)
    async with p.db.transaction() as conn:
        await conn.execute(staff.update().where(staff.c.id == row.id).values(failed_attempts=0))
        await audit(conn, actor=f"staff:{row.id}", action="staff.login",
                    subject=f"staff:{row.id}", detail=username)
    token = await auth.issue_token(p, kind="staff", subject_id=row.id, roles=roles,
                                   device_id=device_id)
    return token, int(row.id), roles


async def _count_failure(p: Platform, staff_id: int) -> None:
    async with p.db.transaction() as conn:
        failed = (await conn.execute(
            staff.update().where(staff.c.id == staff_id)
            .values(failed_attempts=staff.c.failed_attempts + 1)
            .returning(staff.c.failed_attempts))).scalar_one()
        if failed >= MAX_FAILED_LOGINS:
            await conn.execute(staff.update().where(staff.c.id == staff_id)
                               .values(locked_at=clock.utcnow()))
            await audit(conn, actor="system", action="staff.locked",
                        subject=f"staff:{staff_id}", detail="too many wrong passwords")


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return _HASHER.hash("not-a-real-password")
