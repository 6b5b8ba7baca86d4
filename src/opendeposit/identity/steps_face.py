"""Step 3: the liveness action challenge and the 1:1 face comparison.

The challenge is issued when the identity step passes (or on GET .../face/challenge); it is
random, expires, and is used once: every face attempt, passed or failed, consumes it, and a
failed attempt's error carries the next challenge in `details.challenge`. The selfie is
compared with the registry photo; if the registry returned none, with the portrait cropped
from the card photo, which is weaker evidence and sends the application to staff review.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from opendeposit import clock
from opendeposit.errors import OpenDepositError
from opendeposit.identity import agreements, errors, images
from opendeposit.identity.domain import Status, Step, check_step
from opendeposit.identity.evidence import blob_bytes, put_blob, record
from opendeposit.identity.kit import FlowSettings, IdentityKit
from opendeposit.identity.liveness import significant
from opendeposit.identity.ports import Action, LivenessResult
from opendeposit.identity.service import Application, context, count_attempt, for_step, load, save
from opendeposit.platform import Platform

MIN_FACE_PX = 80


def issue_challenge(flow: FlowSettings) -> dict[str, Any]:
    """A random action sequence with no action twice in a row."""
    rnd = secrets.SystemRandom()
    actions: list[str] = []
    while len(actions) < flow.liveness_actions:
        pick = rnd.choice([a.value for a in Action])
        if not actions or pick != actions[-1]:
            actions.append(pick)
    now = clock.utcnow()
    return {"nonce": secrets.token_urlsafe(12), "actions": actions,
            "issued_at": now.isoformat(), "expires_at": (now + flow.challenge_ttl).isoformat()}


def public_challenge(ch: dict[str, Any]) -> dict[str, Any]:
    return {"nonce": ch["nonce"], "actions": ch["actions"], "expires_at": ch["expires_at"],
            "frames_expected": len(ch["actions"])}


def _live(ch: dict[str, Any] | None) -> bool:
    return bool(ch) and datetime.fromisoformat(ch["expires_at"]) > clock.utcnow()  # type: ignore[index]


async def challenge(p: Platform, *, customer_id: int, application_id: int) -> dict[str, Any]:
    """The current challenge, or a fresh one when there is none or it expired."""
    app = await load(p, customer_id=customer_id, application_id=application_id)
    check_step(app.status, Step.FACE)
    if not _live(app.state.get("challenge")):
        app.state["challenge"] = issue_challenge(p.identity.flow)
        async with p.db.transaction() as conn:
            await save(conn, p, app)
    return public_challenge(app.state["challenge"])


@dataclass
class FaceOutcome:
    problem: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    liveness: LivenessResult | None = None
    score: float | None = None
    source: str = "none"  # registry | card_portrait | none


def analyse(kit: IdentityKit, selfie: images.Photo, frames: list[images.Photo],
            actions: list[Action], mirrored: bool, registry_photo: bytes | None,
            card_front: bytes | None) -> FaceOutcome:
    """All the CPU work of the face step (runs in a worker thread)."""
    if selfie.sha256 in {f.sha256 for f in frames}:
        return FaceOutcome("LIVENESS_FRAMES_REUSED", {"image": "selfie"})
    faces = significant(kit.faces.detect(selfie.image))
    if len(faces) != 1:
        return FaceOutcome("FACE_NOT_FOUND" if not faces else "FACE_MULTIPLE",
                           {"image": "selfie", "faces": len(faces)})
    face = faces[0]
    if face.box[2] < MIN_FACE_PX:
        return FaceOutcome("FACE_TOO_SMALL", {"image": "selfie"})
    live = kit.liveness.check(actions=actions, selfie=selfie.image, selfie_face=face,
                              frames=[f.image for f in frames],
                              frame_digests=[f.sha256 for f in frames], mirrored=mirrored)
    if not live.passed:
        bad = next((c for c in live.frames if not c.passed), None)
        where = {"image": "frame", "index": bad.index, "action": bad.action} if bad else {}
        return FaceOutcome(live.problem, where, live)
    vec = kit.faces.embed(kit.faces.aligned(selfie.image, face))
    for source, data in (("registry", registry_photo), ("card_portrait", card_front)):
        ref = _reference_vector(kit, data)
        if ref is not None:
            return FaceOutcome(None, {}, live, round(float((vec * ref).sum()), 4), source)
    return FaceOutcome(None, {}, live, None, "none")


def _reference_vector(kit: IdentityKit, data: bytes | None) -> Any:
    import cv2
    import numpy as np

    if not data:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    faces = kit.faces.detect(image)
    return kit.faces.embed(kit.faces.aligned(image, faces[0])) if faces else None


async def verify_face(p: Platform, *, customer_id: int, application_id: int,
                      selfie: bytes | None, frames: list[bytes], consent_version: str | None,
                      nonce: str | None, mirrored: bool, ip: str) -> dict[str, Any]:
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.FACE)
    ctx = context(app, f"customer:{customer_id}", ip)
    consent = agreements.BY_ID["face_data_consent"]
    if consent_version != consent.version:
        raise errors.FaceConsentRequired(details={"agreement": consent.id,
                                                  "version": consent.version})
    ch = app.state.get("challenge")
    if not ch or (nonce and nonce != ch["nonce"]):
        raise errors.ChallengeMissing()
    if not _live(ch):
        raise errors.ChallengeExpired()
    limit = p.identity.flow.upload_max_bytes
    try:
        photo = images.decode(selfie, max_bytes=limit, field="selfie")
        shots = [images.decode(f, max_bytes=limit, field=f"frames[{i}]")
                 for i, f in enumerate(frames)]
    except OpenDepositError as exc:
        await count_attempt(p, app, Step.FACE, ctx, problem=exc.code, detail=exc.details)
        raise
    if len(shots) != len(ch["actions"]):
        raise errors.FramesCount(details={"expected": len(ch["actions"]), "got": len(shots)})
    refs = await _references(p, app)
    outcome = await asyncio.to_thread(analyse, p.identity, photo, shots,
                                      [Action(a) for a in ch["actions"]], mirrored, *refs)
    outcome = _judge(p, outcome)
    await _keep(p, app, ctx, photo, shots, outcome, ch, consent.version)
    if outcome.problem:
        app.state["challenge"] = issue_challenge(p.identity.flow)
        await count_attempt(p, app, Step.FACE, ctx, problem=outcome.problem,
                            detail=outcome.details)
        raise errors.by_code(outcome.problem)(details={
            **outcome.details, "challenge": public_challenge(app.state["challenge"])})
    doubts = app.state.setdefault("doubts", [])
    doubts += [d for d in _face_doubts(p, outcome) if d not in doubts]
    app.state["face"] = {"score": outcome.score, "source": outcome.source}
    app.state.pop("challenge", None)
    async with p.db.transaction() as conn:
        await save(conn, p, app, status=Status.FACE)
    return {"id": app.id, "status": app.status.value, "next_step": Step.CARD.value,
            "face_match": {"passed": True, "source": outcome.source},
            "liveness": {"passed": True}}


def _judge(p: Platform, o: FaceOutcome) -> FaceOutcome:
    if o.problem is None and o.score is not None and o.score < p.identity.flow.face_review:
        o.problem, o.details = "FACE_MISMATCH", {"image": "selfie"}
    return o


def _face_doubts(p: Platform, o: FaceOutcome) -> list[str]:
    if o.source == "none":
        return ["FACE_REFERENCE_MISSING"]
    out = ["FACE_REFERENCE_WEAK"] if o.source == "card_portrait" else []
    if o.score is not None and o.score < p.identity.flow.face_match:
        out.append("FACE_GREY_ZONE")
    return out


async def _references(p: Platform, app: Application) -> tuple[bytes | None, bytes | None]:
    async with p.db.read() as conn:
        reg = app.state.get("registry_blob")
        front = app.state.get("front_blob")
        return (await blob_bytes(conn, p.identity.cipher, reg) if reg else None,
                await blob_bytes(conn, p.identity.cipher, front) if front else None)


async def _keep(p: Platform, app: Application, ctx: Any, selfie: images.Photo,
                frames: list[images.Photo], o: FaceOutcome, ch: dict[str, Any],
                consent_version: str) -> None:
    kit = p.identity
    models = (f"{kit.faces.detector.name} {kit.faces.detector.version}; "
              f"{kit.faces.recognizer.name} {kit.faces.recognizer.version}")
    outcome = o.problem or "ok"
    async with p.db.transaction() as conn:
        await record(conn, p.vault, application_id=app.id, step="face", kind="consent",
                     ctx=ctx, detail={"agreement": "face_data_consent",
                                      "version": consent_version})
        for kind, ph in [("selfie", selfie)] + [(f"liveness_frame_{i}", f)
                                                for i, f in enumerate(frames)]:
            blob = await put_blob(conn, kit.cipher, ph.data, ph.content_type)
            await record(conn, p.vault, application_id=app.id, step="face", kind=kind[:32],
                         ctx=ctx, blob_id=blob, outcome=outcome, detail={"sha256": ph.sha256})
        await record(conn, p.vault, application_id=app.id, step="face", kind="liveness",
                     ctx=ctx, model=f"{kit.liveness.model.name} {kit.liveness.model.version}",
                     outcome=outcome, detail={"challenge": ch, "result": o.liveness.as_dict()
                                              if o.liveness else None, **o.details})
        await record(conn, p.vault, application_id=app.id, step="face", kind="face_match",
                     ctx=ctx, model=models, outcome=outcome, detail={
                         "score": o.score, "source": o.source,
                         "threshold_match": kit.flow.face_match,
                         "threshold_review": kit.flow.face_review})

