"""Customer routes of the risk context: the server-issued device id, passing a step-up (face or
SMS), and the account changes that need a face re-verification (bound card, PIN, re-activation).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from pydantic import BaseModel, Field, StrictStr

from opendeposit import clock
from opendeposit.accounts import reverify
from opendeposit.api import risk_schemas as rs
from opendeposit.api.deps import (
    CustomerDep,
    PlatformDep,
    client_ip,
    limit_by_customer,
    limit_by_ip,
)
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.schemas import Pin, Strict
from opendeposit.auth.service import Principal
from opendeposit.platform import Platform
from opendeposit.risk import verify
from opendeposit.risk.devices import DeviceIds

router = APIRouter(prefix="/api/v1", responses={
    401: ERROR_SCHEMA, 403: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA,
    410: ERROR_SCHEMA, 422: ERROR_SCHEMA, 429: ERROR_SCHEMA})

StepUpId = Annotated[StrictStr, Field(min_length=1, max_length=32, examples=["su_3kq..."])]
StepUpPath = Annotated[str, Path(min_length=1, max_length=32, description="the step-up id")]


def _who(p: Platform, who: Principal, request: Request) -> reverify.Who:
    """The caller with the device its token was issued to, when that id is ours."""
    ids = DeviceIds.from_vault(p.vault)
    device = who.device_id if ids.verify(who.device_id) is not None else None
    return reverify.Who(who.id, device, client_ip(request))


class DeviceView(BaseModel):
    device_id: str = Field(description="keep it and send it as `device_id` (login, events)")


@router.post("/devices", status_code=201, tags=["auth"])
async def issue_device(p: PlatformDep) -> DeviceView:
    """First contact: a server-issued, signed device id (nothing is stored until it is used)."""
    return DeviceView(device_id=DeviceIds.from_vault(p.vault).issue(clock.utcnow()))


# --------------------------------------------------------------------------- step-up


@router.get("/step-up/{step_up_id}", tags=["step-up"], response_model=rs.StepUpView)
async def step_up_status(step_up_id: StepUpPath, who: CustomerDep,
                         p: PlatformDep) -> dict[str, Any]:
    """The step-up's methods, status and expiry (404 for anyone else's)."""
    return await verify.view(p, customer_id=who.id, step_up_id=step_up_id)


@router.get("/step-up/{step_up_id}/challenge", tags=["step-up"],
            response_model=rs.ChallengeView)
async def step_up_challenge(step_up_id: StepUpPath, who: CustomerDep,
                            p: PlatformDep) -> dict[str, Any]:
    """The face liveness challenge (the onboarding protocol): `{nonce, actions, expires_at,
    frames_expected}`; valid 5 minutes and for one attempt."""
    return await verify.challenge(p, customer_id=who.id, step_up_id=step_up_id)


@router.post("/step-up/{step_up_id}/face", tags=["step-up"], response_model=rs.StepUpView,
             dependencies=[limit_by_customer("onboarding_upload"),
                           limit_by_ip("onboarding_upload_ip")])
async def step_up_face(
    step_up_id: StepUpPath, who: CustomerDep, p: PlatformDep, request: Request,
    selfie: Annotated[UploadFile | None, File()] = None,
    frames: Annotated[list[UploadFile] | None, File()] = None,
    nonce: Annotated[str | None, Form(max_length=64)] = None,
    mirrored: Annotated[bool, Form()] = False,
    capture: Annotated[str | None, Form(description="the capture protocol's signatures, JSON "
                                        "(identity/docs.md)", max_length=20_000)] = None,
) -> dict[str, Any]:
    """Selfie + one frame per challenge action, signed for the challenge (the onboarding capture
    protocol, `capture`), compared with the registry photo of the account holder. A failure
    answers the identity codes (CAPTURE_*, LIVENESS_*, FACE_MISMATCH, …) with the next
    challenge in `details.challenge`; the third failure spends the step-up."""
    return await verify.verify_face(
        p, customer_id=who.id, step_up_id=step_up_id,
        selfie=await selfie.read() if selfie else None,
        frames=[await f.read() for f in frames or []], nonce=nonce, mirrored=mirrored,
        ip=client_ip(request), capture_doc=capture)


@router.post("/step-up/{step_up_id}/sms", status_code=202, tags=["step-up"],
             response_model=rs.SmsSentView)
async def step_up_sms(step_up_id: StepUpPath, who: CustomerDep, p: PlatformDep,
                      request: Request) -> dict[str, Any]:
    """Sends a code to the account's phone (when the step-up allows SMS)."""
    caller = _who(p, who, request)
    return await verify.send_sms(p, customer_id=who.id, step_up_id=step_up_id,
                                 device_id=caller.device_id or "web", ip=caller.ip)


