"""Customer routes of remote account opening (e-KYC): one application, steps in a fixed order.

Flow and every error code: src/opendeposit/identity/docs.md. Each step answers with the
application's `status` and `next_step`; a failed step keeps the status so it can be retried.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, StrictStr

from opendeposit.api.deps import (
    CustomerDep,
    PlatformDep,
    client_ip,
    limit_by_customer,
    limit_by_ip,
)
from opendeposit.api.errors import ERROR_SCHEMA
from opendeposit.api.schemas import PathId, Strict
from opendeposit.identity import agreements, decision, residence, service, steps_card
from opendeposit.identity import steps_document as documents
from opendeposit.identity import steps_face as face
from opendeposit.identity.domain import ORDER, Status
from opendeposit.identity.errors import ApplicationNotFound

router = APIRouter(prefix="/api/v1/onboarding", tags=["onboarding"], responses={
    401: ERROR_SCHEMA, 404: ERROR_SCHEMA, 409: ERROR_SCHEMA, 410: ERROR_SCHEMA,
    422: ERROR_SCHEMA, 429: ERROR_SCHEMA})

UPLOAD_LIMITS = [limit_by_customer("onboarding_upload"), limit_by_ip("onboarding_upload_ip")]
STEP_ERRORS: dict[int | str, dict[str, Any]] = {409: {
    "description": "ONBOARDING_STEP_SKIPPED / ONBOARDING_STEP_REPLAYED / ONBOARDING_CLOSED",
    **{k: v for k, v in ERROR_SCHEMA.items() if k != "description"}}}


def ok(example: dict[str, Any], *codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses`: a 200 example, the step errors and the extra error `codes`."""
    return {200: {"content": {"application/json": {"example": example}}}, **STEP_ERRORS,
            **{c: ERROR_SCHEMA for c in codes}}


CHALLENGE = {"nonce": "q3Jx0cXbS1mN8xZk", "actions": ["turn_left", "blink", "open_mouth"],
             "expires_at": "2025-06-02T08:05:00+00:00", "frames_expected": 3}
EX_ID_CARD = {"id": 7, "status": "id_card", "next_step": "identity", "fields": {
    "name": "张伟", "sex": "男", "ethnicity": "汉", "birth_date": "1988-06-15",
    "address": "广东省深圳市南山区科技园南路18号3栋502房", "id_number": "440305198806151315",
    "authority": "深圳市公安局南山分局", "valid_from": "2016-08-01", "valid_to": "2036-08-01",
    "long_term": False}, "confidence": {"name": 0.998, "id_number": 0.999}, "warnings": []}
EX_IDENTITY = {"id": 7, "status": "identity", "next_step": "face",
               "citizen_id_check": "match", "challenge": CHALLENGE}
EX_FACE = {"id": 7, "status": "face", "next_step": "card",
           "face_match": {"passed": True, "source": "registry"}, "liveness": {"passed": True}}
EX_CARD = {"id": 7, "status": "card", "next_step": "card_confirm",
           "card": {"bank": "中国工商银行", "card_no_masked": "****0004"},
           "sms_sent_to": "139****9000", "expires_in": 300}
EX_CONFIRM = {"id": 7, "status": "card_confirmed", "next_step": "submit",
              "card": {"bank": "中国工商银行", "card_no_masked": "****0004"}}


class Location(Strict):
    lat: float = Field(ge=-90, le=90, examples=[22.5431])
    lon: float = Field(ge=-180, le=180, examples=[114.0579])
    accuracy_m: float | None = Field(None, ge=0, le=100_000, examples=[35])


class StartIn(Strict):
    device_id: StrictStr = Field(min_length=1, max_length=64, examples=["d-3f2a9c"])
    location: Location | None = Field(None, description="device location, with the customer's "
                                       "consent; evidence for the local-customer rule")


