"""The OCR and face steps through the HTTP API with the real models (cached per session; SQLite
only — the database side of these steps is covered on both engines by the end-to-end test)."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest
from PIL import Image

from opendeposit.identity.evidence import put_blob
from opendeposit.identity.sandbox.identities import BY_KEY
from opendeposit.platform import Platform
from tests.helpers import api_client
from tests.identity_support import (
    customer,
    fast_forward,
    link_samples,
    person_fields,
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


async def _kit(c: httpx.AsyncClient, key: str, actions: list[str]) -> tuple[bytes, list[bytes]]:
    kit = (await c.post(f"/sandbox/identities/{key}/face-kit", json={"actions": actions})).json()
    return base64.b64decode(kit["selfie"]), [base64.b64decode(f) for f in kit["frames"]]


async def _face(c: httpx.AsyncClient, base: str, auth: dict[str, str], selfie: bytes,
                frames: list[bytes], *, consent: str | None = "2025.1",
                nonce: str | None = None) -> httpx.Response:
    files = [("selfie", ("s.jpg", selfie, "image/jpeg"))] + [
        ("frames", (f"{i}.jpg", f, "image/jpeg")) for i, f in enumerate(frames)]
    data = {k: v for k, v in {"face_consent_version": consent, "nonce": nonce}.items() if v}
    return await c.post(f"{base}/face", files=files, data=data, headers=auth)


async def test_face_step_refusals_then_success(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        base, auth = await _at_face_step(p, c, idents["gd-shenzhen"])
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        selfie, frames = await _kit(c, "gd-shenzhen", ch["actions"])
        assert code(await _face(c, base, auth, selfie, frames, consent=None)) == \
            "FACE_CONSENT_REQUIRED"
        assert code(await _face(c, base, auth, selfie, frames, nonce="stale")) == \
            "LIVENESS_CHALLENGE_MISSING"
        assert code(await _face(c, base, auth, selfie, frames[:1])) == "LIVENESS_FRAMES_COUNT"
        blank = jpeg(Image.new("RGB", (480, 640), (230, 230, 230)))
        r = await _face(c, base, auth, blank, frames)
        assert code(r) == "FACE_NOT_FOUND" and r.json()["error"]["details"]["image"] == "selfie"
        ch = r.json()["error"]["details"]["challenge"]  # a failed attempt brings the next one
        s_img = Image.open(io.BytesIO(selfie))
        pair = Image.new("RGB", (s_img.width * 2, s_img.height))
        pair.paste(s_img, (0, 0))
        pair.paste(s_img.transpose(Image.Transpose.FLIP_LEFT_RIGHT), (s_img.width, 0))
        r = await _face(c, base, auth, jpeg(pair), frames)
        assert code(r) == "FACE_MULTIPLE"
        ch = r.json()["error"]["details"]["challenge"]
        r = await _face(c, base, auth, selfie, [selfie] * len(ch["actions"]))
        assert code(r) == "LIVENESS_FRAMES_REUSED"
        ch = r.json()["error"]["details"]["challenge"]
        other_selfie, other_frames = await _kit(c, "gd-guangzhou", ch["actions"])
        r = await _face(c, base, auth, other_selfie, other_frames)
        assert code(r) == "FACE_MISMATCH"
        ch = r.json()["error"]["details"]["challenge"]
        selfie, frames = await _kit(c, "gd-shenzhen", ch["actions"])
        ok = await _face(c, base, auth, selfie, frames, nonce=ch["nonce"])
        assert ok.status_code == 200, ok.text
        assert ok.json()["face_match"]["source"] == "registry"


async def test_card_portrait_fallback_sends_to_review(sqlite_platform: Platform) -> None:
    p = sqlite_platform
    async with api_client(p) as c:
        idents = await _prepared(p, c)
        ident = idents["gd-guangzhou"]
        base, auth = await _at_face_step(p, c, ident, registry_photo=False)
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        selfie, frames = await _kit(c, "gd-guangzhou", ch["actions"])
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
