"""The staff guard of every admin route: a staff token, then the permission matrix
(`staff/permissions.py`) for this route's method and path template. A route the matrix does not
name is refused, and a token from an unfinished first login opens only `session` routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from opendeposit.api.deps import bearer, platform_of
from opendeposit.auth import service as auth
from opendeposit.errors import Forbidden, Unauthorized
from opendeposit.staff.domain import PENDING_MFA, PENDING_PASSWORD
from opendeposit.staff.permissions import (
    PREFIX,
    SESSION,
    allows,
    permission_for,
    permission_for_url,
)


class RoleRequired(Forbidden):
    code = "ROLE_REQUIRED"
    message_en = "Your staff role does not allow this."
    message_zh = "您的岗位角色无权执行此操作。"


class StaffOnly(Forbidden):
    code = "STAFF_ONLY"
    message_en = "Staff only."
    message_zh = "仅限银行员工使用。"


class RouteNotPermitted(Forbidden):
    code = "ROUTE_NOT_PERMITTED"
    message_en = "This admin route is not in the permission matrix."
    message_zh = "该管理接口未登记权限。"


class PasswordChangeRequired(Forbidden):
    code = "PASSWORD_CHANGE_REQUIRED"
    message_en = "Change your one-time password first (POST /auth/password)."
    message_zh = "请先修改一次性密码。"


class MfaEnrolmentRequired(Forbidden):
    code = "MFA_ENROLMENT_REQUIRED"
    message_en = "Set up your authenticator first (POST /auth/mfa/confirm)."
    message_zh = "请先绑定身份验证器（动态码）。"


async def staff_principal(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> auth.Principal:
    """The calling staff member, if the matrix lets them call this route."""
    if creds is None:
        raise Unauthorized()
    p = platform_of(request)
    who = await auth.authenticate(p, creds.credentials)
    if who.kind != "staff":
        raise StaffOnly()
    if p.limiter is not None:
        await p.limiter.check("staff", who.id)
    template = getattr(request.scope.get("route"), "path", "")
    perm = permission_for(request.method, template) if template.startswith(PREFIX) else None
    if perm is None:  # a router included under an extra prefix: match the request's path
        perm = permission_for_url(request.method, request.url.path)
    if perm is None:
        raise RouteNotPermitted(details={"method": request.method, "path": request.url.path})
    if perm.access != SESSION:
        if PENDING_PASSWORD in who.roles:
            raise PasswordChangeRequired()
        if PENDING_MFA in who.roles:
            raise MfaEnrolmentRequired()
    if not allows(perm, who.roles):
        raise RoleRequired(details={"needs": sorted(perm.roles)})
    return who


def require(*roles: Any) -> Any:
    """A staff dependency, kept for the routers that name their roles: the permission matrix
    decides who passes (`roles` only says what the route's author meant)."""
    return Depends(staff_principal)


StaffDep = Annotated[auth.Principal, Depends(staff_principal)]

