"""The OCR and face steps through the HTTP API with the real models (cached per session; SQLite
only — the database side of these steps is covered on both engines by the end-to-end test)."""

from __future__ import annotations

import base64
import io
import random
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import select

from opendeposit.identity.evidence import put_blob
from opendeposit.identity.models import onboarding_evidence
from opendeposit.identity.sandbox.identities import BY_KEY
from opendeposit.platform import Platform
from tests.helpers import api_client
from tests.identity_support import (
    customer,
    fast_forward,
    link_samples,
    person_fields,
    signed_capture,
    use_cached_models,
)

pytestmark = pytest.mark.slow
AGREE = [{"id": a, "version": "2025.1"} for a in ("account_terms", "privacy_policy",
                                                   "anti_fraud_pledge")]


def code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


def jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


async def _prepared(p: Platform, c: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    link_samples(p)
    use_cached_models(p)
    return {i["key"]: i for i in (await c.get("/sandbox/identities")).json()["items"]}


async def test_card_photos_that_need_a_retake(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    async with api_client(p) as c:
        ident = (await _prepared(p, c))["gd-shenzhen"]
        _, auth = await customer(p, ident["phone"])
        app_id = (await c.post("/api/v1/onboarding", json={"device_id": "d"},
                               headers=auth)).json()["id"]
        url = f"/api/v1/onboarding/{app_id}/id-card"
        front = (await c.get(ident["images"]["front"])).content
        back = (await c.get(ident["images"]["back"])).content
        swapped = await c.post(url, files={"front": ("b.jpg", back), "back": ("f.jpg", front)},
                               headers=auth)
        assert code(swapped) == "ID_CARD_WRONG_SIDE"
        assert swapped.json()["error"]["details"]["side"] == "front"
        blank = jpeg(Image.new("RGB", (900, 560), (245, 245, 245)))
        r = await c.post(url, files={"front": ("f.jpg", blank), "back": ("b.jpg", back)},
                         headers=auth)
        assert code(r) == "ID_CARD_NOT_FOUND"
        ok = await c.post(url, files={"front": ("f.jpg", front), "back": ("b.jpg", back)},
                          headers=auth)
        assert ok.status_code == 200 and ok.json()["fields"]["long_term"] is False


async def _at_face_step(p: Platform, c: httpx.AsyncClient, ident: dict[str, Any], *,
                        registry_photo: bool = True) -> tuple[str, dict[str, str]]:
    key = ident["key"]
    _, auth = await customer(p, ident["phone"])
    app_id = (await c.post("/api/v1/onboarding", json={"device_id": "d"},
                           headers=auth)).json()["id"]
    front = (await c.get(ident["images"]["front"])).content
    photo = (await c.get(ident["images"]["photo"])).content
    async with p.db.transaction() as conn:
        state = {"front_blob": await put_blob(conn, p.identity.cipher, front, "image/jpeg")}
        if registry_photo:
            state["registry_blob"] = await put_blob(conn, p.identity.cipher, photo, "image/jpeg")
    await fast_forward(p, app_id, "identity", person_fields(BY_KEY[key]), state)
    return f"/api/v1/onboarding/{app_id}", auth


async def _kit(c: httpx.AsyncClient, key: str, ch: dict[str, Any] | list[str], *,
               signed: bool = True) -> tuple[bytes, list[bytes]]:
    """The sandbox's face kit for a challenge: signed for it (the sandbox's own pass) or not."""
    actions = ch if isinstance(ch, list) else ch["actions"]
    body: dict[str, Any] = {"actions": actions, "seed": random.randrange(1_000_000)}
    if signed and isinstance(ch, dict):
        body["nonce"] = ch["nonce"]
    kit = (await c.post(f"/sandbox/identities/{key}/face-kit", json=body)).json()
    return base64.b64decode(kit["selfie"]), [base64.b64decode(f) for f in kit["frames"]]


async def _face(c: httpx.AsyncClient, base: str, auth: dict[str, str], selfie: bytes,
                frames: list[bytes], *, consent: str | None = "2025.1",
                nonce: str | None = None, capture: str | None = None) -> httpx.Response:
    files = [("selfie", ("s.jpg", selfie, "image/jpeg"))] + [
        ("frames", (f"{i}.jpg", f, "image/jpeg")) for i, f in enumerate(frames)]
    data = {k: v for k, v in {"face_consent_version": consent, "nonce": nonce,
                              "capture": capture}.items() if v}
    return await c.post(f"{base}/face", files=files, data=data, headers=auth)


def _next(r: httpx.Response) -> dict[str, Any]:
    """A refused attempt brings the next challenge."""
    return dict(r.json()["error"]["details"]["challenge"])


async def _attempts(p: Platform, base: str) -> int:
    from opendeposit.identity.service import load_any

    async with p.db.read() as conn:
        app = await load_any(conn, p, int(base.rsplit("/", 1)[1]))
    return app.attempts("face")


async def test_capture_protocol_refusals_count_and_keep_evidence(
        sqlite_platform: Platform) -> None:
    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        base, auth = await _at_face_step(p, c, idents["gd-shenzhen"])
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        assert ch["capture_key"] and ch["capture"]["labels"][0] == "selfie"
        selfie, frames = await _kit(c, "gd-shenzhen", ch["actions"], signed=False)
        assert code(await _face(c, base, auth, selfie, frames, consent=None)) == \
            "FACE_CONSENT_REQUIRED"
        assert await _attempts(p, base) == 0  # no pictures were judged
        r = await _face(c, base, auth, selfie, frames, nonce="stale")
        assert code(r) == "LIVENESS_CHALLENGE_MISSING"
        ch = _next(r)
        r = await _face(c, base, auth, selfie, frames)  # no signatures: injected pictures
        assert code(r) == "CAPTURE_SIGNATURE_MISSING" and "app" in r.json()["error"]["message"]
        ch = _next(r)
        pictures = [selfie, *frames]
        swapped = signed_capture(ch, pictures, order=[0, 2, 1, 3])
        r = await _face(c, base, auth, selfie, frames, capture=swapped)
        assert code(r) == "CAPTURE_OUT_OF_ORDER"
        ch = _next(r)
        late = signed_capture(ch, pictures, start_ms=600_000)
        r = await _face(c, base, auth, selfie, frames, capture=late)
        assert code(r) == "CAPTURE_OUTSIDE_WINDOW"
        assert await _attempts(p, base) == 4
        ch = _next(r)
        selfie, frames = await _kit(c, "gd-shenzhen", ch)
        ok = await _face(c, base, auth, selfie, frames, nonce=ch["nonce"])
        assert ok.status_code == 200, ok.text
        assert ok.json()["face_match"]["source"] == "registry"
    async with p.db.read() as conn:
        rows = (await conn.execute(select(onboarding_evidence.c.kind,
                                          onboarding_evidence.c.outcome))).all()
    refused = [r.outcome for r in rows if r.kind in ("refused", "attempt")]
    assert {"LIVENESS_CHALLENGE_MISSING", "CAPTURE_SIGNATURE_MISSING",
            "CAPTURE_OUT_OF_ORDER", "CAPTURE_OUTSIDE_WINDOW"} <= set(refused)
    kept = [r for r in rows if r.kind == "selfie"]
    assert len(kept) >= 5  # every attempt's selfie is kept, refused ones too


async def test_warped_still_replay_and_screen_are_refused(sqlite_platform: Platform) -> None:
    import cv2
    import numpy as np

    from opendeposit.identity.sandbox.liveshot import on_screen

    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        base, auth = await _at_face_step(p, c, idents["gd-shenzhen"])
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        # the sandbox's warps of one still, without the sandbox's signature: a client that
        # injects them signs them like a camera would — the signal checks refuse them
        selfie, frames = await _kit(c, "gd-shenzhen", ch, signed=False)
        r = await _face(c, base, auth, selfie, frames,
                        capture=signed_capture(ch, [selfie, *frames]))
        assert code(r) in ("LIVENESS_STILL_PHOTO", "LIVENESS_ACTION_NOT_SEEN"), r.text
        ch = _next(r)
        # the same pictures again, re-encoded: a replay, whatever the signatures say
        def again(data: bytes) -> bytes:
            img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
            return bytes(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 80])[1])

        old = [again(selfie), *[again(f) for f in frames]]
        r = await _face(c, base, auth, old[0], old[1:], capture=signed_capture(ch, old))
        assert code(r) == "LIVENESS_REPLAY", r.text
        ch = _next(r)
        # a signed kit's selfie shown on a screen to the camera
        kit_selfie, kit_frames = await _kit(c, "gd-shenzhen", ch, signed=False)
        shown = on_screen(cv2.imdecode(np.frombuffer(kit_selfie, np.uint8), cv2.IMREAD_COLOR),
                          pitch=1.3)
        screen = bytes(cv2.imencode(".jpg", shown, [cv2.IMWRITE_JPEG_QUALITY, 92])[1])
        r = await _face(c, base, auth, screen, kit_frames,
                        capture=signed_capture(ch, [screen, *kit_frames]))
        assert code(r) in ("LIVENESS_SCREEN", "LIVENESS_STILL_PHOTO"), r.text
        ch = _next(r)
        # the sandbox's own kit for this challenge passes once; used again it is a replay
        selfie, frames = await _kit(c, "gd-shenzhen", ch)
        ok = await _face(c, base, auth, selfie, frames, nonce=ch["nonce"])
        assert ok.status_code == 200, ok.text
    async with api_client(p) as c:
        base2, auth2 = await _at_face_step(p, c, idents["gd-guangzhou"])
        ch2 = (await c.get(f"{base2}/face/challenge", headers=auth2)).json()
        r = await _face(c, base2, auth2, selfie, frames)  # kit signed for another challenge
        assert code(r) in ("LIVENESS_REPLAY", "CAPTURE_SIGNATURE_MISSING"), r.text
        assert ch2["nonce"] != ch["nonce"]