class ApplicationView(BaseModel):
    id: int
    status: str = Field(description="application | id_card | identity | face | card | "
                        "card_confirmed | submitted | review | opened | rejected | expired")
    next_step: str | None = Field(description="id_card | identity | face | card | card_confirm"
                                  " | submit; null when decided", examples=["id_card"])
    created_at: str
    updated_at: str
    expires_at: str | None = Field(description="when an idle application expires")
    challenge: dict[str, Any] | None = Field(None, description="the liveness challenge, at "
                                             "the face step")
    reasons: list[str] = Field(default_factory=list, description="decision reason codes")
    residence_proof: bool = False


def _view(p: Any, app: service.Application) -> ApplicationView:
    idle_end = app.updated_at + p.identity.flow.idle
    in_progress = app.status in ORDER and app.status is not Status.SUBMITTED
    ch = app.state.get("challenge") if app.status is Status.IDENTITY else None
    return ApplicationView(
        id=app.id, status=app.status.value,
        next_step=app.next_step.value if app.next_step else None,
        created_at=app.created_at.isoformat(), updated_at=app.updated_at.isoformat(),
        expires_at=idle_end.isoformat() if in_progress else None,
        challenge=face.public_challenge(ch) if ch else None, reasons=app.reasons,
        residence_proof="residence_proof" in app.state)


@router.post("", status_code=201, responses={200: {"model": ApplicationView, "description":
             "the open application already exists (resume it)"}})
async def start(body: StartIn, who: CustomerDep, p: PlatformDep,
                request: Request) -> JSONResponse:
    """Starts an account-opening application, or returns the open one (200) to resume.

    409 ACCOUNT_ALREADY_OPEN when the customer already has a Class II account.
    """
    app, created = await service.start(
        p, customer_id=who.id, device_id=body.device_id, ip=client_ip(request),
        location=body.location.model_dump() if body.location else None, channel=who.channel)
    return JSONResponse(_view(p, app).model_dump(), status_code=201 if created else 200)


@router.get("/current")
async def current(who: CustomerDep, p: PlatformDep) -> ApplicationView:
    """The open application (in progress or in review) with its next step; 404 if none."""
    app = await service.current(p, who.id)
    if app is None:
        raise ApplicationNotFound()
    return _view(p, app)


@router.get("/agreements")
async def list_agreements() -> dict[str, list[dict[str, str]]]:
    """The texts to show and accept: `face_data_consent` before the face step (separate
    consent), the others on submit. Send back each `id` with the `version` shown."""
    return {"items": [vars(a) for a in agreements.AGREEMENTS]}


@router.get("/{application_id}")
async def get_application(application_id: PathId, who: CustomerDep,
                          p: PlatformDep) -> ApplicationView:
    return _view(p, await service.load(p, customer_id=who.id, application_id=application_id))


@router.post("/{application_id}/id-card", responses=ok(EX_ID_CARD, 413, 415),
             dependencies=UPLOAD_LIMITS)
async def id_card(application_id: PathId, who: CustomerDep, p: PlatformDep, request: Request,
                  front: Annotated[UploadFile | None, File(
                      description="the side with the portrait (JPEG/PNG, ≤ 8 MB, ≥ 200 px)")]
                  = None,
                  back: Annotated[UploadFile | None, File(
                      description="the side with the national emblem")] = None
                  ) -> dict[str, Any]:
    """Reads both sides of the ID card (OCR) → the recognised fields for the customer to check.

    Retake errors: ID_CARD_NOT_FOUND, ID_CARD_WRONG_SIDE, ID_CARD_TOO_BLURRY,
    ID_CARD_UNREADABLE, ID_CARD_INCONSISTENT (details.side says which photo). `warnings` may
    hold ID_NUMBER_CHECKSUM etc. when the number was probably misread: fix it in the next step.
    """
    return await documents.read_id_card(
        p, customer_id=who.id, application_id=application_id,
        front=await front.read() if front else None, back=await back.read() if back else None,
        ip=client_ip(request))


class IdentityIn(Strict):
    name: StrictStr = Field(min_length=1, max_length=40, examples=["张伟"])
    id_number: StrictStr = Field(min_length=15, max_length=20, examples=["440305199001011237"])
    id_valid_from: date = Field(examples=["2015-03-01"])
    id_valid_to: date | Literal["长期"] | None = Field(
        description="the card's end date; \"长期\" or null for a long-term card",
        examples=["2035-03-01"])
    address: StrictStr = Field(min_length=2, max_length=120,
                               examples=["广东省深圳市南山区科技园南路18号"])


