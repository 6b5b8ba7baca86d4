"""The identity context's adapters and settings, built once by bootstrap (the only wiring place).

Models are not loaded here: the OCR and face engines load lazily on first use (or on
`warm_up()`), so the API starts fast and a process that never onboards never loads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from opendeposit.config import Settings
from opendeposit.db import Database
from opendeposit.identity.evidence import BlobCipher
from opendeposit.identity.liveness import ActionLiveness, Thresholds
from opendeposit.identity.ports import CitizenRegistry, FaceEngine, LivenessChecker, OcrEngine
from opendeposit.identity.rules import Policy


@dataclass(frozen=True)
class FlowSettings:
    idle: timedelta = timedelta(minutes=30)
    face_match: float = 0.45  # SFace cosine at or above: the same person
    face_review: float = 0.363  # [face_review, face_match): staff review; below: mismatch
    liveness_actions: int = 3
    challenge_ttl: timedelta = timedelta(minutes=5)
    max_attempts: dict[str, int] = field(default_factory=lambda: {
        "id_card": 10, "identity": 3, "face": 5, "card": 5})
    upload_max_bytes: int = 8 * 1024 * 1024
    service_area_bbox: tuple[float, float, float, float] = (20.2, 109.6, 25.6, 117.4)
    min_sharpness: float = 25.0  # Laplacian variance below which a card photo is too blurry


@dataclass
class IdentityKit:
    ocr: OcrEngine
    registry: CitizenRegistry
    faces: FaceEngine
    liveness: LivenessChecker
    cipher: BlobCipher
    policy: Policy
    flow: FlowSettings

    def warm_up(self) -> None:
        """Load the local models now (a worker's start-up), instead of on the first request."""
        for engine in (self.ocr, self.faces):
            warm = getattr(engine, "warm_up", None)
            if warm:
                warm()


def _shared_engines() -> tuple[OcrEngine, FaceEngine]:
    """One OCR and one face engine per process, shared by every platform built in it."""
    global _ENGINES
    if _ENGINES is None:
        from opendeposit.identity.adapters.face_opencv import OpenCvFaceEngine
        from opendeposit.identity.adapters.ocr_rapid import RapidOcrEngine

        _ENGINES = (RapidOcrEngine(), OpenCvFaceEngine())
    return _ENGINES


_ENGINES: tuple[OcrEngine, FaceEngine] | None = None


def build_identity(settings: Settings, db: Database, *, data_key: Any,
                   registry_secret: bytes) -> IdentityKit:
    """`data_key`: the key, or the platform's DataCipher (follows key rotation);
    `registry_secret`: the citizen registry's own HMAC secret."""
    from opendeposit.identity.adapters.registry import HttpRegistry, SandboxRegistry

    registry: CitizenRegistry
    if settings.is_sandbox:
        registry = SandboxRegistry(db)
    elif settings.citizen_registry_url:
        registry = HttpRegistry(settings.citizen_registry_url, secret=registry_secret)
    else:
        raise SystemExit("production needs OPENDEPOSIT_CITIZEN_REGISTRY_URL")
    ocr, faces = _shared_engines()
    area = tuple(x.strip() for x in settings.service_area.split(",") if x.strip())
    bbox = tuple(float(x) for x in settings.service_area_bbox.split(","))
    flow = FlowSettings(idle=timedelta(minutes=settings.onboarding_idle_minutes),
                        face_match=settings.face_match_threshold,
                        face_review=settings.face_review_threshold,
                        liveness_actions=settings.liveness_actions,
                        service_area_bbox=bbox)  # type: ignore[arg-type]
    return IdentityKit(ocr=ocr, registry=registry, faces=faces,
                       liveness=ActionLiveness(faces, Thresholds()),
                       cipher=BlobCipher(data_key), policy=Policy(service_area=area), flow=flow)
