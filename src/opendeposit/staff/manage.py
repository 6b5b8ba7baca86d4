"""Staff management by admins: list, create with a one-time password, change roles, disable
or enable, reset a password (which also lifts a lock) or the MFA. A change ends the staff
member's sessions in every process, so new roles apply from the next login; nobody locks the
bank out of its own console (the last active admin cannot be disabled or demoted)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from opendeposit import clock
from opendeposit.accounts.service import audit
from opendeposit.auth import service as auth
from opendeposit.db import Database
from opendeposit.errors import Conflict, NotFound
from opendeposit.platform import Platform
from opendeposit.staff.domain import Role, roles_text
from opendeposit.staff.models import staff
from opendeposit.staff.service import create_staff, hash_password, new_password


class StaffNotFound(NotFound):
    code = "STAFF_NOT_FOUND"
    message_en = "No such staff member."
    message_zh = "员工不存在。"


class LastAdmin(Conflict):
    code = "LAST_ADMIN"
    message_en = "This is the last active admin: make another admin first."
    message_zh = "这是最后一名有效的管理员，请先设置另一名管理员。"


@dataclass(frozen=True)
class Created:
    id: int
    password: str


def view(r: Any) -> dict[str, Any]:
    def at(v: Any) -> str | None:
        return clock.as_utc(v).isoformat() if v else None

    return {"id": int(r.id), "username": r.username, "display_name": r.display_name,
            "roles": [x for x in r.roles.split(",") if x], "disabled": not r.active,
            "locked": r.locked_at is not None, "mfa_enabled": r.mfa_confirmed_at is not None,
            "password_change_required": bool(r.password_change_required),
            "created_at": at(r.created_at), "updated_at": at(r.updated_at)}


async def list_staff(db: Database) -> list[dict[str, Any]]:
    async with db.read() as conn:
        rows = (await conn.execute(select(staff).order_by(staff.c.id))).all()
    return [view(r) for r in rows]


async def one(db: Database, staff_id: int) -> dict[str, Any]:
    async with db.read() as conn:
        row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).first()
    if row is None:
        raise StaffNotFound()
    return view(row)


async def create(db: Database, *, username: str, roles: Iterable[str], display_name: str,
                 admin_id: int) -> Created:
    """A new staff member with a one-time password, shown once to the admin."""
    password = new_password()
    new_id = await create_staff(db=db, username=username, password=password, roles=roles,
                                display_name=display_name, actor=f"staff:{admin_id}",
                                one_time=True)
    return Created(new_id, password)


async def update(p: Platform, *, staff_id: int, admin_id: int, roles: Iterable[str] | None,
                 disabled: bool | None, display_name: str | None = None) -> dict[str, Any]:
    """Roles and/or disabled; the staff member's sessions end either way."""
    async with p.db.transaction() as conn:
        row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).first()
        if row is None:
            raise StaffNotFound()
        new_roles = roles_text(roles) if roles is not None else row.roles
        active = row.active if disabled is None else not disabled
        stays_admin = active and Role.ADMIN.value in new_roles.split(",")
        if Role.ADMIN.value in row.roles.split(",") and row.active and not stays_admin:
            await _keep_an_admin(conn, staff_id)
        values: dict[str, Any] = {"roles": new_roles, "active": active,
                                  "updated_at": clock.utcnow()}
        if display_name:
            values["display_name"] = display_name
        await conn.execute(staff.update().where(staff.c.id == staff_id).values(**values))
        await audit(conn, actor=f"staff:{admin_id}", action="staff.update",
                    subject=f"staff:{staff_id}",
                    detail=f"roles {row.roles} → {new_roles}; "
                           f"{'enabled' if active else 'disabled'}")
        row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).one()
    await auth.revoke_subject(p, kind="staff", subject_id=staff_id)
    return view(row)


async def _keep_an_admin(conn: Any, leaving_id: int) -> None:
    others = (await conn.execute(select(staff.c.id, staff.c.roles).where(
        staff.c.active.is_(True), staff.c.id != leaving_id))).all()
    if not any(Role.ADMIN.value in r.roles.split(",") for r in others):
        raise LastAdmin()


async def reset_password(p: Platform, *, staff_id: int, admin_id: int) -> str:
    """A new one-time password (changed at the next login); lifts a lock; sessions end."""
    password = new_password()
    password_hash = await hash_password(password)
    async with p.db.transaction() as conn:
        done = await conn.execute(staff.update().where(staff.c.id == staff_id).values(
            password_hash=password_hash, password_change_required=True, failed_attempts=0,
            locked_at=None, updated_at=clock.utcnow()))
        if done.rowcount != 1:
            raise StaffNotFound()
        await audit(conn, actor=f"staff:{admin_id}", action="staff.reset_password",
                    subject=f"staff:{staff_id}", detail="one-time password issued; lock lifted")
    await auth.revoke_subject(p, kind="staff", subject_id=staff_id)
    return password


async def reset_mfa(p: Platform, *, staff_id: int, admin_id: int) -> dict[str, Any]:
    """Forget the TOTP secret (a lost phone): enrolled again at the next login."""
    async with p.db.transaction() as conn:
        done = await conn.execute(staff.update().where(staff.c.id == staff_id).values(
            mfa_secret_enc=None, mfa_confirmed_at=None, mfa_last_step=None,
            updated_at=clock.utcnow()))
        if done.rowcount != 1:
            raise StaffNotFound()
        await audit(conn, actor=f"staff:{admin_id}", action="staff.reset_mfa",
                    subject=f"staff:{staff_id}", detail="TOTP cleared")
        row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).one()
    await auth.revoke_subject(p, kind="staff", subject_id=staff_id)
    return view(row)
