"""Staff login (/admin/api/v1/auth): password, TOTP when enrolled, and the first login's steps.

api.md "First login and MFA": a one-time password must be changed first (every other call
answers 403 PASSWORD_CHANGE_REQUIRED); an admin without MFA gets `mfa_enrolment` with the login
answer and may only confirm it (403 MFA_ENROLMENT_REQUIRED elsewhere); a staff member with MFA
who logs in without `otp` gets 401 MFA_REQUIRED. Changing the password and confirming MFA each
answer a fresh login (the tokens before it are revoked).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field, StrictStr

from opendeposit.api.deps import PlatformDep, bearer, check_limit, limit_by_ip
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.guard import StaffDep
from opendeposit.api.schemas import Strict
from opendeposit.auth import service as auth
from opendeposit.errors import Unauthorized
from opendeposit.staff import manage
from opendeposit.staff import service as staff
from opendeposit.staff.domain import MAX_PASSWORD, PENDING_MFA, PENDING_PASSWORD

router = APIRouter(prefix="/admin/api/v1/auth", tags=["admin: staff login"],
                   responses={401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 422: ERROR_SCHEMA})


Pending = Literal["password_change", "mfa_enrolment"]  # what a first login still asks

class StaffLoginRequest(Strict):
    username: StrictStr = Field(min_length=1, max_length=32, examples=["admin"])
    password: StrictStr = Field(min_length=1, max_length=MAX_PASSWORD)
    otp: StrictStr | None = Field(None, min_length=6, max_length=6, examples=["123456"],
                                  description="the authenticator's code, when MFA is on")


class MfaEnrolmentView(BaseModel):
    secret: str = Field(description="base32 TOTP secret (to type in by hand)")
    otpauth_uri: str = Field(examples=["otpauth://totp/bank:admin?secret=...&issuer=bank"])
    qr_svg: str = Field(description="the otpauth URI as an SVG QR code")
    qr_data_uri: str = Field(description="the same QR as a data: URI for an <img>")


class StaffLoginResponse(BaseModel):
    token: str
    staff_id: int
    roles: list[str]
    expires_in: int = Field(description="seconds")
    pending: Pending | None = Field(
        description="what this token must do first; null: a full session")
    password_change_required: bool
    mfa_enabled: bool
    mfa_enrolment: MfaEnrolmentView | None = Field(
        description="present while an admin (or a role that needs MFA) still has to enrol")


class PasswordChange(Strict):
    password: StrictStr = Field(min_length=1, max_length=MAX_PASSWORD,
                                description="the current (one-time) password")
    new_password: StrictStr = Field(min_length=1, max_length=MAX_PASSWORD)


class OtpIn(Strict):
    otp: StrictStr = Field(min_length=6, max_length=6, examples=["123456"])


class StaffMe(BaseModel):
    staff_id: int
    username: str
    display_name: str
    roles: list[str]
    pending: Pending | None
    mfa_enabled: bool


def _answer(p: PlatformDep, s: staff.Session) -> StaffLoginResponse:
    pending: Pending | None = "password_change" if s.password_change_required else \
        "mfa_enrolment" if s.mfa_enrolment is not None else None
    enrol = None if s.mfa_enrolment is None else MfaEnrolmentView(
        secret=s.mfa_enrolment.secret, otpauth_uri=s.mfa_enrolment.otpauth_uri,
        qr_svg=s.mfa_enrolment.qr_svg, qr_data_uri=s.mfa_enrolment.qr_data_uri)
    return StaffLoginResponse(token=s.token, staff_id=s.staff_id, roles=list(s.roles),
                              expires_in=p.settings.staff_token_ttl_minutes * 60, pending=pending,
                              password_change_required=s.password_change_required,
                              mfa_enabled=s.mfa_enabled, mfa_enrolment=enrol)


@router.post("/login", responses={423: ERROR_SCHEMA, 429: ERROR_SCHEMA},
             dependencies=[limit_by_ip("login")])
async def staff_login(body: StaffLoginRequest, p: PlatformDep,
                      request: Request) -> StaffLoginResponse:
    """Username and password (+ `otp` when MFA is on). 401 STAFF_LOGIN_FAILED, MFA_REQUIRED,
    MFA_INVALID; 423 STAFF_LOCKED after 5 wrong passwords or codes in a row. The token ends
    after `expires_in` seconds, after `staff_token_idle_minutes` without use, or at
    `POST /auth/logout`."""
    await check_limit(request, "login_subject", f"staff:{body.username}")
    return _answer(p, await staff.login(p, username=body.username, password=body.password,
                                        otp=body.otp))


@router.post("/password", responses={423: ERROR_SCHEMA})
async def change_own_password(body: PasswordChange, who: StaffDep,
                              p: PlatformDep) -> StaffLoginResponse:
    """Replace the (one-time) password → a fresh login answer; 422 PASSWORD_TOO_WEAK (10+
    characters, letters and digits, not the username or the old one)."""
    return _answer(p, await staff.change_password(p, staff_id=who.id, password=body.password,
                                                  new_password=body.new_password))


@router.post("/mfa/enrol", responses={409: ERROR_SCHEMA})
async def start_mfa_enrolment(who: StaffDep, p: PlatformDep) -> MfaEnrolmentView:
    """A TOTP secret and its QR for a staff member who chooses MFA (409 when already on)."""
    e = await staff.start_enrolment(p, staff_id=who.id)
    return MfaEnrolmentView(secret=e.secret, otpauth_uri=e.otpauth_uri, qr_svg=e.qr_svg,
                            qr_data_uri=e.qr_data_uri)


@router.post("/mfa/confirm", responses={409: ERROR_SCHEMA})
async def confirm_mfa_enrolment(body: OtpIn, who: StaffDep,
                                p: PlatformDep) -> StaffLoginResponse:
    """The first code from the authenticator turns MFA on → a fresh login answer
    (422 MFA_INVALID for a wrong code)."""
    return _answer(p, await staff.confirm_mfa(p, staff_id=who.id, otp=body.otp))


@router.post("/logout", status_code=204, response_class=Response)
async def logout(who: StaffDep, p: PlatformDep,
                 creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
                 ) -> Response:
    """Ends this staff session server-side, in every API process at once."""
    if creds is not None:
        await auth.logout(p, creds.credentials)
    return Response(status_code=204)


@router.get("/me")
async def whoami(who: StaffDep, p: PlatformDep) -> StaffMe:
    """The staff member behind this token, and what their first login still asks."""
    try:
        view = await manage.one(p.db, who.id)
    except manage.StaffNotFound as exc:
        raise Unauthorized() from exc
    pending: Pending | None = "password_change" if PENDING_PASSWORD in who.roles else \
        "mfa_enrolment" if PENDING_MFA in who.roles else None
    return StaffMe(staff_id=who.id, username=view["username"],
                   display_name=view["display_name"], roles=view["roles"], pending=pending,
                   mfa_enabled=view["mfa_enabled"])