@router.post("/{application_id}/identity", responses=ok(EX_IDENTITY, 502))
async def identity(application_id: PathId, body: IdentityIn, who: CustomerDep, p: PlatformDep,
                   request: Request) -> dict[str, Any]:
    """Confirms the card's fields and runs the citizen-ID online check (联网核查).

    Returns the liveness `challenge` for the face step. Errors: ID_NUMBER_* , ID_CARD_EXPIRED,
    ID_CARD_EXPIRING_SOON, AGE_OUT_OF_RANGE, CITIZEN_NOT_FOUND, CITIZEN_NAME_MISMATCH.
    """
    valid_to = body.id_valid_to if isinstance(body.id_valid_to, date) else None
    return await documents.confirm_identity(
        p, customer_id=who.id, application_id=application_id, name=body.name,
        id_number=body.id_number, valid_from=body.id_valid_from, valid_to=valid_to,
        address=body.address, ip=client_ip(request))


@router.get("/{application_id}/face/challenge", responses=ok(CHALLENGE))
async def face_challenge(application_id: PathId, who: CustomerDep,
                         p: PlatformDep) -> dict[str, Any]:
    """The liveness challenge: `actions` to perform in order, one frame each. Actions:
    turn_left / turn_right (the person's own left/right), open_mouth, blink."""
    return await face.challenge(p, customer_id=who.id, application_id=application_id)


@router.post("/{application_id}/face", responses=ok(EX_FACE, 413), dependencies=UPLOAD_LIMITS)
async def face_step(
    application_id: PathId, who: CustomerDep, p: PlatformDep, request: Request,
    selfie: Annotated[UploadFile | None, File(description="a frontal photo, eyes open")] = None,
    frames: Annotated[list[UploadFile] | None, File(
        description="one frame per challenge action, in the challenge's order")] = None,
    face_consent_version: Annotated[str | None, Form(
        description="the version of `face_data_consent` the customer accepted")] = None,
    nonce: Annotated[str | None, Form(description="the challenge's nonce")] = None,
    mirrored: Annotated[bool, Form(description="true if the frames are mirrored like a "
                                   "front-camera preview")] = False,
    capture: Annotated[str | None, Form(description="the capture protocol's signatures, JSON "
                                        "{v, nonce, frames: [{i, label, t, sig}]} "
                                        "(identity/docs.md)")] = None,
    vendor_token: Annotated[str | None, Form(description="with liveness_provider=vendor: the "
                                             "token of the finished vendor session (no "
                                             "files)")] = None,
) -> dict[str, Any]:
    """Liveness (the action challenge with the capture protocol and the signal checks) and 1:1
    comparison of the selfie with the registry photo. A failed attempt returns the next
    challenge in `error.details.challenge`. With a vendor, send `vendor_token` instead."""
    if vendor_token:
        return await face.verify_vendor(
            p, customer_id=who.id, application_id=application_id, token=vendor_token,
            consent_version=face_consent_version, ip=client_ip(request))
    return await face.verify_face(
        p, customer_id=who.id, application_id=application_id,
        selfie=await selfie.read() if selfie else None,
        frames=[await f.read() for f in frames or []], consent_version=face_consent_version,
        nonce=nonce, mirrored=mirrored, ip=client_ip(request), capture_doc=capture)


@router.post("/{application_id}/face/vendor-session", responses=STEP_ERRORS)
async def face_vendor_session(application_id: int, who: CustomerDep,
                              p: PlatformDep) -> dict[str, Any]:
    """With liveness_provider=vendor (challenge.provider): starts the vendor's session → the
    token and what the client needs to run the vendor's SDK; then POST .../face with it."""
    return await face.vendor_session(p, customer_id=who.id, application_id=application_id)


@router.post("/{application_id}/residence-proof", responses=STEP_ERRORS,
             dependencies=UPLOAD_LIMITS)
