"""Passing a step-up: by face (the onboarding liveness protocol — a random action challenge,
then a selfie and one frame per action — compared with the citizen registry's photo of the
account holder) or by an SMS code to the account's phone.

The face work goes through the identity context's functions (`steps_face.analyse`,
`issue_challenge`, `public_challenge`, the capture binding, `replay`, `antispoof.judge`,
`images.decode`) in `_face_outcome` and `_spoof_and_match` only, so a step-up gets exactly
onboarding's defences (nonce-bound capture, replay registry, still-photo and screen checks).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from opendeposit import clock
from opendeposit.accounts.domain import mask_phone
from opendeposit.accounts.holder import Holder, holder
from opendeposit.auth import service as auth
from opendeposit.errors import OpenDepositError, ValidationFailed
from opendeposit.identity import antispoof, images, replay
from opendeposit.identity import errors as id_errors
from opendeposit.identity.evidence import put_blob
from opendeposit.identity.ports import Action, RegistryResult
from opendeposit.identity.steps_face import (
    FaceOutcome,
    _binding,  # the capture protocol's check; no public name for it yet (see docs.md)
    analyse,
    issue_challenge,
    public_challenge,
)
from opendeposit.platform import Platform
from opendeposit.risk import stepup
from opendeposit.risk.stepup import FACE, SMS, StepUp

# The replay registry is keyed by onboarding application; step-up pictures are kept under 0.
STEP_UP_PICTURES = 0


class FaceReferenceMissing(OpenDepositError):
    code = "STEP_UP_FACE_UNAVAILABLE"
    http_status = 422
    message_en = "Face verification is not available for this account; use SMS or a branch."
    message_zh = "该账户暂不支持人脸验证，请使用短信验证或到网点办理。"


class StepUpCodeInvalid(ValidationFailed):
    code = "STEP_UP_SMS_CODE_INVALID"
    message_en = "The verification code is wrong or has expired."
    message_zh = "验证码错误或已过期。"


async def _load(p: Platform, customer_id: int, step_up_id: str, method: str,
                now: datetime) -> tuple[StepUp, Holder]:
    async with p.db.read() as conn:
        s = await stepup.load(conn, customer_id=customer_id, step_up_id=step_up_id)
        who = await holder(conn, customer_id)
    stepup.check_live(s, now)
    if method not in s.methods:
        raise stepup.StepUpMethodNotAllowed(details={"methods": list(s.methods)})
    if s.status != "pending" or who is None:
        raise stepup.StepUpUsed(details={"status": s.status})
    return s, who


async def view(p: Platform, *, customer_id: int, step_up_id: str) -> dict[str, Any]:
    async with p.db.read() as conn:
        s = await stepup.load(conn, customer_id=customer_id, step_up_id=step_up_id)
    return s.view() | {"expired": s.expires_at <= clock.utcnow()}


async def challenge(p: Platform, *, customer_id: int, step_up_id: str) -> dict[str, Any]:
    """The live face challenge of the step-up, or a new one (one per attempt, 5 minutes)."""
    now = clock.utcnow()
    s, _ = await _load(p, customer_id, step_up_id, FACE, now)
    ch = s.challenge
    if not ch or datetime.fromisoformat(ch["expires_at"]) <= now:
        ch = issue_challenge(p.identity.flow)
        async with p.db.transaction() as conn:
            await stepup.mark(conn, s, now=now, challenge=json.dumps(ch))
    return public_challenge(ch)


def _face_outcome(p: Platform, pictures: list[images.Photo], ch: dict[str, Any],
                  mirrored: bool, reference: bytes, capture_doc: str | None
                  ) -> tuple[FaceOutcome, bool]:
    """The onboarding protocol's checks of one attempt (worker thread): the capture binding to
    this challenge (or the sandbox's signed kit), then liveness and the comparison with the
    registry photo. → (outcome with the pictures' hashes, sandbox kit?)."""
    kit_pass, (problem, where) = _binding(p, ch, pictures, capture_doc)
    if problem:
        return FaceOutcome(problem, where, hashes=[antispoof.picture_hash(ph.image)
                                                   for ph in pictures]), kit_pass
    selfie, *frames = pictures
    return analyse(p.identity, selfie, frames, [Action(a) for a in ch["actions"]], mirrored,
                   reference, None), kit_pass


async def _spoof_and_match(conn: AsyncConnection, p: Platform, s: StepUp, o: FaceOutcome,
                           pictures: list[images.Photo], kit_pass: bool) -> str | None:
    """The replay registry (every picture of every attempt, onboarding's and step-ups') and the
    signal checks, as onboarding judges them; then the match threshold — a score in the grey
    band fails, as no staff review stands behind a step-up."""
    policy = p.identity.spoof_policy
    digests = [ph.sha256 for ph in pictures]
    check = await replay.find(conn, digests=digests, hashes=o.hashes, policy=policy,
                              exact_only=set(range(len(digests))) if kit_pass else None)
    await replay.remember(conn, application_id=STEP_UP_PICTURES, attempt=s.attempts + 1,
                          digests=digests, hashes=o.hashes)
    o.signals.append(check)
    problem = o.problem
    if not (problem and (problem.startswith("CAPTURE_") or check.passed)):
        spoofed, _ = antispoof.judge([check] if kit_pass or problem else o.signals, policy)
        problem = spoofed or problem
    if problem is None and (o.score is None or o.score < p.identity.flow.face_match):
        problem = "FACE_MISMATCH"
    return problem


async def verify_face(p: Platform, *, customer_id: int, step_up_id: str, selfie: bytes | None,
                      frames: list[bytes], nonce: str | None, mirrored: bool, ip: str,
                      capture_doc: str | None = None) -> dict[str, Any]:
    now = clock.utcnow()
    s, who = await _load(p, customer_id, step_up_id, FACE, now)
    ch = s.challenge
    if not ch or (nonce and nonce != ch["nonce"]):
        raise id_errors.ChallengeMissing()
    if datetime.fromisoformat(ch["expires_at"]) <= now:
        raise id_errors.ChallengeExpired()
    limit = p.identity.flow.upload_max_bytes
    photo = images.decode(selfie, max_bytes=limit, field="selfie")
    shots = [images.decode(f, max_bytes=limit, field=f"frames[{i}]") for i, f in enumerate(frames)]
    if len(shots) != len(ch["actions"]):
        raise id_errors.FramesCount(details={"expected": len(ch["actions"]), "got": len(shots)})
    name, id_number = who.name(p.vault), who.id_number(p.vault)
    answer = await p.identity.registry.check(name=name or "", id_number=id_number or "") \
        if name and id_number else None
    if answer is None or answer.result is not RegistryResult.MATCH or not answer.photo:
        raise FaceReferenceMissing()
    pictures = [photo, *shots]
    o, kit_pass = await asyncio.to_thread(_face_outcome, p, pictures, ch, mirrored,
                                          answer.photo, capture_doc)
    async with p.db.transaction() as conn:
        problem = await _spoof_and_match(conn, p, s, o, pictures, kit_pass)
        blob = await put_blob(conn, p.identity.cipher, photo.data, photo.content_type)
        evidence = {"problem": problem, "score": o.score, "source": o.source,
                    "threshold": p.identity.flow.face_match, "sandbox_kit": kit_pass,
                    "liveness": o.liveness.as_dict() if o.liveness else None,
                    "signals": [c.as_dict() for c in o.signals], **o.details,
                    "selfie_blob": blob, "pictures_sha256": [ph.sha256 for ph in pictures],
                    "challenge": ch, "registry_reference": answer.reference, "ip": ip}
        if problem is None:
            await stepup.mark(conn, s, now=now, status="verified", method=FACE, verified_at=now,
                              challenge=None, evidence=json.dumps(evidence, default=str))
            return s.view() | {"status": "verified", "method": FACE}
        attempts = s.attempts + 1
        spent = attempts >= stepup.MAX_ATTEMPTS
        fresh = None if spent else issue_challenge(p.identity.flow)
        await stepup.mark(conn, s, now=now, attempts=attempts,
                          status="failed" if spent else "pending",
                          challenge=json.dumps(fresh) if fresh else None,
                          evidence=json.dumps(evidence, default=str))
    if spent:
        raise stepup.StepUpFailed(details={"last_problem": problem})
    assert fresh is not None
    details = {"challenge": public_challenge(fresh),
               "attempts_left": stepup.MAX_ATTEMPTS - attempts,
               **{k: v for k, v in o.details.items() if k in ("image", "index", "action")}}
    error = id_errors.by_code(problem)
    if error is OpenDepositError:  # a code the identity context added later: still a 422
        raise ValidationFailed(code=problem, details=details)
    raise error(details=details)


async def send_sms(p: Platform, *, customer_id: int, step_up_id: str, device_id: str,
                   ip: str) -> dict[str, Any]:
    """A code to the account's phone (the bound card's reserved mobile, 302号)."""
    s, who = await _load(p, customer_id, step_up_id, SMS, clock.utcnow())
    phone = who.phone(p.vault)
    await auth.request_code(p, phone=phone, device_id=device_id, ip=ip, purpose="step_up")
    return {"step_up_id": s.id, "sms_sent_to": mask_phone(phone),
            "expires_in": p.settings.sms_code_ttl_seconds}


async def confirm_sms(p: Platform, *, customer_id: int, step_up_id: str,
                      code: str) -> dict[str, Any]:
    now = clock.utcnow()
    s, who = await _load(p, customer_id, step_up_id, SMS, now)
    try:
        await auth.check_code(p, phone=who.phone(p.vault), code=code, purpose="step_up")
    except auth.SmsCodeInvalid:
        raise StepUpCodeInvalid() from None
    async with p.db.transaction() as conn:
        await stepup.mark(conn, s, now=now, status="verified", method=SMS, verified_at=now,
                          evidence=json.dumps({"sms_to": mask_phone(who.phone(p.vault))}))
    return s.view() | {"status": "verified", "method": SMS}
