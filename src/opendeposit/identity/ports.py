"""Ports of the identity context: OCR, citizen-ID registry, face engine and liveness checker.

Each port has a local or sandbox implementation in `adapters/` and is open for a vendor's SDK
or service (a certified liveness SDK, the NCIIC channel, a cloud OCR) without touching the
onboarding flow. The CPU-bound ports are synchronous; services call them in a worker thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

Point = tuple[float, float]


@dataclass(frozen=True)
class ModelInfo:
    """What produced a result: stored with every piece of evidence."""

    name: str
    version: str


@dataclass(frozen=True)
class OcrLine:
    text: str
    score: float
    box: tuple[Point, ...]  # four corners, clockwise from top-left

    @property
    def x(self) -> float:
        return min(p[0] for p in self.box)

    @property
    def y(self) -> float:
        return sum(p[1] for p in self.box) / len(self.box)

    @property
    def height(self) -> float:
        ys = [p[1] for p in self.box]
        return max(ys) - min(ys)


class OcrEngine(Protocol):
    model: ModelInfo

    def read(self, image: Any) -> list[OcrLine]:
        """Text lines of a BGR image (numpy array), any order."""
        ...


class RegistryResult(StrEnum):
    MATCH = "match"  # 一致 (with the photo)
    NAME_MISMATCH = "name_mismatch"  # 不一致
    NOT_FOUND = "not_found"  # 库中无此号
    INVALIDATED = "invalidated"  # 失效身份证: name and number match, this card was reported
    # lost or replaced (失效居民身份证信息核查, since 2018)


@dataclass(frozen=True)
class RegistryAnswer:
    result: RegistryResult
    photo: bytes | None = None  # JPEG/PNG of the registry photo when the answer is a match
    reference: str = ""  # the registry's transaction reference, kept as evidence


class CitizenRegistry(Protocol):
    """The PBOC–MPS citizen-ID online check (联网核查): name + ID number → match / not."""

    model: ModelInfo

    async def check(self, *, name: str, id_number: str, valid_from: date | None = None,
                    valid_to: date | None = None) -> RegistryAnswer:
        """`valid_from`/`valid_to` identify the card issue for the invalidated-card check."""
        ...


@dataclass(frozen=True)
class Face:
    box: tuple[float, float, float, float]  # x, y, w, h
    score: float
    landmarks: tuple[Point, ...]  # image-left eye, image-right eye, nose, mouth left, right

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]


class FaceEngine(Protocol):
    """Detection with five landmarks and an identity embedding (L2-normalised)."""

    detector: ModelInfo
    recognizer: ModelInfo

    def detect(self, image: Any) -> list[Face]: ...

    def aligned(self, image: Any, face: Face) -> Any:
        """The face warped to the recogniser's canonical 112×112 crop (BGR)."""
        ...

    def embed(self, aligned: Any) -> Any: ...


class Action(StrEnum):
    TURN_LEFT = "turn_left"  # the person's own left
    TURN_RIGHT = "turn_right"
    OPEN_MOUTH = "open_mouth"
    BLINK = "blink"


@dataclass(frozen=True)
class FrameCheck:
    index: int
    action: str
    passed: bool
    measure: float  # the action's measurement relative to the selfie
    same_person: float  # cosine to the selfie
    problem: str | None = None


@dataclass(frozen=True)
class LivenessResult:
    passed: bool
    problem: str | None  # a stable code when not passed
    frames: list[FrameCheck] = field(default_factory=list)
    model: ModelInfo = ModelInfo("action-challenge", "1")
    signals: list[Any] = field(default_factory=list)  # antispoof.Check of the attempt
    hashes: list[tuple[int, bytes]] = field(default_factory=list)  # per picture, selfie first

    def as_dict(self) -> dict[str, object]:
        return {"passed": self.passed, "problem": self.problem,
                "model": f"{self.model.name} {self.model.version}",
                "frames": [vars(f) for f in self.frames],
                "signals": [c.as_dict() for c in self.signals]}


class LivenessChecker(Protocol):
    """Checks uploaded frames against the issued action challenge.

    `selfie` and `frames` are decoded BGR images; `selfie_face` the selfie's main face.
    A vendor SDK would implement this port (and usually its own capture on the device).
    """

    model: ModelInfo

    def check(self, *, actions: list[Action], selfie: Any, selfie_face: Face,
              frames: list[Any], frame_digests: list[str], mirrored: bool) -> LivenessResult: ...


# --------------------------------------------------------------------------- five elements


class ElementResult(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    UNKNOWN = "unknown"  # the issuer could not say (card not found, not supported)


@dataclass(frozen=True)
class ElementsAnswer:
    """What a UnionPay-style five-element service answers: a result per element, never the
    holder's data. `card` is whether the issuer knows the card at all."""

    card: ElementResult
    name: ElementResult
    id_number: ElementResult
    phone: ElementResult
    class_one: ElementResult
    bank: str = ""  # the issuer's name (from the card's BIN; public)
    reference: str = ""

    def as_dict(self) -> dict[str, str]:
        return {k: v.value if isinstance(v, ElementResult) else v for k, v in vars(self).items()}


class CardElements(Protocol):
    """五要素认证: name, ID number, card number, reserved mobile, Class I; the issuer checks."""

    model: ModelInfo

    async def verify(self, *, card_number: str, name: str, id_number: str,
                     phone: str) -> ElementsAnswer: ...


# --------------------------------------------------------------------------- vendor liveness


@dataclass(frozen=True)
class VendorSession:
    """A FaceID-style start: the token the client SDK runs with, where it runs, until when."""

    token: str
    client: dict[str, Any]  # what the client needs to start the vendor's SDK or page
    expires_in: int


@dataclass(frozen=True)
class VendorResult:
    done: bool  # False: the customer has not finished in the vendor's SDK yet
    passed: bool = False
    code: str = ""  # the vendor's own result code, kept as evidence
    best_frame: bytes | None = None  # the frame the vendor chose (compared with the registry)
    detail: dict[str, Any] = field(default_factory=dict)


class VendorLiveness(Protocol):
    """The LivenessChecker port in the shape of a certified vendor (Tencent FaceID, Alibaba
    实人认证): the server starts a session for a token, the client runs the vendor's SDK with it
    (capture, liveness, anti-injection on the device), and the server fetches the result."""

    model: ModelInfo

    async def start(self, *, reference: str) -> VendorSession: ...

    async def result(self, *, token: str) -> VendorResult: ...