async def residence_proof(
    application_id: PathId, who: CustomerDep, p: PlatformDep, request: Request,
    file: Annotated[UploadFile | None, File(description="photo of the document")] = None,
    kind: Annotated[Literal["residence_permit", "social_insurance", "tax_record",
                            "work_certificate"], Form()] = "residence_permit",
) -> dict[str, Any]:
    """A proof of residence for staff review, needed when the ID was issued outside the service
    area but the device is inside it (RESIDENCE_PROOF_REQUIRED on submit)."""
    return await residence.upload_proof(p, customer_id=who.id, application_id=application_id,
                                        file=await file.read() if file else None, kind=kind,
                                        ip=client_ip(request))


@router.put("/{application_id}/location", responses=STEP_ERRORS)
async def location(application_id: PathId, body: Location, who: CustomerDep, p: PlatformDep,
                   request: Request) -> dict[str, Any]:
    """Updates the device location (with consent) before submitting."""
    return await residence.update_location(p, customer_id=who.id, application_id=application_id,
                                           location=body.model_dump(), ip=client_ip(request))


class CardIn(Strict):
    card_number: StrictStr = Field(min_length=16, max_length=23, examples=["6222020200112233445"])
    phone: StrictStr = Field(max_length=20, description="the card's bank-reserved mobile; must "
                             "also be the phone you logged in with", examples=["13800138000"])


@router.post("/{application_id}/card", responses=ok(EX_CARD, 429))
async def card(application_id: PathId, body: CardIn, who: CustomerDep, p: PlatformDep,
               request: Request) -> dict[str, Any]:
    """Five-element check of the card to bind (name, ID number, card, reserved mobile, Class I)
    with its bank, then an SMS code to the reserved mobile. Re-send: call it again."""
    return await steps_card.bind_card(p, customer_id=who.id, application_id=application_id,
                                      card_number=body.card_number, phone=body.phone,
                                      ip=client_ip(request))


class CodeIn(Strict):
    code: StrictStr = Field(max_length=6, examples=["123456"])


@router.post("/{application_id}/card/confirm", responses=ok(EX_CONFIRM))
async def card_confirm(application_id: PathId, body: CodeIn, who: CustomerDep, p: PlatformDep,
                       request: Request) -> dict[str, Any]:
    """Confirms the SMS code sent to the card's reserved mobile (CARD_SMS_CODE_INVALID)."""
    return await steps_card.confirm_card(p, customer_id=who.id, application_id=application_id,
                                         code=body.code, ip=client_ip(request))


class AgreementIn(Strict):
    id: StrictStr = Field(max_length=40, examples=["account_terms"])
    version: StrictStr = Field(max_length=20, examples=["2025.1"])


class SubmitIn(Strict):
    pin: StrictStr = Field(max_length=6, description="the new 6-digit transaction PIN",
                           examples=["135790"])
    agreements: list[AgreementIn] = Field(max_length=10, examples=[[
        {"id": "account_terms", "version": "2025.1"},
        {"id": "privacy_policy", "version": "2025.1"},
        {"id": "anti_fraud_pledge", "version": "2025.1"}]])


class SubmitOut(BaseModel):
    id: int
    status: Literal["opened", "review", "rejected"]
    account_no: str | None = Field(None, examples=["6230 **** **** 1234"])
    reason: str | None = Field(None, description="the first reason code", examples=[
        "OUT_OF_SERVICE_AREA"])
    reasons: list[dict[str, str]] = Field(default_factory=list)


@router.post("/{application_id}/submit", responses=STEP_ERRORS)
async def submit(application_id: PathId, body: SubmitIn, who: CustomerDep, p: PlatformDep,
                 request: Request) -> SubmitOut:
    """Sets the PIN, records the agreements and decides: `opened` (with the account number),
    `review` (staff will decide) or `rejected` (with reasons)."""
    answer = await decision.submit(
        p, customer_id=who.id, application_id=application_id, pin=body.pin,
        accepted={a.id: a.version for a in body.agreements}, ip=client_ip(request))
    return SubmitOut(**answer)
