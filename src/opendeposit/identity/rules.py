"""The opening decision as pure rules: opened, review or rejected, with every reason (§11.6–11.8).

Reasons are collected, not short-circuited, so staff see the whole picture; any rejecting
reason wins over review reasons. The rule set has a version stored with each decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from opendeposit.identity.domain import age_on

RULE_VERSION = "2025.06-1"


class Outcome(StrEnum):
    OPENED = "opened"
    REVIEW = "review"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Reason:
    code: str
    message_en: str
    message_zh: str
    rejects: bool  # False: a doubt for staff review


REASONS = {r.code: r for r in (
    Reason("AGE_OUT_OF_RANGE", "Remote opening is for customers aged 18 to 70.",
           "线上开户仅限18至70周岁客户。", True),
    Reason("ID_CARD_EXPIRED", "The ID card has expired.", "身份证已过期。", True),
    Reason("ID_CARD_EXPIRING_SOON", "The ID card expires within 30 days.",
           "身份证将在30天内到期。", True),
    Reason("ACCOUNT_ALREADY_OPEN", "You already have an open Class II account with us.",
           "您已在本行开立Ⅱ类账户。", True),
    Reason("BLACKLISTED", "We cannot open an account online for you; please visit a branch.",
           "暂无法为您线上开户，请到网点咨询。", True),
    Reason("OUT_OF_SERVICE_AREA", "Online accounts are for customers in our service area.",
           "本行线上开户仅面向服务区域内客户。", True),
    Reason("VELOCITY_DEVICE", "Too many applications from this device.",
           "该设备开户申请过于频繁。", True),
    Reason("VELOCITY_PHONE", "Too many applications for this mobile number.",
           "该手机号开户申请过于频繁。", True),
    Reason("VELOCITY_IP", "Many applications from this network.",
           "同一网络开户申请较多。", False),
    Reason("OUT_OF_AREA_WITH_PROOF", "ID issued outside the service area; proof of residence "
           "to be checked.", "证件签发地不在服务区域，居住证明待审核。", False),
    Reason("FACE_GREY_ZONE", "The face comparison score is in the doubtful band.",
           "人脸比对分数处于待复核区间。", False),
    Reason("FACE_REFERENCE_WEAK", "The face was compared only with the card's portrait.",
           "人脸仅与证件照比对，需人工复核。", False),
    Reason("FACE_REFERENCE_MISSING", "No reference photo to compare the face with.",
           "无可比对的证件照片，需人工复核。", False),
    Reason("OCR_NAME_DOUBT", "The name read from the card is doubtful (rare characters or "
           "corrected by hand).", "证件姓名识别存疑（生僻字或经手工修改）。", False),
    Reason("ID_NUMBER_CORRECTED", "The ID number was corrected by hand after OCR.",
           "身份号码经手工修改。", False),
    Reason("ID_VALIDITY_UNUSUAL", "The card's validity period is not a standard length.",
           "证件有效期限不符合常规年限。", False),
    Reason("ID_CARD_COPY", "The card photo looks like a copy.", "证件疑似复印件。", False),
    Reason("ID_CARD_SCREEN", "The card photo looks like a screen re-shoot.", "证件疑似屏幕翻拍。",
           False),
    Reason("ID_CARD_GLARE", "Glare over a field of the card.", "证件字段有反光。", False),
    Reason("ID_CARD_INCOMPLETE", "The card is not wholly in the photo.", "证件不完整。", False),
    Reason("ID_CARD_OCCLUDED", "Part of the card is covered.", "证件有遮挡。", False),
    Reason("ID_CARD_EDITED", "A field of the card photo looks edited.",
           "证件字段疑似被修改（PS）。", False),
    Reason("ID_CARD_TEMPORARY", "A temporary ID card was used.", "使用临时身份证。", False),
)}


@dataclass(frozen=True)
class Policy:
    min_age: int = 18
    max_age: int = 70
    expiry_buffer_days: int = 30
    service_area: tuple[str, ...] = ("44",)  # region-code prefixes: Guangdong
    velocity_device: int = 3
    velocity_phone: int = 3
    velocity_ip: int = 10


@dataclass(frozen=True)
class Facts:
    business_date: date
    birth_date: date
    id_valid_to: date | None  # None: long-term
    region_code: str
    location_in_area: bool | None  # None: no location given
    has_residence_proof: bool
    has_open_account: bool
    blacklist_hits: tuple[str, ...] = ()
    applications_24h: dict[str, int] = field(default_factory=dict)  # device, phone, ip
    doubts: tuple[str, ...] = ()  # review reasons found during the steps


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    rule_version: str = RULE_VERSION

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]


def in_service_area(region_code: str, policy: Policy) -> bool:
    return any(region_code.startswith(prefix) for prefix in policy.service_area)


def decide(f: Facts, policy: Policy) -> Decision:
    codes: list[str] = []
    if not policy.min_age <= age_on(f.birth_date, f.business_date) <= policy.max_age:
        codes.append("AGE_OUT_OF_RANGE")
    if f.id_valid_to is not None:
        if f.id_valid_to < f.business_date:
            codes.append("ID_CARD_EXPIRED")
        elif f.id_valid_to < f.business_date + timedelta(days=policy.expiry_buffer_days):
            codes.append("ID_CARD_EXPIRING_SOON")
    if f.has_open_account:
        codes.append("ACCOUNT_ALREADY_OPEN")
    if f.blacklist_hits:
        codes.append("BLACKLISTED")
    codes += _local_customer(f, policy)
    counts = f.applications_24h
    for key, limit in (("device", policy.velocity_device), ("phone", policy.velocity_phone),
                       ("ip", policy.velocity_ip)):
        if counts.get(key, 0) > limit:
            codes.append(f"VELOCITY_{key.upper()}")
    codes += [d for d in f.doubts if d not in codes]
    reasons = tuple(REASONS[c] for c in codes)
    if any(r.rejects for r in reasons):
        return Decision(Outcome.REJECTED, tuple(r for r in reasons if r.rejects))
    return Decision(Outcome.REVIEW if reasons else Outcome.OPENED, reasons)


def _local_customer(f: Facts, policy: Policy) -> list[str]:
    """客户属地化 (§2.3, §11.8): ID prefecture in the area, else location in it + proof."""
    if in_service_area(f.region_code, policy):
        return []
    if f.location_in_area and f.has_residence_proof:
        return ["OUT_OF_AREA_WITH_PROOF"]
    return ["OUT_OF_SERVICE_AREA"]


def needs_residence_proof(f: Facts, policy: Policy) -> bool:
    """Out-of-area ID, located inside the area, no proof uploaded yet: ask before deciding."""
    return (not in_service_area(f.region_code, policy) and bool(f.location_in_area)
            and not f.has_residence_proof)


def location_in_area(lat: float, lon: float, bbox: tuple[float, float, float, float]) -> bool:
    """A coarse geofence: the service area's bounding box (lat_min, lon_min, lat_max, lon_max)."""
    return bbox[0] <= lat <= bbox[2] and bbox[1] <= lon <= bbox[3]