class CodeIn(Strict):
    code: StrictStr = Field(min_length=1, max_length=6, examples=["123456"])


@router.post("/step-up/{step_up_id}/sms/confirm", tags=["step-up"],
             response_model=rs.StepUpView)
async def step_up_sms_confirm(step_up_id: StepUpPath, body: CodeIn, who: CustomerDep,
                              p: PlatformDep) -> dict[str, Any]:
    return await verify.confirm_sms(p, customer_id=who.id, step_up_id=step_up_id,
                                    code=body.code)


# --------------------------------------------------------------------------- lifecycle


class CardChangeIn(Strict):
    card_number: StrictStr = Field(max_length=32, examples=["6228480000001390012"])
    step_up_id: StepUpId | None = None


@router.post("/account/bound-card", status_code=202, tags=["account"],
             response_model=rs.CardChangeStarted)
async def change_bound_card(body: CardChangeIn, who: CustomerDep, p: PlatformDep,
                            request: Request) -> dict[str, Any]:
    """Change the bound card (§1.5, §11.7): the new card's five elements, a face step-up
    (first call answers 403 STEP_UP_REQUIRED), then an SMS code to its reserved phone
    (confirm with `/account/bound-card/confirm`). Needs a zero balance and nothing in flight."""
    return await reverify.start_card_change(p, who=_who(p, who, request),
                                            card_number=body.card_number,
                                            step_up_id=body.step_up_id)


class CardConfirmIn(Strict):
    change_id: int = Field(ge=1, le=2**63 - 1)
    code: StrictStr = Field(min_length=1, max_length=6)


@router.post("/account/bound-card/confirm", tags=["account"],
             response_model=rs.CardChangeDone)
async def confirm_bound_card(body: CardConfirmIn, who: CustomerDep, p: PlatformDep,
                             request: Request) -> dict[str, Any]:
    return await reverify.confirm_card_change(p, who=_who(p, who, request),
                                              change_id=body.change_id, code=body.code)


class PinResetIn(Strict):
    new_pin: Pin
    step_up_id: StepUpId | None = None


@router.post("/account/pin/reset", tags=["account"], response_model=rs.StatusView)
async def reset_pin(body: PinResetIn, who: CustomerDep, p: PlatformDep,
                    request: Request) -> dict[str, Any]:
    """A new transaction PIN after a face step-up (also after a staff PIN unlock)."""
    return await reverify.reset_pin(p, who=_who(p, who, request), new_pin=body.new_pin,
                                    step_up_id=body.step_up_id)


class ReactivateIn(Strict):
    step_up_id: StepUpId | None = None


@router.post("/account/reactivate", tags=["account"], response_model=rs.StatusView)
async def reactivate(body: ReactivateIn, who: CustomerDep, p: PlatformDep,
                     request: Request) -> dict[str, Any]:
    """§1.7: lift a suspension for inactivity (DORMANT_NEW_ACCOUNT / LONG_DORMANT) after a
    face step-up."""
    return await reverify.reactivate(p, who=_who(p, who, request), step_up_id=body.step_up_id)
