"""Step 3: the liveness action challenge and the 1:1 face comparison.

The challenge is issued when the identity step passes (or on GET .../face/challenge); it is
random, expires, and is used once: every face attempt, passed or failed, consumes it, and a
failed attempt's error carries the next challenge in `details.challenge`. The pictures must be
bound to the challenge (capture.py: signed per picture by the client, or the sandbox's own
signed kit), new (the replay registry) and pass the signal checks (antispoof.py). The selfie is
compared with the registry photo; if the registry returned none, with the portrait cropped
from the card photo, which is weaker evidence and sends the application to staff review.
Every refused attempt counts toward the step's limit and keeps its pictures as evidence.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from opendeposit import clock
from opendeposit.errors import OpenDepositError
from opendeposit.identity import agreements, antispoof, capture, errors, images, replay
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
            "capture_key": capture.new_key(), "issued_at": now.isoformat(),
            "expires_at": (now + flow.challenge_ttl).isoformat(),
            "provider": flow.liveness_provider}


def public_challenge(ch: dict[str, Any]) -> dict[str, Any]:
    """What the client needs: the actions, and the key and rules to sign its pictures with."""
    rules = capture.CaptureRules()
    return {"nonce": ch["nonce"], "actions": ch["actions"], "expires_at": ch["expires_at"],
            "frames_expected": len(ch["actions"]), "capture_key": ch.get("capture_key"),
            "capture": {"version": 1, "labels": ["selfie", *ch["actions"]],
                        "min_gap_ms": rules.min_gap_ms},
            "provider": ch.get("provider", "local")}


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
    hashes: list[tuple[int, bytes]] = field(default_factory=list)
    signals: list[antispoof.Check] = field(default_factory=list)


def analyse(kit: IdentityKit, selfie: images.Photo, frames: list[images.Photo],
            actions: list[Action], mirrored: bool, registry_photo: bytes | None,
            card_front: bytes | None) -> FaceOutcome:
    """All the CPU work of the face step (runs in a worker thread)."""
    out = _analyse(kit, selfie, frames, actions, mirrored, registry_photo, card_front)
    live = out.liveness
    out.hashes = list(live.hashes) if live is not None and live.hashes else [
        antispoof.picture_hash(p.image) for p in [selfie, *frames]]  # the checker's, or now
    if out.liveness is not None:
        out.signals = list(out.liveness.signals)
    return out


def _analyse(kit: IdentityKit, selfie: images.Photo, frames: list[images.Photo],
             actions: list[Action], mirrored: bool, registry_photo: bytes | None,
             card_front: bytes | None) -> FaceOutcome:
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
        where = {"image": "frame", "index": bad.index, "action": bad.action} if bad else \
            {"image": "selfie"} if live.problem == "LIVENESS_SCREEN" else {}
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
                      nonce: str | None, mirrored: bool, ip: str,
                      capture_doc: str | None = None) -> dict[str, Any]:
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.FACE)
    ctx = context(app, f"customer:{customer_id}", ip)
    consent = agreements.BY_ID["face_data_consent"]
    if consent_version != consent.version:
        raise errors.FaceConsentRequired(details={"agreement": consent.id,
                                                  "version": consent.version})
    ch = app.state.get("challenge")
    if not ch or (nonce and nonce != ch["nonce"]) or not _live(ch):
        missing = not ch or bool(nonce and nonce != ch["nonce"])
        await _keep_raw(p, app, ctx, [selfie, *frames])
        await _refuse(p, app, ctx, "LIVENESS_CHALLENGE_MISSING" if missing
                      else "LIVENESS_CHALLENGE_EXPIRED", {"nonce_sent": bool(nonce)})
    limit = p.identity.flow.upload_max_bytes
    try:
        photo = images.decode(selfie, max_bytes=limit, field="selfie")
        shots = [images.decode(f, max_bytes=limit, field=f"frames[{i}]")
                 for i, f in enumerate(frames)]
    except OpenDepositError as exc:
        await _keep_raw(p, app, ctx, [selfie, *frames])
        await _refuse(p, app, ctx, exc.code, exc.details or {})
    if len(shots) != len(ch["actions"]):
        await _keep_raw(p, app, ctx, [selfie, *frames])
        await _refuse(p, app, ctx, "LIVENESS_FRAMES_COUNT",
                      {"expected": len(ch["actions"]), "got": len(shots)})
    pictures = [photo, *shots]
    kit_pass, bound = _binding(p, ch, pictures, capture_doc)
    if bound[0]:  # not bound to this challenge: nothing else is worth looking at
        outcome = FaceOutcome(bound[0], bound[1], hashes=await asyncio.to_thread(
            lambda: [antispoof.picture_hash(ph.image) for ph in pictures]))
    else:
        refs = await _references(p, app)
        outcome = await asyncio.to_thread(analyse, p.identity, photo, shots,
                                          [Action(a) for a in ch["actions"]], mirrored, *refs)
    await _spoof_decision(p, app, outcome, [ph.sha256 for ph in pictures], kit_pass)
    outcome = _judge(p, outcome)
    await _keep(p, app, ctx, photo, shots, outcome, ch, consent.version, kit_pass)
    if outcome.problem:
        await _refuse(p, app, ctx, outcome.problem, outcome.details, kept=True)
    doubts = app.state.setdefault("doubts", [])
    doubts += [d for d in _face_doubts(p, outcome) if d not in doubts]
    app.state["face"] = {"score": outcome.score, "source": outcome.source}
    app.state.pop("challenge", None)
    async with p.db.transaction() as conn:
        await save(conn, p, app, status=Status.FACE)
    return {"id": app.id, "status": app.status.value, "next_step": Step.CARD.value,
            "face_match": {"passed": True, "source": outcome.source},
            "liveness": {"passed": True}}


async def _keep_raw(p: Platform, app: Application, ctx: Any, uploads: list[bytes | None]
                    ) -> None:
    """The pictures of an attempt refused before they were read, kept as they came."""
    import hashlib

    async with p.db.transaction() as conn:
        for i, data in enumerate(uploads):
            if not data:
                continue
            blob = await put_blob(conn, p.identity.cipher, data,
                                  images.sniff(data) or "application/octet-stream")
            await record(conn, p.vault, application_id=app.id, step="face",
                         kind="selfie" if i == 0 else f"liveness_frame_{i - 1}", ctx=ctx,
                         blob_id=blob, outcome="refused",
                         detail={"sha256": hashlib.sha256(data).hexdigest()})


async def _refuse(p: Platform, app: Application, ctx: Any, problem: str,
                  details: dict[str, Any], *, kept: bool = False) -> NoReturn:
    """Count the failed attempt (with its evidence), issue the next challenge, raise."""
    app.state["challenge"] = issue_challenge(p.identity.flow)
    await count_attempt(p, app, Step.FACE, ctx, problem=problem, detail=details,
                        kind="attempt" if kept else "refused")
    raise errors.by_code(problem)(details={
        **details, "challenge": public_challenge(app.state["challenge"])})


def _binding(p: Platform, ch: dict[str, Any], pictures: list[images.Photo],
             capture_doc: str | None) -> tuple[bool, tuple[str | None, dict[str, Any]]]:
    """(the sandbox's own signed kit?, (a capture-protocol problem, its details))."""
    labels = ["selfie", *ch["actions"]]
    key = p.identity.kit_key
    if key and all(capture.kit_signed(ph.data, key=key, nonce=ch["nonce"], i=i, label=label)
                   for i, (ph, label) in enumerate(zip(pictures, labels, strict=True))):
        return True, (None, {})
    if not p.identity.flow.capture_signature:
        return False, (None, {})
    signed = capture.parse(capture_doc, nonce=ch["nonce"])
    if isinstance(signed, str):
        return False, (signed, {})
    elapsed = clock.utcnow() - datetime.fromisoformat(ch["issued_at"])
    problem, at = capture.verify(key=ch["capture_key"], nonce=ch["nonce"], labels=labels,
                                 digests=[ph.sha256 for ph in pictures], signed=signed,
                                 elapsed_ms=int(elapsed.total_seconds() * 1000))
    where = {} if at is None else ({"image": "selfie"} if at == 0 else
                                   {"image": "frame", "index": at - 1})
    return False, (problem, where)


async def _spoof_decision(p: Platform, app: Application, o: FaceOutcome, digests: list[str],
                          kit_pass: bool) -> None:
    """Replays are refused for everyone; the signal checks decide except for the sandbox's own
    signed kit (a warped still by design). Every picture joins the replay registry."""
    policy = p.identity.spoof_policy
    attempt = app.attempts(Step.FACE.value) + 1
    async with p.db.transaction() as conn:
        check = await replay.find(conn, digests=digests, hashes=o.hashes, policy=policy,
                                  exact_only=set(range(len(digests))) if kit_pass else None)
        await replay.remember(conn, application_id=app.id, attempt=attempt, digests=digests,
                              hashes=o.hashes)
    o.signals.append(check)
    if o.problem and (o.problem.startswith("CAPTURE_") or check.passed):
        return  # a replay outranks what the analysis found; a broken binding outranks both
    problem, deciding = antispoof.judge([check] if kit_pass or o.problem else o.signals,
                                        policy)
    if problem and deciding is not None:
        at = deciding.frame
        o.problem = problem
        o.details = {} if at is None else ({"image": "selfie"} if at == 0 else
                                           {"image": "frame", "index": at - 1})


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
                consent_version: str, kit_pass: bool = False) -> None:
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
                     outcome=outcome, detail={
                         "challenge": {k: v for k, v in ch.items() if k != "capture_key"},
                         "result": o.liveness.as_dict() if o.liveness else None,
                         "signals": [c.as_dict() for c in o.signals], "sandbox_kit": kit_pass,
                         "policy": vars(kit.spoof_policy), **o.details})
        await record(conn, p.vault, application_id=app.id, step="face", kind="face_match",
                     ctx=ctx, model=models, outcome=outcome, detail={
                         "score": o.score, "source": o.source,
                         "threshold_match": kit.flow.face_match,
                         "threshold_review": kit.flow.face_review})



