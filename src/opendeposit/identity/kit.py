"""The identity context's adapters and settings, built once by bootstrap (the only wiring place).

Models are not loaded here: the OCR and face engines load lazily on first use (or on
`warm_up()`), so the API starts fast and a process that never onboards never loads them.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from opendeposit.config import Settings
from opendeposit.db import Database
from opendeposit.identity.antispoof import SpoofPolicy
from opendeposit.identity.doccheck import document_actions
from opendeposit.identity.evidence import BlobCipher
from opendeposit.identity.liveness import ActionLiveness, Thresholds
from opendeposit.identity.ports import (
    CardElements,
    CitizenRegistry,
    FaceEngine,
    LivenessChecker,
    OcrEngine,
    VendorLiveness,
)
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
    capture_signature: bool = True  # liveness pictures must be signed for the challenge
    liveness_provider: str = "local"  # local | vendor (a FaceID-style service)


@dataclass
class IdentityKit:
    ocr: OcrEngine
    registry: CitizenRegistry
    faces: FaceEngine
    liveness: LivenessChecker
    cipher: BlobCipher
    policy: Policy
    flow: FlowSettings
    spoof_policy: SpoofPolicy = field(default_factory=SpoofPolicy)
    kit_key: bytes | None = None  # sandbox only: signs the sandbox's own face kits
    documents: dict[str, str] = field(default_factory=dict)  # warning code → block|review|off
    elements: CardElements | None = None  # the five-element check (match/mismatch only)
    vendor: VendorLiveness | None = None  # a FaceID-style service, when configured

    def use_sandbox_elements(self, cards: object) -> None:
        """The sandbox's five-element check answers from its own card network."""
        from opendeposit.identity.adapters.elements import SandboxCardElements

        if self.elements is None:
            self.elements = SandboxCardElements(cards)

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
                   registry_secret: bytes, elements_secret: bytes = b"",
                   vendor_secret: bytes = b"") -> IdentityKit:
    """`data_key`: the key, or the platform's DataCipher (follows key rotation);
    `registry_secret`, `elements_secret`, `vendor_secret`: each outside party's own HMAC
    secret. The sandbox signs its face kits with a key made here (one per process)."""
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
    flow = replace(flow, capture_signature=settings.liveness_capture_signature,
                   liveness_provider=settings.liveness_provider)
    spoof = spoof_policy(settings.liveness_policy)
    kit_key = secrets.token_bytes(32) if settings.is_sandbox else None
    return IdentityKit(ocr=ocr, registry=registry, faces=faces,
                       liveness=ActionLiveness(faces, Thresholds(), spoof),
                       cipher=BlobCipher(data_key), policy=Policy(service_area=area), flow=flow,
                       spoof_policy=spoof, kit_key=kit_key,
                       documents=document_actions(settings.document_checks),
                       elements=build_elements(settings, elements_secret),
                       vendor=build_vendor(settings, db, vendor_secret))


def build_elements(settings: Settings, secret: bytes) -> CardElements | None:
    """The five-element check: in the sandbox its card network (bootstrap wires it); in
    production the card network's element service (CARD_ELEMENTS_URL, else the network's
    own URL), signed with the card network's secret."""
    from opendeposit.identity.adapters.elements import HttpCardElements

    url = settings.card_elements_url or ("" if settings.is_sandbox
                                         else settings.card_network_url)
    return HttpCardElements(url, secret=secret) if url else None


def build_vendor(settings: Settings, db: Database, secret: bytes) -> VendorLiveness | None:
    """The FaceID-style service when `liveness_provider=vendor` (its sandbox when no URL)."""
    from opendeposit.identity.adapters.faceid import HttpFaceId, SandboxFaceId

    if settings.liveness_provider != "vendor":
        return None
    if settings.liveness_vendor_url:
        return HttpFaceId(settings.liveness_vendor_url, secret=secret)
    if not settings.is_sandbox:
        raise SystemExit("liveness_provider=vendor needs OPENDEPOSIT_LIVENESS_VENDOR_URL")
    return SandboxFaceId(db, public_url=settings.public_url)


def spoof_policy(raw: str) -> SpoofPolicy:
    """The default policy with the overrides of OPENDEPOSIT_LIVENESS_POLICY (JSON)."""
    if not raw:
        return SpoofPolicy()
    try:
        return replace(SpoofPolicy(), **json.loads(raw))
    except (ValueError, TypeError) as exc:
        raise SystemExit(f"OPENDEPOSIT_LIVENESS_POLICY is not valid: {exc}") from exc
