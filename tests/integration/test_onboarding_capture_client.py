"""The face step takes pictures signed by the clients' own code: web/m/src/capture.js (the H5
app's, which miniprogram/scripts/build.js converts into the mini-program), run by Node on a real
challenge from the API. The models are replaced by a passing analysis: what is under test is the
binding of the pictures to the challenge, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from opendeposit.identity import antispoof, images, steps_face
from opendeposit.identity.sandbox.identities import BY_KEY
from opendeposit.platform import Platform
from tests.helpers import api_client
from tests.identity_support import customer, fast_forward, person_fields

CAPTURE_JS = Path(__file__).parents[2] / "web" / "m" / "src" / "capture.js"
SIGN = """
import { captureField } from %s
let input = ''
process.stdin.on('data', (d) => { input += d })
process.stdin.on('end', () => {
  const { challenge, pictures } = JSON.parse(input)
  const bytes = (b64) => Uint8Array.from(Buffer.from(b64, 'base64'))
  const signed = pictures.map((p) => ({ bytes: bytes(p.b64), t: p.t }))
  process.stdout.write(captureField(challenge, signed))
})
"""


def node_capture(challenge: dict[str, Any], pictures: list[bytes], times: list[int]) -> str:
    """The `capture` field as the H5 app and the mini-program compute it (their capture.js)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (the client's capture.js runs on it)")
    doc = {"challenge": challenge,
           "pictures": [{"b64": base64.b64encode(p).decode(), "t": t}
                        for p, t in zip(pictures, times, strict=True)]}
    script = SIGN % json.dumps(CAPTURE_JS.as_uri())
    out = subprocess.run([node, "--input-type=module", "-e", script], input=json.dumps(doc),
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout


def noise_jpeg(seed: int) -> bytes:
    """A picture no earlier attempt has seen (the replay registry remembers every one)."""
    import numpy as np

    pixels = np.random.default_rng(seed).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    out = io.BytesIO()
    img = Image.fromarray(pixels)
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def passing_analysis(calls: list[int]) -> Any:
    def analyse(kit: Any, selfie: images.Photo, frames: list[images.Photo], *_: Any) -> Any:
        calls.append(1 + len(frames))
        return steps_face.FaceOutcome(
            score=0.9, source="registry",
            hashes=[antispoof.picture_hash(p.image) for p in [selfie, *frames]])
    return analyse


async def _face(c: httpx.AsyncClient, base: str, auth: dict[str, str], pictures: list[bytes],
                ch: dict[str, Any], capture: str) -> httpx.Response:
    files = [("selfie", ("selfie.jpg", pictures[0], "image/jpeg"))] + [
        ("frames", (f"frame-{i}.jpg", f, "image/jpeg")) for i, f in enumerate(pictures[1:])]
    data = {"face_consent_version": "2025.1", "nonce": ch["nonce"], "mirrored": "false",
            "capture": capture}
    return await c.post(f"{base}/face", files=files, data=data, headers=auth)


async def test_pictures_signed_by_the_clients_capture_js_pass_the_binding(
        platform: Platform, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(steps_face, "analyse", passing_analysis(calls))
    ident = BY_KEY["gd-shenzhen"]
    async with api_client(platform) as c:
        _, auth = await customer(platform, ident.phone)
        r = await c.post("/api/v1/onboarding", json={"device_id": "mp-1"}, headers=auth)
        base = f"/api/v1/onboarding/{r.json()['id']}"
        await fast_forward(platform, r.json()["id"], "identity", person_fields(ident))
        ch = (await c.get(f"{base}/face/challenge", headers=auth)).json()
        n = 1 + len(ch["actions"])

        # signed, then one picture swapped: the signature no longer covers the bytes sent
        pictures = [noise_jpeg(i) for i in range(n)]
        capture = node_capture(ch, pictures, list(range(n)))
        r = await _face(c, base, auth, [noise_jpeg(99), *pictures[1:]], ch, capture)
        assert r.status_code == 422 and r.json()["error"]["code"] == "CAPTURE_SIGNATURE_INVALID"
        assert r.json()["error"]["details"]["image"] == "selfie"
        assert calls == []  # a broken binding is refused before any analysis

        # the next challenge, new pictures, signed by the client's code: accepted
        ch = r.json()["error"]["details"]["challenge"]
        pictures = [noise_jpeg(100 + i) for i in range(n)]
        capture = node_capture(ch, pictures, list(range(n)))
        signed = json.loads(capture)["frames"]
        assert [f["t"] for f in signed] == [200 * i for i in range(n)]  # spaced by min_gap_ms
        r = await _face(c, base, auth, pictures, ch, capture)
        assert r.status_code == 200, r.text
        assert (r.json()["status"], r.json()["next_step"]) == ("face", "card")
        assert calls == [n]