# --------------------------------------------------------------------------- vendor liveness


async def vendor_session(p: Platform, *, customer_id: int, application_id: int
                         ) -> dict[str, Any]:
    """Starts a FaceID-style session: the client runs the vendor's SDK with the token."""
    app = await load(p, customer_id=customer_id, application_id=application_id)
    check_step(app.status, Step.FACE)
    vendor = p.identity.vendor
    if vendor is None:
        raise errors.ChallengeMissing(details={"provider": "local"})
    session = await vendor.start(reference=f"onboarding-{app.id}")
    app.state["vendor_token"] = session.token
    async with p.db.transaction() as conn:
        await save(conn, p, app)
    return {"provider": "vendor", "token": session.token, "client": session.client,
            "expires_in": session.expires_in}


async def verify_vendor(p: Platform, *, customer_id: int, application_id: int, token: str,
                        consent_version: str | None, ip: str) -> dict[str, Any]:
    """The face step with a vendor: fetch the result by token (never trust the client's word),
    then compare the vendor's best frame with the registry photo here."""
    app = await for_step(p, customer_id=customer_id, application_id=application_id,
                         step=Step.FACE)
    ctx = context(app, f"customer:{customer_id}", ip)
    consent = agreements.BY_ID["face_data_consent"]
    if consent_version != consent.version:
        raise errors.FaceConsentRequired(details={"agreement": consent.id,
                                                  "version": consent.version})
    vendor = p.identity.vendor
    if vendor is None or app.state.get("vendor_token") != token:
        await _refuse(p, app, ctx, "LIVENESS_CHALLENGE_MISSING", {"vendor_token": True})
    result = await vendor.result(token=token)
    if not result.done:
        raise errors.VendorPending()
    app.state.pop("vendor_token", None)
    model = f"{vendor.model.name} {vendor.model.version}"
    detail = {"vendor_code": result.code, "passed": result.passed, **result.detail}
    if not result.passed or not result.best_frame:
        await count_attempt(p, app, Step.FACE, ctx, problem="LIVENESS_VENDOR_FAILED",
                            detail=detail, kind="liveness", model=model)
        raise errors.VendorFailed(details={"vendor_code": result.code})
    photo = images.decode(result.best_frame, field="best_frame")
    refs = await _references(p, app)
    outcome = await asyncio.to_thread(_compare_only, p.identity, photo, *refs)
    outcome = _judge(p, outcome)
    async with p.db.transaction() as conn:
        blob = await put_blob(conn, p.identity.cipher, photo.data, photo.content_type)
        await record(conn, p.vault, application_id=app.id, step="face", kind="selfie",
                     ctx=ctx, blob_id=blob, outcome=outcome.problem or "ok", model=model,
                     detail={"sha256": photo.sha256, "source": "vendor best frame"})
        await record(conn, p.vault, application_id=app.id, step="face", kind="liveness",
                     ctx=ctx, model=model, outcome=outcome.problem or "ok", detail=detail)
        await record(conn, p.vault, application_id=app.id, step="face", kind="consent",
                     ctx=ctx, detail={"agreement": consent.id, "version": consent.version})
        await record(conn, p.vault, application_id=app.id, step="face", kind="face_match",
                     ctx=ctx, outcome=outcome.problem or "ok", detail={
                         "score": outcome.score, "source": outcome.source})
    if outcome.problem:
        await _refuse(p, app, ctx, outcome.problem, outcome.details, kept=True)
    doubts = app.state.setdefault("doubts", [])
    doubts += [d for d in _face_doubts(p, outcome) if d not in doubts]
    app.state["face"] = {"score": outcome.score, "source": outcome.source, "vendor": True}
    app.state.pop("challenge", None)
    async with p.db.transaction() as conn:
        await save(conn, p, app, status=Status.FACE)
    return {"id": app.id, "status": app.status.value, "next_step": Step.CARD.value,
            "face_match": {"passed": True, "source": outcome.source},
            "liveness": {"passed": True, "provider": "vendor"}}


def _compare_only(kit: IdentityKit, photo: images.Photo, registry_photo: bytes | None,
                  card_front: bytes | None) -> FaceOutcome:
    faces = significant(kit.faces.detect(photo.image))
    if len(faces) != 1:
        return FaceOutcome("FACE_NOT_FOUND" if not faces else "FACE_MULTIPLE",
                           {"image": "selfie"})
    vec = kit.faces.embed(kit.faces.aligned(photo.image, faces[0]))
    for source, data in (("registry", registry_photo), ("card_portrait", card_front)):
        ref = _reference_vector(kit, data)
        if ref is not None:
            return FaceOutcome(None, {}, None, round(float((vec * ref).sum()), 4), source)
    return FaceOutcome(None, {}, None, None, "none")
