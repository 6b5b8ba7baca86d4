"""Staff management by admins (/admin/api/v1/staff): list, create with a one-time password,
change roles or disable, reset a password or the MFA. The first admin of an install comes from
the CLI: `opendeposit staff create --username U --role admin`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field, StrictBool, StrictStr

from opendeposit.api.deps import PlatformDep
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import StaffDep
from opendeposit.api.schemas import Strict
from opendeposit.staff import manage
from opendeposit.staff.domain import Role

router = APIRouter(prefix="/admin/api/v1/staff", tags=["admin: staff"], responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA,
    422: ERROR_SCHEMA})

StaffId = Annotated[int, Path(ge=1, le=2**63 - 1)]
RoleName = Annotated[Role, Field(examples=["checker"])]


class StaffView(BaseModel):
    id: int
    username: str
    display_name: str
    roles: list[str]
    disabled: bool
    locked: bool = Field(description="5 wrong passwords or codes; a password reset lifts it")
    mfa_enabled: bool
    password_change_required: bool
    created_at: str | None
    updated_at: str | None


class StaffList(BaseModel):
    items: list[StaffView]


class StaffCreate(Strict):
    username: StrictStr = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$",
                                examples=["chk-wang"])
    display_name: StrictStr = Field("", max_length=60, examples=["王复核"])
    roles: list[RoleName] = Field(min_length=1, max_length=5)


class StaffCreated(BaseModel):
    staff: StaffView
    one_time_password: str = Field(description="shown once; changed at the first login")


class StaffUpdate(Strict):
    roles: list[RoleName] | None = Field(None, min_length=1, max_length=5)
    disabled: StrictBool | None = None
    display_name: StrictStr | None = Field(None, min_length=1, max_length=60)


class PasswordReset(BaseModel):
    staff_id: int
    one_time_password: str = Field(description="shown once; changed at the next login")


@router.get("")
async def list_staff(who: StaffDep, p: PlatformDep) -> StaffList:
    return StaffList(items=[StaffView(**v) for v in await manage.list_staff(p.db)])


@router.post("", status_code=201)
async def create_staff(body: StaffCreate, who: StaffDep, p: PlatformDep) -> StaffCreated:
    """A new staff member; the one-time password is in this answer only (409 STAFF_EXISTS)."""
    made = await manage.create(p.db, username=body.username, roles=[r.value for r in body.roles],
                               display_name=body.display_name, admin_id=who.id)
    return StaffCreated(staff=StaffView(**await manage.one(p.db, made.id)),
                        one_time_password=made.password)


@router.put("/{staff_id}")
async def update_staff(staff_id: StaffId, body: StaffUpdate, who: StaffDep,
                       p: PlatformDep) -> StaffView:
    """New roles and/or disabled; their sessions end (409 LAST_ADMIN keeps one admin)."""
    roles = [r.value for r in body.roles] if body.roles is not None else None
    return StaffView(**await manage.update(p, staff_id=staff_id, admin_id=who.id,
                                           roles=roles, disabled=body.disabled,
                                           display_name=body.display_name))


@router.post("/{staff_id}/reset-password")
async def reset_staff_password(staff_id: StaffId, who: StaffDep,
                               p: PlatformDep) -> PasswordReset:
    """A new one-time password (also lifts a lock); their sessions end."""
    password = await manage.reset_password(p, staff_id=staff_id, admin_id=who.id)
    return PasswordReset(staff_id=staff_id, one_time_password=password)


@router.post("/{staff_id}/reset-mfa")
async def reset_staff_mfa(staff_id: StaffId, who: StaffDep, p: PlatformDep) -> StaffView:
    """Forget the TOTP secret (a lost phone): enrolled again at the next login."""
    return StaffView(**await manage.reset_mfa(p, staff_id=staff_id, admin_id=who.id))