async def test_face_step_refusals_then_success(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        base, auth = await _at_face_step(p, c, idents["gd-shenzhen"])
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        selfie, frames = await _kit(c, "gd-shenzhen", ch)
        blank = jpeg(Image.new("RGB", (480, 640), (230, 230, 230)))
        r = await _face(c, base, auth, blank, frames, capture=signed_capture(
            ch, [blank, *frames]))
        assert code(r) == "FACE_NOT_FOUND" and r.json()["error"]["details"]["image"] == "selfie"
        ch = _next(r)
        s_img = Image.open(io.BytesIO(selfie))
        pair = Image.new("RGB", (s_img.width * 2, s_img.height))
        pair.paste(s_img, (0, 0))
        pair.paste(s_img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (s_img.width, 0))
        selfie, frames = await _kit(c, "gd-shenzhen", ch)
        two = jpeg(pair)
        r = await _face(c, base, auth, two, frames, capture=signed_capture(ch, [two, *frames]))
        assert code(r) == "FACE_MULTIPLE"
        ch = _next(r)
        other_selfie, other_frames = await _kit(c, "gd-guangzhou", ch)
        r = await _face(c, base, auth, other_selfie, other_frames)
        assert code(r) == "FACE_MISMATCH"
        ch = _next(r)
        selfie, frames = await _kit(c, "gd-shenzhen", ch)
        ok = await _face(c, base, auth, selfie, frames, nonce=ch["nonce"])
        assert ok.status_code == 200, ok.text
        assert ok.json()["face_match"]["source"] == "registry"


async def test_vendor_liveness_start_sdk_fetch(sqlite_platform: Platform) -> None:
    from opendeposit.identity.adapters.faceid import SandboxFaceId

    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        base, auth = await _at_face_step(p, c, idents["gd-shenzhen"])
        p.identity.vendor = SandboxFaceId(p.db)
        session = (await c.post(f"{base}/face/vendor-session", headers=auth)).json()
        assert session["provider"] == "vendor" and session["client"]["capture_url"]
        form = {"face_consent_version": "2025.1", "vendor_token": session["token"]}
        r = await c.post(f"{base}/face", data=form, headers=auth)
        assert code(r) == "LIVENESS_VENDOR_PENDING"  # the SDK has not reported yet
        sdk = session["client"]["capture_url"]
        assert (await c.post(sdk, data={"outcome": "spoof"})).status_code == 200
        r = await c.post(f"{base}/face", data=form, headers=auth)
        assert code(r) == "LIVENESS_VENDOR_FAILED"
        session = (await c.post(f"{base}/face/vendor-session", headers=auth)).json()
        photo = (await c.get(idents["gd-shenzhen"]["images"]["photo"])).content
        done = await c.post(session["client"]["capture_url"], data={"outcome": "pass"},
                            files={"selfie": ("best.jpg", photo, "image/jpeg")})
        assert done.status_code == 200, done.text
        ok = await c.post(f"{base}/face", data={**form, "vendor_token": session["token"]},
                          headers=auth)
        assert ok.status_code == 200, ok.text
        assert ok.json()["liveness"]["provider"] == "vendor"
        assert ok.json()["face_match"]["source"] == "registry"


async def test_card_portrait_fallback_sends_to_review(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        ident = idents["gd-guangzhou"]
        base, auth = await _at_face_step(p, c, ident, registry_photo=False)
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        selfie, frames = await _kit(c, "gd-guangzhou", ch)
        ok = await _face(c, base, auth, selfie, frames)
        assert ok.status_code == 200, ok.text
        assert ok.json()["face_match"]["source"] == "card_portrait"
        app_id = int(base.rsplit("/", 1)[1])
        await fast_forward(p, app_id, "card_confirmed", {
            "card_number": ident["card_number"], "card_bank": ident["bank"],
            "reserved_phone": ident["phone"]})
        r = await c.post(f"{base}/submit", json={"pin": "246810", "agreements": AGREE},
                         headers=auth)
        assert r.json()["status"] == "review" and r.json()["reason"] == "FACE_REFERENCE_WEAK"


@pytest.mark.parametrize(("key", "seed", "actions"), [
    ("gd-shenzhen", 7, ["blink", "open_mouth", "turn_left"]),
    ("gd-guangzhou", 57, ["blink", "turn_left", "open_mouth"]),
])
async def test_sandbox_kit_passes_the_checker_as_it_judges(
        sqlite_platform: Platform, key: str, seed: int, actions: list[str]) -> None:
    """Kits whose action the face step once missed (the kit judged its own frames on the
    un-encoded selfie): the kit now judges them as the face step does, so CI is not a lottery."""
    from opendeposit.identity import images
    from opendeposit.identity.liveness import significant
    from opendeposit.identity.ports import Action
    from opendeposit.identity.sandbox import identities

    p = sqlite_platform
    async with api_client(p) as c:
        await _prepared(p, c)
    wanted = [Action(a) for a in actions]
    kit = identities.face_kit(p, key, wanted, seed=seed)
    assert kit is not None
    selfie, *frames = [images.decode(base64.b64decode(s), field="x")
                       for s in [kit["selfie"], *kit["frames"]]]
    face = significant(p.identity.faces.detect(selfie.image))[0]
    live = p.identity.liveness.check(actions=wanted, selfie=selfie.image, selfie_face=face,
                                     frames=[f.image for f in frames],
                                     frame_digests=[f.sha256 for f in frames], mirrored=False)
    assert live.passed, (live.problem, [(f.action, f.measure) for f in live.frames])
